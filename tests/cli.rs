//! The command line: exit codes, one-line usage errors, JSON output and trace files.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn mailspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailspec")).args(args).output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_usage_error(args: &[&str], must_name: &[&str]) {
    let output = mailspec(args);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
    let text = stderr(&output);
    let error_lines: Vec<&str> = text.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{args:?}: expected one error line, got {text:?}");
    for fragment in must_name {
        assert!(error_lines[0].contains(fragment), "{args:?}: {:?} lacks {fragment:?}", error_lines[0]);
    }
}

#[test]
fn unknown_configuration_is_a_usage_error() {
    assert_usage_error(&["check", "--config", "huge"], &["'huge'", "small, default, large"]);
}

#[test]
fn bad_thread_counts_are_usage_errors() {
    for count in ["0", "-1", "1025", "many", "1.5"] {
        assert_usage_error(&["check", "--threads", count], &["--threads", &format!("'{count}'"), "whole number from 1 to 1024"]);
    }
}

#[test]
fn negative_numbers_are_one_line_errors() {
    assert_usage_error(&["simulate", "--steps", "-5"], &["--steps", "'-5'", "at least 1"]);
    assert_usage_error(&["simulate", "--seed", "-3"], &["--seed", "'-3'", "whole number from 0"]);
    assert_usage_error(&["conform", "--timeout", "-1"], &["--timeout", "'-1'", "at least 1"]);
}

#[test]
fn bad_strategy_format_scope_and_mutant_are_usage_errors() {
    assert_usage_error(&["check", "--strategy", "random"], &["'random'", "bfs or dfs"]);
    assert_usage_error(&["check", "--format", "xml"], &["'xml'", "human or json"]);
    assert_usage_error(&["check", "--config", "small", "--scope", "nowhere"], &["'nowhere'", "keys"]);
    assert_usage_error(&["check", "--mutant", "gremlin"], &["'gremlin'", "revoke_without_rotation"]);
}

#[test]
fn unwritable_trace_path_is_a_usage_error() {
    let path = "/nonexistent-mailspec-dir/trace.json";
    assert_usage_error(&["check", "--config", "small", "--trace-out", path], &[path]);
}

#[test]
fn explorer_serves_on_loopback_only() {
    assert_usage_error(&["explore", "--addr", "0.0.0.0:3000"], &["'0.0.0.0:3000'", "loopback"]);
    assert_usage_error(&["explore", "--addr", "localhost"], &["'localhost'", "IP:PORT"]);
}

#[test]
fn explorer_on_busy_port_is_usage_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = listener.local_addr().expect("local address").to_string();

    let (code, text) = run_for_at_most_60_s(&["explore", "--addr", &address], Path::new("."));

    assert_eq!(code, Some(2), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let error_lines: Vec<&str> = text.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{text}");
    assert!(error_lines[0].contains(&address), "{}", error_lines[0]);
    assert!(error_lines[0].contains("--addr"), "{}", error_lines[0]);
}

/// Waits for the child to exit and returns its status. After `limit` it kills the
/// child and returns None.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn small_check_passes_with_json_report_and_progress() {
    let output = mailspec(&["check", "--config", "small", "--threads", "2", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("progress: scope="), "no progress line");

    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is one JSON object");
    assert_eq!(report["configuration"], "small");
    assert_eq!(report["completed"], true);
    assert!(report["unique_states"].as_u64().unwrap_or(0) > 0);
    assert!(report["seconds"].as_f64().is_some());
    let properties = report["properties"].as_array().expect("properties array");
    assert_eq!(properties.len(), 60);
    for property in properties {
        assert!(property["rules"].as_array().is_some_and(|rules| !rules.is_empty()));
        let status = property["status"].as_str().unwrap_or("");
        assert!(status == "holds" || status == "reached", "{property}");
    }
}

