//! Every scenario of the model's catalog, replayed through the reference implementation:
//! each observation must equal the scenario's expectation and the model's own observation.

use mailspec_model::scenarios::{self, Scenario};
use mailspec_model::{Rules, State};
use mailspec_sim::Reference;

fn replay(scenario: &Scenario, seed: u64) -> Vec<String> {
    let world = scenarios::world();
    let rules = Rules::new(&world);
    let mut state = State::initial(&world);
    let mut reference = Reference::new(world.clone(), seed);
    let mut problems = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        let (next, expected) = rules.observe(&state, &step.op);
        state = next;
        let observed = reference.apply(&step.op);
        if observed != expected {
            problems.push(format!("step {index} {:?}: model {expected}, reference {observed}", step.op));
        }
        if !step.expect.matches(&observed) {
            problems.push(format!("step {index} {:?}: scenario expects {:?}, reference {observed}", step.op, step.expect));
        }
        for error in reference.take_internal_errors() {
            problems.push(format!("step {index}: internal error {error}"));
        }
    }
    problems
}

#[test]
fn every_scenario_matches_model() {
    let mut failures = Vec::new();
    for scenario in scenarios::catalog() {
        for problem in replay(&scenario, 7) {
            failures.push(format!("{}: {problem}", scenario.name));
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn scenarios_match_under_other_seed() {
    for scenario in scenarios::catalog().into_iter().take(6) {
        let problems = replay(&scenario, 0xDEAD_BEEF);
        assert!(problems.is_empty(), "{}: {problems:?}", scenario.name);
    }
}
