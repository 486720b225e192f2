//! Known-answer cases for the constructions of `docs/crypto.md`: recording the vector files
//! of `vectors/crypto/`, and the reference implementation's verdict on one case.
//!
//! Recording is deterministic: each construction draws from its own ChaCha20 stream with a
//! fixed seed, so regenerating the files gives the same bytes. Expected outputs come from the
//! values used while sealing (plaintexts, seeds) or from `spec`, a second implementation of the
//! derivations written from `docs/crypto.md`, never from the checker below.
//!
//! Checking (`check_crypto_case`) reads only the case's `inputs` and computes every output
//! with `mailspec_sim::crypto`. `docs/vectors.md` describes the inputs, outputs and flags of
//! each construction.

mod check;
mod fields;
mod record;
mod record_ciphertexts;
mod record_keys;
mod record_message;
mod spec;

use crate::implementation::CryptoVerdict;
use crate::vectors::crypto::{CryptoCase, CryptoVectorFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use check::CaseError;

/// `result` of a case or verdict whose inputs are accepted.
pub const VALID: &str = "valid";
/// `result` of a case or verdict whose inputs are rejected.
pub const INVALID: &str = "invalid";
/// `result` of a verdict for a construction the implementation does not implement.
pub const UNSUPPORTED: &str = "unsupported";

/// The constructions with a vector file, in the order of `docs/crypto.md`.
pub const CONSTRUCTIONS: [&str; 7] =
    ["puk_derivation", "puk_seed_seal", "backup_key", "cake_aead", "message_open", "link", "at_rest"];

/// Records one vector file per construction, in the order of `CONSTRUCTIONS`.
pub fn record_crypto_vectors() -> Vec<CryptoVectorFile> {
    record_with_expected_errors().into_iter().map(|recorded| recorded.file).collect()
}

/// Writes `<construction>.json` for every construction into `dir`, creating `dir` if needed,
/// and returns the paths written. Files of other names in `dir` are left alone.
pub fn write_crypto_vectors(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for file in record_crypto_vectors() {
        let path = dir.join(format!("{}.json", file.construction));
        std::fs::write(&path, crate::vectors::to_pretty(&file))?;
        written.push(path);
    }
    Ok(written)
}

/// Returns the reference implementation's verdict on one case of `construction`.
///
/// Only the `inputs` object of `case` is read, so the expected `result` and `outputs` may be
/// left out. The verdict's `result` is `valid` with every output of the case, or
/// `invalid` with no outputs. A malformed case (an input missing, not lowercase hex, or a key
/// of the wrong size) also gets `invalid`, and `evaluate_crypto_case` distinguishes the two. An
/// unknown construction gets `unsupported` with no outputs, so that a runner can skip the file
/// instead of counting a rejection.
pub fn check_crypto_case(construction: &str, case: &serde_json::Value) -> CryptoVerdict {
    match evaluate_crypto_case(construction, case) {
        Ok(outputs) => CryptoVerdict { result: VALID.into(), outputs },
        Err(CaseError::Unsupported { .. }) => CryptoVerdict { result: UNSUPPORTED.into(), outputs: BTreeMap::new() },
        Err(CaseError::BadInput { .. } | CaseError::Rejected { .. }) => {
            CryptoVerdict { result: INVALID.into(), outputs: BTreeMap::new() }
        }
    }
}

/// Evaluates one case like `check_crypto_case`, and on rejection returns why: the error
/// name of `docs/crypto.md` (for example `DecryptionFailed`), a malformed input, or an
/// unknown construction.
pub fn evaluate_crypto_case(
    construction: &str,
    case: &serde_json::Value,
) -> Result<BTreeMap<String, String>, CaseError> {
    check::evaluate(construction, case)
}

/// Outcome of comparing an implementation's verdict with a recorded case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerdictCheck {
    Pass,
    /// The verdict is `unsupported`.
    Unsupported,
    /// The verdict differs from the case, as the text describes.
    Fail(String),
}

/// Compares a verdict with a recorded case.
///
/// The results must be equal. For a valid case the outputs must also be equal: the same
/// names, and the same values, with hex compared case-insensitively and `_text` values
/// exactly. The outputs of a verdict on an invalid case are ignored.
pub fn judge_verdict(case: &CryptoCase, verdict: &CryptoVerdict) -> VerdictCheck {
    if verdict.result == UNSUPPORTED {
        return VerdictCheck::Unsupported;
    }
    if verdict.result != VALID && verdict.result != INVALID {
        return VerdictCheck::Fail(format!(
            "result is {:?}, expected \"valid\", \"invalid\" or \"unsupported\"",
            verdict.result
        ));
    }
    if verdict.result != case.result {
        return VerdictCheck::Fail(format!("result is {:?}, expected {:?}", verdict.result, case.result));
    }
    if case.result == INVALID {
        return VerdictCheck::Pass;
    }
    for (name, expected) in &case.outputs {
        let Some(actual) = verdict.outputs.get(name) else {
            return VerdictCheck::Fail(format!("output {name} is missing"));
        };
        let equal = if fields::is_text_name(name) { actual == expected } else { actual.eq_ignore_ascii_case(expected) };
        if !equal {
            return VerdictCheck::Fail(format!("output {name} is {actual}, expected {expected}"));
        }
    }
    if let Some(extra) = verdict.outputs.keys().find(|name| !case.outputs.contains_key(*name)) {
        return VerdictCheck::Fail(format!("output {extra} is not expected for this case"));
    }
    VerdictCheck::Pass
}

