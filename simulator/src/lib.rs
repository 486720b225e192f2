//! The reference implementation of the mail service, with real cryptography, and a
//! deterministic simulator that runs it against the model.
//!
//! - [`crypto`]: key formats, sealing and opening (see `docs/crypto.md`).
//! - [`service`]: what the hosted service stores and enforces, behind one API type.
//! - [`client`]: devices with keystores, webmail, browsers, backup keys and escrow admins.
//! - [`reference`]: [`Reference`], which runs model operations through clients and service.
//! - [`scan`]: the byte scan of everything the service stores.
//! - [`sim`]: the seeded simulator with delivery, crash and race faults.

pub mod baseline;
pub mod canary;
pub mod client;
pub mod crypto;
pub mod fault;
pub mod names;
pub mod reference;
pub mod scan;
pub mod service;
pub mod sim;

pub use canary::canary;
pub use fault::Fault;
pub use reference::Reference;
pub use service::storage::StoredObject;
pub use sim::{simulate, simulate_with_fault, Divergence, FaultLevel, SimOptions, SimReport};
