//! Cake-AES: a key-committing, chunked AEAD built from AES-256-GCM and SHA-512.
//!
//! Sealing under a 32-byte key:
//! 1. Draw a 24-byte nonce.
//! 2. H = SHA-512(key || nonce). H[0..32] is a one-time AES-256-GCM key and H[32..64] is the key commitment.
//! 3. Split the plaintext into 16 KiB chunks. The final chunk is shorter than 16 KiB and may be empty.
//! 4. Encrypt chunk i with AES-256-GCM under the one-time key, empty associated data, and the
//!    12-byte little-endian encoding of 2i (non-final chunk) or 2i + 1 (final chunk) as nonce.
//! 5. Output nonce || commitment || each chunk's ciphertext followed by its 16-byte tag.
//!
//! The final-chunk bit in the nonce makes truncation at a chunk boundary fail, and the
//! commitment makes a ciphertext open under one key only.
//!
//! The commitment covers the key, not the plaintext: anyone who has the key can make another
//! ciphertext that opens. A message therefore also records the BLAKE3 hash of each piece's
//! ciphertext (`ciphertext_hash`), which `seal_and_hash` and `open_and_hash` compute alongside.

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::error::CryptoError;
use crate::crypto::pool::has_pool;
use crate::crypto::secret::Secret32;

mod parallel;

/// Plaintext bytes per chunk.
pub const CHUNK_LEN: usize = 16 * 1024;
/// Length of the random nonce at the start of a ciphertext.
pub const NONCE_LEN: usize = 24;
/// Length of the key commitment that follows the nonce.
pub const COMMITMENT_LEN: usize = 32;
/// Length of the AES-GCM tag after each chunk.
pub const TAG_LEN: usize = 16;
/// Length of the header (nonce and commitment) before the first chunk.
pub const HEADER_LEN: usize = NONCE_LEN + COMMITMENT_LEN;
/// Largest plaintext accepted by `seal` and `open`: 64 MiB, above the 25 MiB mail size limit the service models.
pub const MAX_PLAINTEXT_LEN: usize = 64 * 1024 * 1024;

/// Shortest plaintext (`seal_and_hash`) or ciphertext (`open_and_hash`) whose chunks and hash
/// are shared between the crypto pool's threads. Below it, handing work to another thread
/// costs more than it saves.
// NOTE: chosen on the 2-core AMD EPYC machine of docs/benchmarks.md; other machines may have
// another crossover.
pub const PARALLEL_MIN_LEN: usize = 64 * 1024;

const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;

/// Returns the ciphertext length for a plaintext of `plaintext_len` bytes.
pub const fn sealed_len(plaintext_len: usize) -> usize {
    let chunk_count = plaintext_len / CHUNK_LEN + 1;
    HEADER_LEN + plaintext_len + chunk_count * TAG_LEN
}

/// Encrypts `plaintext` under `key` with a fresh random nonce from `rng`.
pub fn seal(
    key: &Secret32,
    plaintext: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, CryptoError> {
    check_plaintext_len(plaintext.len())?;
    seal_with_nonce(key, &draw_nonce(rng), plaintext)
}

/// Encrypts like `seal` and also returns `ciphertext_hash` of the ciphertext.
///
/// From `PARALLEL_MIN_LEN` bytes on, and when the machine has a second core, the crypto pool's
/// threads share the chunks and then the hash. Both ways return the same bytes, and both draw
/// only the 24-byte nonce from `rng`.
pub fn seal_and_hash(
    key: &Secret32,
    plaintext: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<(Vec<u8>, [u8; 32]), CryptoError> {
    check_plaintext_len(plaintext.len())?;
    seal_and_hash_with_nonce(key, &draw_nonce(rng), plaintext)
}

/// Draws a Cake nonce, as `seal` and `seal_and_hash` do before they encrypt.
pub(crate) fn draw_nonce(rng: &mut impl CryptoRngCore) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    nonce
}

/// Encrypts like `seal`, with a nonce that the caller drew.
pub(crate) fn seal_with_nonce(
    key: &Secret32,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    check_plaintext_len(plaintext.len())?;
    Ok(seal_sequential(key, nonce, plaintext))
}

/// Encrypts and hashes like `seal_and_hash`, with a nonce that the caller drew.
pub(crate) fn seal_and_hash_with_nonce(
    key: &Secret32,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; 32]), CryptoError> {
    check_plaintext_len(plaintext.len())?;
    if plaintext.len() >= PARALLEL_MIN_LEN && has_pool() {
        return Ok(parallel::seal_and_hash(key, nonce, plaintext));
    }
    let ciphertext = seal_sequential(key, nonce, plaintext);
    let hash = ciphertext_hash(&ciphertext);
    Ok((ciphertext, hash))
}

