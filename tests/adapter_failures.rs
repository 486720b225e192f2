//! A crashing, hanging or garbled adapter fails its own vectors with a clear reason,
//! and the run goes on with a fresh process for every vector.

use mailspec_conformance::adapter::Adapter;
use mailspec_conformance::{run, Selection, VectorSet, Verdict};
use std::path::PathBuf;
use std::time::Duration;

fn vectors() -> VectorSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    VectorSet::load(&dir).expect("committed vectors load")
}

/// Runs the T7 vectors against an adapter command and returns each failure reason.
fn failure_reasons(command: &str) -> Vec<String> {
    let mut adapter = Adapter::new(command, Duration::from_secs(1));
    let selection = Selection { filter: Some("T7".into()) };
    let results = run(&mut adapter, &vectors(), &selection);
    assert!(results.len() >= 2, "expected several T7 vectors, got {}", results.len());
    results
        .into_iter()
        .map(|result| match result.verdict {
            Verdict::Fail(reason) => reason,
            other => panic!("{}: expected a failure, got {other:?}", result.name),
        })
        .collect()
}

#[test]
fn crashing_adapter_fails_each_vector() {
    for reason in failure_reasons("read request; exit 3") {
        assert!(reason.contains("exited"), "{reason}");
    }
}

#[test]
fn hanging_adapter_times_out_each_vector() {
    for reason in failure_reasons("exec sleep 30") {
        assert!(reason.contains("did not answer within 1 s"), "{reason}");
    }
}

#[test]
fn garbled_output_is_a_protocol_failure() {
    for reason in failure_reasons("read request; echo 'this is not json'; exec sleep 30") {
        assert!(reason.contains("broke the protocol"), "{reason}");
        assert!(reason.contains("this is not json"), "{reason}");
    }
}

#[test]
fn mismatched_response_id_is_a_protocol_failure() {
    let command = r#"read request; echo '{"type":"ready","id":99}'; exec sleep 30"#;
    for reason in failure_reasons(command) {
        assert!(reason.contains("does not match request id"), "{reason}");
    }
}

#[test]
fn missing_program_fails_without_stopping_the_run() {
    for reason in failure_reasons("/nonexistent/mailspec-adapter") {
        assert!(reason.contains("exited"), "{reason}");
    }
}

/// Returns a fresh path for an adapter command to append the pids of its background
/// children to.
#[cfg(target_os = "linux")]
fn pid_file(test: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("mailspec-pids-{test}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[cfg(target_os = "linux")]
fn recorded_pids(path: &std::path::Path) -> Vec<u32> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("the adapter wrote no pid file {}: {e}", path.display()));
    text.lines().map(|line| line.trim().parse().unwrap_or_else(|_| panic!("not a pid: {line:?}"))).collect()
}

/// True when no process has this pid, or only a zombie that no longer runs.
#[cfg(target_os = "linux")]
fn process_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return true };
    // The state letter follows the parenthesised command name.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    state == Some("Z") || state == Some("X")
}

/// Polls for up to five seconds, since a killed process disappears asynchronously.
#[cfg(target_os = "linux")]
fn gone_soon(pid: u32) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if process_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Runs the T7 vectors against `command`, with `PIDS` in it replaced by a pid file,
/// and returns the adapter, still alive, with the recorded pids.
#[cfg(target_os = "linux")]
fn run_recording_pids(test: &str, command: &str) -> (Adapter, Vec<u32>) {
    let pids = pid_file(test);
    let command = command.replace("PIDS", pids.to_str().expect("utf-8 temp path"));
    let mut adapter = Adapter::new(&command, Duration::from_secs(1));
    run(&mut adapter, &vectors(), &Selection { filter: Some("T7".into()) });
    let recorded = recorded_pids(&pids);
    let _ = std::fs::remove_file(&pids);
    assert!(!recorded.is_empty(), "the adapter started no background child");
    (adapter, recorded)
}

#[cfg(target_os = "linux")]
#[test]
fn timeout_kills_background_children() {
    let (_adapter, pids) = run_recording_pids("hello-timeout", "sleep 300 & echo $! >> PIDS; sleep 300");
    for pid in pids {
        assert!(gone_soon(pid), "background child {pid} outlived the timed-out adapter");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn reset_timeout_kills_background_children() {
    // Replies to the handshake with the request's id, then hangs on the reset.
    let command = r#"sleep 300 & echo $! >> PIDS
read hello
id=${hello#*\"id\":}; id=${id%%,*}
echo "{\"type\":\"hello\",\"id\":$id,\"protocol\":1,\"implementation\":\"stuck\",\"capabilities\":[\"tenancy\",\"devices\",\"mail\"]}"
sleep 300"#;
    let (_adapter, pids) = run_recording_pids("reset-timeout", command);
    assert!(pids.len() >= 3, "expected one adapter per T7 vector plus the first handshake, got {pids:?}");
    for pid in pids {
        assert!(gone_soon(pid), "background child {pid} outlived the timed-out adapter");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn crash_kills_background_children() {
    let (_adapter, pids) = run_recording_pids("crash", "sleep 300 > /dev/null & echo $! >> PIDS; read hello; exit 3");
    for pid in pids {
        assert!(gone_soon(pid), "background child {pid} outlived the crashed adapter");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn next_vector_and_drop_kill_background_children() {
    let command = format!("sleep 300 > /dev/null & echo $! >> PIDS; exec {} adapter", env!("CARGO_BIN_EXE_mailspec"));
    let (adapter, pids) = run_recording_pids("working", &command);
    let (last, earlier) = pids.split_last().expect("at least one pid");
    assert!(!earlier.is_empty(), "expected one adapter per vector, got {pids:?}");
    for pid in earlier {
        assert!(gone_soon(*pid), "background child {pid} outlived its vector");
    }
    assert!(!process_gone(*last), "the last adapter's child {last} died before the adapter was dropped");

    drop(adapter);
    assert!(gone_soon(*last), "background child {last} outlived the dropped adapter");
}
