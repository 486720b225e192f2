//! Password-expiring links: mail for an external reader, opened with a secret carried in the URL fragment.
//!
//! The sender draws a 32-byte link secret and a 16-byte link id, seals the payload with Cake
//! under `HKDF-SHA256(salt = link id, ikm = secret, info = "mailspec v1 link content key")`,
//! and gives the service a `LinkRecord`: link id, expiry and ciphertext. The secret travels
//! only in the URL fragment, `https://mail.example/l/<id>#<secret>`, which browsers do not send
//! to the server. The service stores neither the secret nor any hash of it.
//!
//! The service enforces the expiry when it serves the record. The ciphertext does not bind
//! the expiry time, because a service that keeps the ciphertext could serve it at any time anyway.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::crypto::cake;
use crate::crypto::error::CryptoError;
use crate::crypto::kdf::hkdf_sha256_32;
use crate::crypto::secret::Secret32;
use crate::crypto::wire::{put_len_prefixed, put_u64, put_u8, Reader};

/// URL prefix of every link; the link id follows it.
pub const LINK_URL_PREFIX: &str = "https://mail.example/l/";
const CONTENT_KEY_INFO: &[u8] = b"mailspec v1 link content key";
const LINK_ID_LEN: usize = 16;
const SECRET_TEXT_LEN: usize = 43;
const RECORD_VERSION: u8 = 1;
const MAX_RECORD_CIPHERTEXT_LEN: usize = cake::sealed_len(cake::MAX_PLAINTEXT_LEN);

/// Reason a link URL does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkUrlError {
    #[error("the URL does not start with {LINK_URL_PREFIX}")]
    WrongPrefix,

    #[error("the link id must be 32 lowercase hexadecimal characters")]
    BadLinkId,

    #[error("the URL has no '#' fragment with the link secret")]
    MissingSecret,

    #[error(
        "the link secret must be 43 base64url characters without padding, but it has {found_chars}"
    )]
    BadSecretLength { found_chars: usize },

    #[error("the link secret is not valid base64url without padding")]
    BadSecretEncoding,
}

/// Public 16-byte link identifier; its text form is 32 lowercase hexadecimal characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkId(pub [u8; LINK_ID_LEN]);

/// The 256-bit link secret; only the URL fragment carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkSecret(Secret32);

/// Link record stored by the service: id, expiry and ciphertext, never the secret.
///
/// Wire encoding: version 0x01 || link id (16) || expiry in Unix seconds (8, big-endian) || lp(ciphertext).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    pub link_id: LinkId,
    /// Expiry time in Unix seconds; the record may be served while `now < expires_at`.
    pub expires_at: u64,
    pub ciphertext: Vec<u8>,
}

impl LinkId {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn parse(text: &str) -> Result<Self, LinkUrlError> {
        let is_lower_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
        if text.len() != 2 * LINK_ID_LEN || !text.chars().all(is_lower_hex) {
            return Err(LinkUrlError::BadLinkId);
        }
        let mut id = [0u8; LINK_ID_LEN];
        hex::decode_to_slice(text, &mut id).map_err(|_| LinkUrlError::BadLinkId)?;
        Ok(Self(id))
    }
}

impl fmt::Debug for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkId({})", self.to_hex())
    }
}

impl LinkSecret {
    pub fn random(rng: &mut impl CryptoRngCore) -> Self {
        Self(Secret32::random(rng))
    }

    pub fn from_secret(secret: Secret32) -> Self {
        Self(secret)
    }

    /// Derives the Cake key that seals the payload of link `link_id`.
    pub fn content_key(&self, link_id: &LinkId) -> Secret32 {
        hkdf_sha256_32(
            Some(&link_id.0),
            self.0.expose_secret(),
            &[CONTENT_KEY_INFO],
        )
    }

    /// Formats the link URL. The result contains the secret.
    pub fn url(&self, link_id: &LinkId) -> Zeroizing<String> {
        let encoded = Zeroizing::new(Base64UrlUnpadded::encode_string(self.0.expose_secret()));
        let mut url = Zeroizing::new(String::with_capacity(
            LINK_URL_PREFIX.len() + 32 + 1 + SECRET_TEXT_LEN,
        ));
        url.push_str(LINK_URL_PREFIX);
        url.push_str(&link_id.to_hex());
        url.push('#');
        url.push_str(&encoded);
        url
    }

    /// Parses a link URL into its id and secret.
    pub fn parse_url(url: &str) -> Result<(LinkId, LinkSecret), LinkUrlError> {
        let rest = url
            .strip_prefix(LINK_URL_PREFIX)
            .ok_or(LinkUrlError::WrongPrefix)?;
        let (id_text, fragment) = rest.split_once('#').ok_or(LinkUrlError::MissingSecret)?;
        let link_id = LinkId::parse(id_text)?;
        if fragment.len() != SECRET_TEXT_LEN {
            return Err(LinkUrlError::BadSecretLength {
                found_chars: fragment.chars().count(),
            });
        }
        let mut secret = Secret32::zeroed();
        let decoded_len = Base64UrlUnpadded::decode(fragment, secret.as_mut_bytes())
            .map_err(|_| LinkUrlError::BadSecretEncoding)?
            .len();
        if decoded_len != 32 {
            return Err(LinkUrlError::BadSecretEncoding);
        }
        Ok((link_id, LinkSecret(secret)))
    }
}

impl fmt::Debug for LinkSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkSecret(***)")
    }
}

