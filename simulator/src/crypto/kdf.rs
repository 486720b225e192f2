//! HKDF-SHA256 (RFC 5869) helper used for every symmetric key derivation here.

use hkdf::Hkdf;
use sha2::Sha256;

use crate::crypto::secret::Secret32;

/// Derives 32 bytes with HKDF-SHA256 from `ikm`, using the concatenation of `info` as the info string.
///
/// `salt: None` is the RFC 5869 default, 32 zero bytes.
pub(crate) fn hkdf_sha256_32(salt: Option<&[u8]>, ikm: &[u8], info: &[&[u8]]) -> Secret32 {
    let mut key = Secret32::zeroed();
    Hkdf::<Sha256>::new(salt, ikm)
        .expand_multi_info(info, key.as_mut_bytes())
        .expect("32 bytes is far below the HKDF-SHA256 output limit of 8160 bytes");
    key
}
