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

#[test]
fn every_checked_rule_has_accepted_and_rejected_steps() {
    use mailspec_model::rule_ids::RULES;
    use mailspec_model::Observation;
    let world = world();
    let rules = Rules::new(&world);
    let mut lacking = Vec::new();
    for (rule, status) in RULES.iter().filter(|(_, status)| status.needs_vector()) {
        let (mut accepted, mut rejected) = (0, 0);
        for scenario in catalog().iter().filter(|s| s.rules.contains(rule)) {
            let mut state = State::initial(&world);
            for step in &scenario.steps {
                let (next, observed) = rules.observe(&state, &step.op);
                match observed {
                    Observation::Ok(_) => accepted += 1,
                    Observation::Rejected(_) => rejected += 1,
                }
                state = next;
            }
        }
        if accepted == 0 || rejected == 0 {
            lacking.push(format!("{rule} ({}): {accepted} accepted, {rejected} rejected", status.text()));
        }
    }
    assert!(lacking.is_empty(), "rules without both paths: {lacking:?}");
}
