//! The recorder of one vector file, and the helpers every recorder uses.

use super::fields::Fields;
use super::{RecordedFile, INVALID, VALID};
use crate::vectors::crypto::{CryptoCase, CryptoGroup, CryptoVectorFile, CRYPTO_FORMAT, CRYPTO_VERSION};
use mailspec_sim::crypto::Generation;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Builds one vector file: groups of cases with ids counting from 1 in file order.
pub(super) struct Recorder {
    construction: &'static str,
    spec: &'static str,
    groups: Vec<CryptoGroup>,
    expected_errors: BTreeMap<u32, &'static str>,
    next_id: u32,
}

impl Recorder {
    pub fn new(construction: &'static str, spec: &'static str) -> Recorder {
        Recorder { construction, spec, groups: Vec::new(), expected_errors: BTreeMap::new(), next_id: 1 }
    }

    /// Starts a group, which contains the cases added after it.
    pub fn group(&mut self, comment: &str) {
        self.groups.push(CryptoGroup { comment: comment.to_string(), tests: Vec::new() });
    }

    pub fn valid(&mut self, comment: &str, flags: &[&str], inputs: Fields, outputs: Fields) {
        self.push(comment, flags, VALID, inputs, outputs);
    }

    /// Adds a case that must be rejected. `error` is the error the reference raises, kept
    /// for the tests and not written to the file.
    pub fn invalid(&mut self, comment: &str, flag: &str, error: &'static str, inputs: Fields) {
        self.expected_errors.insert(self.next_id, error);
        self.push(comment, &[flag], INVALID, inputs, Fields::new());
    }

    fn push(&mut self, comment: &str, flags: &[&str], result: &str, inputs: Fields, outputs: Fields) {
        let case = CryptoCase {
            tc_id: self.next_id,
            comment: comment.to_string(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            result: result.to_string(),
            inputs: inputs.into_map(),
            outputs: outputs.into_map(),
        };
        self.next_id += 1;
        self.groups.last_mut().expect("a group is started before its cases").tests.push(case);
    }

    pub fn finish(self) -> RecordedFile {
        let number_of_tests = self.groups.iter().map(|g| g.tests.len()).sum();
        let file = CryptoVectorFile {
            format: CRYPTO_FORMAT.to_string(),
            version: CRYPTO_VERSION,
            construction: self.construction.to_string(),
            spec: self.spec.to_string(),
            number_of_tests,
            test_groups: self.groups,
        };
        RecordedFile { file, expected_errors: self.expected_errors }
    }
}

/// Returns the random stream of one construction, seeded from its name, so that changing
/// one recorder leaves the other files unchanged.
pub(super) fn rng_for(construction: &str) -> ChaCha20Rng {
    let seed = Sha256::digest(format!("mailspec crypto vectors v1 {construction}"));
    ChaCha20Rng::from_seed(seed.into())
}

pub(super) fn random32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

pub(super) fn random_bytes(rng: &mut ChaCha20Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

pub(super) fn generation(value: u32) -> Generation {
    Generation::new(value).expect("recorders use generations from 1")
}

/// Returns `bytes` with bit 0 of byte `index` flipped.
pub(super) fn flipped(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= 1;
    out
}

/// Returns `bytes` with `index` replaced by `value`.
pub(super) fn replaced(bytes: &[u8], index: usize, value: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] = value;
    out
}

pub(super) fn appended(bytes: &[u8], extra: &[u8]) -> Vec<u8> {
    [bytes, extra].concat()
}
