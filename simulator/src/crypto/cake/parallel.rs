//! Cake-AES sealing and opening shared between the crypto pool's threads, for large inputs.
//!
//! Both paths produce the same bytes, hash and errors as the single-threaded ones in the
//! parent module. AES-GCM chunks are independent, and BLAKE3 is a tree hash whose subtrees
//! hash independently, so the threads split both without changing any output.

use rayon::prelude::*;
use zeroize::Zeroize;

use super::{
    ciphertext_hash, decrypt_chunk_in_place, derive_one_time_cipher, encrypt_chunk_in_place,
    parse_header, sealed_len, ChunkLayout, CHUNK_LEN, HEADER_LEN, NONCE_LEN, SEALED_CHUNK_LEN,
    TAG_LEN,
};
use crate::crypto::error::CryptoError;
use crate::crypto::pool::install;
use crate::crypto::secret::Secret32;

use aes_gcm::Aes256Gcm;

/// Seals `plaintext` on the pool's threads and returns the ciphertext and its hash.
///
/// The threads encrypt chunks in place in a buffer of the final length, then hash it. The
/// buffer is zeroed first because safe Rust can hand out disjoint mutable slices only of
/// initialized memory.
pub(super) fn seal_and_hash(
    key: &Secret32,
    nonce: &[u8; NONCE_LEN],
    plaintext: &[u8],
) -> (Vec<u8>, [u8; 32]) {
    let (cipher, commitment) = derive_one_time_cipher(key, nonce);
    let chunk_count = plaintext.len() / CHUNK_LEN + 1;
    let mut out = vec![0u8; sealed_len(plaintext.len())];
    out[..NONCE_LEN].copy_from_slice(nonce);
    out[NONCE_LEN..HEADER_LEN].copy_from_slice(&commitment);

    let hash = install(|| {
        out[HEADER_LEN..]
            .par_chunks_mut(SEALED_CHUNK_LEN)
            .enumerate()
            .for_each(|(index, sealed_chunk)| {
                let start = index * CHUNK_LEN;
                let data_len = sealed_chunk.len() - TAG_LEN;
                sealed_chunk[..data_len].copy_from_slice(&plaintext[start..start + data_len]);
                let is_final = index + 1 == chunk_count;
                encrypt_chunk_in_place(&cipher, sealed_chunk, index as u64, is_final);
            });
        hash_on_pool(&out)
    });
    (out, hash)
}

/// Decrypts `ciphertext` on the pool's threads and returns the result and the hash of the whole ciphertext.
///
/// Hashing and decryption run at the same time. After a tag failure the threads stop taking
/// chunks, and the plaintext written so far is zeroized.
pub(super) fn open_and_hash(
    key: &Secret32,
    ciphertext: &[u8],
    object: &'static str,
) -> (Result<Vec<u8>, CryptoError>, [u8; 32]) {
    let (cipher, layout, body) = match parse_header(key, ciphertext, object) {
        Ok(parts) => parts,
        Err(error) => return (Err(error), ciphertext_hash(ciphertext)),
    };
    let mut out = vec![0u8; layout.plaintext_len];

    let (hash, opened) = install(|| {
        rayon::join(
            || hash_on_pool(ciphertext),
            || decrypt_chunks(&cipher, &layout, body, &mut out),
        )
    });
    if !opened {
        out.zeroize();
        return (Err(CryptoError::DecryptionFailed { object }), hash);
    }
    (Ok(out), hash)
}

/// Decrypts every chunk of `body` into `out`, which has the plaintext's length, and returns `false` at a wrong tag.
fn decrypt_chunks(cipher: &Aes256Gcm, layout: &ChunkLayout, body: &[u8], out: &mut [u8]) -> bool {
    let (full_sealed, last_sealed) = body.split_at(layout.full_chunks * SEALED_CHUNK_LEN);
    let (full_out, last_out) = out.split_at_mut(layout.full_chunks * CHUNK_LEN);

    let full_opened = full_sealed
        .par_chunks(SEALED_CHUNK_LEN)
        .zip(full_out.par_chunks_mut(CHUNK_LEN))
        .enumerate()
        .all(|(index, (sealed_chunk, data))| {
            data.copy_from_slice(&sealed_chunk[..CHUNK_LEN]);
            decrypt_chunk_in_place(cipher, data, sealed_chunk, index as u64, false)
        });
    if !full_opened {
        return false;
    }

    last_out.copy_from_slice(&last_sealed[..last_sealed.len() - TAG_LEN]);
    decrypt_chunk_in_place(cipher, last_out, last_sealed, layout.full_chunks as u64, true)
}

