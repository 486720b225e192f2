//! The manifest: the key and ciphertext hash of every piece of one message.

use core::fmt;

use rand_core::CryptoRngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::cake;
use crate::crypto::error::CryptoError;
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{put_u32, put_u8, Reader};

const MANIFEST_VERSION: u8 = 1;
const ENTRY_LEN: usize = 64;

/// Maximum number of pieces (body plus attachments) in one message.
pub const MAX_PIECES: usize = 1024;

/// Largest sealed manifest a decoder accepts: the Cake ciphertext of a manifest with `MAX_PIECES` entries.
pub const MAX_SEALED_MANIFEST_LEN: usize = cake::sealed_len(1 + 4 + MAX_PIECES * ENTRY_LEN);

/// Key and ciphertext hash of one piece.
#[derive(Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    pub key: Secret32,
    /// `cake::ciphertext_hash` (BLAKE3) of the piece's complete Cake ciphertext.
    pub ciphertext_hash: [u8; 32],
}

/// The random values that sealing one piece needs: its key and its Cake nonce.
pub(crate) struct PieceRandomness {
    key: Secret32,
    nonce: [u8; cake::NONCE_LEN],
}

/// The list of piece keys and hashes, sealed under the message's shared key.
///
/// Plaintext encoding: version 0x01 || entry count (4, big-endian) || per entry:
/// piece key (32) || BLAKE3 hash of the piece ciphertext (32). Entry i describes piece i.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// Encrypts each piece under its own fresh key and records the key and ciphertext hash.
    ///
    /// Returns the manifest and the piece ciphertexts in input order.
    pub fn seal_pieces(
        pieces: &[&[u8]],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Self, Vec<Vec<u8>>), CryptoError> {
        let randomness = Self::draw_piece_randomness(pieces.len(), rng)?;
        Self::seal_pieces_with(pieces, randomness)
    }

    /// Draws the key and then the Cake nonce of each of `count` pieces, as `seal_pieces` does.
    pub(crate) fn draw_piece_randomness(
        count: usize,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<PieceRandomness>, CryptoError> {
        if count > MAX_PIECES {
            return Err(CryptoError::Oversized {
                object: "piece count",
                len: count,
                max: MAX_PIECES,
            });
        }
        let draw = |_| PieceRandomness {
            key: Secret32::random(rng),
            nonce: cake::draw_nonce(rng),
        };
        Ok((0..count).map(draw).collect())
    }

    /// Seals piece `i` with `randomness[i]`, which `draw_piece_randomness` drew for as many pieces.
    pub(crate) fn seal_pieces_with(
        pieces: &[&[u8]],
        randomness: Vec<PieceRandomness>,
    ) -> Result<(Self, Vec<Vec<u8>>), CryptoError> {
        debug_assert_eq!(pieces.len(), randomness.len());
        let mut entries = Vec::with_capacity(pieces.len());
        let mut ciphertexts = Vec::with_capacity(pieces.len());
        for (piece, PieceRandomness { key, nonce }) in pieces.iter().zip(randomness) {
            let (ciphertext, ciphertext_hash) =
                cake::seal_and_hash_with_nonce(&key, &nonce, piece)?;
            entries.push(ManifestEntry {
                key,
                ciphertext_hash,
            });
            ciphertexts.push(ciphertext);
        }
        Ok((Self { entries }, ciphertexts))
    }

    /// Decrypts piece `index` and checks its ciphertext against the hash in the manifest.
    ///
    /// The hash covers the whole ciphertext and is computed alongside decryption. A hash
    /// mismatch is reported as `PieceHashMismatch` even when decryption also failed, and any
    /// plaintext already decrypted is zeroized, not returned.
    pub fn open_piece(&self, index: usize, ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let entry = self
            .entries
            .get(index)
            .ok_or(CryptoError::PieceIndexOutOfRange {
                index,
                count: self.entries.len(),
            })?;
        let (result, hash) = cake::open_and_hash(&entry.key, ciphertext, "piece");
        if hash != entry.ciphertext_hash {
            if let Ok(mut plaintext) = result {
                plaintext.zeroize();
            }
            return Err(CryptoError::PieceHashMismatch { index });
        }
        result
    }

    /// Encodes the manifest and seals it with Cake under `shared_key`.
    pub fn seal(
        &self,
        shared_key: &Secret32,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, CryptoError> {
        self.seal_with_nonce(shared_key, &cake::draw_nonce(rng))
    }

    /// Seals like `seal`, with a Cake nonce that the caller drew.
    pub(crate) fn seal_with_nonce(
        &self,
        shared_key: &Secret32,
        nonce: &[u8; cake::NONCE_LEN],
    ) -> Result<Vec<u8>, CryptoError> {
        let plaintext = self.encode();
        cake::seal_with_nonce(shared_key, nonce, &plaintext)
    }

    /// Opens a sealed manifest and decodes it.
    pub fn open(shared_key: &Secret32, sealed: &[u8]) -> Result<Self, CryptoError> {
        if sealed.len() > MAX_SEALED_MANIFEST_LEN {
            return Err(CryptoError::Oversized {
                object: "sealed manifest",
                len: sealed.len(),
                max: MAX_SEALED_MANIFEST_LEN,
            });
        }
        let plaintext = Zeroizing::new(cake::open(shared_key, sealed, "manifest")?);
        Self::decode(&plaintext)
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(5 + self.entries.len() * ENTRY_LEN));
        put_u8(&mut out, MANIFEST_VERSION);
        let count = u32::try_from(self.entries.len()).expect("piece count is at most MAX_PIECES");
        put_u32(&mut out, count);
        for entry in &self.entries {
            out.extend_from_slice(entry.key.expose_secret());
            out.extend_from_slice(&entry.ciphertext_hash);
        }
        out
    }

    /// Decodes a manifest plaintext.
    pub fn decode(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "manifest");
        reader.version(MANIFEST_VERSION)?;
        let count = usize::try_from(reader.u32()?).unwrap_or(usize::MAX);
        if count > MAX_PIECES {
            return Err(CryptoError::Oversized {
                object: "manifest entry count",
                len: count,
                max: MAX_PIECES,
            });
        }
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let key = Secret32::from_slice(reader.take(32)?).expect("take returned 32 bytes");
            let ciphertext_hash = reader.array()?;
            entries.push(ManifestEntry {
                key,
                ciphertext_hash,
            });
        }
        reader.finish()?;
        Ok(Self { entries })
    }
}

