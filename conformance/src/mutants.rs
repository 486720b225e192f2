//! Scores the suite against faulty variants of the reference implementation: every
//! fault must fail at least one vector.
//!
//! A vector counts only when the unfaulted reference passes it. A vector that fails
//! there is broken, because either its expectations or the reference are wrong, and it
//! would fail against every fault too. It is reported and left out of every score
//! instead of counting as a kill.

use crate::reference::InProcess;
use crate::runner::{run, Selection, VectorSet, Verdict};
use mailspec_sim::Fault;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write;

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

/// A vector that does not pass against the unfaulted reference, with its verdict's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokenVector {
    /// `scenarios/NAME` or `crypto/NAME`.
    pub name: String,
    pub reason: String,
}

/// The result of `mailspec mutants`: the broken vectors, and the score of every fault
/// over the other vectors.
#[derive(Clone, Debug, Serialize)]
pub struct MutantsReport {
    pub broken: Vec<BrokenVector>,
    pub mutants: Vec<MutantScore>,
}

impl MutantsReport {
    /// Returns the number of faults no vector kills.
    pub fn survivors(&self) -> usize {
        self.mutants.iter().filter(|score| !score.killed()).count()
    }

    /// True when no vector is broken and every fault is killed.
    pub fn passed(&self) -> bool {
        self.broken.is_empty() && self.survivors() == 0
    }

    /// Renders the report for a terminal: broken vectors first, then one line per fault.
    pub fn human(&self) -> String {
        let mut out = String::new();
        for vector in &self.broken {
            let _ = writeln!(out, "BROKEN {}: fails against the reference implementation: {}", vector.name, vector.reason);
        }
        if !self.broken.is_empty() {
            out.push('\n');
        }
        for score in &self.mutants {
            let verdict = if score.killed() { format!("killed by {}", score.killed_by.join(", ")) } else { "SURVIVED".into() };
            let _ = writeln!(out, "{:<34} {verdict}", score.mutant);
        }
        let killed = self.mutants.len() - self.survivors();
        let _ = write!(out, "\n{killed} of {} mutants killed", self.mutants.len());
        if !self.broken.is_empty() {
            let plural = if self.broken.len() == 1 { "" } else { "s" };
            let _ = write!(out, "; {} broken vector{plural} left out of the score", self.broken.len());
        }
        out
    }
}

/// Runs every vector against the unfaulted reference, then every vector that passed
/// there against every fault of the reference implementation.
pub fn score(set: &VectorSet) -> MutantsReport {
    // 1. Find the vectors the unfaulted reference does not pass.
    let broken: Vec<BrokenVector> = run(&mut InProcess::new(), set, &Selection::default())
        .into_iter()
        .filter_map(|result| match result.verdict {
            Verdict::Pass => None,
            Verdict::Fail(reason) => Some(BrokenVector { name: result.name, reason }),
            Verdict::Skip(reason) => Some(BrokenVector { name: result.name, reason: format!("skipped: {reason}") }),
        })
        .collect();

    // 2. Score every fault with the remaining vectors.
    let excluded: BTreeSet<String> = broken.iter().map(|vector| vector.name.clone()).collect();
    let sound = set.without(&excluded);
    let mutants = Fault::ALL
        .iter()
        .map(|fault| {
            let mut implementation = InProcess::with_fault(*fault);
            let results = run(&mut implementation, &sound, &Selection::default());
            let killed_by = results.into_iter().filter(|r| matches!(r.verdict, Verdict::Fail(_))).map(|r| r.name).collect();
            MutantScore { mutant: fault.name(), killed_by }
        })
        .collect();
    MutantsReport { broken, mutants }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::scenario_vectors;
    use crate::vectors::scenario::ScenarioVector;
    use mailspec_model::{Observation, Outcome};
    use std::path::PathBuf;

    /// A scenario that the `mutable_policy` fault fails.
    const POLICY: &str = "policy_is_set_once";

    fn recorded(name: &str) -> ScenarioVector {
        let found = scenario_vectors().into_iter().find(|(_, vector)| vector.name == name);
        found.unwrap_or_else(|| panic!("the catalog has no scenario {name}")).1
    }

    fn set_of(vectors: Vec<ScenarioVector>) -> VectorSet {
        let scenarios = vectors.into_iter().map(|vector| (PathBuf::from(format!("scenarios/{}.json", vector.name)), vector)).collect();
        VectorSet { scenarios, crypto: Vec::new(), errors: Vec::new() }
    }

    /// Returns the policy scenario with its last expectation changed from a rejection to
    /// `done`. The reference and every faulty variant fail it, so it would count as a
    /// kill of every fault if it were scored.
    fn wrong_expectation() -> ScenarioVector {
        let mut vector = recorded(POLICY);
        vector.name = "policy_can_change".into();
        let last = vector.steps.last_mut().expect("the scenario has steps");
        assert!(matches!(last.expected, Observation::Rejected(_)), "{POLICY} ends with a rejection");
        last.expected = Observation::Ok(Outcome::Done);
        vector
    }

    #[test]
    fn valid_vector_kills_its_fault() {
        let report = score(&set_of(vec![recorded(POLICY)]));
        assert!(report.broken.is_empty(), "{:?}", report.broken);
        let mutable = report.mutants.iter().find(|score| score.mutant == "mutable_policy").expect("the fault is scored");
        assert_eq!(mutable.killed_by, vec![format!("scenarios/{POLICY}")]);
    }

    #[test]
    fn broken_vector_is_reported_not_scored() {
        let report = score(&set_of(vec![recorded(POLICY), wrong_expectation()]));

        assert_eq!(report.broken.len(), 1, "{:?}", report.broken);
        assert_eq!(report.broken[0].name, "scenarios/policy_can_change");
        assert!(report.broken[0].reason.contains("expected ok: done"), "{}", report.broken[0].reason);
        for score in &report.mutants {
            assert!(!score.killed_by.contains(&"scenarios/policy_can_change".to_string()), "{} counts the broken vector", score.mutant);
        }
        let mutable = report.mutants.iter().find(|score| score.mutant == "mutable_policy").expect("the fault is scored");
        assert_eq!(mutable.killed_by, vec![format!("scenarios/{POLICY}")], "the valid vector still kills its fault");
        assert!(!report.passed(), "a broken vector fails the run");
    }

    #[test]
    fn broken_vector_appears_in_human_report() {
        let report = score(&set_of(vec![wrong_expectation()]));
        let text = report.human();
        assert!(text.starts_with("BROKEN scenarios/policy_can_change: "), "{text}");
        assert!(text.contains("mutable_policy"), "{text}");
        assert!(text.ends_with("1 broken vector left out of the score"), "{text}");
    }
}
