//! Counterexample traces: numbered operations with the observation each produced.

use mailspec_model::{MailModel, Observation, Operation, State};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A shortest path from the scope's initial state to a state that violates a property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    pub scope: String,
    pub property: String,
    pub rules: Vec<String>,
    pub steps: Vec<TraceStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// Position in the trace, from 1.
    pub index: usize,
    pub operation: Operation,
    pub observation: Observation,
}

impl Trace {
    /// Replays the path's operations through the model to record each observation.
    pub fn from_path(model: &MailModel, property: &str, rules: &[&str], path: Vec<(State, Option<Operation>)>) -> Trace {
        let rules_engine = model.rules();
        let steps = path
            .into_iter()
            .filter_map(|(state, op)| op.map(|op| (state, op)))
            .enumerate()
            .map(|(position, (state, operation))| {
                let observation = rules_engine.apply(&state, &operation).observation;
                TraceStep { index: position + 1, operation, observation }
            })
            .collect();
        Trace {
            scope: model.scope.to_string(),
            property: property.to_string(),
            rules: rules.iter().map(|rule| rule.to_string()).collect(),
            steps,
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "violation of {} ({}) in scope {}:", self.property, self.rules.join(", "), self.scope)?;
        for step in &self.steps {
            writeln!(f, "  {:>2}. {}", step.index, mailspec_model::op_display::render(&step.operation))?;
            writeln!(f, "      -> {}", step.observation)?;
        }
        Ok(())
    }
}