/// Creates a link for `payload`: draws the id (16 bytes) and then the secret (32 bytes) from `rng`, and seals the payload.
///
/// Returns the record for the service and the secret for the URL.
pub fn create_link(
    payload: &[u8],
    expires_at: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<(LinkRecord, LinkSecret), CryptoError> {
    let mut id = [0u8; LINK_ID_LEN];
    rng.fill_bytes(&mut id);
    let link_id = LinkId(id);
    let secret = LinkSecret::random(rng);
    let ciphertext = cake::seal(&secret.content_key(&link_id), payload, rng)?;
    let record = LinkRecord {
        link_id,
        expires_at,
        ciphertext,
    };
    Ok((record, secret))
}

impl LinkRecord {
    /// Returns `LinkExpired` once `now` (Unix seconds) has reached `expires_at`.
    pub fn check_not_expired(&self, now: u64) -> Result<(), CryptoError> {
        if now >= self.expires_at {
            return Err(CryptoError::LinkExpired {
                expires_at: self.expires_at,
                now,
            });
        }
        Ok(())
    }

    /// Checks the expiry, then decrypts the payload with the secret from the URL.
    pub fn open(&self, secret: &LinkSecret, now: u64) -> Result<Vec<u8>, CryptoError> {
        self.check_not_expired(now)?;
        cake::open(
            &secret.content_key(&self.link_id),
            &self.ciphertext,
            "link payload",
        )
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 + LINK_ID_LEN + 8 + 4 + self.ciphertext.len());
        put_u8(&mut out, RECORD_VERSION);
        out.extend_from_slice(&self.link_id.0);
        put_u64(&mut out, self.expires_at);
        put_len_prefixed(&mut out, &self.ciphertext);
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let mut reader = Reader::new(bytes, "link record");
        reader.version(RECORD_VERSION)?;
        let link_id = LinkId(reader.array()?);
        let expires_at = reader.u64()?;
        let ciphertext = reader.len_prefixed(MAX_RECORD_CIPHERTEXT_LEN)?.to_vec();
        reader.finish()?;
        Ok(Self {
            link_id,
            expires_at,
            ciphertext,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn link() -> (LinkRecord, LinkSecret) {
        create_link(b"hello outside", 1_000, &mut ChaCha20Rng::seed_from_u64(71)).unwrap()
    }

    #[test]
    fn url_round_trip_and_open() {
        let (record, secret) = link();
        let url = secret.url(&record.link_id);
        assert!(url.starts_with(LINK_URL_PREFIX));
        let (link_id, parsed) = LinkSecret::parse_url(&url).unwrap();
        assert_eq!(link_id, record.link_id);
        assert_eq!(record.open(&parsed, 999).unwrap(), b"hello outside");
    }

    #[test]
    fn expired_link_is_rejected() {
        let (record, secret) = link();
        assert_eq!(
            record.open(&secret, 1_000),
            Err(CryptoError::LinkExpired {
                expires_at: 1_000,
                now: 1_000
            })
        );
    }

    #[test]
    fn wrong_secret_fails_commitment() {
        let (record, _) = link();
        let wrong = LinkSecret::from_secret(Secret32::from_bytes([1; 32]));
        assert_eq!(
            record.open(&wrong, 0),
            Err(CryptoError::KeyCommitmentMismatch {
                object: "link payload"
            })
        );
    }

    #[test]
    fn record_is_bound_to_its_link_id() {
        let (mut record, secret) = link();
        record.link_id.0[0] ^= 1;
        assert!(matches!(
            record.open(&secret, 0),
            Err(CryptoError::KeyCommitmentMismatch { .. })
        ));
    }

    #[test]
    fn record_does_not_contain_secret() {
        let (record, secret) = link();
        let bytes = record.to_bytes();
        let secret_bytes = secret.0.expose_secret();
        assert!(!bytes.windows(32).any(|window| window == secret_bytes));
        assert_eq!(LinkRecord::from_bytes(&bytes).unwrap(), record);
    }

    #[test]
    fn url_parse_errors_are_typed() {
        let secret = LinkSecret::from_secret(Secret32::from_bytes([7; 32]));
        let link_id = LinkId([0xAB; 16]);
        let url = secret.url(&link_id).to_string();
        let fragment = url.split_once('#').unwrap().1.to_owned();
        let id_hex = link_id.to_hex();
        let with = |id: &str, fragment: &str| format!("{LINK_URL_PREFIX}{id}#{fragment}");

        assert_eq!(LinkSecret::parse_url(&url).unwrap().0, link_id);
        assert_eq!(
            LinkSecret::parse_url(&url.replacen("https", "http", 1)),
            Err(LinkUrlError::WrongPrefix)
        );
        assert_eq!(
            LinkSecret::parse_url(&format!("{LINK_URL_PREFIX}{id_hex}")),
            Err(LinkUrlError::MissingSecret)
        );
        assert_eq!(
            LinkSecret::parse_url(&with(&id_hex.to_uppercase(), &fragment)),
            Err(LinkUrlError::BadLinkId)
        );
        assert_eq!(
            LinkSecret::parse_url(&with(&id_hex[1..], &fragment)),
            Err(LinkUrlError::BadLinkId)
        );
        assert_eq!(
            LinkSecret::parse_url(&with(&id_hex, &fragment[1..])),
            Err(LinkUrlError::BadSecretLength { found_chars: 42 })
        );
        assert_eq!(
            LinkSecret::parse_url(&with(&id_hex, &format!("{}*", &fragment[1..]))),
            Err(LinkUrlError::BadSecretEncoding)
        );
    }
}
