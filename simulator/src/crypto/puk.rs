//! Per-user keys (PUKs): a random seed per generation and the keys derived from it.
//!
//! ```text
//!                     seed (32 random bytes, one per generation)
//!                                     |
//!              +----------------------+----------------------+
//!              |                                             |
//!   HKDF-SHA256(salt = none,                      HKDF-SHA256(salt = none,
//!     ikm = seed,                                   ikm = seed,
//!     info = "mailspec v1 puk mail x25519",         info = "mailspec v1 puk symmetric",
//!     L = 32)                                       L = 32)
//!              |                                             |
//!   X25519 mail private key                       symmetric key (32 bytes)
//!              |
//!   X25519(private, 9) = mail public key, published with the generation number
//! ```
//!
//! "salt = none" is the RFC 5869 default salt of 32 zero bytes.

use core::fmt;

use rand_core::CryptoRngCore;
use x25519_dalek::{PublicKey as X25519PublicKey, StaticSecret};

use crate::crypto::error::CryptoError;
use crate::crypto::kdf::hkdf_sha256_32;
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{put_u32, Reader};

const MAIL_KEY_INFO: &[u8] = b"mailspec v1 puk mail x25519";
const SYMMETRIC_KEY_INFO: &[u8] = b"mailspec v1 puk symmetric";

/// PUK generation counter. The first generation is 1, and each rotation adds 1.
///
/// Wire encoding: 4 bytes, big-endian. The value 0 is invalid.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "u32", into = "u32")]
pub struct Generation(u32);

impl Generation {
    pub const FIRST: Generation = Generation(1);

    /// Returns `None` for 0, which is not a generation.
    pub fn new(value: u32) -> Option<Self> {
        (value != 0).then_some(Self(value))
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Returns the generation after this one.
    pub fn next(self) -> Result<Self, CryptoError> {
        self.0
            .checked_add(1)
            .map(Self)
            .ok_or(CryptoError::GenerationOverflow { current: self })
    }

    pub(crate) fn encode(self, out: &mut Vec<u8>) {
        put_u32(out, self.0);
    }

    pub(crate) fn decode(reader: &mut Reader<'_>) -> Result<Self, CryptoError> {
        let value = reader.u32()?;
        Self::new(value).ok_or_else(|| reader.malformed("generation is 0"))
    }
}

impl TryFrom<u32> for Generation {
    type Error = &'static str;

    fn try_from(value: u32) -> Result<Self, Self::Error> {
        Self::new(value).ok_or("PUK generation must be at least 1")
    }
}

impl From<Generation> for u32 {
    fn from(generation: Generation) -> u32 {
        generation.0
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Returns `StaleGeneration` unless `sealed` is the `current` generation.
///
/// Senders call this before sealing to a PUK public key, and receivers before trusting a box,
/// so that a box made for an older generation is reported instead of silently accepted.
pub fn ensure_current_generation(
    sealed: Generation,
    current: Generation,
) -> Result<(), CryptoError> {
    if sealed != current {
        return Err(CryptoError::StaleGeneration {
            sealed,
            supplied: current,
        });
    }
    Ok(())
}

/// One generation of a user's per-user key: the seed and the keys derived from it.
#[derive(Clone)]
pub struct Puk {
    generation: Generation,
    seed: Secret32,
    mail_secret: StaticSecret,
    public: PukPublicKey,
    symmetric_key: Secret32,
}

/// The public part of one PUK generation: its number and its X25519 mail key.
///
/// Wire encoding (36 bytes): generation (4, big-endian) || X25519 mail public key (32).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PukPublicKey {
    generation: Generation,
    mail_key: X25519PublicKey,
}

impl Puk {
    /// Creates a PUK with a seed of 32 bytes drawn from `rng`.
    pub fn generate(generation: Generation, rng: &mut impl CryptoRngCore) -> Self {
        Self::from_seed(generation, Secret32::random(rng))
    }

    /// Derives the keys of `generation` from its seed.
    pub fn from_seed(generation: Generation, seed: Secret32) -> Self {
        let mail_private = hkdf_sha256_32(None, seed.expose_secret(), &[MAIL_KEY_INFO]);
        let mail_secret = StaticSecret::from(*mail_private.expose_secret());
        let symmetric_key = hkdf_sha256_32(None, seed.expose_secret(), &[SYMMETRIC_KEY_INFO]);
        let public = PukPublicKey {
            generation,
            mail_key: X25519PublicKey::from(&mail_secret),
        };
        Self {
            generation,
            seed,
            mail_secret,
            public,
            symmetric_key,
        }
    }

