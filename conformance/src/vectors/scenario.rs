//! Scenario vectors: a world, numbered operations and the observation the model
//! expects for each, with the rule IDs the scenario covers.
//!
//! `ScenarioVector::load` checks a file against itself and the model before the runner
//! uses it: the name, the rule IDs, the step numbering and the capabilities.

use super::{field, VectorError};
use crate::implementation::{required, Capability};
use mailspec_model::op::Mode;
use mailspec_model::op_display::render;
use mailspec_model::rule_ids::RULES;
use mailspec_model::scenarios::Scenario;
use mailspec_model::{Observation, Operation, Outcome, Rules, State, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
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
        let capabilities = required_capabilities(&steps).into_iter().collect();
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

    /// Parses a vector file field by field, so an error names the field at fault, then
    /// checks it with `validate`.
    pub fn load(path: &Path) -> Result<ScenarioVector, VectorError> {
        let vector = ScenarioVector::parse(path)?;
        vector.validate(path)?;
        Ok(vector)
    }

    /// Checks what parsing cannot: `name` is the file stem, every rule ID is in the
    /// model's rule table, there is at least one step, steps are numbered 1, 2, 3, ... in
    /// file order, and `capabilities` lists everything the steps need.
    pub fn validate(&self, path: &Path) -> Result<(), VectorError> {
        check_name(path, &self.name)?;
        check_rules(path, &self.rules)?;
        check_steps(path, &self.steps)?;
        check_capabilities(path, &self.capabilities, &self.steps)
    }

    fn parse(path: &Path) -> Result<ScenarioVector, VectorError> {
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

/// Returns the capabilities a scenario's steps need: the capability of each operation,
/// and `probes` when a step expects the service to store a message.
///
/// Only the byte scan checks how stored mail is kept: E2EE and password-expiring
/// content unreadable by the service, standard mail encrypted at rest, and no link
/// secret stored. Without `probes` those checks cannot run, so the scenario is skipped
/// instead of passed.
pub fn required_capabilities(steps: &[VectorStep]) -> BTreeSet<Capability> {
    let mut needed = required(steps.iter().map(|step| &step.operation));
    if steps.iter().any(|step| stored_message_mode(&step.expected).is_some()) {
        needed.insert(Capability::Probes);
    }
    needed
}

/// Returns the mode of the stored message that an observation reports: every `sent`
/// outcome, from a send or from mail received from outside.
pub fn stored_message_mode(observation: &Observation) -> Option<Mode> {
    match observation {
        Observation::Ok(Outcome::Sent { mode, .. }) => Some(*mode),
        _ => None,
    }
}

fn check_name(path: &Path, name: &str) -> Result<(), VectorError> {
    let stem = path.file_stem().map(|stem| stem.to_string_lossy()).unwrap_or_default();
    if name != stem {
        let problem = format!("is {name:?}, expected {stem:?}, the file name without its extension");
        return Err(VectorError::new(path, "name", problem));
    }
    Ok(())
}

fn check_rules(path: &Path, rules: &[String]) -> Result<(), VectorError> {
    for (position, rule) in rules.iter().enumerate() {
        if !RULES.iter().any(|(id, _)| id == rule) {
            let problem = format!("{rule:?} is not a rule ID of the model, expected one of the IDs docs/spec.md lists, such as \"T1\"");
            return Err(VectorError::new(path, format!("rules[{position}]"), problem));
        }
    }
    Ok(())
}

fn check_steps(path: &Path, steps: &[VectorStep]) -> Result<(), VectorError> {
    if steps.is_empty() {
        return Err(VectorError::new(path, "steps", "is empty, expected at least one step"));
    }
    for (position, step) in steps.iter().enumerate() {
        let expected = position + 1;
        if step.index != expected {
            let problem = format!("is {}, expected {expected}, because steps are numbered from 1 in file order", step.index);
            return Err(VectorError::new(path, format!("steps[{position}].index"), problem));
        }
    }
    Ok(())
}

/// Rejects a `capabilities` list that omits a capability of `required_capabilities`,
/// naming the first step that needs it.
fn check_capabilities(path: &Path, listed: &[Capability], steps: &[VectorStep]) -> Result<(), VectorError> {
    for step in steps {
        let operation_needs = Capability::of(&step.operation);
        if !listed.contains(&operation_needs) {
            let problem =
                format!("omits {}, which step {} ({}) needs", operation_needs.name(), step.index, render(&step.operation));
            return Err(VectorError::new(path, "capabilities", problem));
        }
        if stored_message_mode(&step.expected).is_some() && !listed.contains(&Capability::Probes) {
            let problem = format!(
                "omits probes, which step {} needs: it expects \"{}\", and only the byte scan of the stored objects checks how that message is stored",
                step.index, step.expected
            );
            return Err(VectorError::new(path, "capabilities", problem));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::scenario_vectors;
    use serde_json::{json, Value};
    use std::path::PathBuf;

    /// A scenario with sends, links and a clock step, so it needs `probes`.
    const WITH_MAIL: &str = "link_expires_after_one_day";
    /// A scenario of tenancy and device steps only.
    const WITHOUT_MAIL: &str = "policy_is_set_once";

    fn recorded(name: &str) -> ScenarioVector {
        let found = scenario_vectors().into_iter().find(|(_, vector)| vector.name == name);
        found.unwrap_or_else(|| panic!("the catalog has no scenario {name}")).1
    }

    /// Writes `json` to `<test>/<file_name>` under the temporary directory, loads it,
    /// and removes the directory.
    fn load_json(test: &str, file_name: &str, json: &Value) -> Result<ScenarioVector, VectorError> {
        let dir = std::env::temp_dir().join(format!("mailspec-scenario-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let path: PathBuf = dir.join(file_name);
        std::fs::write(&path, super::super::to_pretty(json)).expect("write the vector");
        let loaded = ScenarioVector::load(&path);
        std::fs::remove_dir_all(&dir).expect("remove the temporary directory");
        loaded
    }

    /// Loads the recorded scenario `name` after `edit` changed its JSON, and returns
    /// the error the loader reports.
    fn rejection(test: &str, name: &str, edit: impl FnOnce(&mut Value)) -> VectorError {
        let mut json = serde_json::to_value(recorded(name)).expect("a vector serializes");
        edit(&mut json);
        match load_json(test, &format!("{name}.json"), &json) {
            Ok(_) => panic!("{test}: the edited vector loaded"),
            Err(error) => error,
        }
    }

    fn steps(json: &mut Value) -> &mut Vec<Value> {
        json["steps"].as_array_mut().expect("steps is an array")
    }

    fn remove_capability(json: &mut Value, name: &str) {
        let capabilities = json["capabilities"].as_array_mut().expect("capabilities is an array");
        let before = capabilities.len();
        capabilities.retain(|capability| capability != name);
        assert_eq!(capabilities.len() + 1, before, "the vector lists {name} once");
    }

    #[test]
    fn every_recorded_scenario_loads() {
        for (file_name, vector) in scenario_vectors() {
            let json = serde_json::to_value(&vector).expect("a vector serializes");
            let loaded = load_json("every", &file_name, &json).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(loaded, vector);
        }
    }

    #[test]
    fn name_must_match_file_stem() {
        let error = rejection("name", WITH_MAIL, |json| json["name"] = json!("another_name"));
        assert!(error.file.ends_with(&format!("{WITH_MAIL}.json")), "{error}");
        assert_eq!(error.field, "name");
        assert!(error.problem.contains("\"another_name\""), "{error}");
        assert!(error.problem.contains(&format!("expected \"{WITH_MAIL}\"")), "{error}");
    }

    #[test]
    fn unknown_rule_id_is_rejected() {
        let error = rejection("rule", WITH_MAIL, |json| json["rules"].as_array_mut().expect("rules").push(json!("L99")));
        assert!(error.field.starts_with("rules["), "{error}");
        assert!(error.problem.contains("\"L99\" is not a rule ID"), "{error}");
    }

    #[test]
    fn lowercase_rule_id_is_rejected() {
        let error = rejection("lowercase-rule", WITHOUT_MAIL, |json| json["rules"] = json!(["t7"]));
        assert_eq!(error.field, "rules[0]");
        assert!(error.problem.contains("\"t7\""), "{error}");
    }

    #[test]
    fn empty_steps_are_rejected() {
        let error = rejection("empty", WITHOUT_MAIL, |json| steps(json).clear());
        assert_eq!(error.field, "steps");
        assert!(error.problem.contains("at least one step"), "{error}");
    }

    #[test]
    fn steps_numbered_from_zero_are_rejected() {
        let error = rejection("from-zero", WITHOUT_MAIL, |json| {
            for step in steps(json) {
                step["index"] = json!(step["index"].as_u64().expect("index") - 1);
            }
        });
        assert_eq!(error.field, "steps[0].index");
        assert!(error.problem.contains("is 0, expected 1"), "{error}");
    }

    #[test]
    fn gap_in_step_numbers_is_rejected() {
        let error = rejection("gap", WITH_MAIL, |json| steps(json)[2]["index"] = json!(4));
        assert_eq!(error.field, "steps[2].index");
        assert!(error.problem.contains("is 4, expected 3"), "{error}");
    }

    #[test]
    fn swapped_steps_are_rejected() {
        let error = rejection("swapped", WITH_MAIL, |json| steps(json).swap(1, 2));
        assert_eq!(error.field, "steps[1].index");
        assert!(error.problem.contains("is 3, expected 2"), "{error}");
    }

    #[test]
    fn missing_operation_capability_is_rejected() {
        let error = rejection("no-mail", WITH_MAIL, |json| remove_capability(json, "mail"));
        assert_eq!(error.field, "capabilities");
        assert!(error.problem.starts_with("omits mail, which step "), "{error}");
        assert!(error.problem.contains("send"), "{error}");
    }

    #[test]
    fn missing_probes_is_rejected_for_stored_mail() {
        let error = rejection("no-probes", WITH_MAIL, |json| remove_capability(json, "probes"));
        assert_eq!(error.field, "capabilities");
        assert!(error.problem.starts_with("omits probes, which step "), "{error}");
        assert!(error.problem.contains("sent"), "{error}");
    }

    #[test]
    fn stored_mail_needs_probes() {
        let with_mail = recorded(WITH_MAIL);
        assert!(with_mail.capabilities.contains(&Capability::Probes), "{:?}", with_mail.capabilities);
        let without_mail = recorded(WITHOUT_MAIL);
        assert!(!without_mail.capabilities.contains(&Capability::Probes), "{:?}", without_mail.capabilities);
    }

    #[test]
    fn rejected_send_needs_no_probes() {
        let vector = recorded(WITH_MAIL);
        let sends: Vec<VectorStep> =
            vector.steps.iter().filter(|step| matches!(step.operation, Operation::Send(_))).cloned().collect();
        assert!(!sends.is_empty(), "{WITH_MAIL} has no send");
        let rejected: Vec<VectorStep> = sends
            .into_iter()
            .map(|step| VectorStep { expected: Observation::Rejected(mailspec_model::Reason::ExpiryInvalid), ..step })
            .collect();
        let needed = required_capabilities(&rejected);
        assert!(needed.contains(&Capability::Mail), "{needed:?}");
        assert!(!needed.contains(&Capability::Probes), "{needed:?}");
    }
}
