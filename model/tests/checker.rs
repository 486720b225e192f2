//! Pinned state-space sizes of the `small` configuration, and its verdict.
//!
//! A change to the rules, the action space or the symmetry reduction changes these
//! counts; update them only after checking that the change was meant.

use mailspec_model::properties::catalog;
use mailspec_model::configuration;
use stateright::{Checker, Model};
use std::collections::BTreeMap;

fn small_scopes() -> Vec<mailspec_model::MailModel> {
    configuration("small").expect("small exists").expect("small builds")
}

#[test]
fn small_unique_state_counts_are_pinned() {
    let expected = BTreeMap::from([
        ("tenancy", 14148),
        ("keys", 171138),
        ("peers", 7677),
        ("modes", 412),
        ("escrow", 144788),
        ("calendar", 30),
    ]);
    let mut observed = BTreeMap::new();
    for model in small_scopes() {
        let scope = model.scope;
        let checker = model.checker().threads(2).spawn_bfs().join();
        observed.insert(scope, checker.unique_state_count());
    }
    assert_eq!(observed, expected);
}

#[test]
fn small_holds_every_property_and_reaches_every_witness() {
    let mut reached = BTreeMap::new();
    for model in small_scopes() {
        let scope = model.scope;
        let checker = model.checker().threads(2).spawn_bfs().join();
        let discoveries = checker.discoveries();
        for property in catalog() {
            assert!(!discoveries.contains_key(property.name), "{} violated in scope {scope}", property.name);
            if discoveries.contains_key(property.witness) {
                reached.insert(property.witness, scope);
            }
        }
    }
    let unreached: Vec<_> = catalog().iter().map(|p| p.witness).filter(|w| !reached.contains_key(w)).collect();
    assert!(unreached.is_empty(), "witnesses never reached: {unreached:?}");
}

#[test]
fn symmetry_reduction_shrinks_the_peer_scope() {
    let keys = small_scopes().into_iter().find(|m| m.scope == "peers").expect("peers scope");
    let mut plain = keys.clone();
    plain.symmetry = false;
    let reduced = keys.checker().threads(2).spawn_bfs().join().unique_state_count();
    let full = plain.checker().threads(2).spawn_bfs().join().unique_state_count();
    assert!(reduced < full, "symmetry left {reduced} of {full} states");
}

#[test]
fn every_configuration_builds() {
    for name in mailspec_model::CONFIG_NAMES {
        let scopes = configuration(name).expect("named configuration exists");
        assert!(scopes.is_ok(), "configuration {name}: {:?}", scopes.err());
    }
    assert!(configuration("huge").is_none());
}

#[test]
fn every_property_names_a_distinct_mutant() {
    let mut mutants: Vec<_> = catalog().iter().map(|p| p.mutant).collect();
    mutants.sort();
    mutants.dedup();
    assert_eq!(mutants.len(), catalog().len());
    assert_eq!(mutants.len(), mailspec_model::ModelMutant::ALL.len());
}
