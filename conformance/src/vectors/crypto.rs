//! Crypto vectors in the Wycheproof habit: one file per construction, groups of
//! numbered cases with stable ids, each `valid` or `invalid`, with a comment and flags.

use super::{field, VectorError};
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
    /// Parses a file field by field, checking the format, the version, the test count
    /// and that case ids are unique.
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
