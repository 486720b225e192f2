//! An implementation in another process, driven through the adapter protocol.
//!
//! Each request waits at most the step timeout for its response. A child that exits,
//! hangs or writes something that is not the protocol is killed, and the next
//! request starts a fresh child, so one broken vector never stops the run.
//!
//! On Unix the adapter command runs in a process group of its own, and killing the
//! child kills that whole group: the shell and every process the command started.
//! That happens on a timeout, a crash or a protocol error, at the reset that begins
//! each scenario vector, and when the `Adapter` is dropped.

use crate::implementation::{Capability, CryptoVerdict, Implementation, StoredObject, SutError};
use crate::protocol::{Request, Response, PROTOCOL_VERSION};
use mailspec_model::{Observation, Operation, World};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// The command line of an adapter, run through `sh -c`.
pub struct Adapter {
    command: String,
    timeout: Duration,
    child: Option<Running>,
    next_id: u64,
    name: String,
    capabilities: Option<BTreeSet<Capability>>,
}

struct Running {
    process: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    /// The exit status, once `stop` has reaped the child.
    status: Option<ExitStatus>,
}

impl Running {
    /// Kills the child's process group, then reaps the child and returns its exit
    /// status. The kill comes first, so the group is always signalled while its
    /// leader still exists and its id cannot have been reused.
    fn stop(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        kill_process_group(&mut self.process);
        let status = self.process.wait()?;
        self.status = Some(status);
        Ok(status)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// Sends SIGKILL to every process in the child's process group. The child leads that
/// group, because `spawn` starts it with `process_group(0)`.
///
/// NOTE: a process that the adapter moved into another group or session (`setsid`,
/// `setpgid`) is out of reach and outlives the adapter.
#[cfg(unix)]
fn kill_process_group(process: &mut Child) {
    let Ok(group) = libc::pid_t::try_from(process.id()) else {
        let _ = process.kill();
        return;
    };
    // SAFETY: kill(2) takes no pointers. A negative pid addresses the process group
    // with that id.
    let result = unsafe { libc::kill(-group, libc::SIGKILL) };
    if result != 0 {
        let _ = process.kill();
    }
}

#[cfg(not(unix))]
fn kill_process_group(process: &mut Child) {
    let _ = process.kill();
}

/// Maximum length of a response line, in bytes. The largest response that the committed
/// vectors request lists stored objects as base64, two 25 MiB attachments among them.
pub const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

/// Reads one line without its `\n` (or `\r\n`), or `None` at the end of the stream.
///
/// Returns an `InvalidData` error for a line longer than `max` bytes or not in UTF-8, so an
/// adapter that writes without a newline cannot make the runner buffer without limit.
fn read_bounded_line(reader: &mut impl BufRead, max: usize) -> std::io::Result<Option<String>> {
    let mut line = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut limited = std::io::Read::take(&mut *reader, limit);
    limited.read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }

    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    } else if line.len() > max {
        let detail = format!("a response line is longer than {max} bytes; expected one JSON object per line");
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, detail));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "a response line is not UTF-8"))
}

impl Adapter {
    pub fn new(command: &str, timeout: Duration) -> Adapter {
        Adapter { command: command.to_string(), timeout, child: None, next_id: 0, name: command.to_string(), capabilities: None }
    }

    fn spawn(&mut self) -> Result<(), SutError> {
        let mut command = Command::new("sh");
        command.arg("-c").arg(&self.command).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let mut process = command
            .spawn()
            .map_err(|e| SutError::Spawn { detail: format!("'{}': {e}", self.command) })?;
        let stdin = process.stdin.take().ok_or_else(|| SutError::Spawn { detail: "no stdin".into() })?;
        let stdout = process.stdout.take().ok_or_else(|| SutError::Spawn { detail: "no stdout".into() })?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let line = match read_bounded_line(&mut reader, MAX_LINE_BYTES) {
                    Ok(Some(line)) => Ok(line),
                    Ok(None) => break,
                    Err(error) => Err(error),
                };
                let failed = line.is_err();
                if sender.send(line).is_err() || failed {
                    break;
                }
            }
        });
        self.child = Some(Running { process, stdin, lines, status: None });
        self.handshake()
    }

    fn handshake(&mut self) -> Result<(), SutError> {
        let id = self.fresh_id();
        match self.exchange(Request::Hello { id, protocol: PROTOCOL_VERSION })? {
            Response::Hello { protocol, implementation, capabilities, .. } if protocol == PROTOCOL_VERSION => {
                self.name = implementation;
                self.capabilities = Some(capabilities.into_iter().collect());
                Ok(())
            }
            Response::Hello { protocol, .. } => Err(self.fail(SutError::Protocol {
                detail: format!("handshake offered protocol {protocol}, expected {PROTOCOL_VERSION}"),
            })),
            other => Err(self.fail(unexpected("hello", &other))),
        }
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Kills the child after a failure, so the next request starts a fresh one.
    fn fail(&mut self, error: SutError) -> SutError {
        self.child = None;
        error
    }

    /// Sends one request and waits for the response with the same id.
    fn exchange(&mut self, request: Request) -> Result<Response, SutError> {
        let timeout = self.timeout;
        let Some(child) = self.child.as_mut() else {
            return Err(SutError::Crashed { detail: "no running process".into() });
        };
        let line = serde_json::to_string(&request).map_err(|e| SutError::Protocol { detail: e.to_string() })?;
        let written = writeln!(child.stdin, "{line}").and_then(|_| child.stdin.flush());
        if let Err(e) = written {
            let status = child.stop().map(|s| s.to_string()).unwrap_or_else(|error| error.to_string());
            return Err(self.fail(SutError::Crashed { detail: format!("stdin closed ({e}), {status}") }));
        }

        let received = match child.lines.recv_timeout(timeout) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(self.fail(SutError::Protocol { detail: e.to_string() }));
            }
            Ok(Err(e)) => return Err(self.fail(SutError::Crashed { detail: format!("stdout failed: {e}") })),
            Err(RecvTimeoutError::Timeout) => return Err(self.fail(SutError::Timeout { seconds: timeout.as_secs() })),
            Err(RecvTimeoutError::Disconnected) => {
                let status = child.stop().map(|s| s.to_string()).unwrap_or_else(|error| error.to_string());
                return Err(self.fail(SutError::Crashed { detail: format!("{status} before sending a response") }));
            }
        };
        let response: Response = match serde_json::from_str(&received) {
            Ok(response) => response,
            Err(e) => {
                let shown: String = received.chars().take(120).collect();
                return Err(self.fail(SutError::Protocol { detail: format!("not a response ({e}): {shown:?}") }));
            }
        };
        if response.id() != request.id() {
            let detail = format!("response id {} does not match request id {}", response.id(), request.id());
            return Err(self.fail(SutError::Protocol { detail }));
        }
        if let Response::Error { code, message, .. } = response {
            return Err(SutError::Reported { code: code.to_string(), message });
        }
        Ok(response)
    }

    fn ensure_running(&mut self) -> Result<(), SutError> {
        if self.child.is_none() {
            self.spawn()?;
        }
        Ok(())
    }

    fn call(&mut self, make: impl FnOnce(u64) -> Request) -> Result<Response, SutError> {
        self.ensure_running()?;
        let id = self.fresh_id();
        self.exchange(make(id))
    }
}

