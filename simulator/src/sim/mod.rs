//! The deterministic simulator: a seeded event loop that runs the same operations through
//! the model and the reference implementation and records every divergence.
//!
//! A run is a series of episodes. Each episode takes one world (a checker scope of the
//! `default` configuration, or the scenario world), reaches its start state, then picks
//! operations from the world's action space. Every operation goes to the model's
//! `Rules::observe` and to a fresh [`Reference`]; the observations must be equal, the
//! reference must record no internal error, and the byte scan must find nothing.
//!
//! Between operations, the event loop injects the faults of the chosen level: device syncs
//! delayed by some ticks, shuffled delivery batches, devices that crash and restart from
//! their persisted keystores, and crashes in the middle of a sync. Clients with a stale
//! cached key race rotations on their own; the service rejects their first upload and they
//! seal again. All randomness comes from one ChaCha20 stream seeded with the run's seed, so
//! a seed replays the same run, and the report's digest covers the whole event log.

pub mod actions;
mod run;

use mailspec_model::{Observation, Operation};
use serde::{Deserialize, Serialize};

use crate::scan::Finding;

pub use run::simulate_with_fault;

/// How much the event loop disturbs delivery and devices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultLevel {
    /// Every device syncs after every operation, in order, and nothing crashes.
    None,
    /// Syncs are delayed by up to 4 ticks and batches are shuffled; cached keys go stale for
    /// a while; devices crash now and then.
    #[default]
    Default,
    /// Syncs are delayed by up to 16 ticks; crashes and crashes during syncs are frequent.
    Heavy,
}

impl FaultLevel {
    pub const NAMES: [&'static str; 3] = ["none", "default", "heavy"];

    pub fn name(self) -> &'static str {
        match self {
            FaultLevel::None => "none",
            FaultLevel::Default => "default",
            FaultLevel::Heavy => "heavy",
        }
    }
}

impl std::str::FromStr for FaultLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "none" => Ok(FaultLevel::None),
            "default" => Ok(FaultLevel::Default),
            "heavy" => Ok(FaultLevel::Heavy),
            other => Err(format!("invalid fault level '{other}': expected none, default or heavy")),
        }
    }
}

/// Options of a simulation run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimOptions {
    pub seed: u64,
    /// Operations to run, counting the setup operations of each episode.
    pub steps: u64,
    pub faults: FaultLevel,
}

/// The reference implementation's result where it disagreed with the model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReferenceOutcome {
    /// The reference returned another observation.
    Observation { observation: Observation },
    /// The observations agreed, but the byte scan found content or a secret in storage.
    ScanFinding { finding: Finding },
    /// The observations agreed, but the reference recorded an internal error.
    InternalError { message: String },
}

/// One disagreement between the model and the reference implementation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// Index of the operation in the run, from 0.
    pub step: u64,
    pub episode: u32,
    /// The world of the episode: a scope name or `scenario world`.
    pub world: String,
    pub operation: Operation,
    pub model: Observation,
    pub reference: ReferenceOutcome,
}

/// How often each injected event happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCounts {
    pub syncs: u64,
    /// Periodic refreshes of a device's cached key generations.
    pub directory_refreshes: u64,
    pub shuffled_batches: u64,
    pub crashes: u64,
    pub crashes_during_sync: u64,
    pub restarts: u64,
    pub redelivered_items: u64,
    pub stale_retries: u64,
    pub messages_indexed: u64,
    /// Operations the model rejected, a sign that the walk also tried guarded paths.
    pub rejected_operations: u64,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimReport {
    pub seed: u64,
    pub faults: FaultLevel,
    /// Operations run through both the model and the reference.
    pub operations: u64,
    /// Operations whose observation was compared with the model's. Every operation is.
    pub checked_steps: u64,
    pub episodes: u32,
    pub events: EventCounts,
    pub divergences: Vec<Divergence>,
    /// SHA-256 of the whole event log, in hex: equal digests mean equal runs.
    pub digest: String,
}

/// Runs the simulation with the unfaulted reference implementation.
pub fn simulate(options: SimOptions) -> SimReport {
    simulate_with_fault(options, None)
}

impl SimReport {
    /// Returns true when the report has no divergence.
    pub fn passed(&self) -> bool {
        self.divergences.is_empty()
    }
}
