//! Scenario vectors: a world, numbered operations and the observation the model
//! expects for each, with the rule IDs the scenario covers.

use super::{field, VectorError};
use crate::implementation::{required, Capability};
use mailspec_model::scenarios::Scenario;
use mailspec_model::{Observation, Operation, Rules, State, World};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of every scenario vector.
pub const SCENARIO_FORMAT: &str = "mailspec-scenario";
/// The version of the scenario format this harness reads and writes.
pub const SCENARIO_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioVector {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub rules: Vec<String>,
    pub capabilities: Vec<Capability>,
    pub world: World,
    pub steps: Vec<VectorStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorStep {
    /// Position in the scenario, from 1.
    pub index: usize,
    pub operation: Operation,
    pub expected: Observation,
}

impl ScenarioVector {
    /// Records a scenario: every expected observation is the model's.
    pub fn record(scenario: &Scenario, world: &World) -> ScenarioVector {
        let rules = Rules::new(world);
        let mut state = State::initial(world);
        let mut steps = Vec::with_capacity(scenario.steps.len());
        for (position, step) in scenario.steps.iter().enumerate() {
            let (next, expected) = rules.observe(&state, &step.op);
            steps.push(VectorStep { index: position + 1, operation: step.op.clone(), expected });
            state = next;
        }
        let capabilities = required(steps.iter().map(|s| &s.operation)).into_iter().collect();
        ScenarioVector {
            format: SCENARIO_FORMAT.into(),
            version: SCENARIO_VERSION,
            name: scenario.name.into(),
            rules: scenario.rules.iter().map(|r| r.to_string()).collect(),
            capabilities,
            world: world.clone(),
            steps,
        }
    }

    /// Parses a vector file field by field, so an error names the field at fault.
    pub fn load(path: &Path) -> Result<ScenarioVector, VectorError> {
        let json = super::read_json(path)?;
        let format: String = field(path, &json, "format", "a string")?;
        if format != SCENARIO_FORMAT {
            return Err(VectorError::new(path, "format", format!("is {format:?}, expected {SCENARIO_FORMAT:?}")));
        }
        let version: u32 = field(path, &json, "version", "a whole number")?;
        if version != SCENARIO_VERSION {
            return Err(VectorError::new(path, "version", format!("is {version}, expected {SCENARIO_VERSION}")));
        }
        let steps_json = json.get("steps").and_then(|s| s.as_array()).ok_or_else(|| VectorError::new(path, "steps", "missing, expected an array"))?;
        let mut steps = Vec::with_capacity(steps_json.len());
        for (position, step) in steps_json.iter().enumerate() {
            let name = |inner: &str| format!("steps[{position}].{inner}");
            let index: usize = field(path, step, "index", "a whole number").map_err(|e| rename(e, &name("index")))?;
            let operation: Operation = field(path, step, "operation", "an operation").map_err(|e| rename(e, &name("operation")))?;
            let expected: Observation = field(path, step, "expected", "an observation").map_err(|e| rename(e, &name("expected")))?;
            steps.push(VectorStep { index, operation, expected });
        }
        Ok(ScenarioVector {
            format,
            version,
            name: field(path, &json, "name", "a string")?,
            rules: field(path, &json, "rules", "an array of rule IDs")?,
            capabilities: field(path, &json, "capabilities", "an array of capabilities")?,
            world: field(path, &json, "world", "a world")?,
            steps,
        })
    }
}

fn rename(mut error: VectorError, field: &str) -> VectorError {
    error.field = field.to_string();
    error
}
