//! The mail service's rules as a pure state machine, model-checked with stateright.
//!
//! The model has no I/O, no randomness, no clock and no cryptography: keys are
//! symbolic generations, and what a principal can read is derived from the
//! generations it holds. `docs/spec.md` maps every rule to the operations, guards and
//! properties here.

pub mod config;
pub mod ids;
pub mod model;
pub mod mutant;
pub mod observation;
pub mod op;
pub mod op_display;
mod op_ids;
pub mod properties;
pub mod rule_ids;
pub mod rules;
pub mod scenarios;
pub mod scope;
pub mod state;
pub mod symmetry;
pub mod world;

pub use config::{configuration, CONFIG_NAMES};
pub use model::MailModel;
pub use mutant::ModelMutant;
pub use observation::{Observation, Outcome, Reason};
pub use op::Operation;
pub use rules::Rules;
pub use state::State;
pub use world::World;
