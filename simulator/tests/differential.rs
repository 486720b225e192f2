//! Differential testing: proptest drives the model and the reference implementation with
//! the same operations and compares every observation, shrinking any failing sequence.
//!
//! Each case picks a world (a checker scope of the `default` configuration, or the scenario
//! world) and reaches its start state. It then runs a sequence of choices. A choice is an
//! action from the world's action space, an operation with arbitrary ids, or a delivery
//! fault: a background sync, a directory refresh, a crash, a crash in the next sync, a restart. Delivery is
//! delayed throughout, so queue items pile up between the syncs the choices make.

use std::sync::OnceLock;

use mailspec_model::{Operation, Rules, State};
use mailspec_sim::reference::Delivery;
use mailspec_sim::scan::Scanner;
use mailspec_sim::sim::actions::{arbitrary_operation, sources, Source};
use mailspec_sim::Reference;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn all_sources() -> &'static [Source] {
    static SOURCES: OnceLock<Vec<Source>> = OnceLock::new();
    SOURCES.get_or_init(|| sources().expect("the default scopes have valid setups"))
}

#[derive(Clone, Debug)]
enum Choice {
    /// The action at this index (modulo the number of actions) of the current state.
    Action(u16),
    /// An operation with arbitrary ids, drawn from a ChaCha20 stream with this seed.
    Arbitrary(u64),
    Sync(u8),
    DirectoryRefresh(u8),
    Crash(u8),
    CrashInNextSync(u8),
    Restart(u8),
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        12 => any::<u16>().prop_map(Choice::Action),
        2 => any::<u64>().prop_map(Choice::Arbitrary),
        3 => any::<u8>().prop_map(Choice::Sync),
        1 => any::<u8>().prop_map(Choice::DirectoryRefresh),
        1 => any::<u8>().prop_map(Choice::Crash),
        1 => any::<u8>().prop_map(Choice::CrashInNextSync),
        1 => any::<u8>().prop_map(Choice::Restart),
    ]
}

/// Runs one case and returns the first problem, with the steps that led to it.
fn run_case(source: &Source, seed: u64, choices: &[Choice]) -> Result<(), String> {
    let rules = Rules::new(&source.world);
    let mut state = State::initial(&source.world);
    let mut reference = Reference::new(source.world.clone(), seed);
    reference.set_delivery(Delivery { sync_after_each_operation: false, reorder: true });
    let mut scanner = Scanner::new();
    let mut trace: Vec<String> = Vec::new();

    let mut check = |op: &Operation, state: &mut State, reference: &mut Reference, trace: &mut Vec<String>| {
        let (next, model) = rules.observe(state, op);
        *state = next;
        let observed = reference.apply(op);
        trace.push(format!("{op:?} -> {model}"));
        if observed != model {
            return Err(format!("model {model}, reference {observed}"));
        }
        if let Some(error) = reference.take_internal_errors().first() {
            return Err(format!("internal error: {error}"));
        }
        if let Some(finding) = scanner.scan(reference).first() {
            return Err(format!("scan found {finding}"));
        }
        Ok(())
    };
    let fail = |why: String, trace: &[String]| Err(format!("{why}\nafter:\n  {}", trace.join("\n  ")));

    for op in &source.setup {
        if let Err(why) = check(op, &mut state, &mut reference, &mut trace) {
            return fail(why, &trace);
        }
    }
    for choice in choices {
        let devices = reference.enrolled_devices();
        let device = |index: u8| devices.get(usize::from(index) % devices.len().max(1)).copied();
        let op = match choice {
            Choice::Action(index) => {
                let mut actions = Vec::new();
                source.space.generate(&source.world, &state, &mut actions);
                if actions.is_empty() {
                    continue;
                }
                actions[usize::from(*index) % actions.len()].clone()
            }
            Choice::Arbitrary(seed) => {
                arbitrary_operation(&mut ChaCha20Rng::seed_from_u64(*seed), &source.world, state.messages.len())
            }
            Choice::Sync(index) => {
                if let Some(device) = device(*index) {
                    if !reference.is_crashed(device) {
                        reference.sync_device(device);
                        trace.push(format!("sync {device}"));
                    }
                }
                continue;
            }
            Choice::DirectoryRefresh(index) => {
                if let Some(device) = device(*index) {
                    reference.refresh_directory(device);
                    trace.push(format!("directory refresh {device}"));
                }
                continue;
            }
            Choice::Crash(index) => {
                if let Some(device) = device(*index) {
                    reference.crash_device(device);
                    trace.push(format!("crash {device}"));
                }
                continue;
            }
            Choice::CrashInNextSync(index) => {
                if let Some(device) = device(*index) {
                    reference.crash_during_next_sync(device);
                    trace.push(format!("crash in next sync of {device}"));
                }
                continue;
            }
            Choice::Restart(index) => {
                if let Some(device) = device(*index) {
                    if let Err(why) = reference.restart_device(device) {
                        return fail(why, &trace);
                    }
                    trace.push(format!("restart {device}"));
                }
                continue;
            }
        };
        // Stay inside the world's bounds, as the checker does: the model's counters are small.
        if rules.apply(&state, &op).state.is_some_and(|next| !source.bounds.admit(&next)) {
            continue;
        }
        if let Err(why) = check(&op, &mut state, &mut reference, &mut trace) {
            return fail(why, &trace);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn reference_matches_model(
        source in 0..all_sources().len(),
        seed in any::<u64>(),
        choices in proptest::collection::vec(choice(), 1..48),
    ) {
        let result = run_case(&all_sources()[source], seed, &choices);
        prop_assert!(result.is_ok(), "{}: {}", all_sources()[source].name, result.unwrap_err());
    }
}
