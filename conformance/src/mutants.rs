//! Scores the suite against faulty variants of the reference implementation: every
//! fault must fail at least one vector.

use crate::reference::InProcess;
use crate::runner::{run, Selection, VectorSet, Verdict};
use mailspec_sim::Fault;
use serde::Serialize;

/// The vectors that failed against one faulty variant: the ones that kill it.
#[derive(Clone, Debug, Serialize)]
pub struct MutantScore {
    pub mutant: String,
    pub killed_by: Vec<String>,
}

impl MutantScore {
    pub fn killed(&self) -> bool {
        !self.killed_by.is_empty()
    }
}

/// Runs every vector against every fault of the reference implementation.
pub fn score(set: &VectorSet) -> Vec<MutantScore> {
    Fault::ALL
        .iter()
        .map(|fault| {
            let mut implementation = InProcess::with_fault(*fault);
            let results = run(&mut implementation, set, &Selection::default());
            let killed_by = results.into_iter().filter(|r| matches!(r.verdict, Verdict::Fail(_))).map(|r| r.name).collect();
            MutantScore { mutant: fault.name(), killed_by }
        })
        .collect()
}
