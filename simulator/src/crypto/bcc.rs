//! The Bcc commitment: HMAC-SHA256 over the Bcc list under a random one-time key.
//!
//! Recipients see only the commitment, which hides the list because the key is random. The
//! sender keeps the opening (key and list) and can later prove which list was committed.

use core::fmt;

use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::crypto::error::CryptoError;
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{check_id, put_len_prefixed, put_u32, Reader};

/// Maximum number of Bcc addresses in one message.
pub const MAX_BCC_ADDRESSES: usize = 1000;

/// HMAC-SHA256 tag that commits to a Bcc list.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BccCommitment(pub [u8; 32]);

/// The commitment key and the Bcc list it commits to.
///
/// The HMAC input is the list encoding: address count (4, big-endian) || per address:
/// length-prefixed UTF-8 address, in the order given.
#[derive(Clone, PartialEq, Eq)]
pub struct BccOpening {
    key: Secret32,
    addresses: Vec<String>,
}

impl BccOpening {
    /// Draws a fresh commitment key for `addresses`. An empty list is allowed and still committed.
    pub fn new(addresses: &[String], rng: &mut impl CryptoRngCore) -> Result<Self, CryptoError> {
        Self::from_parts(Secret32::random(rng), addresses.to_vec())
    }

    /// Builds an opening from a known key and list, for example one read back from a box.
    pub fn from_parts(key: Secret32, addresses: Vec<String>) -> Result<Self, CryptoError> {
        if addresses.len() > MAX_BCC_ADDRESSES {
            return Err(CryptoError::Oversized {
                object: "Bcc list",
                len: addresses.len(),
                max: MAX_BCC_ADDRESSES,
            });
        }
        for address in &addresses {
            check_id("Bcc address", address)?;
        }
        Ok(Self { key, addresses })
    }

    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    pub fn key(&self) -> &Secret32 {
        &self.key
    }

    /// Computes the commitment of this opening.
    pub fn commitment(&self) -> BccCommitment {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(&encode_list(&self.addresses));
        BccCommitment(mac.finalize().into_bytes().into())
    }

    /// Returns `BccCommitmentMismatch` unless this opening reproduces `commitment`.
    pub fn verify(&self, commitment: &BccCommitment) -> Result<(), CryptoError> {
        if !bool::from(self.commitment().0.ct_eq(&commitment.0)) {
            return Err(CryptoError::BccCommitmentMismatch);
        }
        Ok(())
    }

    /// Appends key (32) || list encoding, the form an opening takes inside a box.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.key.expose_secret());
        out.extend_from_slice(&encode_list(&self.addresses));
    }

    pub(crate) fn decode(reader: &mut Reader<'_>) -> Result<Self, CryptoError> {
        let key = Secret32::from_slice(reader.take(32)?).expect("take returned 32 bytes");
        let count = usize::try_from(reader.u32()?).unwrap_or(usize::MAX);
        if count > MAX_BCC_ADDRESSES {
            return Err(CryptoError::Oversized {
                object: "Bcc list",
                len: count,
                max: MAX_BCC_ADDRESSES,
            });
        }
        let mut addresses = Vec::with_capacity(count);
        for _ in 0..count {
            addresses.push(reader.id()?.to_owned());
        }
        Ok(Self { key, addresses })
    }
}

fn encode_list(addresses: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + addresses.iter().map(|a| 4 + a.len()).sum::<usize>());
    let count =
        u32::try_from(addresses.len()).expect("Bcc list length is at most MAX_BCC_ADDRESSES");
    put_u32(&mut out, count);
    for address in addresses {
        put_len_prefixed(&mut out, address.as_bytes());
    }
    out
}

impl fmt::Debug for BccCommitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BccCommitment({})", hex::encode(self.0))
    }
}

impl fmt::Debug for BccOpening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BccOpening")
            .field("key", &self.key)
            .field("addresses", &self.addresses.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn list(addresses: &[&str]) -> Vec<String> {
        addresses.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn opening_verifies_its_commitment() {
        let opening = BccOpening::new(
            &list(&["carol@mail.example"]),
            &mut ChaCha20Rng::seed_from_u64(41),
        )
        .unwrap();
        assert!(opening.verify(&opening.commitment()).is_ok());
    }

    #[test]
    fn different_list_fails() {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let opening = BccOpening::new(&list(&["carol@mail.example"]), &mut rng).unwrap();
        let other =
            BccOpening::from_parts(opening.key().clone(), list(&["dave@mail.example"])).unwrap();
        assert_eq!(
            other.verify(&opening.commitment()),
            Err(CryptoError::BccCommitmentMismatch)
        );
    }

    #[test]
    fn list_boundaries_are_unambiguous() {
        let key = Secret32::from_bytes([1; 32]);
        let joined = BccOpening::from_parts(key.clone(), list(&["ab"])).unwrap();
        let split = BccOpening::from_parts(key, list(&["a", "b"])).unwrap();
        assert_ne!(joined.commitment(), split.commitment());
    }

    #[test]
    fn empty_list_is_committed() {
        let key = Secret32::from_bytes([1; 32]);
        let empty = BccOpening::from_parts(key.clone(), Vec::new()).unwrap();
        let single = BccOpening::from_parts(key, list(&["a"])).unwrap();
        assert_ne!(empty.commitment(), single.commitment());
    }

    #[test]
    fn empty_address_is_rejected() {
        let key = Secret32::from_bytes([1; 32]);
        assert!(matches!(
            BccOpening::from_parts(key, list(&[""])),
            Err(CryptoError::InvalidId { .. })
        ));
    }

    #[test]
    fn encode_decode_round_trip() {
        let opening =
            BccOpening::new(&list(&["x@y", "z@w"]), &mut ChaCha20Rng::seed_from_u64(43)).unwrap();
        let mut bytes = Vec::new();
        opening.encode(&mut bytes);
        let mut reader = Reader::new(&bytes, "test");
        assert_eq!(BccOpening::decode(&mut reader).unwrap(), opening);
        reader.finish().unwrap();
    }
}
