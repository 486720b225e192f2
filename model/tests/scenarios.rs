//! Replays every scenario through the model and compares each observation with the
//! one the scenario expects.

use mailspec_model::scenarios::{catalog, world};
use mailspec_model::{Rules, State};

#[test]
fn every_scenario_observes_what_it_expects() {
    let world = world();
    let rules = Rules::new(&world);
    let mut failures = Vec::new();
    for scenario in catalog() {
        let mut state = State::initial(&world);
        for (index, step) in scenario.steps.iter().enumerate() {
            let (next, observed) = rules.observe(&state, &step.op);
            if !step.expect.matches(&observed) {
                failures.push(format!(
                    "{} step {}: {:?}\n    expected {:?}\n    observed {:?}",
                    scenario.name,
                    index + 1,
                    step.op,
                    step.expect,
                    observed
                ));
                break;
            }
            state = next;
        }
    }
    assert!(failures.is_empty(), "{} scenario(s) diverged:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn scenario_names_are_unique() {
    let mut names: Vec<_> = catalog().iter().map(|s| s.name).collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count);
}
