//! Every fault of the reference implementation is caught: on some scenario of the model's
//! catalog, either an observation differs from the model's, or the byte scan reports a
//! finding. The unfaulted implementation shows neither.

use mailspec_model::scenarios::{self, Scenario};
use mailspec_model::{Rules, State};
use mailspec_sim::scan::{FindingKind, Scanner};
use mailspec_sim::{Fault, Reference};

/// Returns the first sign of the fault in one scenario: a diverging observation or a finding.
fn first_detection(scenario: &Scenario, fault: Option<Fault>) -> Option<String> {
    let world = scenarios::world();
    let rules = Rules::new(&world);
    let mut state = State::initial(&world);
    let mut reference = Reference::with_fault(world.clone(), 11, fault);
    let mut scanner = Scanner::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let (next, expected) = rules.observe(&state, &step.op);
        state = next;
        let observed = reference.apply(&step.op);
        if observed != expected {
            return Some(format!("step {index}: model {expected}, reference {observed}"));
        }
        if let Some(error) = reference.take_internal_errors().first() {
            return Some(format!("step {index}: internal error {error}"));
        }
        if let Some(finding) = scanner.scan(&reference).first() {
            return Some(format!("step {index}: scan found {finding}"));
        }
    }
    None
}

#[test]
fn unfaulted_reference_is_clean() {
    for scenario in scenarios::catalog() {
        assert_eq!(first_detection(&scenario, None), None, "scenario {}", scenario.name);
    }
}

#[test]
fn every_fault_is_detected() {
    let catalog = scenarios::catalog();
    let mut missed = Vec::new();
    for fault in Fault::ALL {
        let detected = catalog.iter().find_map(|scenario| first_detection(scenario, Some(fault)).map(|why| (scenario.name, why)));
        match detected {
            Some((name, why)) => println!("{}: {name}, {why}", fault.name()),
            None => missed.push(fault.name()),
        }
    }
    assert!(missed.is_empty(), "faults no scenario detects: {missed:?}");
}

/// Runs a scenario with a fault and returns every scan finding.
fn findings(name: &str, fault: Option<Fault>) -> Vec<FindingKind> {
    let scenario = scenarios::catalog().into_iter().find(|s| s.name == name).expect("scenario exists");
    let mut reference = Reference::with_fault(scenarios::world(), 3, fault);
    let mut scanner = Scanner::new();
    let mut all = Vec::new();
    for step in &scenario.steps {
        reference.apply(&step.op);
        all.extend(scanner.scan(&reference).into_iter().map(|finding| finding.kind));
    }
    all
}

#[test]
fn scan_catches_kept_link_secret() {
    let name = "link_content_opens_only_in_a_browser";
    assert!(findings(name, None).is_empty());
    let found = findings(name, Some(Fault::KeepLinkSecret));
    assert!(found.iter().any(|kind| matches!(kind, FindingKind::LinkSecret { .. })), "{found:?}");
}

#[test]
fn scan_catches_plaintext_at_rest() {
    let name = "standard_mail_is_readable_by_the_service";
    assert!(findings(name, None).is_empty());
    let found = findings(name, Some(Fault::PlaintextAtRest));
    assert!(found.contains(&FindingKind::MessageContent { message: 0 }), "{found:?}");
}

#[test]
fn scan_catches_plaintext_event() {
    let name = "calendar_is_never_e2ee_and_needs_delegation";
    let found = findings(name, Some(Fault::PlaintextAtRest));
    assert!(found.contains(&FindingKind::EventContent { event: 0 }), "{found:?}");
}
