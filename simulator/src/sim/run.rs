//! The event loop of one simulation run.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use mailspec_model::ids::DeviceId;
use mailspec_model::{Observation, Operation, Rules, State};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

use super::actions::{self, below, chance, Source};
use super::{Divergence, EventCounts, FaultLevel, ReferenceOutcome, SimOptions, SimReport};
use crate::fault::Fault;
use crate::reference::{op_name, Delivery, Reference};
use crate::scan::Scanner;

/// Shortest and longest number of operations an episode picks after its setup.
const EPISODE_MIN: usize = 20;
const EPISODE_SPREAD: usize = 60;
/// Attempts to find an operation that keeps the model inside the source's bounds.
const PICK_ATTEMPTS: usize = 24;
/// Share of picks, in percent, that look for an action the model accepts.
const PREFER_ACCEPTED_PERCENT: u32 = 75;
/// Draws within one family while looking for an accepted action.
const ACCEPTED_ATTEMPTS: usize = 8;

/// Probabilities and delays of one fault level.
#[derive(Clone, Copy)]
struct Profile {
    delivery: Delivery,
    sync_percent: u32,
    max_sync_delay: usize,
    directory_percent: u32,
    crash_percent: u32,
    crash_in_sync_percent: u32,
    max_restart_delay: usize,
}

