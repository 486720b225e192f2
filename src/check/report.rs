//! The check report: per-scope figures and per-property verdicts, for people and for JSON.

use super::trace::Trace;
use mailspec_model::properties::catalog;
use mailspec_model::{MailModel, ModelMutant};
use serde::Serialize;
use stateright::Checker;
use std::fmt;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyKind {
    Always,
    Sometimes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyStatus {
    Holds,
    Violated,
    Reached,
    Unreached,
    /// A witness that the selected scopes did not reach, in a run limited with `--scope`.
    /// Most witnesses belong to one scope, so only a run of every scope judges them.
    NotJudged,
}

#[derive(Clone, Debug, Serialize)]
pub struct PropertyResult {
    pub name: &'static str,
    pub kind: PropertyKind,
    pub rules: Vec<&'static str>,
    pub status: PropertyStatus,
    /// Scopes where the property was violated, or its witness reached.
    pub scopes: Vec<&'static str>,
}

/// What one scope's search found.
#[derive(Clone, Debug, Serialize)]
pub struct ScopeResult {
    pub scope: &'static str,
    pub completed: bool,
    pub states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub seconds: f64,
    #[serde(skip)]
    pub reached: Vec<&'static str>,
    #[serde(skip)]
    pub violations: Vec<Trace>,
}

impl ScopeResult {
    pub fn from_checker<C: Checker<MailModel>>(model: &MailModel, checker: &C, elapsed: Duration) -> ScopeResult {
        let discoveries = checker.discoveries();
        let mut reached = Vec::new();
        let mut violations = Vec::new();
        for property in catalog() {
            if discoveries.contains_key(property.witness) {
                reached.push(property.witness);
            }
            if let Some(path) = discoveries.get(property.name) {
                violations.push(Trace::from_path(model, property.name, property.rules, path.clone().into_vec()));
            }
        }
        ScopeResult {
            scope: model.scope,
            completed: checker.is_done(),
            states: checker.state_count(),
            unique_states: checker.unique_state_count(),
            max_depth: checker.max_depth(),
            seconds: elapsed.as_secs_f64(),
            reached,
            violations,
        }
    }
}

/// The merged verdict of a configuration.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub configuration: String,
    pub mutant: Option<String>,
    pub completed: bool,
    pub states: usize,
    pub unique_states: usize,
    pub seconds: f64,
    pub scopes: Vec<ScopeResult>,
    pub properties: Vec<PropertyResult>,
    pub violations: Vec<Trace>,
}

impl CheckReport {
    /// Merges the scopes' results. With `every_scope` false (a `--scope` run), an unreached
    /// witness is `NotJudged` instead of `Unreached`.
    pub fn merge(
        config: &str,
        mutant: Option<ModelMutant>,
        scopes: Vec<ScopeResult>,
        elapsed: Duration,
        every_scope: bool,
    ) -> CheckReport {
        let unreached = if every_scope { PropertyStatus::Unreached } else { PropertyStatus::NotJudged };
        let mut properties = Vec::new();
        for property in catalog() {
            let violated_in: Vec<_> = scopes.iter().filter(|s| s.violations.iter().any(|t| t.property == property.name)).map(|s| s.scope).collect();
            let reached_in: Vec<_> = scopes.iter().filter(|s| s.reached.contains(&property.witness)).map(|s| s.scope).collect();
            properties.push(PropertyResult {
                name: property.name,
                kind: PropertyKind::Always,
                rules: property.rules.to_vec(),
                status: if violated_in.is_empty() { PropertyStatus::Holds } else { PropertyStatus::Violated },
                scopes: violated_in,
            });
            properties.push(PropertyResult {
                name: property.witness,
                kind: PropertyKind::Sometimes,
                rules: property.rules.to_vec(),
                status: if reached_in.is_empty() { unreached } else { PropertyStatus::Reached },
                scopes: reached_in,
            });
        }
        CheckReport {
            configuration: config.to_string(),
            mutant: mutant.map(|m| m.name()),
            completed: scopes.iter().all(|s| s.completed),
            states: scopes.iter().map(|s| s.states).sum(),
            unique_states: scopes.iter().map(|s| s.unique_states).sum(),
            seconds: elapsed.as_secs_f64(),
            violations: scopes.iter().flat_map(|s| s.violations.iter().cloned()).collect(),
            scopes,
            properties,
        }
    }

    /// Returns true when the search completed, no property was violated and every witness
    /// was reached (or, in a `--scope` run, was not judged).
    pub fn passed(&self) -> bool {
        self.completed
            && self
                .properties
                .iter()
                .all(|p| matches!(p.status, PropertyStatus::Holds | PropertyStatus::Reached | PropertyStatus::NotJudged))
    }

    pub fn status_of(&self, name: &str) -> Option<PropertyStatus> {
        self.properties.iter().find(|p| p.name == name).map(|p| p.status)
    }

    /// Returns the shortest violation trace of each violated property, first found first.
    pub fn first_violation(&self) -> Option<&Trace> {
        self.violations.first()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mutant = self.mutant.as_deref().map(|m| format!(" with mutant {m}")).unwrap_or_default();
        writeln!(f, "configuration {}{mutant}", self.configuration)?;
        writeln!(f, "{:<10} {:>12} {:>12} {:>6} {:>9}", "scope", "unique", "states", "depth", "seconds")?;
        for scope in &self.scopes {
            let done = if scope.completed { "" } else { " (incomplete)" };
            writeln!(
                f,
                "{:<10} {:>12} {:>12} {:>6} {:>9.2}{done}",
                scope.scope, scope.unique_states, scope.states, scope.max_depth, scope.seconds
            )?;
        }
        writeln!(f)?;
        writeln!(f, "{:<46} {:<10} {:<14} status", "property", "kind", "rules")?;
        for property in &self.properties {
            let kind = match property.kind {
                PropertyKind::Always => "always",
                PropertyKind::Sometimes => "sometimes",
            };
            let status = match property.status {
                PropertyStatus::Holds => "holds".to_string(),
                PropertyStatus::Violated => format!("VIOLATED in {}", property.scopes.join(", ")),
                PropertyStatus::Reached => format!("reached in {}", property.scopes.join(", ")),
                PropertyStatus::Unreached => "NOT REACHED".to_string(),
                PropertyStatus::NotJudged => "not reached in these scopes (judged when every scope runs)".to_string(),
            };
            writeln!(f, "{:<46} {:<10} {:<14} {status}", property.name, kind, property.rules.join(","))?;
        }
        for trace in &self.violations {
            writeln!(f)?;
            write!(f, "{trace}")?;
        }
        writeln!(f)?;
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        write!(
            f,
            "{verdict}: {} unique states ({} generated) in {:.2}s",
            self.unique_states, self.states, self.seconds
        )
    }
}
