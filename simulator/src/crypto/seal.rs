//! HPKE (RFC 9180) boxes that carry PUK seeds from one device to another.
//!
//! Suite: base mode, DHKEM(X25519, HKDF-SHA256) (KEM id 0x0020), HKDF-SHA256 (KDF id 0x0001),
//! AES-256-GCM (AEAD id 0x0002). A device that rotates the PUK seals the new seed to every
//! other device of the user. When a device is added, the approving device seals every seed it
//! has to the new device, so that the new device can read the mail history.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRngCore;

use crate::crypto::device::{DeviceKeys, DevicePublicKeys};
use crate::crypto::error::CryptoError;
use crate::crypto::puk::{Generation, Puk, PukPublicKey};
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{check_id, put_len_prefixed, put_u8, Reader};

type Kem = X25519HkdfSha256;
type PrivateKey = <Kem as hpke::Kem>::PrivateKey;
type PublicKey = <Kem as hpke::Kem>::PublicKey;
type EncappedKey = <Kem as hpke::Kem>::EncappedKey;

const SEAL_INFO_LABEL: &[u8] = b"mailspec v1 puk seal";
const SEALED_SEED_VERSION: u8 = 1;
const AES_GCM_TAG_LEN: usize = 16;
const SEALED_SEED_CIPHERTEXT_LEN: usize = 32 + AES_GCM_TAG_LEN;

/// A PUK seed sealed with HPKE to one device.
///
/// Wire encoding (85 bytes): version 0x01 || generation (4, big-endian) || HPKE `enc` (32)
/// || HPKE ciphertext of the seed (32 + 16-byte tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedPukSeed {
    generation: Generation,
    encapsulated_key: [u8; 32],
    ciphertext: [u8; SEALED_SEED_CIPHERTEXT_LEN],
}