/// A recorded file with the error that each invalid case is recorded to raise, by `tcId`.
/// The files do not store the errors, so that an implementation only has to accept or reject.
pub(crate) struct RecordedFile {
    pub file: CryptoVectorFile,
    // Read only by the tests, which check that each invalid case fails for its recorded reason.
    #[cfg_attr(not(test), allow(dead_code))]
    pub expected_errors: BTreeMap<u32, &'static str>,
}

fn record_with_expected_errors() -> Vec<RecordedFile> {
    vec![
        record_keys::puk_derivation(),
        record_keys::puk_seed_seal(),
        record_keys::backup_key(),
        record_ciphertexts::cake_aead(),
        record_message::message_open(),
        record_ciphertexts::link(),
        record_ciphertexts::at_rest(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::OnceLock;

    /// Returns the one recording that all tests share, so that recording runs once.
    fn recorded() -> &'static [RecordedFile] {
        static RECORDED: OnceLock<Vec<RecordedFile>> = OnceLock::new();
        RECORDED.get_or_init(record_with_expected_errors)
    }

    fn cases() -> impl Iterator<Item = (&'static RecordedFile, &'static CryptoCase)> {
        recorded().iter().flat_map(|recorded| {
            recorded.file.test_groups.iter().flat_map(move |g| g.tests.iter().map(move |c| (recorded, c)))
        })
    }

    /// Builds the case object an adapter receives, with only `tcId` and `inputs`.
    fn request(case: &CryptoCase) -> serde_json::Value {
        serde_json::json!({ "tcId": case.tc_id, "inputs": case.inputs })
    }

    fn label(recorded: &RecordedFile, case: &CryptoCase) -> String {
        format!("{} case {} ({})", recorded.file.construction, case.tc_id, case.comment)
    }

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is inside the workspace").to_path_buf()
    }

    fn flip_output(outputs: &mut BTreeMap<String, String>, name: &str) {
        let value = outputs.get_mut(name).unwrap();
        let first = value.chars().next();
        let replacement = match first {
            Some('0') => '1',
            Some(_) => '0',
            None => {
                value.push('0');
                return;
            }
        };
        value.replace_range(..1, &replacement.to_string());
    }

    #[test]
    fn files_follow_constructions_order() {
        let names: Vec<&str> = recorded().iter().map(|r| r.file.construction.as_str()).collect();
        assert_eq!(names, CONSTRUCTIONS);
    }

    #[test]
    fn every_case_checks_out() {
        for (recorded, case) in cases() {
            let verdict = check_crypto_case(&recorded.file.construction, &request(case));
            assert_eq!(judge_verdict(case, &verdict), VerdictCheck::Pass, "{}", label(recorded, case));
        }
    }

    #[test]
    fn invalid_cases_fail_for_recorded_reason() {
        for (recorded, case) in cases().filter(|(_, c)| c.result == INVALID) {
            let expected = recorded.expected_errors.get(&case.tc_id).copied();
            let outcome = evaluate_crypto_case(&recorded.file.construction, &request(case));
            let error = match outcome {
                Err(CaseError::Rejected { error, .. }) => Some(error),
                other => panic!("{}: expected a rejection, got {other:?}", label(recorded, case)),
            };
            assert_eq!(error, expected, "{}", label(recorded, case));
        }
    }

    #[test]
    fn each_invalid_flag_names_one_error() {
        for recorded in recorded() {
            let mut errors_by_flag: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for case in recorded.file.test_groups.iter().flat_map(|g| g.tests.iter()) {
                if case.result != INVALID {
                    assert!(!recorded.expected_errors.contains_key(&case.tc_id));
                    continue;
                }
                assert_eq!(case.flags.len(), 1, "{}: an invalid case has exactly one flag", label(recorded, case));
                let error = recorded.expected_errors[&case.tc_id];
                errors_by_flag.entry(case.flags[0].as_str()).or_default().insert(error);
            }
            for (flag, errors) in errors_by_flag {
                assert_eq!(errors.len(), 1, "{} flag {flag} maps to {errors:?}", recorded.file.construction);
            }
        }
    }

    #[test]
    fn flipped_output_is_detected() {
        let mut checked = 0;
        for (recorded, case) in cases().filter(|(_, c)| c.result == VALID) {
            let verdict = check_crypto_case(&recorded.file.construction, &request(case));
            for name in case.outputs.keys() {
                let mut wrong = verdict.clone();
                flip_output(&mut wrong.outputs, name);
                let outcome = judge_verdict(case, &wrong);
                assert!(matches!(outcome, VerdictCheck::Fail(_)), "{} output {name}", label(recorded, case));
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} outputs were flipped");
    }

    #[test]
    fn missing_or_extra_output_is_detected() {
        for (recorded, case) in cases().filter(|(_, c)| c.result == VALID) {
            let verdict = check_crypto_case(&recorded.file.construction, &request(case));
            let mut missing = verdict.clone();
            let first = missing.outputs.keys().next().cloned().expect("a valid case has outputs");
            missing.outputs.remove(&first);
            assert!(matches!(judge_verdict(case, &missing), VerdictCheck::Fail(_)), "{}", label(recorded, case));

            let mut extra = verdict;
            extra.outputs.insert("unexpected".into(), "00".into());
            assert!(matches!(judge_verdict(case, &extra), VerdictCheck::Fail(_)), "{}", label(recorded, case));
        }
    }

    #[test]
    fn accepting_everything_is_detected() {
        for (recorded, case) in cases().filter(|(_, c)| c.result == INVALID) {
            let accepting = CryptoVerdict { result: VALID.into(), outputs: BTreeMap::new() };
            assert!(matches!(judge_verdict(case, &accepting), VerdictCheck::Fail(_)), "{}", label(recorded, case));
        }
    }

    #[test]
    fn rejecting_everything_is_detected() {
        for (recorded, case) in cases().filter(|(_, c)| c.result == VALID) {
            let rejecting = CryptoVerdict { result: INVALID.into(), outputs: BTreeMap::new() };
            assert!(matches!(judge_verdict(case, &rejecting), VerdictCheck::Fail(_)), "{}", label(recorded, case));
        }
    }

    #[test]
    fn uppercase_hex_output_passes() {
        let (recorded, case) = cases().find(|(_, c)| c.result == VALID).unwrap();
        let mut verdict = check_crypto_case(&recorded.file.construction, &request(case));
        for (name, value) in verdict.outputs.iter_mut() {
            if !fields::is_text_name(name) {
                *value = value.to_uppercase();
            }
        }
        assert_eq!(judge_verdict(case, &verdict), VerdictCheck::Pass);
    }

    #[test]
    fn unknown_construction_is_unsupported() {
        let (_, case) = cases().next().unwrap();
        let verdict = check_crypto_case("no_such_construction", &request(case));
        assert_eq!(verdict.result, UNSUPPORTED);
        assert!(verdict.outputs.is_empty());
        assert_eq!(judge_verdict(case, &verdict), VerdictCheck::Unsupported);
    }

    #[test]
    fn missing_input_is_bad_input() {
        let (recorded, case) = cases().find(|(r, c)| r.file.construction == "cake_aead" && c.result == VALID).unwrap();
        let mut inputs = case.inputs.clone();
        inputs.remove("key");
        let request = serde_json::json!({ "tcId": case.tc_id, "inputs": inputs });
        let outcome = evaluate_crypto_case(&recorded.file.construction, &request);
        assert!(matches!(&outcome, Err(CaseError::BadInput { name, .. }) if name == "key"), "{outcome:?}");
        assert_eq!(check_crypto_case(&recorded.file.construction, &request).result, INVALID);
    }

    #[test]
    fn non_hex_input_is_bad_input() {
        let (recorded, case) = cases().find(|(r, c)| r.file.construction == "cake_aead" && c.result == VALID).unwrap();
        let mut inputs = case.inputs.clone();
        inputs.insert("ciphertext".into(), "zz".into());
        let request = serde_json::json!({ "inputs": inputs });
        let outcome = evaluate_crypto_case(&recorded.file.construction, &request);
        assert!(matches!(&outcome, Err(CaseError::BadInput { name, .. }) if name == "ciphertext"), "{outcome:?}");
    }

    #[test]
    fn case_without_inputs_is_bad_input() {
        let outcome = evaluate_crypto_case("cake_aead", &serde_json::json!({ "tcId": 1 }));
        assert!(matches!(&outcome, Err(CaseError::BadInput { name, .. }) if name == "inputs"), "{outcome:?}");
    }

    #[test]
    fn every_construction_has_valid_and_invalid_cases() {
        for recorded in recorded() {
            let cases: Vec<&CryptoCase> = recorded.file.test_groups.iter().flat_map(|g| g.tests.iter()).collect();
            assert!(cases.iter().any(|c| c.result == VALID), "{}", recorded.file.construction);
            assert!(cases.iter().any(|c| c.result == INVALID), "{}", recorded.file.construction);
            assert_eq!(recorded.file.number_of_tests, cases.len());
            let ids: Vec<u32> = cases.iter().map(|c| c.tc_id).collect();
            let expected: Vec<u32> = (1..=cases.len() as u32).collect();
            assert_eq!(ids, expected, "{}: tcIds count from 1 in file order", recorded.file.construction);
        }
    }

    #[test]
    fn message_open_covers_required_faults() {
        let recorded = recorded().iter().find(|r| r.file.construction == "message_open").unwrap();
        let flags: BTreeSet<&str> = recorded
            .file
            .test_groups
            .iter()
            .flat_map(|g| g.tests.iter())
            .flat_map(|c| c.flags.iter().map(String::as_str))
            .collect();
        for required in [
            "TamperedPiece",
            "WrongRecipient",
            "StaleGeneration",
            "BccOpeningMismatch",
            "ModifiedBccCommitment",
            "SignatureByOtherDevice",
        ] {
            assert!(flags.contains(required), "message_open has no {required} case");
        }
    }

    #[test]
    fn files_stay_small() {
        for recorded in recorded() {
            let text = crate::vectors::to_pretty(&recorded.file);
            assert!(
                recorded.file.number_of_tests <= 40,
                "{} has {} cases",
                recorded.file.construction,
                recorded.file.number_of_tests
            );
            // 160 KiB leaves room for the two cake_aead cases that span a 16 KiB chunk in hex.
            assert!(text.len() <= 160 * 1024, "{} is {} bytes", recorded.file.construction, text.len());
        }
    }

    #[test]
    fn every_case_has_comment_and_flag() {
        for (recorded, case) in cases() {
            assert!(!case.comment.is_empty(), "{}", label(recorded, case));
            assert!(!case.flags.is_empty(), "{}", label(recorded, case));
            for name in case.inputs.keys().chain(case.outputs.keys()) {
                let value = case.inputs.get(name).or_else(|| case.outputs.get(name)).unwrap();
                if !fields::is_text_name(name) {
                    assert!(
                        value.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                        "{} {name} is not lowercase hex",
                        label(recorded, case)
                    );
                }
            }
        }
    }

    #[test]
    fn regeneration_is_byte_identical() {
        let first: Vec<String> = recorded().iter().map(|r| crate::vectors::to_pretty(&r.file)).collect();
        let second: Vec<String> = record_crypto_vectors().iter().map(crate::vectors::to_pretty).collect();
        assert_eq!(first, second);
    }

    #[test]
    fn written_files_load() {
        let dir = std::env::temp_dir().join(format!("mailspec-crypto-vectors-{}", std::process::id()));
        let written = write_crypto_vectors(&dir).unwrap();
        assert_eq!(written.len(), CONSTRUCTIONS.len());
        for (path, recorded) in written.iter().zip(recorded()) {
            let loaded = CryptoVectorFile::load(path).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(loaded, recorded.file);
            assert!(std::fs::read_to_string(path).unwrap().ends_with("}\n"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn committed_vectors_are_current() {
        let dir = workspace_root().join("vectors/crypto");
        for recorded in recorded() {
            let path = dir.join(format!("{}.json", recorded.file.construction));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == crate::vectors::to_pretty(&recorded.file),
                "{} is missing or out of date; regenerate it with \
                 `cargo test -p mailspec-conformance write_repository_crypto_vectors -- --ignored`",
                path.display()
            );
        }
    }

    #[test]
    fn every_flag_is_documented() {
        let docs = std::fs::read_to_string(workspace_root().join("docs/vectors.md")).unwrap();
        let start = docs.find("## Crypto vectors").expect("docs/vectors.md has a Crypto vectors section");
        let section = &docs[start..];
        for (recorded, case) in cases() {
            for flag in &case.flags {
                assert!(
                    section.contains(&format!("`{flag}`")),
                    "{} flag {flag} is not in docs/vectors.md",
                    recorded.file.construction
                );
            }
            for name in case.inputs.keys().chain(case.outputs.keys()) {
                let generic = name.trim_end_matches(|c: char| c.is_ascii_digit());
                let documented = section.contains(&format!("`{name}`")) || section.contains(&format!("`{generic}<i>`"));
                assert!(documented, "{} field {name} is not in docs/vectors.md", recorded.file.construction);
            }
        }
    }

    /// Regenerates `vectors/crypto/` in the repository.
    #[test]
    #[ignore = "writes into the repository; run it after changing a recorder"]
    fn write_repository_crypto_vectors() {
        let written = write_crypto_vectors(&workspace_root().join("vectors/crypto")).unwrap();
        assert_eq!(written.len(), CONSTRUCTIONS.len());
    }
}
