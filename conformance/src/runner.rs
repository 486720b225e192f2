//! The runner: every vector against one implementation, each with a verdict.
//!
//! A vector that cannot be read, an implementation that crashes, hangs or breaks the
//! protocol: each fails its own vector with a reason, and the run goes on.

use crate::crypto_cases::{judge_verdict, VerdictCheck};
use crate::implementation::{Capability, Implementation, SutError};
use crate::scan::{has_link_secret, scan};
use crate::vectors::crypto::CryptoVectorFile;
use crate::vectors::scenario::{stored_message_mode, ScenarioVector, VectorStep};
use crate::vectors::{json_files, VectorError};
use mailspec_model::op::Mode;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct VectorResult {
    /// `scenarios/NAME` or `crypto/NAME`.
    pub name: String,
    pub rules: Vec<String>,
    pub verdict: Verdict,
    pub seconds: f64,
}

/// The vectors of one directory, parsed, with the files that could not be.
pub struct VectorSet {
    pub scenarios: Vec<(PathBuf, ScenarioVector)>,
    pub crypto: Vec<(PathBuf, CryptoVectorFile)>,
    pub errors: Vec<VectorError>,
}

impl VectorSet {
    /// Loads `DIR/scenarios/*.json` and `DIR/crypto/*.json`. A missing scenarios
    /// directory is an error, a missing crypto directory means no crypto vectors, and a
    /// broken file is recorded while the others still load.
    ///
    /// Tests and behaviour-only suites use a directory of scenario vectors alone, so a
    /// missing crypto directory is not an error. `mailspec conform` prints a notice for it.
    pub fn load(dir: &Path) -> Result<VectorSet, VectorError> {
        let mut set = VectorSet { scenarios: Vec::new(), crypto: Vec::new(), errors: Vec::new() };
        let scenarios_dir = dir.join("scenarios");
        if !scenarios_dir.is_dir() {
            let problem = format!(
                "missing, expected a directory of scenario vectors (scenarios/*.json). `mailspec record --vectors {}` writes one",
                dir.display()
            );
            return Err(VectorError::new(&scenarios_dir, "(directory)", problem));
        }
        for path in json_files(&scenarios_dir)? {
            match ScenarioVector::load(&path) {
                Ok(vector) => set.scenarios.push((path, vector)),
                Err(error) => set.errors.push(error),
            }
        }
        let crypto_dir = dir.join("crypto");
        let crypto_files = if crypto_dir.exists() { json_files(&crypto_dir)? } else { Vec::new() };
        for path in crypto_files {
            match CryptoVectorFile::load(&path) {
                Ok(file) => set.crypto.push((path, file)),
                Err(error) => set.errors.push(error),
            }
        }
        Ok(set)
    }

    /// Returns a copy without the vectors whose result names (`scenarios/NAME`,
    /// `crypto/NAME`) are in `names`, and without the unreadable files.
    pub fn without(&self, names: &BTreeSet<String>) -> VectorSet {
        let keep_scenario = |(path, _): &&(PathBuf, ScenarioVector)| !names.contains(&scenario_result_name(path));
        let keep_crypto = |(path, _): &&(PathBuf, CryptoVectorFile)| !names.contains(&crypto_result_name(path));
        VectorSet {
            scenarios: self.scenarios.iter().filter(keep_scenario).cloned().collect(),
            crypto: self.crypto.iter().filter(keep_crypto).cloned().collect(),
            errors: Vec::new(),
        }
    }
}

/// Which vectors to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Run only scenario vectors covering this rule ID; `crypto` selects the crypto
    /// vectors alone.
    pub filter: Option<String>,
}

impl Selection {
    fn wants_scenario(&self, vector: &ScenarioVector) -> bool {
        match self.filter.as_deref() {
            None => true,
            Some(rule) => vector.rules.iter().any(|r| r.eq_ignore_ascii_case(rule)),
        }
    }

    fn wants_crypto(&self) -> bool {
        matches!(self.filter.as_deref(), None | Some("crypto"))
    }
}

