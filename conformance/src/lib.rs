//! The conformance suite: an implementation interface, the adapter protocol, recorded
//! vectors, the runner and its reports.

pub mod adapter;

pub mod implementation;
pub mod protocol;
pub mod record;
pub mod report;
pub mod runner;
pub mod scan;
pub mod vectors;

pub use implementation::{Capability, Implementation, StoredObject, SutError};
pub use report::SuiteReport;
pub use runner::{run, Selection, VectorResult, VectorSet, Verdict};
