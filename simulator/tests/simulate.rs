//! The simulator: runs agree with the model at every fault level, a seed replays the same
//! run, and the simulator catches faults of the reference implementation.

use mailspec_sim::sim::ReferenceOutcome;
use mailspec_sim::{simulate, simulate_with_fault, Fault, FaultLevel, SimOptions};

fn options(seed: u64, steps: u64, faults: FaultLevel) -> SimOptions {
    SimOptions { seed, steps, faults }
}

#[test]
fn no_faults_run_agrees_with_model() {
    let report = simulate(options(1, 250, FaultLevel::None));
    assert!(report.passed(), "divergences: {:#?}", report.divergences);
    assert_eq!(report.operations, 250);
    assert_eq!(report.checked_steps, 250);
}

#[test]
fn default_faults_run_agrees_with_model() {
    let report = simulate(options(2, 300, FaultLevel::Default));
    assert!(report.passed(), "divergences: {:#?}", report.divergences);
    assert!(report.events.syncs > 0, "no delayed sync happened: {:?}", report.events);
}

#[test]
fn heavy_faults_run_agrees_with_model() {
    let report = simulate(options(3, 300, FaultLevel::Heavy));
    assert!(report.passed(), "divergences: {:#?}", report.divergences);
    assert!(report.events.crashes + report.events.crashes_during_sync > 0, "nothing crashed: {:?}", report.events);
    assert!(report.events.restarts > 0, "nothing restarted: {:?}", report.events);
}

#[test]
fn same_seed_replays_same_run() {
    let first = simulate(options(42, 200, FaultLevel::Heavy));
    let second = simulate(options(42, 200, FaultLevel::Heavy));
    assert_eq!(first.digest, second.digest);
    assert_eq!(first, second);
    let other = simulate(options(43, 200, FaultLevel::Heavy));
    assert_ne!(first.digest, other.digest);
}

#[test]
fn simulator_catches_kept_link_secret() {
    let report = simulate_with_fault(options(5, 600, FaultLevel::Default), Some(Fault::KeepLinkSecret));
    let found = report.divergences.iter().any(|d| matches!(d.reference, ReferenceOutcome::ScanFinding { .. }));
    assert!(found, "no scan finding in {} divergences", report.divergences.len());
}

#[test]
fn simulator_catches_changed_guard() {
    let report = simulate_with_fault(options(5, 600, FaultLevel::Default), Some(Fault::AttachmentLimitOffByOne));
    let found = report.divergences.iter().any(|d| matches!(d.reference, ReferenceOutcome::Observation { .. }));
    assert!(found, "no diverging observation");
}

#[test]
fn report_serializes_to_json() {
    let report = simulate(options(6, 60, FaultLevel::Default));
    let json = serde_json::to_string(&report).unwrap();
    let back: mailspec_sim::SimReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert!(json.contains("\"faults\":\"default\""));
}

/// Runs long simulations at every level, for manual or nightly use: `cargo test -p mailspec-sim
/// --test simulate -- --ignored`.
#[test]
#[ignore = "takes minutes; run on request"]
fn long_runs_agree_with_model() {
    for (seed, faults) in [(100, FaultLevel::None), (101, FaultLevel::Default), (102, FaultLevel::Heavy)] {
        let report = simulate(options(seed, 5000, faults));
        assert!(report.passed(), "seed {seed}: {:#?}", report.divergences);
    }
}
