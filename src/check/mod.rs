//! Runs the model checker over every scope of a configuration and merges the results.

mod progress;
mod report;
mod shortest;
mod trace;

pub use report::{CheckReport, PropertyKind, PropertyResult, PropertyStatus, ScopeResult};
pub use trace::{Trace, TraceStep};

use mailspec_model::properties::catalog;
use mailspec_model::{configuration, MailModel, ModelMutant, CONFIG_NAMES};
use stateright::Model;
use std::time::Instant;

/// The search order. BFS finds shortest traces; DFS uses less memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Bfs,
    Dfs,
}

impl std::str::FromStr for Strategy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "bfs" => Ok(Strategy::Bfs),
            "dfs" => Ok(Strategy::Dfs),
            other => Err(format!("invalid strategy '{other}': expected bfs or dfs")),
        }
    }
}

/// What to check and how.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub config: String,
    pub threads: usize,
    pub strategy: Strategy,
    pub mutant: Option<ModelMutant>,
    /// Check only the scope with this name.
    pub scope: Option<String>,
    /// Turn symmetry reduction off, to compare state counts.
    pub no_symmetry: bool,
    /// Stop a scope's search at its first violation; the report then says the search
    /// did not complete.
    pub stop_on_violation: bool,
    /// Print a progress line on stderr at least once a second.
    pub progress: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions { config: "default".into(), threads: 1, strategy: Strategy::Bfs, mutant: None, scope: None, no_symmetry: false, stop_on_violation: false, progress: false }
    }
}

/// Returns the scopes of a configuration, or a one-line error naming the bad value.
pub fn scopes(config: &str) -> Result<Vec<MailModel>, String> {
    let expected = CONFIG_NAMES.join(", ");
    let built = configuration(config).ok_or_else(|| format!("unknown configuration '{config}': expected one of {expected}"))?;
    built.map_err(|error| format!("internal error in configuration '{config}': {error}"))
}

/// Returns the scopes to check: all of them, or the one the options name.
pub fn selected_scopes(options: &CheckOptions) -> Result<Vec<MailModel>, String> {
    let all = scopes(&options.config)?;
    let Some(wanted) = options.scope.as_deref() else { return Ok(all) };
    let names: Vec<&str> = all.iter().map(|model| model.scope).collect();
    let expected = names.join(", ");
    let chosen: Vec<MailModel> = all.iter().filter(|model| model.scope == wanted).cloned().collect();
    if chosen.is_empty() {
        return Err(format!("unknown scope '{wanted}': expected one of {expected}"));
    }
    Ok(chosen)
}

/// Checks every scope of the configuration and returns the merged report.
pub fn run(options: &CheckOptions) -> Result<CheckReport, String> {
    let started = Instant::now();
    let mut results = Vec::new();
    for model in selected_scopes(options)? {
        let mut model = model.with_mutant(options.mutant);
        model.symmetry = !options.no_symmetry;
        results.push(check_scope(model, options));
    }
    Ok(CheckReport::merge(&options.config, options.mutant, results, started.elapsed(), options.scope.is_none()))
}

/// Checks one scope, then searches each violation again for a shortest trace.
fn check_scope(model: MailModel, options: &CheckOptions) -> ScopeResult {
    let started = Instant::now();
    let scope = model.scope;
    let mut builder = model.clone().checker().threads(options.threads.max(1));
    if options.stop_on_violation {
        builder = builder.finish_when(stateright::HasDiscoveries::AnyFailures);
    }
    let mut result = match options.strategy {
        Strategy::Bfs => {
            let checker = progress::watch(scope, builder.spawn_bfs(), options.progress);
            ScopeResult::from_checker(&model, &checker, started.elapsed())
        }
        Strategy::Dfs => {
            let checker = progress::watch(scope, builder.spawn_dfs(), options.progress);
            ScopeResult::from_checker(&model, &checker, started.elapsed())
        }
    };

    if options.stop_on_violation && !result.violations.is_empty() {
        result.completed = false;
    }

    // Replace each counterexample with a shortest one.
    for trace in result.violations.iter_mut() {
        let Some(property) = mailspec_model::properties::find(&trace.property) else { continue };
        if let Some(path) = shortest::shortest_violation(&model, property.holds) {
            *trace = Trace::from_path(&model, property.name, property.rules, path);
        }
    }
    result
}

/// Returns every property's name and kind in catalog order, always then sometimes.
pub fn property_names() -> Vec<(&'static str, PropertyKind)> {
    catalog()
        .iter()
        .flat_map(|p| [(p.name, PropertyKind::Always), (p.witness, PropertyKind::Sometimes)])
        .collect()
}
