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
            writeln!(f, "  {:>2}. {}", step.index, render_operation(&step.operation))?;
            writeln!(f, "      -> {}", step.observation)?;
        }
        Ok(())
    }
}

/// Renders an operation as `name key=value ...`, with ids in their short form.
pub fn render_operation(operation: &Operation) -> String {
    let value = serde_json::to_value(operation).unwrap_or_default();
    let Some(fields) = value.as_object() else { return value.to_string() };
    let name = fields.get("op").and_then(|op| op.as_str()).unwrap_or("?");
    let mut parts = vec![name.to_string()];
    for (key, field) in fields.iter().filter(|(key, _)| key.as_str() != "op") {
        parts.push(format!("{key}={}", render_value(field)));
    }
    parts.join(" ")
}

fn render_value(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) if map.contains_key("user") && map.contains_key("slot") && map.len() == 2 => {
            format!("user{}.device{}", map["user"], map["slot"])
        }
        Value::Object(map) => {
            let inner: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", render_value(v))).collect();
            if map.len() == 1 && !inner.is_empty() {
                return inner.join("");
            }
            format!("{{{}}}", inner.join(" "))
        }
        Value::String(text) => text.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}