/// Runs every selected vector and returns one result per vector, in file order.
pub fn run(implementation: &mut dyn Implementation, set: &VectorSet, selection: &Selection) -> Vec<VectorResult> {
    let claimed = implementation.capabilities();
    let mut results = Vec::new();
    for (path, vector) in set.scenarios.iter().filter(|(_, v)| selection.wants_scenario(v)) {
        let started = Instant::now();
        let verdict = match &claimed {
            Ok(claimed) => run_scenario(implementation, vector, claimed),
            Err(error) => Verdict::Fail(format!("handshake: {error}")),
        };
        results.push(VectorResult {
            name: scenario_result_name(path),
            rules: vector.rules.clone(),
            verdict,
            seconds: started.elapsed().as_secs_f64(),
        });
    }
    if selection.wants_crypto() {
        for (path, file) in &set.crypto {
            let started = Instant::now();
            let verdict = match &claimed {
                Ok(claimed) if claimed.contains(&Capability::Crypto) => run_crypto(implementation, file),
                Ok(_) => Verdict::Skip("needs capability crypto".into()),
                Err(error) => Verdict::Fail(format!("handshake: {error}")),
            };
            results.push(VectorResult { name: crypto_result_name(path), rules: Vec::new(), verdict, seconds: started.elapsed().as_secs_f64() });
        }
    }
    results
}

fn scenario_result_name(path: &Path) -> String {
    format!("scenarios/{}", stem(path))
}

fn crypto_result_name(path: &Path) -> String {
    format!("crypto/{}", stem(path))
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Runs one scenario: reset, then each step compared with its expected observation,
/// with a byte scan after each step when the implementation answers probes.
pub fn run_scenario(implementation: &mut dyn Implementation, vector: &ScenarioVector, claimed: &BTreeSet<Capability>) -> Verdict {
    let missing: Vec<String> = vector.capabilities.iter().filter(|c| !claimed.contains(c)).map(|c| capability_name(*c)).collect();
    if !missing.is_empty() {
        return Verdict::Skip(format!("needs capability {}", missing.join(", ")));
    }
    let probes = claimed.contains(&Capability::Probes);

    if let Err(error) = implementation.reset(&vector.world) {
        return Verdict::Fail(format!("reset: {error}"));
    }
    let mut stored = StoredSoFar::default();
    for step in &vector.steps {
        let label = || format!("step {} ({})", step.index, mailspec_model::op_display::render(&step.operation));
        let observed = match implementation.apply(&step.operation) {
            Ok(observed) => observed,
            Err(error) => return Verdict::Fail(format!("{}: {error}", label())),
        };
        if observed != step.expected {
            return Verdict::Fail(format!("{}: expected {}, got {}", label(), step.expected, observed));
        }
        stored.add(step);
        if probes {
            if let Err(reason) = scan_after(implementation, &stored) {
                return Verdict::Fail(format!("{}: {reason}", label()));
            }
        }
    }
    Verdict::Pass
}

/// The mail that the expected observations record as stored, up to the current step.
#[derive(Debug, Default)]
struct StoredSoFar {
    /// The index of the first step that stored a message.
    first_message_step: Option<usize>,
    /// The password-expiring messages sent so far. Each delivers at least one link.
    password_expiring: usize,
}

impl StoredSoFar {
    fn add(&mut self, step: &VectorStep) {
        let Some(mode) = stored_message_mode(&step.expected) else { return };
        self.first_message_step.get_or_insert(step.index);
        if mode == Mode::PasswordExpiring {
            self.password_expiring += 1;
        }
    }
}

/// Probes the implementation and scans the objects and links it returns. An empty
/// response would pass every scan, so the responses must first account for the mail
/// the steps stored.
///
/// NOTE: an implementation can still return objects that are not what it stores. The
/// probes show only that it claims to store something once mail exists.
fn scan_after(implementation: &mut dyn Implementation, stored: &StoredSoFar) -> Result<(), String> {
    let objects = implementation.stored_objects().map_err(|e| format!("stored probe: {e}"))?;
    let links = implementation.delivered_links().map_err(|e| format!("links probe: {e}"))?;

    if let Some(first) = stored.first_message_step {
        if objects.iter().all(|object| object.bytes.is_empty()) {
            let returned = if objects.is_empty() { "no objects".to_string() } else { format!("{} empty objects", objects.len()) };
            return Err(format!("stored probe returned {returned}, but step {first} stored a message"));
        }
    }
    let with_secret: BTreeSet<&str> = links.iter().map(String::as_str).filter(|url| has_link_secret(url)).collect();
    if with_secret.len() < stored.password_expiring {
        return Err(format!(
            "links probe returned {} distinct link URLs with a secret in the fragment, expected at least {}, one for each password-expiring message sent so far",
            with_secret.len(),
            stored.password_expiring
        ));
    }

    match scan(&objects, &links).first() {
        Some(finding) => Err(finding.to_string()),
        None => Ok(()),
    }
}

/// Runs every case of one crypto file and judges each verdict with `judge_verdict`, the
/// rule `docs/vectors.md` documents. The verdict lists every failing case.
pub fn run_crypto(implementation: &mut dyn Implementation, file: &CryptoVectorFile) -> Verdict {
    let unsupported = || Verdict::Skip(format!("implementation does not support construction {}", file.construction));
    let mut failures = Vec::new();
    for case in file.test_groups.iter().flat_map(|group| group.tests.iter()) {
        // The implementation sees the inputs alone, never the expected result or outputs.
        let json = serde_json::json!({ "tcId": case.tc_id, "inputs": case.inputs });
        match implementation.crypto_case(&file.construction, &json) {
            Err(SutError::Reported { code, .. }) if code == "unsupported" => return unsupported(),
            Err(error @ SutError::Reported { .. }) => failures.push(format!("case {}: {error}", case.tc_id)),
            // A dead, hung or garbled adapter would fail every later case the same way.
            Err(error) => {
                failures.push(format!("case {}: {error}; the remaining cases were not run", case.tc_id));
                break;
            }
            Ok(verdict) => match judge_verdict(case, &verdict) {
                VerdictCheck::Pass => {}
                VerdictCheck::Unsupported => return unsupported(),
                VerdictCheck::Fail(reason) => failures.push(format!("case {} ({}): {reason}", case.tc_id, case.comment)),
            },
        }
    }
    if failures.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(failures.join("; "))
    }
}

