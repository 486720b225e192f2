//! The trace formats: a pinned human rendering, and JSON round trips of arbitrary
//! operations and observations.

use arbitrary::{Arbitrary, Unstructured};
use mailspec::check::{self, CheckOptions, Trace, TraceStep};
use mailspec::model::{ModelMutant, Observation, Operation};
use quickcheck::quickcheck;

#[test]
fn human_trace_of_a_revocation_without_rotation() {
    let options = CheckOptions {
        config: "small".into(),
        threads: 1,
        mutant: Some(ModelMutant::RevokeWithoutRotation),
        scope: Some("keys".into()),
        stop_on_violation: true,
        ..CheckOptions::default()
    };
    let report = check::run(&options).expect("runs");
    let trace = report
        .violations
        .iter()
        .find(|t| t.property == "revoked_device_reads_no_later_mail")
        .expect("the mutant is caught");
    insta::assert_snapshot!(trace.to_string());
}

/// Builds a trace from raw bytes: arbitrary operations with arbitrary observations.
fn trace_from(bytes: &[u8]) -> Option<Trace> {
    let mut input = Unstructured::new(bytes);
    let count = input.int_in_range(0..=6u8).ok()?;
    let mut steps = Vec::new();
    for index in 1..=usize::from(count) {
        let operation = Operation::arbitrary(&mut input).ok()?;
        let observation = Observation::arbitrary(&mut input).ok()?;
        steps.push(TraceStep { index, operation, observation });
    }
    Some(Trace { scope: "keys".into(), property: "any".into(), rules: vec!["D7".into()], steps })
}

quickcheck! {
    fn trace_json_round_trips(bytes: Vec<u8>) -> bool {
        let Some(trace) = trace_from(&bytes) else { return true };
        let json = serde_json::to_string(&trace).expect("traces encode");
        serde_json::from_str::<Trace>(&json).ok() == Some(trace)
    }

    fn every_operation_renders_on_one_line(bytes: Vec<u8>) -> bool {
        let Some(trace) = trace_from(&bytes) else { return true };
        let text = trace.to_string();
        text.lines().count() == 1 + 2 * trace.steps.len()
    }
}