/// Decrypts a Cake ciphertext. `object` names the ciphertext in error messages, for example "manifest".
///
/// Checks the key commitment first, so a wrong key fails with `KeyCommitmentMismatch` before
/// any chunk is decrypted.
pub fn open(
    key: &Secret32,
    ciphertext: &[u8],
    object: &'static str,
) -> Result<Vec<u8>, CryptoError> {
    let (cipher, layout, body) = parse_header(key, ciphertext, object)?;

    let mut out = Vec::with_capacity(layout.plaintext_len);
    let (full, last) = body.split_at(layout.full_chunks * SEALED_CHUNK_LEN);
    let chunks = full
        .chunks_exact(SEALED_CHUNK_LEN)
        .map(|chunk| (chunk, false))
        .chain([(last, true)]);
    for (index, (chunk, is_final)) in chunks.enumerate() {
        if !open_chunk(&cipher, &mut out, chunk, index as u64, is_final) {
            out.zeroize();
            return Err(CryptoError::DecryptionFailed { object });
        }
    }
    Ok(out)
}

/// Decrypts like `open` and also returns `ciphertext_hash` of the whole ciphertext, even when decryption fails.
///
/// A caller that compares the hash with a published value can then report a hash mismatch
/// in preference to a decryption error, because any change to the ciphertext changes the hash.
/// From `PARALLEL_MIN_LEN` bytes on, and when the machine has a second core, the crypto pool's
/// threads hash the ciphertext and decrypt its chunks at the same time.
pub fn open_and_hash(
    key: &Secret32,
    ciphertext: &[u8],
    object: &'static str,
) -> (Result<Vec<u8>, CryptoError>, [u8; 32]) {
    if ciphertext.len() >= PARALLEL_MIN_LEN && has_pool() {
        return parallel::open_and_hash(key, ciphertext, object);
    }
    (open(key, ciphertext, object), ciphertext_hash(ciphertext))
}

/// Returns the hash of a ciphertext that a message manifest records: BLAKE3 with 32 bytes of output.
pub fn ciphertext_hash(ciphertext: &[u8]) -> [u8; 32] {
    *blake3::hash(ciphertext).as_bytes()
}

fn check_plaintext_len(len: usize) -> Result<(), CryptoError> {
    if len > MAX_PLAINTEXT_LEN {
        return Err(CryptoError::Oversized {
            object: "Cake plaintext",
            len,
            max: MAX_PLAINTEXT_LEN,
        });
    }
    Ok(())
}

/// Seals `plaintext` on the calling thread.
fn seal_sequential(key: &Secret32, nonce: &[u8; NONCE_LEN], plaintext: &[u8]) -> Vec<u8> {
    let (cipher, commitment) = derive_one_time_cipher(key, nonce);

    let mut out = Vec::with_capacity(sealed_len(plaintext.len()));
    out.extend_from_slice(nonce);
    out.extend_from_slice(&commitment);

    let full_chunks = plaintext.len() / CHUNK_LEN;
    let (full, last) = plaintext.split_at(full_chunks * CHUNK_LEN);
    for (index, chunk) in full.chunks_exact(CHUNK_LEN).enumerate() {
        seal_chunk(&cipher, &mut out, chunk, index as u64, false);
    }
    seal_chunk(&cipher, &mut out, last, full_chunks as u64, true);
    out
}

