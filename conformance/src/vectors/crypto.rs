//! Crypto vectors in the Wycheproof habit: one file per construction, groups of
//! numbered cases with stable ids, each `valid` or `invalid`, with a comment and flags.

use super::{field, VectorError};
use crate::crypto_cases::CONSTRUCTIONS;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The `format` field of every crypto vector file.
pub const CRYPTO_FORMAT: &str = "mailspec-crypto";
/// The version of the crypto vector format this harness reads and writes.
pub const CRYPTO_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptoVectorFile {
    pub format: String,
    pub version: u32,
    /// The construction's name, as `docs/crypto.md` and the adapter protocol use it.
    pub construction: String,
    /// The section of `docs/crypto.md` that specifies it.
    pub spec: String,
    pub number_of_tests: usize,
    pub test_groups: Vec<CryptoGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoGroup {
    pub comment: String,
    pub tests: Vec<CryptoCase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptoCase {
    /// Stable id, unique within the file.
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    /// `valid` or `invalid`.
    pub result: String,
    /// Inputs by name, as lowercase hex unless the name ends in `_text`.
    pub inputs: BTreeMap<String, String>,
    /// Outputs a valid case must produce, in the same encoding.
    pub outputs: BTreeMap<String, String>,
}

impl CryptoVectorFile {
    /// Parses a file field by field, checking the format, the version, the construction
    /// (one of `CONSTRUCTIONS`, named like the file), the test count, that case ids are
    /// unique and that every `result` is `valid` or `invalid`.
    // NOTE: input and output names are not checked against the construction, so an expected
    // output that no implementation produces fails as the implementation's fault.
    pub fn load(path: &Path) -> Result<CryptoVectorFile, VectorError> {
        let json = super::read_json(path)?;
        let format: String = field(path, &json, "format", "a string")?;
        if format != CRYPTO_FORMAT {
            return Err(VectorError::new(path, "format", format!("is {format:?}, expected {CRYPTO_FORMAT:?}")));
        }
        let version: u32 = field(path, &json, "version", "a whole number")?;
        if version != CRYPTO_VERSION {
            return Err(VectorError::new(path, "version", format!("is {version}, expected {CRYPTO_VERSION}")));
        }
        let file: CryptoVectorFile = serde_json::from_value(json.clone())
            .map_err(|e| VectorError::new(path, "testGroups", format!("expected groups of cases: {e}")))?;
        check_construction(path, &file.construction)?;

        let cases: Vec<&CryptoCase> = file.test_groups.iter().flat_map(|g| g.tests.iter()).collect();
        if cases.len() != file.number_of_tests {
            let problem = format!("is {}, but the file has {} cases", file.number_of_tests, cases.len());
            return Err(VectorError::new(path, "numberOfTests", problem));
        }
        let mut ids: Vec<u32> = cases.iter().map(|c| c.tc_id).collect();
        ids.sort_unstable();
        if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(VectorError::new(path, "tcId", format!("{} is used twice", pair[0])));
        }
        if let Some(case) = cases.iter().find(|c| c.result != "valid" && c.result != "invalid") {
            let problem = format!("is {:?} in case {}, expected \"valid\" or \"invalid\"", case.result, case.tc_id);
            return Err(VectorError::new(path, "result", problem));
        }
        Ok(file)
    }
}

/// Rejects a construction that the harness does not know, or that differs from the file
/// stem. The runner would otherwise send the cases, get `unsupported` and skip the file.
fn check_construction(path: &Path, construction: &str) -> Result<(), VectorError> {
    if !CONSTRUCTIONS.contains(&construction) {
        let known = CONSTRUCTIONS.join(", ");
        let problem = format!("{construction:?} is not a known construction, expected one of {known}");
        return Err(VectorError::new(path, "construction", problem));
    }
    let stem = path.file_stem().map(|stem| stem.to_string_lossy()).unwrap_or_default();
    if construction != stem {
        let problem = format!("is {construction:?}, expected {stem:?}, the file name without its extension");
        return Err(VectorError::new(path, "construction", problem));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use std::path::PathBuf;

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/crypto")
    }

    /// Writes `json` to `<test>/<file_name>` under the temporary directory, loads it,
    /// and removes the directory.
    fn load_json(test: &str, file_name: &str, json: &Value) -> Result<CryptoVectorFile, VectorError> {
        let dir = std::env::temp_dir().join(format!("mailspec-crypto-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let path = dir.join(file_name);
        std::fs::write(&path, super::super::to_pretty(json)).expect("write the vector");
        let loaded = CryptoVectorFile::load(&path);
        std::fs::remove_dir_all(&dir).expect("remove the temporary directory");
        loaded
    }

    /// Loads the committed `link.json` after `edit` changed its JSON, saved as
    /// `file_name`, and returns the error the loader reports.
    fn rejection(test: &str, file_name: &str, edit: impl FnOnce(&mut Value)) -> VectorError {
        let mut json = super::super::read_json(&committed_dir().join("link.json")).expect("link.json parses");
        edit(&mut json);
        match load_json(test, file_name, &json) {
            Ok(_) => panic!("{test}: the edited vector loaded"),
            Err(error) => error,
        }
    }

    fn first_case(json: &mut Value) -> &mut Value {
        &mut json["testGroups"][0]["tests"][0]
    }

    #[test]
    fn committed_vectors_load() {
        for construction in CONSTRUCTIONS {
            let path = committed_dir().join(format!("{construction}.json"));
            let file = CryptoVectorFile::load(&path).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(file.construction, construction);
        }
    }

    #[test]
    fn unknown_construction_is_rejected() {
        let error = rejection("unknown", "link.json", |json| json["construction"] = json!("linkx"));
        assert!(error.file.ends_with("link.json"), "{error}");
        assert_eq!(error.field, "construction");
        assert!(error.problem.contains("\"linkx\" is not a known construction"), "{error}");
        assert!(error.problem.contains("cake_aead"), "{error}");
    }

    #[test]
    fn construction_must_match_file_stem() {
        let error = rejection("stem", "at_rest.json", |_| {});
        assert_eq!(error.field, "construction");
        assert!(error.problem.contains("is \"link\", expected \"at_rest\""), "{error}");
    }

    #[test]
    fn wrong_number_of_tests_is_rejected() {
        let error = rejection("count", "link.json", |json| json["numberOfTests"] = json!(21));
        assert_eq!(error.field, "numberOfTests");
        assert!(error.problem.contains("is 21, but the file has 22 cases"), "{error}");
    }

    #[test]
    fn duplicate_tc_id_is_rejected() {
        let error = rejection("duplicate", "link.json", |json| json["testGroups"][0]["tests"][1]["tcId"] = json!(1));
        assert_eq!(error.field, "tcId");
        assert!(error.problem.contains("1 is used twice"), "{error}");
    }

    #[test]
    fn unknown_result_is_rejected() {
        let error = rejection("result", "link.json", |json| first_case(json)["result"] = json!("acceptable"));
        assert_eq!(error.field, "result");
        assert!(error.problem.contains("\"acceptable\" in case 1"), "{error}");
    }
}
