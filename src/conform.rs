//! `mailspec conform` and `mailspec record`: the conformance suite from the command line.

use mailspec_conformance::adapter::Adapter;
use mailspec_conformance::report::SuiteReport;
use mailspec_conformance::runner::{self, Selection, VectorSet};
use mailspec_conformance::Implementation;
use mailspec_model::rule_ids::RULES;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
}

impl std::str::FromStr for ReportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "human" => Ok(ReportFormat::Human),
            "json" => Ok(ReportFormat::Json),
            "junit" => Ok(ReportFormat::Junit),
            other => Err(format!("invalid format '{other}': expected human, json or junit")),
        }
    }
}

/// The implementation under test.
pub enum Sut {
    Reference,
    Command { command: String, timeout: Duration },
}

/// Builds the implementation, or a one-line error naming the bad value.
pub fn implementation(sut: &Sut) -> Result<Box<dyn Implementation>, String> {
    match sut {
        Sut::Reference => Ok(Box::new(mailspec_conformance::reference::InProcess::new())),
        Sut::Command { command, timeout } => Ok(Box::new(Adapter::new(command, *timeout))),
    }
}

/// Checks a `--filter` value: `crypto`, or a rule ID of docs/spec.md in any case.
/// Returns the value unchanged, or a one-line error naming it.
pub fn parse_filter(text: &str) -> Result<String, String> {
    let known = text == "crypto" || RULES.iter().any(|(rule, _)| rule.eq_ignore_ascii_case(text));
    if known {
        Ok(text.to_string())
    } else {
        Err(format!("unknown rule '{text}' for --filter: expected a rule ID from the table in docs/spec.md, such as T1 or D7, or crypto"))
    }
}

/// Loads the vectors of `dir`, or returns a one-line error naming the directory.
/// A file that cannot be read does not fail the load: the report lists it. A directory
/// without `crypto/` loads, with a notice on stderr that no crypto vector runs.
pub fn load_vectors(dir: &Path) -> Result<VectorSet, String> {
    if !dir.is_dir() {
        return Err(format!("unreadable vectors: '{}' is not a directory", dir.display()));
    }
    let set = VectorSet::load(dir).map_err(|e| format!("unreadable vectors: {e}"))?;
    let crypto_dir = dir.join("crypto");
    if !crypto_dir.is_dir() {
        eprintln!("notice: no crypto vector runs, because '{}' is missing", crypto_dir.display());
    }
    Ok(set)
}

/// Runs the suite over the loaded vectors and returns the report.
pub fn conform(implementation: &mut dyn Implementation, set: &VectorSet, filter: Option<String>) -> SuiteReport {
    let started = Instant::now();
    let selection = Selection { filter };
    let results = runner::run(implementation, set, &selection);
    let capabilities = implementation
        .capabilities()
        .map(|claimed| claimed.into_iter().map(runner::capability_name).collect())
        .unwrap_or_default();
    SuiteReport::new(implementation.name(), capabilities, results, &set.errors, started.elapsed().as_secs_f64())
        .with_filter(selection.filter)
}

/// Prints the report in the chosen format.
pub fn print(report: &SuiteReport, format: ReportFormat) {
    match format {
        ReportFormat::Human => crate::output::emit(report.human()),
        ReportFormat::Json => crate::output::emit(serde_json::to_string(report).unwrap_or_default()),
        ReportFormat::Junit => crate::output::emit(report.junit().trim_end_matches('\n')),
    }
}

/// Returns the `.json` files of `DIR/scenarios` and `DIR/crypto`: the files that
/// `mailspec record` replaces. A directory that cannot be read contributes none.
pub fn recorded_files(dir: &Path) -> Vec<PathBuf> {
    ["scenarios", "crypto"]
        .into_iter()
        .flat_map(|sub| mailspec_conformance::vectors::json_files(&dir.join(sub)).unwrap_or_default())
        .collect()
}
