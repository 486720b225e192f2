//! Service-managed keys for standard (not end-to-end encrypted) mail at rest.
//!
//! Each region (US, EU) has a root key. The root key wraps one data key per account with
//! AES-256-GCM; the associated data binds the region and the account id, so a wrapped key
//! moved to another account or region fails to unwrap. Each stored object is sealed with Cake
//! under a key derived from the account's data key, the account id and the object id.

use core::fmt;

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::CryptoRngCore;

use crate::crypto::cake;
use crate::crypto::error::CryptoError;
use crate::crypto::kdf::hkdf_sha256_32;
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{check_id, put_len_prefixed, put_u8, Reader};

const WRAP_AAD_LABEL: &[u8] = b"mailspec v1 at-rest key wrap";
const OBJECT_KEY_INFO: &[u8] = b"mailspec v1 at-rest object key";
const WRAPPED_KEY_VERSION: u8 = 1;
const WRAPPED_KEY_CIPHERTEXT_LEN: usize = 32 + 16;

/// Data residency region of an account; each region has its own root key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Region {
    Us,
    Eu,
}

/// Root key of one region. It never leaves the region's key service.
pub struct RegionRootKey {
    region: Region,
    key: Secret32,
}

/// Data key of one account; stored only wrapped under its region's root key.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountDataKey(Secret32);

/// An account data key wrapped under a region root key.
///
/// Wire encoding (62 bytes): version 0x01 || region code (1) || nonce (12) || AES-256-GCM ciphertext of the data key (32 + 16-byte tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrappedDataKey {
    pub region: Region,
    pub nonce: [u8; 12],
    pub ciphertext: [u8; WRAPPED_KEY_CIPHERTEXT_LEN],
}

impl Region {
    /// Wire code of the region: 0x01 for US, 0x02 for EU.
    pub fn code(self) -> u8 {
        match self {
            Region::Us => 1,
            Region::Eu => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Region::Us),
            2 => Some(Region::Eu),
            _ => None,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Region::Us => "US",
            Region::Eu => "EU",
        })
    }
}

impl RegionRootKey {
    pub fn generate(region: Region, rng: &mut impl CryptoRngCore) -> Self {
        Self::from_secret(region, Secret32::random(rng))
    }

    pub fn from_secret(region: Region, key: Secret32) -> Self {
        Self { region, key }
    }

    pub fn region(&self) -> Region {
        self.region
    }

    /// Wraps `data_key` for `account_id` with a random 12-byte nonce from `rng`.
    pub fn wrap(
        &self,
        account_id: &str,
        data_key: &AccountDataKey,
        rng: &mut impl CryptoRngCore,
    ) -> Result<WrappedDataKey, CryptoError> {
        let aad = wrap_aad(self.region, account_id)?;
        let mut nonce = [0u8; 12];
        rng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: data_key.0.expose_secret(),
            aad: &aad,
        };
        let sealed = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("a 32-byte key is far below the AES-GCM message limit");
        let mut ciphertext = [0u8; WRAPPED_KEY_CIPHERTEXT_LEN];
        ciphertext.copy_from_slice(&sealed);
        Ok(WrappedDataKey {
            region: self.region,
            nonce,
            ciphertext,
        })
    }

    /// Unwraps the data key of `account_id`. Fails if the key was wrapped for another account or region.
    pub fn unwrap(
        &self,
        account_id: &str,
        wrapped: &WrappedDataKey,
    ) -> Result<AccountDataKey, CryptoError> {
        if wrapped.region != self.region {
            return Err(CryptoError::RegionMismatch {
                wrapped: wrapped.region,
                root: self.region,
            });
        }
        let aad = wrap_aad(self.region, account_id)?;
        let payload = Payload {
            msg: &wrapped.ciphertext,
            aad: &aad,
        };
        let plaintext = zeroize::Zeroizing::new(
            self.cipher()
                .decrypt(Nonce::from_slice(&wrapped.nonce), payload)
                .map_err(|_| CryptoError::DecryptionFailed {
                    object: "wrapped data key",
                })?,
        );
        let key = Secret32::from_slice(&plaintext)
            .expect("the ciphertext length fixes the plaintext at 32 bytes");
        Ok(AccountDataKey(key))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(GenericArray::from_slice(self.key.expose_secret()))
    }
}

impl fmt::Debug for RegionRootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegionRootKey")
            .field("region", &self.region)
            .field("key", &self.key)
            .finish()
    }
}