/// Checks the length and key commitment, and returns the cipher, the chunk layout and the body after the header.
fn parse_header<'a>(
    key: &Secret32,
    ciphertext: &'a [u8],
    object: &'static str,
) -> Result<(Aes256Gcm, ChunkLayout, &'a [u8]), CryptoError> {
    if ciphertext.len() < HEADER_LEN + TAG_LEN {
        return Err(CryptoError::Truncated {
            object,
            needed: HEADER_LEN + TAG_LEN,
            available: ciphertext.len(),
        });
    }
    let (nonce, rest) = ciphertext.split_at(NONCE_LEN);
    let (commitment, body) = rest.split_at(COMMITMENT_LEN);
    let mut nonce_array = [0u8; NONCE_LEN];
    nonce_array.copy_from_slice(nonce);
    let (cipher, expected_commitment) = derive_one_time_cipher(key, &nonce_array);
    if !bool::from(expected_commitment.ct_eq(commitment)) {
        return Err(CryptoError::KeyCommitmentMismatch { object });
    }
    let layout = ChunkLayout::of_body(body.len(), object)?;
    Ok((cipher, layout, body))
}

/// Returns the AES-256-GCM cipher under the one-time key and the key commitment.
fn derive_one_time_cipher(
    key: &Secret32,
    nonce: &[u8; NONCE_LEN],
) -> (Aes256Gcm, [u8; COMMITMENT_LEN]) {
    let mut hasher = Sha512::new();
    hasher.update(key.expose_secret());
    hasher.update(nonce);
    let digest = Zeroizing::new(<[u8; 64]>::from(hasher.finalize()));
    let cipher = Aes256Gcm::new(GenericArray::from_slice(&digest[..32]));
    let mut commitment = [0u8; COMMITMENT_LEN];
    commitment.copy_from_slice(&digest[32..]);
    (cipher, commitment)
}

/// Returns the 12-byte little-endian encoding of 2 * index + final bit.
pub fn chunk_nonce(index: u64, is_final: bool) -> [u8; 12] {
    let counter = 2 * u128::from(index) + u128::from(is_final);
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&counter.to_le_bytes()[..12]);
    nonce
}

/// Appends `chunk` to `out`, encrypts it there in place, and appends its tag.
fn seal_chunk(cipher: &Aes256Gcm, out: &mut Vec<u8>, chunk: &[u8], index: u64, is_final: bool) {
    let start = out.len();
    out.extend_from_slice(chunk);
    out.extend_from_slice(&[0u8; TAG_LEN]);
    encrypt_chunk_in_place(cipher, &mut out[start..], index, is_final);
}

/// Encrypts `sealed_chunk` in place except its last `TAG_LEN` bytes, which receive the tag.
fn encrypt_chunk_in_place(cipher: &Aes256Gcm, sealed_chunk: &mut [u8], index: u64, is_final: bool) {
    let (data, tag_space) = sealed_chunk.split_at_mut(sealed_chunk.len() - TAG_LEN);
    let nonce = chunk_nonce(index, is_final);
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), b"", data)
        .expect("a 16 KiB chunk is far below the AES-GCM message limit");
    tag_space.copy_from_slice(&tag);
}

/// Appends the decryption of one sealed chunk (ciphertext then tag) to `out`; returns `false` if the tag is wrong.
fn open_chunk(
    cipher: &Aes256Gcm,
    out: &mut Vec<u8>,
    sealed_chunk: &[u8],
    index: u64,
    is_final: bool,
) -> bool {
    let start = out.len();
    out.extend_from_slice(&sealed_chunk[..sealed_chunk.len() - TAG_LEN]);
    decrypt_chunk_in_place(cipher, &mut out[start..], sealed_chunk, index, is_final)
}

