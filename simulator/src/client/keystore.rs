//! A device's keystore: its private keys, the per-user key seeds it holds and its cached
//! view of other users' key generations. The keystore survives a crash as bytes on the
//! device's disk, which the simulator holds.
//!
//! Encoding, version 1 (integers big-endian):
//!
//! ```text
//! u8 version = 0x01 || u8 user || u8 slot
//! || Ed25519 seed (32) || X25519 private key (32)
//! || u32 seed count || per seed, generations strictly increasing: u32 generation (>= 1) || seed (32)
//! || u32 cache count || per entry, users strictly increasing: u8 user || u32 generation (>= 1)
//! || SHA-256 of every byte before it (32)
//! ```
//!
//! The trailing hash detects a damaged file before a flipped bit turns into a wrong key.

use std::collections::{BTreeMap, BTreeSet};

use mailspec_model::ids::{DeviceId, UserId};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::wire::{put_u32, put_u8, Reader};
use crate::crypto::{CryptoError, DeviceKeys, Secret32};

const KEYSTORE_VERSION: u8 = 1;
const SEED_ENTRY_LEN: usize = 4 + 32;
const CACHE_ENTRY_LEN: usize = 1 + 4;
const CHECK_LEN: usize = 32;

/// The error of a keystore that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    #[error("keystore bytes are invalid: {0}")]
    Decode(#[from] CryptoError),
    #[error("keystore is damaged: its SHA-256 check value does not match")]
    Damaged,
    #[error("keystore belongs to {found}, not {expected}")]
    WrongDevice { found: DeviceId, expected: DeviceId },
}

/// Everything secret one device holds.
#[derive(Clone, PartialEq, Eq)]
pub struct Keystore {
    device: DeviceId,
    signing_seed: Secret32,
    encryption_secret: Secret32,
    seeds: BTreeMap<u32, Secret32>,
    /// Generation of each other user's key this device last sealed to. A send reuses it
    /// until the service rejects it as stale, so a cached generation can lag behind.
    recipient_generations: BTreeMap<UserId, u32>,
}

impl std::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keystore")
            .field("device", &self.device)
            .field("generations", &self.seeds.keys().collect::<Vec<_>>())
            .field("secrets", &"***")
            .finish()
    }
}

