//! Random walks over the operations of every scope, checking every property after
//! every step. The walks go deeper than the exhaustive bounds: the bounds of the
//! `large` configuration, doubled.

use mailspec_model::properties::catalog;
use mailspec_model::{configuration, MailModel, State};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use stateright::Model;

fn walk_models() -> Vec<MailModel> {
    let mut models = configuration("large").expect("large exists").expect("large builds");
    for model in models.iter_mut() {
        model.bounds.max_epoch = model.bounds.max_epoch.saturating_mul(2);
        model.bounds.max_messages = model.bounds.max_messages.saturating_mul(2);
        model.bounds.max_events = model.bounds.max_events.saturating_mul(2);
    }
    models
}

/// Takes the walk's choices as indices into the enabled actions; returns how many
/// steps the rules accepted, or the first violated property with the step.
fn walk(model: &MailModel, choices: &[usize]) -> Result<usize, String> {
    let mut state: State = model.init_states().remove(0);
    let mut actions = Vec::new();
    let mut accepted = 0;
    for (step, choice) in choices.iter().enumerate() {
        actions.clear();
        model.actions(&state, &mut actions);
        let Some(action) = actions.get(choice % actions.len().max(1)).cloned() else { return Ok(accepted) };
        if let Some(next) = model.next_state(&state, action.clone()) {
            if model.within_boundary(&next) {
                state = next;
                accepted += 1;
            }
        }
        for property in catalog() {
            if !(property.holds)(model, &state) {
                return Err(format!("{} violated in scope {} after step {} ({action:?})", property.name, model.scope, step + 1));
            }
        }
    }
    Ok(accepted)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/regressions/random_walk.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_walks_keep_every_property(
        scope in 0usize..5,
        choices in proptest::collection::vec(any::<usize>(), 1..120),
    ) {
        let models = walk_models();
        let model = &models[scope % models.len()];
        let outcome = walk(model, &choices);
        prop_assert!(outcome.is_ok(), "{:?}", outcome);
    }
}

#[test]
fn random_walk_finds_a_mutant() {
    let model = walk_models()
        .into_iter()
        .find(|m| m.scope == "modes")
        .expect("modes scope")
        .with_mutant(Some(mailspec_model::ModelMutant::KeepLinkSecret));
    let found = (0..200u64).any(|seed| {
        let choices: Vec<usize> = (0..40).map(|i| ((seed * 7919 + i * 104_729) % 1_000_003) as usize).collect();
        walk(&model, &choices).is_err()
    });
    assert!(found, "no walk of 200 caught the kept link secret");
}

#[test]
fn random_walks_take_accepted_steps() {
    for model in walk_models() {
        let choices: Vec<usize> = (0..100usize).map(|i| i.wrapping_mul(2_654_435_761) >> 7).collect();
        let accepted = walk(&model, &choices).expect("no property fails");
        assert!(accepted >= 5, "scope {}: only {accepted} of 100 steps accepted", model.scope);
    }
}