fn profile(level: FaultLevel) -> Profile {
    match level {
        FaultLevel::None => Profile {
            delivery: Delivery { sync_after_each_operation: true, reorder: false },
            sync_percent: 0,
            max_sync_delay: 0,
            directory_percent: 0,
            crash_percent: 0,
            crash_in_sync_percent: 0,
            max_restart_delay: 0,
        },
        FaultLevel::Default => Profile {
            delivery: Delivery { sync_after_each_operation: false, reorder: true },
            sync_percent: 35,
            max_sync_delay: 4,
            directory_percent: 10,
            crash_percent: 2,
            crash_in_sync_percent: 2,
            max_restart_delay: 6,
        },
        FaultLevel::Heavy => Profile {
            delivery: Delivery { sync_after_each_operation: false, reorder: true },
            sync_percent: 15,
            max_sync_delay: 16,
            directory_percent: 3,
            crash_percent: 8,
            crash_in_sync_percent: 6,
            max_restart_delay: 12,
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Sync(DeviceId),
    DirectoryRefresh(DeviceId),
    Restart(DeviceId),
}

struct Run {
    options: SimOptions,
    profile: Profile,
    fault: Option<Fault>,
    rng: ChaCha20Rng,
    log: Sha256,
    operations: u64,
    episodes: u32,
    events: EventCounts,
    divergences: Vec<Divergence>,
}

/// One episode's state: the world, both implementations and the scheduled events.
struct Episode<'a> {
    source: &'a Source,
    number: u32,
    rules: Rules<'a>,
    state: State,
    reference: Reference,
    scanner: Scanner,
    tick: u64,
    sequence: u64,
    scheduled: BinaryHeap<Reverse<(u64, u64, Event)>>,
    diverged: bool,
    /// The last operation run, its step and the model's observation, to which the checks at
    /// the end of the episode are attributed.
    last: Option<(u64, Operation, Observation)>,
}

/// Runs the simulation, with at most one fault switched on in the reference implementation.
pub fn simulate_with_fault(options: SimOptions, fault: Option<Fault>) -> SimReport {
    let sources = actions::sources().expect("the default configuration's scopes have valid setups");
    let mut run = Run {
        options,
        profile: profile(options.faults),
        fault,
        rng: ChaCha20Rng::seed_from_u64(options.seed),
        log: Sha256::new(),
        operations: 0,
        episodes: 0,
        events: EventCounts::default(),
        divergences: Vec::new(),
    };
    tracing::info!(seed = options.seed, steps = options.steps, faults = options.faults.name(), "simulation started");
    while run.operations < options.steps {
        let source = &sources[below(&mut run.rng, sources.len())];
        run.episode(source);
    }
    let report = SimReport {
        seed: options.seed,
        faults: options.faults,
        operations: run.operations,
        checked_steps: run.operations,
        episodes: run.episodes,
        events: run.events,
        divergences: run.divergences,
        digest: hex::encode(run.log.finalize()),
    };
    tracing::info!(operations = report.operations, divergences = report.divergences.len(), "simulation finished");
    report
}

impl Run {
    fn record(&mut self, line: &str) {
        self.log.update(line.as_bytes());
        self.log.update(b"\n");
    }

    fn episode(&mut self, source: &Source) {
        self.episodes += 1;
        let reference_seed = self.rng.next_u64();
        let mut reference = Reference::with_fault(source.world.clone(), reference_seed, self.fault);
        reference.set_delivery(self.profile.delivery);
        let mut episode = Episode {
            source,
            number: self.episodes,
            rules: Rules::new(&source.world),
            state: State::initial(&source.world),
            reference,
            scanner: Scanner::new(),
            tick: 0,
            sequence: 0,
            scheduled: BinaryHeap::new(),
            diverged: false,
            last: None,
        };
        let _span = tracing::info_span!("episode", number = episode.number, world = %source.name).entered();
        self.record(&format!("episode {} world {} seed {reference_seed}", episode.number, source.name));

        for op in &source.setup {
            if self.operations >= self.options.steps || episode.diverged {
                return;
            }
            self.step(&mut episode, op.clone());
        }
        let length = EPISODE_MIN + below(&mut self.rng, EPISODE_SPREAD);
        for _ in 0..length {
            if self.operations >= self.options.steps || episode.diverged {
                break;
            }
            episode.tick += 1;
            self.run_due_events(&mut episode);
            self.inject_faults(&mut episode);
            let Some(op) = self.pick(&episode) else { break };
            self.step(&mut episode, op);
        }
        self.finish(&mut episode);
    }

    /// Picks the next operation: from the action space, one family at a time so that the
    /// many send variants do not crowd out the rest, or with arbitrary ids.
    fn pick(&mut self, episode: &Episode<'_>) -> Option<Operation> {
        let source = episode.source;
        for _ in 0..PICK_ATTEMPTS {
            let op = if chance(&mut self.rng, source.arbitrary_percent) {
                actions::arbitrary_operation(&mut self.rng, &source.world, episode.state.messages.len())
            } else {
                let mut all = Vec::new();
                source.space.generate(&source.world, &episode.state, &mut all);
                let mut families: BTreeMap<String, Vec<Operation>> = BTreeMap::new();
                for op in all {
                    families.entry(family_of(&op)).or_default().push(op);
                }
                if families.is_empty() {
                    return None;
                }
                let total: usize = families.keys().map(|name| family_weight(name)).sum();
                let mut draw = below(&mut self.rng, total);
                let family = families.iter().find_map(|(name, ops)| {
                    let weight = family_weight(name);
                    if draw < weight {
                        return Some(ops);
                    }
                    draw -= weight;
                    None
                })?;
                self.pick_in_family(episode, family)
            };
            let admitted = match episode.rules.apply(&episode.state, &op).state {
                Some(next) => source.bounds.admit(&next),
                None => true,
            };
            if admitted {
                return Some(op);
            }
        }
        None
    }

    /// Picks an action of one family, preferring one the model accepts, so that walks get
    /// deep while rejected paths are still tried.
    fn pick_in_family(&mut self, episode: &Episode<'_>, family: &[Operation]) -> Operation {
        let mut op = family[below(&mut self.rng, family.len())].clone();
        if chance(&mut self.rng, PREFER_ACCEPTED_PERCENT) {
            for _ in 0..ACCEPTED_ATTEMPTS {
                if episode.rules.apply(&episode.state, &op).state.is_some() {
                    break;
                }
                op = family[below(&mut self.rng, family.len())].clone();
            }
        }
        op
    }

    fn step(&mut self, episode: &mut Episode<'_>, op: Operation) {
        let step = self.operations;
        self.operations += 1;
        let _span = tracing::info_span!("step", step, op = op_name(&op)).entered();
        let (next, model) = episode.rules.observe(&episode.state, &op);
        episode.state = next;
        let observed = episode.reference.apply(&op);
        tracing::debug!(%model, reference = %observed, "observed");
        if !model.is_ok() {
            self.events.rejected_operations += 1;
        }
        self.record(&format!("step {step} {} model {} reference {}", json(&op), json(&model), json(&observed)));

        if observed != model {
            self.diverge(episode, step, &op, &model, ReferenceOutcome::Observation { observation: observed });
        }
        self.check_reference(episode, step, &op, &model);
        episode.last = Some((step, op, model));
    }

    /// Records internal errors and scan findings of the step that just ran.
    fn check_reference(&mut self, episode: &mut Episode<'_>, step: u64, op: &Operation, model: &Observation) {
        for message in episode.reference.take_internal_errors() {
            self.diverge(episode, step, op, model, ReferenceOutcome::InternalError { message });
        }
        for finding in episode.scanner.scan(&episode.reference) {
            self.diverge(episode, step, op, model, ReferenceOutcome::ScanFinding { finding });
        }
    }

    fn diverge(&mut self, episode: &mut Episode<'_>, step: u64, op: &Operation, model: &Observation, reference: ReferenceOutcome) {
        tracing::warn!(step, episode = episode.number, ?reference, "divergence");
        self.record(&format!("divergence at step {step}: {}", json(&reference)));
        episode.diverged = true;
        self.divergences.push(Divergence {
            step,
            episode: episode.number,
            world: episode.source.name.clone(),
            operation: op.clone(),
            model: model.clone(),
            reference,
        });
    }

    fn schedule(&mut self, episode: &mut Episode<'_>, delay: u64, event: Event) {
        episode.sequence += 1;
        episode.scheduled.push(Reverse((episode.tick + delay, episode.sequence, event)));
    }

    fn inject_faults(&mut self, episode: &mut Episode<'_>) {
        let profile = self.profile;
        for device in episode.reference.enrolled_devices() {
            if episode.reference.is_crashed(device) {
                continue;
            }
            if chance(&mut self.rng, profile.sync_percent) {
                let delay = 1 + below(&mut self.rng, profile.max_sync_delay) as u64;
                self.schedule(episode, delay, Event::Sync(device));
            }
            if chance(&mut self.rng, profile.directory_percent) {
                let delay = 1 + below(&mut self.rng, profile.max_sync_delay) as u64;
                self.schedule(episode, delay, Event::DirectoryRefresh(device));
            }
            let restart_delay = 1 + below(&mut self.rng, profile.max_restart_delay) as u64;
            if chance(&mut self.rng, profile.crash_percent) {
                episode.reference.crash_device(device);
                self.events.crashes += 1;
                self.record(&format!("tick {} crash {device}", episode.tick));
                self.schedule(episode, restart_delay, Event::Restart(device));
            } else if chance(&mut self.rng, profile.crash_in_sync_percent) {
                episode.reference.crash_during_next_sync(device);
                self.record(&format!("tick {} arm crash in next sync of {device}", episode.tick));
                self.schedule(episode, restart_delay, Event::Restart(device));
            }
        }
    }

    fn run_due_events(&mut self, episode: &mut Episode<'_>) {
        while let Some(Reverse((tick, _, event))) = episode.scheduled.peek().copied() {
            if tick > episode.tick {
                break;
            }
            episode.scheduled.pop();
            match event {
                Event::Sync(device) if !episode.reference.is_crashed(device) => {
                    let report = episode.reference.sync_device(device);
                    self.events.syncs += 1;
                    if self.profile.delivery.reorder && report.items > 1 {
                        self.events.shuffled_batches += 1;
                    }
                    if report.crashed {
                        self.events.crashes_during_sync += 1;
                    }
                    self.record(&format!(
                        "tick {tick} sync {device} items {} imported {:?} crashed {}",
                        report.items, report.imported, report.crashed
                    ));
                }
                Event::Sync(_) | Event::DirectoryRefresh(_) if episode.reference.is_crashed(event_device(event)) => {}
                Event::Sync(_) => {}
                Event::DirectoryRefresh(device) => {
                    episode.reference.refresh_directory(device);
                    self.events.directory_refreshes += 1;
                    self.record(&format!("tick {tick} directory refresh {device}"));
                }
                Event::Restart(device) => {
                    if episode.reference.is_crashed(device) {
                        if let Err(message) = episode.reference.restart_device(device) {
                            episode.diverged = true;
                            self.record(&format!("tick {tick} restart of {device} failed: {message}"));
                        }
                        self.record(&format!("tick {tick} restart {device}"));
                    }
                }
            }
        }
    }

    /// Ends an episode: restarts crashed devices, delivers every queue, and checks once more.
    fn finish(&mut self, episode: &mut Episode<'_>) {
        for device in episode.reference.enrolled_devices() {
            if episode.reference.is_crashed(device) {
                let _ = episode.reference.restart_device(device);
            }
        }
        episode.reference.sync_all();
        let stats = episode.reference.stats();
        self.events.restarts += u64::from(stats.restarts);
        self.events.redelivered_items += u64::from(stats.redelivered_items);
        self.events.stale_retries += u64::from(stats.stale_retries);
        self.events.messages_indexed += u64::from(stats.messages_indexed);
        self.record(&format!("episode {} end {}", episode.number, json(&stats)));
        if let (false, Some((step, op, model))) = (episode.diverged, episode.last.clone()) {
            self.check_reference(episode, step, &op, &model);
        }
    }
}

fn event_device(event: Event) -> DeviceId {
    match event {
        Event::Sync(device) | Event::DirectoryRefresh(device) | Event::Restart(device) => device,
    }
}

/// Returns the family an operation is drawn in: its kind, and for a send also the
/// requested mode and the kind of client, so that every mode comes up as often.
fn family_of(op: &Operation) -> String {
    match op {
        Operation::Send(send) => {
            let client = match send.from {
                mailspec_model::op::Client::App(_) => "app",
                mailspec_model::op::Client::Webmail(_) => "webmail",
            };
            format!("send {:?} {client}", send.mode)
        }
        other => op_name(other).to_owned(),
    }
}

/// Returns how often a family of operations is drawn, relative to the others. Mail and
/// key operations carry most of the cryptography, so they come up more often.
fn family_weight(name: &str) -> usize {
    match name {
        _ if name.starts_with("send ") => 2,
        "read" => 4,
        "add_device" | "revoke_device" | "approve_device" | "open_link" | "advance_clock" => 2,
        _ => 1,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("operations, observations and counts serialize")
}