fn unexpected(wanted: &str, got: &Response) -> SutError {
    let kind = serde_json::to_value(got)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default();
    SutError::Protocol { detail: format!("expected a {wanted} response, got {kind}") }
}

impl Implementation for Adapter {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn capabilities(&mut self) -> Result<BTreeSet<Capability>, SutError> {
        self.ensure_running()?;
        Ok(self.capabilities.clone().unwrap_or_default())
    }

    fn reset(&mut self, world: &World) -> Result<(), SutError> {
        // A fresh process per vector: nothing leaks from one vector to the next.
        self.child = None;
        match self.call(|id| Request::Reset { id, world: world.clone() })? {
            Response::Ready { .. } => Ok(()),
            other => Err(self.fail(unexpected("ready", &other))),
        }
    }

    fn apply(&mut self, op: &Operation) -> Result<Observation, SutError> {
        match self.call(|id| Request::Apply { id, operation: op.clone() })? {
            Response::Observation { observation, .. } => Ok(observation),
            other => Err(self.fail(unexpected("observation", &other))),
        }
    }

    fn stored_objects(&mut self) -> Result<Vec<StoredObject>, SutError> {
        match self.call(|id| Request::Stored { id })? {
            Response::Stored { objects, .. } => Ok(objects),
            other => Err(self.fail(unexpected("stored", &other))),
        }
    }

    fn delivered_links(&mut self) -> Result<Vec<String>, SutError> {
        match self.call(|id| Request::Links { id })? {
            Response::Links { urls, .. } => Ok(urls),
            other => Err(self.fail(unexpected("links", &other))),
        }
    }

    fn crypto_case(&mut self, construction: &str, case: &serde_json::Value) -> Result<CryptoVerdict, SutError> {
        let construction = construction.to_string();
        let case = case.clone();
        match self.call(|id| Request::Crypto { id, construction, case })? {
            Response::Crypto { verdict, .. } => Ok(verdict),
            other => Err(self.fail(unexpected("crypto", &other))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_bounded_line;
    use std::io::{BufReader, Cursor};

    fn lines(input: &[u8], max: usize) -> Vec<Result<String, String>> {
        let mut reader = BufReader::new(Cursor::new(input.to_vec()));
        let mut out = Vec::new();
        loop {
            match read_bounded_line(&mut reader, max) {
                Ok(Some(line)) => out.push(Ok(line)),
                Ok(None) => break,
                Err(error) => {
                    out.push(Err(error.to_string()));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn bounded_lines_strip_line_endings() {
        let read = lines(b"{\"a\":1}\r\n{}\nlast", 16);
        assert_eq!(read, vec![Ok("{\"a\":1}".to_string()), Ok("{}".to_string()), Ok("last".to_string())]);
    }

    #[test]
    fn line_at_the_limit_is_accepted() {
        assert_eq!(lines(b"12345678\n", 8), vec![Ok("12345678".to_string())]);
    }

    #[test]
    fn overlong_line_is_an_error() {
        let read = lines(b"123456789\n", 8);
        assert_eq!(read.len(), 1);
        let error = read[0].clone().unwrap_err();
        assert!(error.contains("longer than 8 bytes"), "{error}");
    }

    #[test]
    fn endless_line_stops_at_the_limit() {
        let read = lines(&[b'x'; 100], 10);
        assert!(read[0].is_err(), "{read:?}");
    }

    #[test]
    fn non_utf8_line_is_an_error() {
        let read = lines(b"\xff\xfe\n", 8);
        assert_eq!(read, vec![Err("a response line is not UTF-8".to_string())]);
    }
}