/// Encrypts `plaintext` to an X25519 public key with single-shot HPKE in base mode.
///
/// Returns `enc` (the encapsulated ephemeral public key) and the ciphertext with its 16-byte
/// tag appended. The ephemeral key comes from 32 bytes of `rng` passed to `DeriveKeyPair`, as
/// RFC 9180 section 7.1.3 specifies, so the RFC test vectors can be replayed through this function.
pub fn hpke_seal(
    recipient_public_key: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<([u8; 32], Vec<u8>), CryptoError> {
    let public_key =
        PublicKey::from_bytes(recipient_public_key).map_err(|_| invalid_device_key())?;
    let (encapped_key, ciphertext) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, Kem, _>(
        &OpModeS::Base,
        &public_key,
        info,
        plaintext,
        aad,
        rng,
    )
    .map_err(|_| invalid_device_key())?;
    let mut enc = [0u8; 32];
    enc.copy_from_slice(&encapped_key.to_bytes());
    Ok((enc, ciphertext))
}

/// Decrypts a single-shot HPKE base-mode ciphertext with the recipient's X25519 private key.
pub fn hpke_open(
    recipient_private_key: &Secret32,
    enc: &[u8; 32],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let object = "HPKE ciphertext";
    let private_key = PrivateKey::from_bytes(recipient_private_key.expose_secret())
        .map_err(|_| CryptoError::DecryptionFailed { object })?;
    let encapped_key =
        EncappedKey::from_bytes(enc).map_err(|_| CryptoError::DecryptionFailed { object })?;
    hpke::single_shot_open::<AesGcm256, HkdfSha256, Kem>(
        &OpModeR::Base,
        &private_key,
        &encapped_key,
        info,
        ciphertext,
        aad,
    )
    .map_err(|_| CryptoError::DecryptionFailed { object })
}

/// Seals the seed of `puk` to one device of user `user_id`.
///
/// The HPKE `info` binds the user id, the generation and the recipient device id, so a box
/// moved to another user, device or generation fails to open.
pub fn seal_puk_seed(
    puk: &Puk,
    user_id: &str,
    device_id: &str,
    device: &DevicePublicKeys,
    rng: &mut impl CryptoRngCore,
) -> Result<SealedPukSeed, CryptoError> {
    let info = seal_info(user_id, puk.generation(), device_id)?;
    let (encapsulated_key, ciphertext) = hpke_seal(
        &device.encryption_key_bytes(),
        &info,
        &[],
        puk.seed().expose_secret(),
        rng,
    )?;
    let mut fixed = [0u8; SEALED_SEED_CIPHERTEXT_LEN];
    fixed.copy_from_slice(&ciphertext);
    Ok(SealedPukSeed {
        generation: puk.generation(),
        encapsulated_key,
        ciphertext: fixed,
    })
}

/// Seals every PUK generation in `puks` to a new device, in the order given.
///
/// An approving device calls this when it adds a device, so that the new device can open mail
/// sealed to earlier generations.
pub fn seal_puk_history<'a>(
    puks: impl IntoIterator<Item = &'a Puk>,
    user_id: &str,
    device_id: &str,
    device: &DevicePublicKeys,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<SealedPukSeed>, CryptoError> {
    puks.into_iter()
        .map(|puk| seal_puk_seed(puk, user_id, device_id, device, rng))
        .collect()
}

/// Opens a sealed seed and checks it against the published public key of its generation.
///
/// Base-mode HPKE does not authenticate the sender, so the check against `expected` is what
/// stops a server from handing the device a seed of its own choosing.
pub fn open_puk_seed(
    sealed: &SealedPukSeed,
    user_id: &str,
    device_id: &str,
    device: &DeviceKeys,
    expected: &PukPublicKey,
) -> Result<Puk, CryptoError> {
    if sealed.generation != expected.generation() {
        return Err(CryptoError::StaleGeneration {
            sealed: sealed.generation,
            supplied: expected.generation(),
        });
    }
    let info = seal_info(user_id, sealed.generation, device_id)?;
    let seed_bytes = zeroize::Zeroizing::new(hpke_open(
        &device.encryption_secret(),
        &sealed.encapsulated_key,
        &info,
        &[],
        &sealed.ciphertext,
    )?);
    let seed = Secret32::from_slice(&seed_bytes).ok_or(CryptoError::Malformed {
        object: "sealed PUK seed",
        reason: "the opened seed is not 32 bytes",
    })?;
    let puk = Puk::from_seed(sealed.generation, seed);
    if puk.public_key() != expected {
        return Err(CryptoError::PukMismatch {
            generation: sealed.generation,
        });
    }
    Ok(puk)
}

impl SealedPukSeed {
    /// Length of the wire encoding in bytes.
    pub const ENCODED_LEN: usize = 1 + 4 + 32 + SEALED_SEED_CIPHERTEXT_LEN;

    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        put_u8(&mut out, SEALED_SEED_VERSION);
        self.generation.encode(&mut out);
        out.extend_from_slice(&self.encapsulated_key);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "sealed PUK seed");
        reader.version(SEALED_SEED_VERSION)?;
        let generation = Generation::decode(&mut reader)?;
        let encapsulated_key = reader.array()?;
        let ciphertext = reader.array()?;
        reader.finish()?;
        Ok(Self {
            generation,
            encapsulated_key,
            ciphertext,
        })
    }
}

/// Builds the HPKE info: label || len-prefixed user id || generation (4, big-endian) || len-prefixed device id.
fn seal_info(
    user_id: &str,
    generation: Generation,
    device_id: &str,
) -> Result<Vec<u8>, CryptoError> {
    check_id("user id", user_id)?;
    check_id("device id", device_id)?;
    let mut info = Vec::with_capacity(SEAL_INFO_LABEL.len() + 12 + user_id.len() + device_id.len());
    info.extend_from_slice(SEAL_INFO_LABEL);
    put_len_prefixed(&mut info, user_id.as_bytes());
    generation.encode(&mut info);
    put_len_prefixed(&mut info, device_id.as_bytes());
    Ok(info)
}

