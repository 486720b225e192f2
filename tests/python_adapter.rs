//! The example Python adapter in `conformance/examples/python/` passes every scenario
//! vector and crypto file whose capabilities it claims, through `mailspec conform --sut-cmd`.
//!
//! The test needs `python3` on PATH and fails with a message when it is missing.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Every capability of protocol version 1, as `docs/adapter-protocol.md` lists them.
const CAPABILITIES: [&str; 9] =
    ["tenancy", "devices", "backup_keys", "escrow", "mail", "links", "calendar", "probes", "crypto"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require_python3() {
    let output = Command::new("python3").arg("--version").output();
    match output {
        Ok(output) if output.status.success() => {}
        Ok(output) => panic!(
            "`python3 --version` failed with {}: {}; install Python 3 to run the example adapter",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!("python3 could not be started ({error}); install Python 3 to run the example adapter"),
    }
}

fn number(report: &Value, field: &str) -> u64 {
    report[field].as_u64().unwrap_or_else(|| panic!("report field {field:?} is not a whole number: {}", report[field]))
}

#[test]
fn python_adapter_passes_claimed_vectors() {
    require_python3();
    let adapter = repo().join("conformance/examples/python/adapter.py");
    assert!(adapter.is_file(), "{} is missing", adapter.display());
    let vectors = repo().join("vectors");

    // The runner passes the command to `sh -c`, so quote the path for the shell.
    let sut_cmd = format!("python3 '{}'", adapter.display().to_string().replace('\'', r"'\''"));
    let output = Command::new(env!("CARGO_BIN_EXE_mailspec"))
        .args(["conform", "--sut-cmd", &sut_cmd, "--vectors"])
        .arg(&vectors)
        .args(["--format", "json"])
        .output()
        .expect("the mailspec binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("the JSON report does not parse ({error}); stdout: {stdout}; stderr: {stderr}"));

    assert_eq!(report["implementation"], "mailspec-python-example", "implementation name");
    let claimed: Vec<&str> = report["capabilities"]
        .as_array()
        .expect("capabilities is an array")
        .iter()
        .map(|capability| capability.as_str().expect("each capability is a string"))
        .collect();
    for needed in ["tenancy", "devices", "calendar"] {
        assert!(claimed.contains(&needed), "the adapter does not claim {needed}: {claimed:?}");
    }

    let results = report["results"].as_array().expect("results is an array");
    let failures: Vec<String> = results
        .iter()
        .filter(|result| result["verdict"]["verdict"] == "fail")
        .map(|result| format!("{}: {}", result["name"], result["verdict"]["reason"]))
        .collect();
    assert_eq!(number(&report, "failed"), 0, "failed vectors:\n{}\nstderr: {stderr}", failures.join("\n"));
    assert!(number(&report, "passed") >= 5, "only {} vectors passed", number(&report, "passed"));
    assert!(number(&report, "skipped") > 0, "no vector was skipped, so the subset claims too much");

    // A scenario is skipped for a capability the adapter does not claim. A crypto file
    // is skipped for the same reason, or, when the adapter claims `crypto`, because
    // the adapter returned the verdict `unsupported` for that file's construction.
    let unclaimed: Vec<&str> = CAPABILITIES.iter().copied().filter(|name| !claimed.contains(name)).collect();
    for result in results.iter().filter(|result| result["verdict"]["verdict"] == "skip") {
        let name = result["name"].as_str().expect("each result has a name");
        let reason = result["verdict"]["reason"].as_str().unwrap_or_default();
        let words: Vec<&str> = reason.split(|c: char| !(c.is_ascii_lowercase() || c == '_')).collect();
        let construction = name.strip_prefix("crypto/").filter(|_| claimed.contains(&"crypto"));
        assert!(
            unclaimed.iter().any(|capability| words.contains(capability))
                || construction.is_some_and(|construction| words.contains(&construction)),
            "{name}: the skip reason {reason:?} names no unclaimed capability ({unclaimed:?}) and no unsupported construction"
        );
    }

    assert!(output.status.success(), "mailspec conform exited with {}; stderr: {stderr}", output.status);
}