impl AccountDataKey {
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self(Secret32::random(rng))
    }

    /// Seals one stored object (a message, a folder list) of `account_id` under this data key.
    pub fn encrypt(
        &self,
        account_id: &str,
        object_id: &str,
        plaintext: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.object_key(account_id, object_id)?;
        cake::seal(&key, plaintext, rng)
    }

    /// Opens an object sealed by `encrypt` for the same account and object id.
    pub fn decrypt(
        &self,
        account_id: &str,
        object_id: &str,
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let key = self.object_key(account_id, object_id)?;
        cake::open(&key, ciphertext, "stored object")
    }

    /// HKDF-SHA256(salt = none, ikm = data key, info = label || lp(account id) || lp(object id)).
    fn object_key(&self, account_id: &str, object_id: &str) -> Result<Secret32, CryptoError> {
        check_id("account id", account_id)?;
        check_id("object id", object_id)?;
        let mut ids = Vec::with_capacity(8 + account_id.len() + object_id.len());
        put_len_prefixed(&mut ids, account_id.as_bytes());
        put_len_prefixed(&mut ids, object_id.as_bytes());
        Ok(hkdf_sha256_32(
            None,
            self.0.expose_secret(),
            &[OBJECT_KEY_INFO, &ids],
        ))
    }
}

impl fmt::Debug for AccountDataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccountDataKey(***)")
    }
}

impl WrappedDataKey {
    /// Length of the wire encoding in bytes.
    pub const ENCODED_LEN: usize = 1 + 1 + 12 + WRAPPED_KEY_CIPHERTEXT_LEN;

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::ENCODED_LEN);
        put_u8(&mut out, WRAPPED_KEY_VERSION);
        put_u8(&mut out, self.region.code());
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "wrapped data key");
        reader.version(WRAPPED_KEY_VERSION)?;
        let region = Region::from_code(reader.u8()?)
            .ok_or_else(|| reader.malformed("unknown region code"))?;
        let nonce = reader.array()?;
        let ciphertext = reader.array()?;
        reader.finish()?;
        Ok(Self {
            region,
            nonce,
            ciphertext,
        })
    }
}

/// Associated data of a key wrap: label || region code (1) || lp(account id).
fn wrap_aad(region: Region, account_id: &str) -> Result<Vec<u8>, CryptoError> {
    check_id("account id", account_id)?;
    let mut aad = Vec::with_capacity(WRAP_AAD_LABEL.len() + 5 + account_id.len());
    aad.extend_from_slice(WRAP_AAD_LABEL);
    put_u8(&mut aad, region.code());
    put_len_prefixed(&mut aad, account_id.as_bytes());
    Ok(aad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn setup() -> (ChaCha20Rng, RegionRootKey, AccountDataKey) {
        let mut rng = ChaCha20Rng::seed_from_u64(81);
        let root = RegionRootKey::generate(Region::Eu, &mut rng);
        let data_key = AccountDataKey::generate(&mut rng);
        (rng, root, data_key)
    }

    #[test]
    fn wrap_round_trip() {
        let (mut rng, root, data_key) = setup();
        let wrapped = root.wrap("acme", &data_key, &mut rng).unwrap();
        let decoded = WrappedDataKey::from_bytes(&wrapped.to_bytes()).unwrap();
        assert_eq!(root.unwrap("acme", &decoded).unwrap(), data_key);
    }

    #[test]
    fn wrap_is_bound_to_account() {
        let (mut rng, root, data_key) = setup();
        let wrapped = root.wrap("acme", &data_key, &mut rng).unwrap();
        assert_eq!(
            root.unwrap("globex", &wrapped),
            Err(CryptoError::DecryptionFailed {
                object: "wrapped data key"
            })
        );
    }

    #[test]
    fn wrap_is_bound_to_region() {
        let (mut rng, root, data_key) = setup();
        let us_root = RegionRootKey::from_secret(Region::Us, root.key.clone());
        let mut wrapped = root.wrap("acme", &data_key, &mut rng).unwrap();
        assert_eq!(
            us_root.unwrap("acme", &wrapped),
            Err(CryptoError::RegionMismatch {
                wrapped: Region::Eu,
                root: Region::Us
            })
        );
        wrapped.region = Region::Us;
        assert!(matches!(
            us_root.unwrap("acme", &wrapped),
            Err(CryptoError::DecryptionFailed { .. })
        ));
    }

    #[test]
    fn objects_are_bound_to_account_and_id() {
        let (mut rng, _, data_key) = setup();
        let sealed = data_key
            .encrypt("acme", "mail-1", b"standard mail", &mut rng)
            .unwrap();
        assert_eq!(
            data_key.decrypt("acme", "mail-1", &sealed).unwrap(),
            b"standard mail"
        );
        assert!(matches!(
            data_key.decrypt("acme", "mail-2", &sealed),
            Err(CryptoError::KeyCommitmentMismatch { .. })
        ));
        assert!(matches!(
            data_key.decrypt("globex", "mail-1", &sealed),
            Err(CryptoError::KeyCommitmentMismatch { .. })
        ));
    }

    #[test]
    fn wrapped_key_decoder_rejects_unknown_region() {
        let (mut rng, root, data_key) = setup();
        let mut bytes = root.wrap("acme", &data_key, &mut rng).unwrap().to_bytes();
        assert_eq!(bytes.len(), WrappedDataKey::ENCODED_LEN);
        bytes[1] = 9;
        assert!(matches!(
            WrappedDataKey::from_bytes(&bytes),
            Err(CryptoError::Malformed { .. })
        ));
    }
}
