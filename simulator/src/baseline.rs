//! The baseline that the benchmarks compare message sealing against: one AES-256-GCM call
//! over the same bytes, with a 12-byte nonce and the 16-byte tag appended.

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::crypto::{CryptoError, Secret32};

/// Returns the seeded random stream that benchmarks pass to the sealing functions.
pub fn seeded_rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// Returns `len` bytes that do not compress, from a 64-bit linear congruential generator.
pub fn filler(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

/// Encrypts `plaintext` in one AES-256-GCM call.
pub fn aes256_gcm_seal(key: &Secret32, nonce: &[u8; 12], plaintext: &[u8]) -> Vec<u8> {
    Aes256Gcm::new(GenericArray::from_slice(key.expose_secret()))
        .encrypt(Nonce::from_slice(nonce), plaintext)
        .expect("AES-GCM encrypts any plaintext below 64 GiB")
}

/// Decrypts a ciphertext made by [`aes256_gcm_seal`].
pub fn aes256_gcm_open(key: &Secret32, nonce: &[u8; 12], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Aes256Gcm::new(GenericArray::from_slice(key.expose_secret()))
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| CryptoError::DecryptionFailed { object: "AES-256-GCM baseline" })
}