impl fmt::Debug for Manifest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Manifest")
            .field("pieces", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ManifestEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManifestEntry")
            .field("key", &self.key)
            .field("ciphertext_hash", &hex::encode(self.ciphertext_hash))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn pieces_round_trip_through_sealed_manifest() {
        let mut rng = ChaCha20Rng::seed_from_u64(31);
        let pieces: [&[u8]; 3] = [b"body", b"", &[9u8; 40_000]];
        let (manifest, ciphertexts) = Manifest::seal_pieces(&pieces, &mut rng).unwrap();
        let shared_key = Secret32::random(&mut rng);
        let sealed = manifest.seal(&shared_key, &mut rng).unwrap();
        let opened = Manifest::open(&shared_key, &sealed).unwrap();
        assert_eq!(opened, manifest);
        for (index, piece) in pieces.iter().enumerate() {
            assert_eq!(
                opened.open_piece(index, &ciphertexts[index]).unwrap(),
                *piece
            );
        }
    }

    #[test]
    fn piece_keys_are_distinct() {
        let mut rng = ChaCha20Rng::seed_from_u64(32);
        let (manifest, _) = Manifest::seal_pieces(&[b"a", b"a"], &mut rng).unwrap();
        assert_ne!(manifest.entries()[0].key, manifest.entries()[1].key);
    }

    #[test]
    fn swapped_piece_fails_hash_check() {
        let mut rng = ChaCha20Rng::seed_from_u64(33);
        let (manifest, ciphertexts) = Manifest::seal_pieces(&[b"one", b"two"], &mut rng).unwrap();
        assert_eq!(
            manifest.open_piece(0, &ciphertexts[1]),
            Err(CryptoError::PieceHashMismatch { index: 0 })
        );
        assert_eq!(
            manifest.open_piece(2, &ciphertexts[1]),
            Err(CryptoError::PieceIndexOutOfRange { index: 2, count: 2 })
        );
    }

    #[test]
    fn decode_rejects_oversized_count() {
        let bytes = [1, 0xFF, 0xFF, 0xFF, 0xFF];
        assert!(matches!(
            Manifest::decode(&bytes),
            Err(CryptoError::Oversized { .. })
        ));
    }

    #[test]
    fn decode_rejects_truncated_entry() {
        let bytes = [1, 0, 0, 0, 1, 0, 0];
        assert!(matches!(
            Manifest::decode(&bytes),
            Err(CryptoError::Truncated { .. })
        ));
    }

    #[test]
    fn debug_hides_keys() {
        let entry = ManifestEntry {
            key: Secret32::from_bytes([0xAA; 32]),
            ciphertext_hash: [0; 32],
        };
        assert!(!format!("{entry:?}").contains("aaaa"));
    }
}