/// Returns `ciphertext_hash(data)`, with subtrees hashed on the pool's threads.
fn hash_on_pool(data: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update_rayon(data);
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::super::{open, seal_sequential, PARALLEL_MIN_LEN};
    use super::*;

    fn key() -> Secret32 {
        Secret32::from_bytes([0x42; 32])
    }

    fn lengths() -> [usize; 7] {
        [
            0,
            CHUNK_LEN - 1,
            CHUNK_LEN,
            5 * CHUNK_LEN + 7,
            8 * CHUNK_LEN,
            PARALLEL_MIN_LEN,
            PARALLEL_MIN_LEN + 3 * CHUNK_LEN + 1,
        ]
    }

    fn plaintext(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn parallel_seal_matches_sequential_seal() {
        for len in lengths() {
            let plaintext = plaintext(len);
            let nonce = [0x5A; NONCE_LEN];
            let sequential = seal_sequential(&key(), &nonce, &plaintext);
            let (parallel, hash) = seal_and_hash(&key(), &nonce, &plaintext);
            assert_eq!(parallel, sequential, "length {len}");
            assert_eq!(hash, ciphertext_hash(&sequential), "length {len}");
        }
    }

    #[test]
    fn parallel_open_matches_sequential_open() {
        for len in lengths() {
            let plaintext = plaintext(len);
            let sealed = seal_sequential(&key(), &[0x5B; NONCE_LEN], &plaintext);
            let (opened, hash) = open_and_hash(&key(), &sealed, "test");
            assert_eq!(opened, Ok(plaintext), "length {len}");
            assert_eq!(hash, ciphertext_hash(&sealed), "length {len}");
        }
    }

    #[test]
    fn parallel_open_fails_like_sequential_open() {
        let sealed = seal_sequential(&key(), &[0x5C; NONCE_LEN], &plaintext(8 * CHUNK_LEN + 100));
        let positions = [0, HEADER_LEN + 3, HEADER_LEN + 4 * SEALED_CHUNK_LEN, sealed.len() - 1];
        for position in positions {
            let mut altered = sealed.clone();
            altered[position] ^= 0x80;
            let (parallel, hash) = open_and_hash(&key(), &altered, "test");
            assert!(parallel.is_err(), "byte {position}");
            assert_eq!(parallel, open(&key(), &altered, "test"), "byte {position}");
            assert_eq!(hash, ciphertext_hash(&altered), "byte {position}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Any cut or any flipped bit gives the parallel open the sequential open's result and hash.
        #[test]
        fn parallel_open_agrees_on_damaged_input(
            extra in 0..3 * CHUNK_LEN,
            position in proptest::prelude::any::<proptest::sample::Index>(),
            bit in 0..8u8,
            cut in proptest::prelude::any::<bool>(),
        ) {
            let sealed = seal_sequential(&key(), &[0x5E; NONCE_LEN], &plaintext(PARALLEL_MIN_LEN + extra));
            let index = position.index(sealed.len());
            let damaged = if cut {
                sealed[..index].to_vec()
            } else {
                let mut flipped = sealed.clone();
                flipped[index] ^= 1 << bit;
                flipped
            };

            let (parallel, hash) = open_and_hash(&key(), &damaged, "test");

            proptest::prop_assert!(parallel.is_err());
            proptest::prop_assert_eq!(parallel, open(&key(), &damaged, "test"));
            proptest::prop_assert_eq!(hash, ciphertext_hash(&damaged));
        }
    }

    #[test]
    fn parallel_open_rejects_a_truncated_body() {
        let sealed = seal_sequential(&key(), &[0x5D; NONCE_LEN], &plaintext(8 * CHUNK_LEN + 100));
        // Dropping the final chunk leaves a full chunk last, which the layout check rejects.
        let truncated = &sealed[..HEADER_LEN + 8 * SEALED_CHUNK_LEN];
        let (parallel, _) = open_and_hash(&key(), truncated, "test");
        assert!(matches!(parallel, Err(CryptoError::Malformed { .. })));
        assert_eq!(parallel, open(&key(), truncated, "test"));
    }
}
