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