    /// Creates the next generation with a fresh random seed.
    pub fn rotate(&self, rng: &mut impl CryptoRngCore) -> Result<Self, CryptoError> {
        Ok(Self::generate(self.generation.next()?, rng))
    }

    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn seed(&self) -> &Secret32 {
        &self.seed
    }

    pub fn public_key(&self) -> &PukPublicKey {
        &self.public
    }

    /// Returns the symmetric key of this generation, for data the user encrypts for themselves.
    pub fn symmetric_key(&self) -> &Secret32 {
        &self.symmetric_key
    }

    pub(crate) fn mail_secret(&self) -> &StaticSecret {
        &self.mail_secret
    }
}

impl fmt::Debug for Puk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Puk")
            .field("public", &self.public)
            .field("secrets", &"***")
            .finish()
    }
}

impl PukPublicKey {
    /// Length of the wire encoding in bytes.
    pub const ENCODED_LEN: usize = 36;

    /// Builds a public key from its parts, for example from a published key record.
    pub fn new(generation: Generation, mail_key: [u8; 32]) -> Self {
        Self {
            generation,
            mail_key: X25519PublicKey::from(mail_key),
        }
    }

    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn mail_key_bytes(&self) -> [u8; 32] {
        self.mail_key.to_bytes()
    }

    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        self.generation.encode(&mut out);
        out.extend_from_slice(self.mail_key.as_bytes());
        let mut bytes = [0u8; Self::ENCODED_LEN];
        bytes.copy_from_slice(&out);
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "PUK public key");
        let generation = Generation::decode(&mut reader)?;
        let mail_key = reader.array::<32>()?;
        reader.finish()?;
        Ok(Self::new(generation, mail_key))
    }
}

impl fmt::Debug for PukPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PukPublicKey")
            .field("generation", &self.generation.0)
            .field("mail_key", &hex::encode(self.mail_key.as_bytes()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn generation_starts_at_one_and_rejects_zero() {
        assert_eq!(Generation::FIRST.get(), 1);
        assert_eq!(Generation::new(0), None);
        assert_eq!(Generation::FIRST.next().unwrap().get(), 2);
    }

    #[test]
    fn generation_overflow_is_an_error() {
        let last = Generation::new(u32::MAX).unwrap();
        assert_eq!(
            last.next(),
            Err(CryptoError::GenerationOverflow { current: last })
        );
    }

    #[test]
    fn generation_serde_rejects_zero() {
        assert_eq!(serde_json::to_string(&Generation::FIRST).unwrap(), "1");
        assert!(serde_json::from_str::<Generation>("0").is_err());
        assert_eq!(serde_json::from_str::<Generation>("7").unwrap().get(), 7);
    }

    #[test]
    fn derivation_is_deterministic_and_keys_differ() {
        let seed = Secret32::from_bytes([3u8; 32]);
        let first = Puk::from_seed(Generation::FIRST, seed.clone());
        let second = Puk::from_seed(Generation::FIRST, seed);
        assert_eq!(first.public_key(), second.public_key());
        assert_eq!(first.symmetric_key(), second.symmetric_key());
        assert_ne!(
            first.symmetric_key().expose_secret(),
            &first.mail_secret().to_bytes()
        );
    }

    #[test]
    fn rotate_increments_generation_and_changes_keys() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let first = Puk::generate(Generation::FIRST, &mut rng);
        let second = first.rotate(&mut rng).unwrap();
        assert_eq!(second.generation().get(), 2);
        assert_ne!(
            first.public_key().mail_key_bytes(),
            second.public_key().mail_key_bytes()
        );
    }

    #[test]
    fn public_key_round_trip() {
        let puk = Puk::generate(Generation::FIRST, &mut ChaCha20Rng::seed_from_u64(5));
        let bytes = puk.public_key().to_bytes();
        assert_eq!(&PukPublicKey::from_bytes(&bytes).unwrap(), puk.public_key());
    }

    #[test]
    fn public_key_rejects_generation_zero() {
        let bytes = [0u8; PukPublicKey::ENCODED_LEN];
        assert!(matches!(
            PukPublicKey::from_bytes(&bytes),
            Err(CryptoError::Malformed { .. })
        ));
    }

    #[test]
    fn ensure_current_generation_reports_stale() {
        let second = Generation::new(2).unwrap();
        assert!(ensure_current_generation(second, second).is_ok());
        assert_eq!(
            ensure_current_generation(Generation::FIRST, second),
            Err(CryptoError::StaleGeneration {
                sealed: Generation::FIRST,
                supplied: second
            })
        );
    }
}
