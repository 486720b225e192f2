//! Per-device key pairs: an Ed25519 signing key and an X25519 encryption key.

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use x25519_dalek::{PublicKey as X25519PublicKey, StaticSecret};

use crate::crypto::error::CryptoError;
use crate::crypto::secret::Secret32;

/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LEN: usize = 64;

/// The secret keys of one device.
///
/// The Ed25519 key signs what the device sends (message digests). The X25519 key receives
/// HPKE boxes that carry PUK seeds. Both secrets are zeroized on drop by their dalek types.
pub struct DeviceKeys {
    signing: SigningKey,
    encryption: StaticSecret,
    public: DevicePublicKeys,
}

/// The public half of `DeviceKeys`, as published for the device.
///
/// Wire encoding (64 bytes): Ed25519 public key (32) || X25519 public key (32).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DevicePublicKeys {
    signing: VerifyingKey,
    encryption: X25519PublicKey,
}

impl DeviceKeys {
    /// Generates a device: 32 bytes from `rng` for the Ed25519 seed, then 32 bytes for the X25519 private key.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let signing_seed = Secret32::random(rng);
        let encryption_secret = Secret32::random(rng);
        Self::from_secrets(&signing_seed, &encryption_secret)
    }

    /// Builds a device from an RFC 8032 Ed25519 secret key (the 32-byte seed) and an RFC 7748 X25519 private key.
    pub fn from_secrets(signing_seed: &Secret32, encryption_secret: &Secret32) -> Self {
        let signing = SigningKey::from_bytes(signing_seed.expose_secret());
        let encryption = StaticSecret::from(*encryption_secret.expose_secret());
        let public = DevicePublicKeys {
            signing: signing.verifying_key(),
            encryption: X25519PublicKey::from(&encryption),
        };
        Self {
            signing,
            encryption,
            public,
        }
    }

    pub fn public_keys(&self) -> &DevicePublicKeys {
        &self.public
    }

    /// Signs `message` with Ed25519 (RFC 8032, pure variant).
    ///
    /// Callers put a context label in front of what they sign, so that a signature made for
    /// one purpose never verifies for another.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing.sign(message).to_bytes()
    }

    /// Returns a copy of the X25519 private key, for HPKE decapsulation.
    pub(crate) fn encryption_secret(&self) -> Secret32 {
        Secret32::from_bytes(self.encryption.to_bytes())
    }
}

impl fmt::Debug for DeviceKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceKeys")
            .field("public", &self.public)
            .field("secrets", &"***")
            .finish()
    }
}

impl DevicePublicKeys {
    /// Length of the wire encoding in bytes.
    pub const ENCODED_LEN: usize = 64;

    /// Decodes the 64-byte encoding. Rejects an Ed25519 key that is not a valid point or has small order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let object = "device public keys";
        let Ok(bytes) = <&[u8; Self::ENCODED_LEN]>::try_from(bytes) else {
            return Err(length_error(object, bytes.len(), Self::ENCODED_LEN));
        };
        let mut signing_bytes = [0u8; 32];
        let mut encryption_bytes = [0u8; 32];
        signing_bytes.copy_from_slice(&bytes[..32]);
        encryption_bytes.copy_from_slice(&bytes[32..]);
        Ok(Self {
            signing: decode_verifying_key(&signing_bytes)?,
            encryption: X25519PublicKey::from(encryption_bytes),
        })
    }

    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let mut out = [0u8; Self::ENCODED_LEN];
        out[..32].copy_from_slice(self.signing.as_bytes());
        out[32..].copy_from_slice(self.encryption.as_bytes());
        out
    }

    pub fn signing_key_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    pub fn encryption_key_bytes(&self) -> [u8; 32] {
        self.encryption.to_bytes()
    }

    /// Verifies an Ed25519 signature with the strict rules of `verify_strict` (canonical encodings, no small-order points).
    pub fn verify(
        &self,
        object: &'static str,
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<(), CryptoError> {
        verify_signature(&self.signing, object, message, signature)
    }
}

impl fmt::Debug for DevicePublicKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevicePublicKeys")
            .field("signing", &hex::encode(self.signing.as_bytes()))
            .field("encryption", &hex::encode(self.encryption.as_bytes()))
            .finish()
    }
}

/// Decodes an Ed25519 public key and rejects invalid points and small-order points.
pub(crate) fn decode_verifying_key(bytes: &[u8; 32]) -> Result<VerifyingKey, CryptoError> {
    let object = "Ed25519 public key";
    let key =
        VerifyingKey::from_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey { object })?;
    if key.is_weak() {
        return Err(CryptoError::InvalidPublicKey { object });
    }
    Ok(key)
}

pub(crate) fn verify_signature(
    key: &VerifyingKey,
    object: &'static str,
    message: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<(), CryptoError> {
    let signature = Signature::from_bytes(signature);
    key.verify_strict(message, &signature)
        .map_err(|_| CryptoError::InvalidSignature { object })
}

fn length_error(object: &'static str, len: usize, expected: usize) -> CryptoError {
    if len < expected {
        CryptoError::Truncated {
            object,
            needed: expected,
            available: len,
        }
    } else {
        CryptoError::TrailingBytes {
            object,
            extra: len - expected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn public_keys_round_trip() {
        let device = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(1));
        let bytes = device.public_keys().to_bytes();
        assert_eq!(
            DevicePublicKeys::from_bytes(&bytes).unwrap(),
            *device.public_keys()
        );
    }

    #[test]
    fn public_keys_reject_wrong_length() {
        assert!(matches!(
            DevicePublicKeys::from_bytes(&[0u8; 63]),
            Err(CryptoError::Truncated { .. })
        ));
        assert!(matches!(
            DevicePublicKeys::from_bytes(&[0u8; 65]),
            Err(CryptoError::TrailingBytes { .. })
        ));
    }

    #[test]
    fn public_keys_reject_small_order_signing_key() {
        // The identity point (y = 1) has order 1.
        let mut bytes = [0u8; 64];
        bytes[0] = 1;
        assert_eq!(
            DevicePublicKeys::from_bytes(&bytes),
            Err(CryptoError::InvalidPublicKey {
                object: "Ed25519 public key"
            })
        );
    }

    #[test]
    fn signature_verifies_only_for_its_message() {
        let device = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(2));
        let signature = device.sign(b"hello");
        let public = device.public_keys();
        assert!(public.verify("test", b"hello", &signature).is_ok());
        assert_eq!(
            public.verify("test", b"hellp", &signature),
            Err(CryptoError::InvalidSignature { object: "test" })
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let device = DeviceKeys::generate(&mut ChaCha20Rng::seed_from_u64(3));
        let text = format!("{device:?}");
        assert!(text.contains("***"));
        let secret_hex = hex::encode(device.encryption_secret().expose_secret());
        assert!(!text.contains(&secret_hex));
    }
}
