//! The conformance suite: an implementation interface, the adapter protocol, recorded
//! vectors, the runner and its reports.

pub mod adapter;
pub mod crypto_cases;
pub mod implementation;
pub mod mutants;
pub mod protocol;
pub mod record;
pub mod reference;
pub mod report;
pub mod runner;
pub mod scan;
pub mod serve;
pub mod vectors;

pub use implementation::{Capability, Implementation, StoredObject, SutError};
pub use report::SuiteReport;
pub use runner::{run, Selection, VectorResult, VectorSet, Verdict};
