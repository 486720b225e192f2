//! HKDF-SHA256 (RFC 5869), the key derivation behind every label in this module.

use hkdf::Hkdf;
use sha2::Sha256;

use crate::crypto::secret::Secret32;

/// Largest HKDF-SHA256 output: 255 blocks of 32 bytes.
pub const MAX_OUTPUT_LEN: usize = 255 * 32;

/// Fills `out` with HKDF-SHA256 output, using the concatenation of `info` as the info string.
///
/// `salt: None` is the RFC 5869 default, 32 zero bytes. Returns `false`, leaving `out`
/// unchanged, when `out` is longer than `MAX_OUTPUT_LEN`.
pub fn hkdf_sha256(salt: Option<&[u8]>, ikm: &[u8], info: &[&[u8]], out: &mut [u8]) -> bool {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand_multi_info(info, out)
        .is_ok()
}

/// Derives a 32-byte key with `hkdf_sha256`.
pub(crate) fn hkdf_sha256_32(salt: Option<&[u8]>, ikm: &[u8], info: &[&[u8]]) -> Secret32 {
    let mut key = Secret32::zeroed();
    let derived = hkdf_sha256(salt, ikm, info, key.as_mut_bytes());
    debug_assert!(derived, "32 bytes is below MAX_OUTPUT_LEN");
    key
}
