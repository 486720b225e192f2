//! Fixed-size secret byte strings that zeroize on drop and compare in constant time.

use core::fmt;

use rand_core::CryptoRngCore;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Secret key material of `N` bytes.
///
/// The bytes are overwritten with zeros when the value is dropped. `Debug` prints `***`,
/// equality runs in constant time, and the type implements neither `Display` nor
/// `Serialize`, so a secret reaches a log or a wire format only through `expose_secret`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes<const N: usize>([u8; N]);

/// A 32-byte secret: a symmetric key, a seed or an X25519 private key.
pub type Secret32 = SecretBytes<32>;

impl<const N: usize> SecretBytes<N> {
    /// Wraps `bytes`. The caller's copy is not zeroized; prefer `random` or `from_slice` where possible.
    pub fn from_bytes(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret, or returns `None` unless it is exactly `N` bytes long.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != N {
            return None;
        }
        let mut secret = Self([0u8; N]);
        secret.0.copy_from_slice(bytes);
        Some(secret)
    }

    /// Draws `N` bytes from `rng`.
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        let mut secret = Self([0u8; N]);
        rng.fill_bytes(&mut secret.0);
        secret
    }

    /// Returns the secret bytes. Every call site is a place where the secret leaves this wrapper.
    pub fn expose_secret(&self) -> &[u8; N] {
        &self.0
    }

    /// Returns an all-zero secret for a caller that fills it in place with `as_mut_bytes`.
    pub(crate) fn zeroed() -> Self {
        Self([0u8; N])
    }

    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> ConstantTimeEq for SecretBytes<N> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl<const N: usize> PartialEq for SecretBytes<N> {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl<const N: usize> Eq for SecretBytes<N> {}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn debug_hides_bytes() {
        let secret = Secret32::from_bytes([7u8; 32]);
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(***)");
    }

    #[test]
    fn equality_compares_all_bytes() {
        let mut other = [7u8; 32];
        assert_eq!(Secret32::from_bytes([7u8; 32]), Secret32::from_bytes(other));
        other[31] = 8;
        assert_ne!(Secret32::from_bytes([7u8; 32]), Secret32::from_bytes(other));
    }

    #[test]
    fn from_slice_checks_length() {
        assert!(Secret32::from_slice(&[1u8; 31]).is_none());
        assert!(Secret32::from_slice(&[1u8; 33]).is_none());
        assert_eq!(
            Secret32::from_slice(&[1u8; 32]),
            Some(Secret32::from_bytes([1u8; 32]))
        );
    }

    #[test]
    fn random_is_deterministic_for_a_seed() {
        let first = Secret32::random(&mut ChaCha20Rng::seed_from_u64(9));
        let second = Secret32::random(&mut ChaCha20Rng::seed_from_u64(9));
        let third = Secret32::random(&mut ChaCha20Rng::seed_from_u64(10));
        assert_eq!(first, second);
        assert_ne!(first, third);
    }

    #[test]
    fn zeroize_clears_bytes() {
        let mut secret = Secret32::from_bytes([0xAB; 32]);
        secret.zeroize();
        assert_eq!(secret.expose_secret(), &[0u8; 32]);
    }
}