fn invalid_device_key() -> CryptoError {
    CryptoError::InvalidPublicKey {
        object: "device X25519 public key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn setup() -> (ChaCha20Rng, DeviceKeys, Puk) {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let device = DeviceKeys::generate(&mut rng);
        let puk = Puk::generate(Generation::FIRST, &mut rng);
        (rng, device, puk)
    }

    #[test]
    fn seed_round_trip() {
        let (mut rng, device, puk) = setup();
        let sealed =
            seal_puk_seed(&puk, "alice", "laptop", device.public_keys(), &mut rng).unwrap();
        let decoded = SealedPukSeed::from_bytes(&sealed.to_bytes()).unwrap();
        let opened = open_puk_seed(&decoded, "alice", "laptop", &device, puk.public_key()).unwrap();
        assert_eq!(opened.seed(), puk.seed());
        assert_eq!(opened.public_key(), puk.public_key());
    }

    #[test]
    fn info_binds_user_and_device() {
        let (mut rng, device, puk) = setup();
        let sealed =
            seal_puk_seed(&puk, "alice", "laptop", device.public_keys(), &mut rng).unwrap();
        let expected = CryptoError::DecryptionFailed {
            object: "HPKE ciphertext",
        };
        assert_eq!(
            open_puk_seed(&sealed, "mallory", "laptop", &device, puk.public_key()).unwrap_err(),
            expected
        );
        assert_eq!(
            open_puk_seed(&sealed, "alice", "phone", &device, puk.public_key()).unwrap_err(),
            expected
        );
    }

    #[test]
    fn wrong_device_cannot_open() {
        let (mut rng, device, puk) = setup();
        let other = DeviceKeys::generate(&mut rng);
        let sealed =
            seal_puk_seed(&puk, "alice", "laptop", device.public_keys(), &mut rng).unwrap();
        assert!(matches!(
            open_puk_seed(&sealed, "alice", "laptop", &other, puk.public_key()),
            Err(CryptoError::DecryptionFailed { .. })
        ));
    }

    #[test]
    fn generation_field_is_bound() {
        let (mut rng, device, puk) = setup();
        let sealed =
            seal_puk_seed(&puk, "alice", "laptop", device.public_keys(), &mut rng).unwrap();
        let mut bytes = sealed.to_bytes();
        bytes[4] = 2;
        let altered = SealedPukSeed::from_bytes(&bytes).unwrap();
        let second = PukPublicKey::new(
            Generation::new(2).unwrap(),
            puk.public_key().mail_key_bytes(),
        );
        assert!(matches!(
            open_puk_seed(&altered, "alice", "laptop", &device, &second),
            Err(CryptoError::DecryptionFailed { .. })
        ));
        assert!(matches!(
            open_puk_seed(&altered, "alice", "laptop", &device, puk.public_key()),
            Err(CryptoError::StaleGeneration { .. })
        ));
    }

    #[test]
    fn seed_that_misses_published_key_is_rejected() {
        let (mut rng, device, puk) = setup();
        let impostor = Puk::generate(Generation::FIRST, &mut rng);
        let sealed =
            seal_puk_seed(&impostor, "alice", "laptop", device.public_keys(), &mut rng).unwrap();
        assert_eq!(
            open_puk_seed(&sealed, "alice", "laptop", &device, puk.public_key()).unwrap_err(),
            CryptoError::PukMismatch {
                generation: Generation::FIRST
            }
        );
    }

    #[test]
    fn history_seals_every_generation() {
        let (mut rng, device, first) = setup();
        let second = first.rotate(&mut rng).unwrap();
        let sealed = seal_puk_history(
            [&first, &second],
            "alice",
            "tablet",
            device.public_keys(),
            &mut rng,
        )
        .unwrap();
        assert_eq!(sealed.len(), 2);
        for (box_, puk) in sealed.iter().zip([&first, &second]) {
            let opened = open_puk_seed(box_, "alice", "tablet", &device, puk.public_key()).unwrap();
            assert_eq!(opened.seed(), puk.seed());
        }
    }

    #[test]
    fn decoder_rejects_bad_version_and_length() {
        let (mut rng, device, puk) = setup();
        let mut bytes = seal_puk_seed(&puk, "alice", "laptop", device.public_keys(), &mut rng)
            .unwrap()
            .to_bytes();
        assert_eq!(bytes.len(), SealedPukSeed::ENCODED_LEN);
        assert!(matches!(
            SealedPukSeed::from_bytes(&bytes[..84]),
            Err(CryptoError::Truncated { .. })
        ));
        bytes.push(0);
        assert!(matches!(
            SealedPukSeed::from_bytes(&bytes),
            Err(CryptoError::TrailingBytes { .. })
        ));
        bytes.pop();
        bytes[0] = 2;
        assert!(matches!(
            SealedPukSeed::from_bytes(&bytes),
            Err(CryptoError::UnsupportedVersion { found: 2, .. })
        ));
    }

    #[test]
    fn invalid_ids_are_rejected() {
        let (mut rng, device, puk) = setup();
        assert!(matches!(
            seal_puk_seed(&puk, "", "laptop", device.public_keys(), &mut rng),
            Err(CryptoError::InvalidId {
                object: "user id",
                ..
            })
        ));
    }
}