#[test]
fn violation_exits_one_and_writes_the_trace() {
    let dir = std::env::temp_dir().join(format!("mailspec-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("trace.json");
    let path_text = path.to_str().expect("utf-8 path");

    let args = [
        "check",
        "--config",
        "small",
        "--scope",
        "keys",
        "--mutant",
        "revoke_without_rotation",
        "--stop-on-violation",
        "--trace-out",
        path_text,
    ];
    let output = mailspec(&args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("violation of revoked_device_reads_no_later_mail"), "{stdout}");
    assert!(stdout.contains("   1. add_device"), "{stdout}");

    let trace: mailspec::check::Trace =
        serde_json::from_slice(&std::fs::read(&path).expect("trace written")).expect("trace is JSON");
    assert_eq!(trace.property, "revoked_device_reads_no_later_mail");
    assert_eq!(trace.steps.len(), 4);
    let _ = std::fs::remove_dir_all(&dir);
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns an empty directory under the system temp directory, unique to this test.
fn empty_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mailspec-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

#[test]
fn unknown_filter_rule_is_usage_error() {
    let vectors = repo().join("vectors");
    let vectors = vectors.to_str().expect("utf-8 path");
    assert_usage_error(&["conform", "--vectors", vectors, "--filter", "X99"], &["'X99'", "--filter", "docs/spec.md"]);
}

#[test]
fn filter_accepts_rule_in_any_case() {
    let vectors = repo().join("vectors");
    let output = mailspec(&["conform", "--vectors", vectors.to_str().expect("utf-8 path"), "--filter", "d7"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("0 failed"));
}

#[test]
fn record_lists_the_files_it_removes() {
    let dir = empty_dir("record");
    std::fs::create_dir_all(dir.join("scenarios")).expect("create scenarios/");
    std::fs::create_dir_all(dir.join("crypto")).expect("create crypto/");
    std::fs::write(dir.join("scenarios/retired_scenario.json"), "{}").expect("write");
    std::fs::write(dir.join("crypto/retired_cases.json"), "{}").expect("write");
    std::fs::write(dir.join("scenarios/notes.txt"), "kept").expect("write");
    std::fs::write(dir.join("scenarios/policy_is_set_once.json"), "{}").expect("write");

    let output = mailspec(&["record", "--vectors", dir.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let removed: Vec<&str> = stdout.lines().filter(|line| line.starts_with("removed ")).collect();
    assert_eq!(removed.len(), 2, "{stdout}");
    assert!(removed.iter().any(|line| line.contains("retired_scenario.json")), "{stdout}");
    assert!(removed.iter().any(|line| line.contains("retired_cases.json")), "{stdout}");

    assert!(!dir.join("scenarios/retired_scenario.json").exists());
    assert!(!dir.join("crypto/retired_cases.json").exists());
    assert!(dir.join("scenarios/notes.txt").exists(), "record deleted a file that is not JSON");
    assert!(dir.join("scenarios/policy_is_set_once.json").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_help_mentions_deletion() {
    let output = mailspec(&["record", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("deleted"), "{help}");
}

/// Runs the command with no arguments in `dir` and returns its exit code and stderr.
/// The run must stop before the model check, so one past 60 s is killed and fails.
fn run_default_in(dir: &Path) -> (Option<i32>, String) {
    run_for_at_most_60_s(&[], dir)
}

/// Runs the command with `args` in `dir` and returns its exit code and stderr. A run
/// past 60 s is killed, and its exit code is `None`.
fn run_for_at_most_60_s(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailspec"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    let mut text = String::new();
    child.stderr.take().expect("piped stderr").read_to_string(&mut text).expect("stderr is UTF-8");
    (status.and_then(|s| s.code()), text)
}

#[test]
fn default_run_without_vectors_fails_fast() {
    let dir = empty_dir("no-vectors");
    let (code, text) = run_default_in(&dir);
    assert_eq!(code, Some(2), "{text}");
    assert!(!text.contains("progress:"), "the model check started: {text}");
    let error_lines: Vec<&str> = text.lines().filter(|line| line.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{text}");
    assert!(error_lines[0].contains("./vectors"), "{}", error_lines[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_run_with_broken_vector_fails_fast() {
    let dir = empty_dir("broken-vectors");
    std::fs::create_dir_all(dir.join("vectors/scenarios")).expect("create vectors/scenarios/");
    std::fs::write(dir.join("vectors/scenarios/broken.json"), "{ not json").expect("write");
    let (code, text) = run_default_in(&dir);
    assert_eq!(code, Some(2), "{text}");
    assert!(!text.contains("progress:"), "the model check started: {text}");
    assert!(text.lines().any(|line| line.starts_with("error:") && line.contains("broken.json")), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Shell lines that reply to the handshake with the request's id and claim the
/// capabilities of the T7 vectors. The lines appended to it handle later requests.
const HANDSHAKE: &str = r#"read hello
id=${hello#*\"id\":}; id=${id%%,*}
printf '%s\n' "{\"type\":\"hello\",\"id\":$id,\"protocol\":1,\"implementation\":\"scripted\",\"capabilities\":[\"tenancy\",\"devices\",\"mail\"]}"
"#;

#[test]
fn junit_with_control_characters_parses() {
    let command = format!(
        "{HANDSHAKE}{}",
        r#"while read request; do
id=${request#*\"id\":}; id=${id%%,*}
printf '%s\n' "{\"type\":\"error\",\"id\":$id,\"code\":\"internal\",\"message\":\"\\u001b[31mred\\u0000\"}"
done"#
    );
    let vectors = repo().join("vectors");
    let output = mailspec(&["conform", "--vectors", vectors.to_str().expect("utf-8 path"), "--sut-cmd", &command, "--filter", "T7", "--format", "junit"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let junit = String::from_utf8(output.stdout).expect("JUnit is UTF-8");
    assert!(junit.contains(r"\u{001b}[31mred\u{0000}"), "{junit}");

    // Python's XML parser rejects any character XML 1.0 forbids.
    let mut parser = Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs; install Python 3 to run this test");
    std::io::Write::write_all(&mut parser.stdin.take().expect("piped stdin"), junit.as_bytes()).expect("write to python3");
    let parsed = parser.wait_with_output().expect("python3 finishes");
    assert!(parsed.status.success(), "the JUnit report is not well-formed XML: {}", String::from_utf8_lossy(&parsed.stderr));
}

/// True when no process has this pid, or only a zombie that no longer runs.
#[cfg(target_os = "linux")]
fn process_gone(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return true };
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    state == Some("Z") || state == Some("X")
}

#[cfg(target_os = "linux")]
#[test]
fn hung_adapter_leaves_no_background_child() {
    let dir = empty_dir("hung-adapter");
    let pids = dir.join("pids");
    let command = format!("sleep 300 > /dev/null & echo $! >> {}\n{HANDSHAKE}sleep 300", pids.display());
    let vectors = repo().join("vectors");
    let output = mailspec(&["conform", "--vectors", vectors.to_str().expect("utf-8 path"), "--sut-cmd", &command, "--filter", "T7", "--timeout", "1"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("did not answer within 1 s"));

    let recorded = std::fs::read_to_string(&pids).expect("the adapter wrote its pids");
    let pids: Vec<u32> = recorded.lines().map(|line| line.parse().expect("a pid")).collect();
    assert!(pids.len() >= 2, "expected an adapter per vector, got {pids:?}");
    // The command has exited, so every kill has been sent. Delivery can take a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && !pids.iter().all(|pid| process_gone(*pid)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in pids {
        assert!(process_gone(pid), "background child {pid} outlived `mailspec conform`");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_scope_check_leaves_other_witnesses_unjudged() {
    let output = mailspec(&["check", "--config", "small", "--scope", "calendar", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the JSON report parses");

    assert!(output.status.success(), "a passing scope must exit 0: {}", stderr(&output));
    let properties = report["properties"].as_array().expect("properties");
    let statuses: Vec<&str> = properties.iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"not_judged"), "{statuses:?}");
    assert!(!statuses.contains(&"unreached"), "{statuses:?}");
}

#[test]
fn one_scope_check_still_fails_on_a_violation() {
    let output = mailspec(&["check", "--config", "small", "--scope", "calendar", "--mutant", "e2ee_calendar", "--stop-on-violation"]);

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("VIOLATED"));
}

#[test]
fn closed_stdout_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailspec"))
        .args(["check", "--config", "small", "--scope", "calendar"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(child.stdout.take());

    let output = child.wait_with_output().expect("the binary finishes");
    let stderr = stderr(&output);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn empty_adapter_command_is_a_usage_error() {
    assert_usage_error(&["conform", "--sut-cmd", "  "], &["--sut-cmd"]);
}

#[test]
fn trace_file_is_left_only_for_a_violation() {
    let path = std::env::temp_dir().join(format!("mailspec-no-trace-{}.json", std::process::id()));
    let path_text = path.to_str().expect("a UTF-8 temp path");

    let output = mailspec(&["check", "--config", "small", "--scope", "calendar", "--trace-out", path_text]);

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!path.exists(), "{} must not be left behind", path.display());
    assert!(stderr(&output).contains("no trace was written"), "{}", stderr(&output));
}

#[test]
fn filter_without_vector_names_filter() {
    let vectors = repo().join("vectors");
    let output = mailspec(&["conform", "--vectors", vectors.to_str().expect("utf-8 path"), "--filter", "T8"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("0 passed, 0 failed, 0 skipped"), "{stdout}");
    assert!(stdout.contains("nothing ran: no vector covers --filter T8, and rule T8 is out of scope"), "{stdout}");
    assert!(!stdout.contains("every vector was skipped"), "{stdout}");
}

#[test]
fn vectors_without_crypto_run_with_notice() {
    let dir = empty_dir("no-crypto");
    std::fs::create_dir_all(dir.join("scenarios")).expect("create scenarios/");
    std::fs::copy(repo().join("vectors/scenarios/policy_is_set_once.json"), dir.join("scenarios/policy_is_set_once.json")).expect("copy");
    let output = mailspec(&["conform", "--vectors", dir.to_str().expect("utf-8 path")]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let notices: Vec<&str> = text.lines().filter(|line| line.starts_with("notice:")).collect();
    assert_eq!(notices.len(), 1, "{text}");
    assert!(notices[0].contains("no crypto vector runs"), "{}", notices[0]);
    assert!(notices[0].contains(&dir.join("crypto").display().to_string()), "{}", notices[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vectors_without_scenarios_are_usage_error() {
    let dir = empty_dir("no-scenarios");
    std::fs::create_dir_all(dir.join("crypto")).expect("create crypto/");
    std::fs::copy(repo().join("vectors/crypto/link.json"), dir.join("crypto/link.json")).expect("copy");
    let scenarios = dir.join("scenarios");
    assert_usage_error(
        &["conform", "--vectors", dir.to_str().expect("utf-8 path")],
        &[scenarios.to_str().expect("utf-8 path"), "missing", "scenario vectors", "mailspec record"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