pub fn capability_name(capability: Capability) -> String {
    capability.name().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto_cases::{INVALID, UNSUPPORTED, VALID};
    use crate::implementation::{CryptoVerdict, StoredObject};
    use crate::reference::InProcess;
    use mailspec_model::{Observation, Operation, World};

    /// The reference implementation with its crypto verdicts changed by `edit`, to show
    /// how the runner judges a verdict.
    struct EditedVerdicts {
        inner: InProcess,
        edit: fn(&mut CryptoVerdict),
    }

    impl Implementation for EditedVerdicts {
        fn name(&self) -> String {
            "reference with edited crypto verdicts".into()
        }

        fn capabilities(&mut self) -> Result<BTreeSet<Capability>, SutError> {
            self.inner.capabilities()
        }

        fn reset(&mut self, world: &World) -> Result<(), SutError> {
            self.inner.reset(world)
        }

        fn apply(&mut self, op: &Operation) -> Result<Observation, SutError> {
            self.inner.apply(op)
        }

        fn stored_objects(&mut self) -> Result<Vec<StoredObject>, SutError> {
            self.inner.stored_objects()
        }

        fn delivered_links(&mut self) -> Result<Vec<String>, SutError> {
            self.inner.delivered_links()
        }

        fn crypto_case(&mut self, construction: &str, case: &serde_json::Value) -> Result<CryptoVerdict, SutError> {
            let mut verdict = self.inner.crypto_case(construction, case)?;
            (self.edit)(&mut verdict);
            Ok(verdict)
        }
    }

    fn crypto_file(construction: &str) -> CryptoVectorFile {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is inside the workspace");
        let path = root.join("vectors/crypto").join(format!("{construction}.json"));
        CryptoVectorFile::load(&path).unwrap_or_else(|error| panic!("{error}"))
    }

    fn run_edited(construction: &str, edit: fn(&mut CryptoVerdict)) -> Verdict {
        run_crypto(&mut EditedVerdicts { inner: InProcess::new(), edit }, &crypto_file(construction))
    }

    fn failure_reason(verdict: Verdict) -> String {
        match verdict {
            Verdict::Fail(reason) => reason,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    /// Returns the id and comment of the first valid case, as a failure names them.
    fn first_valid_case(construction: &str) -> String {
        let file = crypto_file(construction);
        let case = file.test_groups.iter().flat_map(|group| group.tests.iter()).find(|case| case.result == VALID);
        let case = case.expect("the file has a valid case");
        format!("case {} ({})", case.tc_id, case.comment)
    }

    #[test]
    fn reference_verdicts_pass() {
        assert_eq!(run_edited("cake_aead", |_| {}), Verdict::Pass);
    }

    #[test]
    fn extra_output_fails_naming_case_and_output() {
        let reason = failure_reason(run_edited("cake_aead", |verdict| {
            if verdict.result == VALID {
                verdict.outputs.insert("key_echo".into(), "00".into());
            }
        }));
        assert!(reason.contains(&first_valid_case("cake_aead")), "{reason}");
        assert!(reason.contains("output key_echo is not expected"), "{reason}");
    }

    #[test]
    fn missing_output_fails() {
        let reason = failure_reason(run_edited("cake_aead", |verdict| verdict.outputs.clear()));
        assert!(reason.contains(&first_valid_case("cake_aead")), "{reason}");
        assert!(reason.contains("output plaintext is missing"), "{reason}");
    }

    #[test]
    fn outputs_of_invalid_verdict_are_ignored() {
        let verdict = run_edited("cake_aead", |verdict| {
            if verdict.result == INVALID {
                verdict.outputs.insert("plaintext".into(), "00".into());
            }
        });
        assert_eq!(verdict, Verdict::Pass);
    }

    #[test]
    fn uppercase_hex_output_passes() {
        let verdict = run_edited("cake_aead", |verdict| {
            for value in verdict.outputs.values_mut() {
                *value = value.to_uppercase();
            }
        });
        assert_eq!(verdict, Verdict::Pass);
    }

    #[test]
    fn unknown_result_fails() {
        let reason = failure_reason(run_edited("cake_aead", |verdict| verdict.result = "maybe".into()));
        assert!(reason.contains("result is \"maybe\""), "{reason}");
    }

    #[test]
    fn unsupported_verdict_skips_file() {
        let verdict = run_edited("cake_aead", |verdict| verdict.result = UNSUPPORTED.into());
        assert!(matches!(&verdict, Verdict::Skip(reason) if reason.contains("cake_aead")), "{verdict:?}");
    }

    /// The reference implementation with its probe responses changed, and optionally
    /// without the `probes` capability.
    struct EditedProbes {
        inner: InProcess,
        claims_probes: bool,
        edit_stored: fn(&mut Vec<StoredObject>),
        edit_links: fn(&mut Vec<String>),
    }

    impl EditedProbes {
        fn new() -> EditedProbes {
            EditedProbes { inner: InProcess::new(), claims_probes: true, edit_stored: |_| {}, edit_links: |_| {} }
        }
    }

    impl Implementation for EditedProbes {
        fn name(&self) -> String {
            "reference with edited probes".into()
        }

        fn capabilities(&mut self) -> Result<BTreeSet<Capability>, SutError> {
            let mut claimed = self.inner.capabilities()?;
            if !self.claims_probes {
                claimed.remove(&Capability::Probes);
            }
            Ok(claimed)
        }

        fn reset(&mut self, world: &World) -> Result<(), SutError> {
            self.inner.reset(world)
        }

        fn apply(&mut self, op: &Operation) -> Result<Observation, SutError> {
            self.inner.apply(op)
        }

        fn stored_objects(&mut self) -> Result<Vec<StoredObject>, SutError> {
            let mut objects = self.inner.stored_objects()?;
            (self.edit_stored)(&mut objects);
            Ok(objects)
        }

        fn delivered_links(&mut self) -> Result<Vec<String>, SutError> {
            let mut links = self.inner.delivered_links()?;
            (self.edit_links)(&mut links);
            Ok(links)
        }

        fn crypto_case(&mut self, construction: &str, case: &serde_json::Value) -> Result<CryptoVerdict, SutError> {
            self.inner.crypto_case(construction, case)
        }
    }

    /// A scenario that sends password-expiring mail and lets its link expire.
    const LINK_MAIL: &str = "link_expires_after_one_day";
    /// A scenario of tenancy and device steps only.
    const NO_MAIL: &str = "policy_is_set_once";

    fn scenario(name: &str) -> ScenarioVector {
        let found = crate::record::scenario_vectors().into_iter().find(|(_, vector)| vector.name == name);
        found.unwrap_or_else(|| panic!("the catalog has no scenario {name}")).1
    }

    fn run_probed(implementation: &mut EditedProbes, name: &str) -> Verdict {
        let claimed = implementation.capabilities().expect("the reference claims its capabilities");
        run_scenario(implementation, &scenario(name), &claimed)
    }

    /// Returns the index of the first step of `name` that stores a message.
    fn first_stored_step(name: &str) -> usize {
        let vector = scenario(name);
        let step = vector.steps.iter().find(|step| stored_message_mode(&step.expected).is_some());
        step.unwrap_or_else(|| panic!("{name} stores no message")).index
    }

    #[test]
    fn honest_probes_pass() {
        assert_eq!(run_probed(&mut EditedProbes::new(), LINK_MAIL), Verdict::Pass);
    }

    #[test]
    fn empty_stored_list_fails_after_mail() {
        let mut implementation = EditedProbes { edit_stored: |objects| objects.clear(), ..EditedProbes::new() };
        let reason = failure_reason(run_probed(&mut implementation, LINK_MAIL));
        let first = first_stored_step(LINK_MAIL);
        assert!(reason.starts_with(&format!("step {first} (")), "{reason}");
        assert!(reason.contains(&format!("stored probe returned no objects, but step {first} stored a message")), "{reason}");
    }

    #[test]
    fn empty_objects_fail_after_mail() {
        let mut implementation = EditedProbes {
            edit_stored: |objects| objects.iter_mut().for_each(|object| object.bytes.clear()),
            ..EditedProbes::new()
        };
        let reason = failure_reason(run_probed(&mut implementation, LINK_MAIL));
        assert!(reason.contains("empty objects, but step"), "{reason}");
    }

    #[test]
    fn empty_stored_list_passes_without_mail() {
        let mut implementation = EditedProbes { edit_stored: |objects| objects.clear(), ..EditedProbes::new() };
        assert_eq!(run_probed(&mut implementation, NO_MAIL), Verdict::Pass);
    }

    #[test]
    fn empty_links_list_fails_after_link_mail() {
        let mut implementation = EditedProbes { edit_links: |links| links.clear(), ..EditedProbes::new() };
        let reason = failure_reason(run_probed(&mut implementation, LINK_MAIL));
        assert!(reason.contains("links probe returned 0 distinct link URLs"), "{reason}");
        assert!(reason.contains("expected at least 1, one for each password-expiring message"), "{reason}");
    }

    #[test]
    fn links_without_secret_fail() {
        let mut implementation = EditedProbes {
            edit_links: |links| {
                for url in links.iter_mut() {
                    url.truncate(url.find('#').expect("a delivered link has a fragment"));
                }
            },
            ..EditedProbes::new()
        };
        let reason = failure_reason(run_probed(&mut implementation, LINK_MAIL));
        assert!(reason.contains("links probe returned 0 distinct link URLs with a secret"), "{reason}");
    }

    #[test]
    fn no_probes_skips_mail_scenario() {
        let mut implementation = EditedProbes { claims_probes: false, ..EditedProbes::new() };
        let verdict = run_probed(&mut implementation, LINK_MAIL);
        assert_eq!(verdict, Verdict::Skip("needs capability probes".into()));
    }

    #[test]
    fn no_probes_runs_scenario_without_mail() {
        let mut implementation = EditedProbes { claims_probes: false, ..EditedProbes::new() };
        assert_eq!(run_probed(&mut implementation, NO_MAIL), Verdict::Pass);
    }
}
