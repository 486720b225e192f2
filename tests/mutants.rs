//! Every model mutant breaks the property it targets, and the checker reports that
//! property violated with a replayable trace; every other verdict stays a pass or an
//! honest failure.

use mailspec::check::{self, CheckOptions, PropertyStatus, Strategy};
use mailspec::model::properties::catalog;
use mailspec::model::{Rules, State};

fn options(mutant: mailspec::model::ModelMutant) -> CheckOptions {
    CheckOptions {
        config: "small".into(),
        threads: 2,
        strategy: Strategy::Bfs,
        mutant: Some(mutant),
        stop_on_violation: true,
        ..CheckOptions::default()
    }
}

#[test]
fn each_mutant_violates_its_property_with_a_trace() {
    let mut missed = Vec::new();
    for property in catalog() {
        let report = check::run(&options(property.mutant)).expect("small configuration runs");

        if report.status_of(property.name) != Some(PropertyStatus::Violated) {
            missed.push(format!("{} with mutant {}", property.name, property.mutant.name()));
            continue;
        }
        assert!(!report.passed(), "a violated run must not pass");
        let trace = report.violations.iter().find(|t| t.property == property.name).expect("trace for violation");
        assert!(!trace.steps.is_empty(), "{}: empty trace", property.name);
        assert_eq!(trace.rules, property.rules.iter().map(|r| r.to_string()).collect::<Vec<_>>());
        let last = replay(trace, property.mutant);
        assert!(!(property.holds)(&scope_model(&trace.scope, property.mutant), &last), "{}: replay ends in a passing state", property.name);
    }
    assert!(missed.is_empty(), "mutants the checker did not catch: {missed:?}");
}

#[test]
fn violation_trace_replays_to_a_violating_state() {
    let property = catalog().iter().find(|p| p.name == "revoked_device_reads_no_later_mail").expect("property");
    let report = check::run(&options(property.mutant)).expect("runs");
    let trace = report.first_violation().expect("a violation");

    let last = replay(trace, property.mutant);

    let model = scope_model(&trace.scope, property.mutant);
    assert!(!(property.holds)(&model, &last), "the trace must end in a violating state");
}

/// Returns the small configuration's model of `scope`, with `mutant` applied.
fn scope_model(scope: &str, mutant: mailspec::model::ModelMutant) -> mailspec::model::MailModel {
    check::scopes("small")
        .expect("small")
        .into_iter()
        .find(|m| m.scope == scope)
        .expect("trace scope exists")
        .with_mutant(Some(mutant))
}

/// Replays `trace` from its scope's initial state through the plain rules, with no
/// symmetry reduction, and returns the last state. Each step must be accepted with the
/// trace's observation, so a trace whose ids change between steps fails here.
fn replay(trace: &check::Trace, mutant: mailspec::model::ModelMutant) -> State {
    let model = scope_model(&trace.scope, mutant);
    let rules = Rules::with_mutant(&model.world, Some(mutant));
    let mut state: State = model.init.clone();
    for step in &trace.steps {
        let outcome = rules.apply(&state, &step.operation);
        assert_eq!(outcome.observation, step.observation, "{}: step {}", trace.property, step.index);
        state = outcome.state.unwrap_or_else(|| panic!("{}: step {} is rejected on replay", trace.property, step.index));
    }
    state
}

#[test]
fn unmutated_small_configuration_passes() {
    let report = check::run(&CheckOptions { config: "small".into(), threads: 2, ..CheckOptions::default() }).expect("runs");
    assert!(report.completed);
    assert!(report.violations.is_empty(), "{:?}", report.violations.first());
    assert!(report.passed());
}