/// Decrypts `data`, a copy of the ciphertext part of `sealed_chunk`, in place; returns `false` if the tag is wrong.
fn decrypt_chunk_in_place(
    cipher: &Aes256Gcm,
    data: &mut [u8],
    sealed_chunk: &[u8],
    index: u64,
    is_final: bool,
) -> bool {
    let tag = &sealed_chunk[sealed_chunk.len() - TAG_LEN..];
    let nonce = chunk_nonce(index, is_final);
    cipher
        .decrypt_in_place_detached(Nonce::from_slice(&nonce), b"", data, Tag::from_slice(tag))
        .is_ok()
}

/// Chunk boundaries of a ciphertext body (the bytes after the header).
struct ChunkLayout {
    full_chunks: usize,
    plaintext_len: usize,
}

impl ChunkLayout {
    fn of_body(body_len: usize, object: &'static str) -> Result<Self, CryptoError> {
        // body_len >= TAG_LEN is checked by the caller.
        let full_chunks = (body_len - TAG_LEN) / SEALED_CHUNK_LEN;
        let last_sealed_len = body_len - full_chunks * SEALED_CHUNK_LEN;
        if last_sealed_len - TAG_LEN >= CHUNK_LEN {
            return Err(CryptoError::Malformed {
                object,
                reason: "the final chunk is not shorter than 16 KiB",
            });
        }
        let plaintext_len = body_len - (full_chunks + 1) * TAG_LEN;
        if plaintext_len > MAX_PLAINTEXT_LEN {
            return Err(CryptoError::Oversized {
                object,
                len: plaintext_len,
                max: MAX_PLAINTEXT_LEN,
            });
        }
        Ok(Self {
            full_chunks,
            plaintext_len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn key() -> Secret32 {
        Secret32::from_bytes([0x42; 32])
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(21)
    }

    #[test]
    fn round_trip_at_chunk_boundaries() {
        let mut rng = rng();
        for len in [
            0,
            1,
            CHUNK_LEN - 1,
            CHUNK_LEN,
            CHUNK_LEN + 1,
            3 * CHUNK_LEN,
            3 * CHUNK_LEN + 5,
        ] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let sealed = seal(&key(), &plaintext, &mut rng).unwrap();
            assert_eq!(sealed.len(), sealed_len(len), "length {len}");
            assert_eq!(
                open(&key(), &sealed, "test").unwrap(),
                plaintext,
                "length {len}"
            );
        }
    }

    #[test]
    fn exact_multiple_has_empty_final_chunk() {
        let sealed = seal(&key(), &[0u8; CHUNK_LEN], &mut rng()).unwrap();
        assert_eq!(sealed.len(), HEADER_LEN + CHUNK_LEN + 2 * TAG_LEN);
    }

    #[test]
    fn chunk_nonce_encodes_index_and_final_bit() {
        assert_eq!(chunk_nonce(0, false), [0; 12]);
        assert_eq!(chunk_nonce(0, true), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(chunk_nonce(3, false), [6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            chunk_nonce(u64::MAX, true),
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0]
        );
    }

    #[test]
    fn wrong_key_fails_commitment() {
        let sealed = seal(&key(), b"hello", &mut rng()).unwrap();
        let other = Secret32::from_bytes([0x43; 32]);
        assert_eq!(
            open(&other, &sealed, "test"),
            Err(CryptoError::KeyCommitmentMismatch { object: "test" })
        );
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let plaintext = vec![7u8; CHUNK_LEN + 10];
        let sealed = seal(&key(), &plaintext, &mut rng()).unwrap();
        for position in (0..sealed.len()).step_by(97).chain([sealed.len() - 1]) {
            let mut altered = sealed.clone();
            altered[position] ^= 0x01;
            let error = open(&key(), &altered, "test").unwrap_err();
            let expected = if position < HEADER_LEN {
                CryptoError::KeyCommitmentMismatch { object: "test" }
            } else {
                CryptoError::DecryptionFailed { object: "test" }
            };
            assert_eq!(error, expected, "byte {position}");
        }
    }

    #[test]
    fn truncation_at_chunk_boundary_is_detected() {
        let plaintext = vec![1u8; 2 * CHUNK_LEN + 100];
        let sealed = seal(&key(), &plaintext, &mut rng()).unwrap();
        let two_chunks = HEADER_LEN + 2 * SEALED_CHUNK_LEN;
        let one_chunk = HEADER_LEN + SEALED_CHUNK_LEN;
        // Dropping the final chunk leaves a full non-final chunk as the last one, which is malformed.
        assert!(matches!(
            open(&key(), &sealed[..two_chunks], "test"),
            Err(CryptoError::Malformed { .. })
        ));
        assert!(matches!(
            open(&key(), &sealed[..one_chunk], "test"),
            Err(CryptoError::Malformed { .. })
        ));
    }

    #[test]
    fn swapped_chunks_are_detected() {
        let mut plaintext = vec![1u8; 2 * CHUNK_LEN];
        plaintext[CHUNK_LEN..].fill(2);
        let sealed = seal(&key(), &plaintext, &mut rng()).unwrap();
        let mut swapped = sealed[..HEADER_LEN].to_vec();
        swapped.extend_from_slice(
            &sealed[HEADER_LEN + SEALED_CHUNK_LEN..HEADER_LEN + 2 * SEALED_CHUNK_LEN],
        );
        swapped.extend_from_slice(&sealed[HEADER_LEN..HEADER_LEN + SEALED_CHUNK_LEN]);
        swapped.extend_from_slice(&sealed[HEADER_LEN + 2 * SEALED_CHUNK_LEN..]);
        assert_eq!(
            open(&key(), &swapped, "test"),
            Err(CryptoError::DecryptionFailed { object: "test" })
        );
    }

    #[test]
    fn hash_variants_return_blake3_of_ciphertext() {
        let plaintext = vec![5u8; 2 * CHUNK_LEN + 3];
        let (sealed, hash) = seal_and_hash(&key(), &plaintext, &mut rng()).unwrap();
        let expected = *blake3::hash(&sealed).as_bytes();
        assert_eq!(hash, expected);
        let (opened, open_hash) = open_and_hash(&key(), &sealed, "test");
        assert_eq!(opened.unwrap(), plaintext);
        assert_eq!(open_hash, expected);
    }

    /// Checks the sequential path (two chunks) and the pool path (`PARALLEL_MIN_LEN`).
    #[test]
    fn open_and_hash_hashes_everything_on_failure() {
        for len in [2 * CHUNK_LEN, PARALLEL_MIN_LEN] {
            let mut sealed = seal(&key(), &vec![5u8; len], &mut rng()).unwrap();
            sealed[HEADER_LEN + 1] ^= 1;
            let (result, hash) = open_and_hash(&key(), &sealed, "test");
            assert_eq!(result, Err(CryptoError::DecryptionFailed { object: "test" }), "length {len}");
            assert_eq!(hash, *blake3::hash(&sealed).as_bytes(), "length {len}");

            sealed[0] ^= 1;
            let (result, hash) = open_and_hash(&key(), &sealed, "test");
            assert_eq!(result, Err(CryptoError::KeyCommitmentMismatch { object: "test" }), "length {len}");
            assert_eq!(hash, *blake3::hash(&sealed).as_bytes(), "length {len}");
        }
    }

    #[test]
    fn large_hash_variants_agree() {
        let plaintext = vec![6u8; PARALLEL_MIN_LEN + CHUNK_LEN + 9];
        let (sealed, hash) = seal_and_hash(&key(), &plaintext, &mut rng()).unwrap();
        assert_eq!(sealed, seal(&key(), &plaintext, &mut rng()).unwrap());
        let expected = *blake3::hash(&sealed).as_bytes();
        assert_eq!(hash, expected);

        let (opened, open_hash) = open_and_hash(&key(), &sealed, "test");
        assert_eq!(opened.unwrap(), plaintext);
        assert_eq!(open_hash, expected);
    }

    #[test]
    fn short_input_is_truncated_error() {
        assert!(matches!(
            open(&key(), &[0u8; HEADER_LEN + TAG_LEN - 1], "test"),
            Err(CryptoError::Truncated { .. })
        ));
    }
}