impl Keystore {
    /// Creates the keystore of a new device, drawing its two private keys from `rng`.
    pub fn generate(device: DeviceId, rng: &mut impl rand_core::CryptoRngCore) -> Keystore {
        Keystore {
            device,
            signing_seed: Secret32::random(rng),
            encryption_secret: Secret32::random(rng),
            seeds: BTreeMap::new(),
            recipient_generations: BTreeMap::new(),
        }
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// Derives the device's key pairs from the stored private keys.
    pub fn device_keys(&self) -> DeviceKeys {
        DeviceKeys::from_secrets(&self.signing_seed, &self.encryption_secret)
    }

    pub fn seed(&self, generation: u32) -> Option<&Secret32> {
        self.seeds.get(&generation)
    }

    pub fn seeds(&self) -> impl Iterator<Item = (u32, &Secret32)> {
        self.seeds.iter().map(|(generation, seed)| (*generation, seed))
    }

    pub fn generations(&self) -> BTreeSet<u32> {
        self.seeds.keys().copied().collect()
    }

    /// Stores a seed. Returns false if the generation was already held.
    pub fn insert_seed(&mut self, generation: u32, seed: Secret32) -> bool {
        if generation == 0 || self.seeds.contains_key(&generation) {
            return false;
        }
        self.seeds.insert(generation, seed);
        true
    }

    pub fn recipient_generation(&self, user: UserId) -> Option<u32> {
        self.recipient_generations.get(&user).copied()
    }

    /// Returns the users whose key generation this device caches.
    pub fn cached_users(&self) -> Vec<UserId> {
        self.recipient_generations.keys().copied().collect()
    }

    pub fn set_recipient_generation(&mut self, user: UserId, generation: u32) {
        if generation > 0 {
            self.recipient_generations.insert(user, generation);
        }
    }

    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(
            3 + 64 + 8 + self.seeds.len() * SEED_ENTRY_LEN + self.recipient_generations.len() * CACHE_ENTRY_LEN,
        ));
        put_u8(&mut out, KEYSTORE_VERSION);
        put_u8(&mut out, self.device.user.0);
        put_u8(&mut out, self.device.slot);
        out.extend_from_slice(self.signing_seed.expose_secret());
        out.extend_from_slice(self.encryption_secret.expose_secret());
        put_u32(&mut out, self.seeds.len() as u32);
        for (generation, seed) in &self.seeds {
            put_u32(&mut out, *generation);
            out.extend_from_slice(seed.expose_secret());
        }
        put_u32(&mut out, self.recipient_generations.len() as u32);
        for (user, generation) in &self.recipient_generations {
            put_u8(&mut out, user.0);
            put_u32(&mut out, *generation);
        }
        let check: [u8; CHECK_LEN] = Sha256::digest(&out[..]).into();
        out.extend_from_slice(&check);
        out
    }

    /// Decodes keystore bytes. Every length is checked before it is read, so hostile bytes
    /// give an error, never a panic or a large allocation.
    pub fn from_bytes(bytes: &[u8]) -> Result<Keystore, KeystoreError> {
        let body_len = bytes.len().checked_sub(CHECK_LEN).ok_or(CryptoError::Truncated {
            object: "keystore",
            needed: CHECK_LEN,
            available: bytes.len(),
        })?;
        let (body, check) = bytes.split_at(body_len);
        let expected: [u8; CHECK_LEN] = Sha256::digest(body).into();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], check)) {
            return Err(KeystoreError::Damaged);
        }
        let mut reader = Reader::new(body, "keystore");
        reader.version(KEYSTORE_VERSION)?;
        let device = DeviceId::new(UserId(reader.u8()?), reader.u8()?);
        let signing_seed = Secret32::from_bytes(reader.array()?);
        let encryption_secret = Secret32::from_bytes(reader.array()?);

        let count = reader.u32()? as usize;
        let mut seeds = BTreeMap::new();
        for _ in 0..count {
            let generation = reader.u32()?;
            let seed = Secret32::from_bytes(reader.array()?);
            let increasing = seeds.keys().next_back().is_none_or(|last| *last < generation);
            if generation == 0 || !increasing {
                return Err(reader.malformed("seed generations must be at least 1 and strictly increasing").into());
            }
            seeds.insert(generation, seed);
        }

        let count = reader.u32()? as usize;
        let mut recipient_generations = BTreeMap::new();
        for _ in 0..count {
            let user = UserId(reader.u8()?);
            let generation = reader.u32()?;
            let increasing = recipient_generations.keys().next_back().is_none_or(|last: &UserId| *last < user);
            if generation == 0 || !increasing {
                return Err(reader.malformed("cached generations must be at least 1, with users strictly increasing").into());
            }
            recipient_generations.insert(user, generation);
        }
        reader.finish()?;
        Ok(Keystore { device, signing_seed, encryption_secret, seeds, recipient_generations })
    }

    /// Decodes the keystore of `expected`, rejecting one that belongs to another device.
    pub fn load(bytes: &[u8], expected: DeviceId) -> Result<Keystore, KeystoreError> {
        let keystore = Keystore::from_bytes(bytes)?;
        if keystore.device != expected {
            return Err(KeystoreError::WrongDevice { found: keystore.device, expected });
        }
        Ok(keystore)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn sample() -> Keystore {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let mut keystore = Keystore::generate(DeviceId::new(UserId(1), 2), &mut rng);
        keystore.insert_seed(1, Secret32::random(&mut rng));
        keystore.insert_seed(3, Secret32::random(&mut rng));
        keystore.set_recipient_generation(UserId(0), 4);
        keystore
    }

    #[test]
    fn keystore_round_trip() {
        let keystore = sample();
        let bytes = keystore.to_bytes();
        assert_eq!(Keystore::from_bytes(&bytes).unwrap(), keystore);
        assert_eq!(Keystore::load(&bytes, DeviceId::new(UserId(1), 2)).unwrap(), keystore);
    }

    #[test]
    fn keystore_rejects_other_device() {
        let bytes = sample().to_bytes();
        let error = Keystore::load(&bytes, DeviceId::new(UserId(1), 0)).unwrap_err();
        assert!(matches!(error, KeystoreError::WrongDevice { .. }));
    }

    #[test]
    fn keystore_rejects_truncation_and_trailing_bytes() {
        let bytes = sample().to_bytes();
        for len in 0..bytes.len() {
            assert!(Keystore::from_bytes(&bytes[..len]).is_err(), "prefix of {len} bytes decoded");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(matches!(Keystore::from_bytes(&longer), Err(KeystoreError::Damaged)));
        let mut body = bytes[..bytes.len() - CHECK_LEN].to_vec();
        body.push(0);
        assert!(matches!(Keystore::from_bytes(&with_check(body)), Err(KeystoreError::Decode(CryptoError::TrailingBytes { .. }))));
    }

    #[test]
    fn keystore_rejects_unordered_seeds() {
        let keystore = sample();
        let mut bytes = keystore.to_bytes().to_vec();
        // The second seed entry starts after the header (67 bytes), the count (4) and one entry (36).
        let second = 67 + 4 + SEED_ENTRY_LEN;
        bytes[second..second + 4].copy_from_slice(&1u32.to_be_bytes());
        assert!(matches!(Keystore::from_bytes(&bytes), Err(KeystoreError::Damaged)));
        bytes.truncate(bytes.len() - CHECK_LEN);
        assert!(matches!(Keystore::from_bytes(&with_check(bytes)), Err(KeystoreError::Decode(CryptoError::Malformed { .. }))));
    }

    #[test]
    fn keystore_detects_every_flipped_bit() {
        let bytes = sample().to_bytes();
        for index in 0..bytes.len() {
            let mut damaged = bytes.to_vec();
            damaged[index] ^= 0x80;
            assert!(Keystore::from_bytes(&damaged).is_err(), "a flip at byte {index} was accepted");
        }
    }

    fn with_check(mut body: Vec<u8>) -> Vec<u8> {
        let check: [u8; CHECK_LEN] = Sha256::digest(&body).into();
        body.extend_from_slice(&check);
        body
    }

    #[test]
    fn keystore_debug_hides_secrets() {
        let text = format!("{:?}", sample());
        assert!(text.contains("***"));
        assert!(!text.contains("signing_seed"));
    }
}
