//! Backup keys: a printable high-entropy secret that recreates a user's backup virtual device.
//!
//! Text format: ten groups of four characters joined by '-', for example
//! `K7Q2-...-C9XM`. The alphabet is Crockford base32 (`0-9`, `A-Z` without `I`, `L`, `O`, `U`),
//! five bits per character.
//!
//! | groups | content |
//! |--------|---------|
//! | 1      | key id: 20 random bits, public, names the key to the user and the server |
//! | 2 to 9 | secret: 20 random bytes (160 bits), big-endian bit order |
//! | 10     | checksum: the first 20 bits of SHA-256("mailspec v1 backup checksum" \|\| the 36 canonical characters of groups 1 to 9) |
//!
//! Parsing ignores '-' and ASCII whitespace, accepts lower case, and reads `O` as `0` and
//! `I` and `L` as `1`, as Crockford base32 specifies.

use core::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::device::DeviceKeys;
use crate::crypto::error::CryptoError;
use crate::crypto::kdf::hkdf_sha256_32;
use crate::crypto::secret::{Secret32, SecretBytes};
use crate::crypto::wire::{check_id, put_len_prefixed};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const GROUP_LEN: usize = 4;
const SECRET_LEN: usize = 20;
const SECRET_CHARS: usize = SECRET_LEN * 8 / 5;
const SYMBOL_COUNT: usize = GROUP_LEN + SECRET_CHARS + GROUP_LEN;
const _: () = assert!(
    SECRET_LEN * 8 >= 128,
    "a backup key needs at least 128 secret bits"
);
/// Inputs longer than this many bytes are rejected before they are scanned.
const MAX_TEXT_LEN: usize = 256;

const CHECKSUM_LABEL: &[u8] = b"mailspec v1 backup checksum";
const SALT_LABEL: &[u8] = b"mailspec v1 backup salt";
const SIGNING_INFO: &[u8] = b"mailspec v1 backup ed25519";
const ENCRYPTION_INFO: &[u8] = b"mailspec v1 backup x25519";

/// Argon2id memory cost in KiB (8 MiB).
///
/// The input is a 160-bit random secret, not a human password, so brute force is out of reach
/// whatever the cost. The hash only adds a constant work factor per guess, and a small cost keeps
/// the simulator and its tests fast. Memory, iterations and lanes are part of the format:
/// changing them changes every derived key.
pub const ARGON2_MEMORY_KIB: u32 = 8 * 1024;
/// Argon2id iterations (passes over memory).
pub const ARGON2_ITERATIONS: u32 = 2;
/// Argon2id lanes (parallelism degree).
pub const ARGON2_LANES: u32 = 1;

/// Reason a backup key string does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupKeyError {
    /// The string does not contain exactly 40 base32 characters.
    #[error("a backup key has {expected} characters in groups of four, but {found} were given")]
    BadLength { found: usize, expected: usize },

    /// A character is neither base32, '-' nor whitespace.
    #[error("character {character:?} at position {position} is not allowed in a backup key")]
    BadCharacter { position: usize, character: char },

    /// The checksum group does not match the other groups: the key was mistyped.
    #[error("the checksum group does not match; check the key for a typing error")]
    ChecksumMismatch,
}

/// Public 20-bit identifier of a backup key; its text form is the first group of the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BackupKeyId(u32);

/// A backup key: its public id and its 160-bit secret.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupKey {
    id: BackupKeyId,
    secret: SecretBytes<SECRET_LEN>,
}

impl BackupKeyId {
    /// Returns the id as a number below 2^20.
    pub fn get(self) -> u32 {
        self.0
    }

    fn to_symbols(self) -> [u8; GROUP_LEN] {
        let mut symbols = [0u8; GROUP_LEN];
        for (index, symbol) in symbols.iter_mut().enumerate() {
            let shift = 5 * (GROUP_LEN - 1 - index);
            *symbol = ALPHABET[((self.0 >> shift) & 0x1F) as usize];
        }
        symbols
    }
}

impl fmt::Display for BackupKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbols = self.to_symbols();
        f.write_str(core::str::from_utf8(&symbols).expect("the alphabet is ASCII"))
    }
}

impl fmt::Debug for BackupKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BackupKeyId({self})")
    }
}

impl BackupKey {
    /// Number of secret bits in a backup key.
    pub const SECRET_BITS: usize = SECRET_LEN * 8;

    /// Draws a key id (20 bits of one `next_u32`) and then 20 secret bytes from `rng`.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let id = BackupKeyId(rng.next_u32() & 0xF_FFFF);
        let secret = SecretBytes::random(rng);
        Self { id, secret }
    }

    pub fn id(&self) -> BackupKeyId {
        self.id
    }

    /// Formats the key as ten dash-separated groups. The result contains the secret.
    pub fn to_text(&self) -> Zeroizing<String> {
        let symbols = self.canonical_symbols();
        let checksum = checksum_symbols(&symbols);
        let mut text = Zeroizing::new(String::with_capacity(
            SYMBOL_COUNT + SYMBOL_COUNT / GROUP_LEN,
        ));
        for (index, &symbol) in symbols.iter().chain(checksum.iter()).enumerate() {
            if index > 0 && index % GROUP_LEN == 0 {
                text.push('-');
            }
            text.push(char::from(symbol));
        }
        text
    }

    /// Parses the text form and checks its checksum.
    pub fn parse(text: &str) -> Result<Self, BackupKeyError> {
        if text.len() > MAX_TEXT_LEN {
            return Err(BackupKeyError::BadLength {
                found: text.len(),
                expected: SYMBOL_COUNT,
            });
        }
        let values = Zeroizing::new(decode_symbols(text)?);
        if values.len() != SYMBOL_COUNT {
            return Err(BackupKeyError::BadLength {
                found: values.len(),
                expected: SYMBOL_COUNT,
            });
        }
        let canonical: Zeroizing<Vec<u8>> = Zeroizing::new(
            values
                .iter()
                .map(|&value| ALPHABET[usize::from(value)])
                .collect(),
        );
        let (body, checksum) = canonical.split_at(SYMBOL_COUNT - GROUP_LEN);
        if checksum_symbols(body) != checksum {
            return Err(BackupKeyError::ChecksumMismatch);
        }

        let id = values[..GROUP_LEN]
            .iter()
            .fold(0u32, |acc, &value| (acc << 5) | u32::from(value));
        let mut secret = SecretBytes::<SECRET_LEN>::zeroed();
        unpack_bits(
            &values[GROUP_LEN..GROUP_LEN + SECRET_CHARS],
            secret.as_mut_bytes(),
        );
        Ok(Self {
            id: BackupKeyId(id),
            secret,
        })
    }

    /// Hashes the secret with Argon2id into the 32-byte seed of the backup virtual device.
    ///
    /// Salt: "mailspec v1 backup salt" || lp(user id) || the 4 characters of the key id.
    pub fn derive_seed(&self, user_id: &str) -> Result<Secret32, CryptoError> {
        check_id("user id", user_id)?;
        let mut salt = Vec::with_capacity(SALT_LABEL.len() + 4 + user_id.len() + GROUP_LEN);
        salt.extend_from_slice(SALT_LABEL);
        put_len_prefixed(&mut salt, user_id.as_bytes());
        salt.extend_from_slice(&self.id.to_symbols());

        let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES, Some(32))
            .map_err(|error| CryptoError::PasswordHash(error.to_string()))?;
        let mut seed = Secret32::zeroed();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(self.secret.expose_secret(), &salt, seed.as_mut_bytes())
            .map_err(|error| CryptoError::PasswordHash(error.to_string()))?;
        Ok(seed)
    }

    /// Derives the key pairs of the backup virtual device of `user_id`.
    pub fn derive_device_keys(&self, user_id: &str) -> Result<DeviceKeys, CryptoError> {
        let seed = self.derive_seed(user_id)?;
        Ok(device_keys_from_seed(&seed))
    }

    /// Returns the 36 canonical characters of the key id and secret groups, without the checksum.
    fn canonical_symbols(&self) -> Zeroizing<Vec<u8>> {
        let mut symbols = Zeroizing::new(Vec::with_capacity(SYMBOL_COUNT));
        symbols.extend_from_slice(&self.id.to_symbols());
        pack_bits(self.secret.expose_secret(), &mut symbols);
        symbols
    }
}

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

/// Derives the backup device's Ed25519 seed and X25519 private key from the Argon2id seed with HKDF-SHA256.
pub fn device_keys_from_seed(seed: &Secret32) -> DeviceKeys {
    let signing_seed = hkdf_sha256_32(None, seed.expose_secret(), &[SIGNING_INFO]);
    let encryption_secret = hkdf_sha256_32(None, seed.expose_secret(), &[ENCRYPTION_INFO]);
    DeviceKeys::from_secrets(&signing_seed, &encryption_secret)
}

/// Returns the 5-bit values of the base32 characters in `text`, skipping '-' and whitespace.
fn decode_symbols(text: &str) -> Result<Vec<u8>, BackupKeyError> {
    let mut values = Vec::with_capacity(SYMBOL_COUNT);
    for (position, character) in text.chars().enumerate() {
        if character == '-' || character.is_ascii_whitespace() {
            continue;
        }
        let value = symbol_value(character).ok_or(BackupKeyError::BadCharacter {
            position,
            character,
        })?;
        values.push(value);
    }
    Ok(values)
}

fn symbol_value(character: char) -> Option<u8> {
    let upper = match character.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&symbol| char::from(symbol) == upper)
        .map(|index| index as u8)
}

/// Appends the base32 characters of `bytes`, most significant bit first. `bytes.len() * 8` must be a multiple of 5.
fn pack_bits(bytes: &[u8], out: &mut Vec<u8>) {
    let mut accumulator: u32 = 0;
    let mut bits = 0;
    for &byte in bytes {
        accumulator = (accumulator << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((accumulator >> bits) & 0x1F) as usize]);
        }
        accumulator &= (1 << bits) - 1;
    }
}

/// Writes the bytes spelled by 5-bit `values` into `out`, most significant bit first.
fn unpack_bits(values: &[u8], out: &mut [u8]) {
    let mut accumulator: u32 = 0;
    let mut bits = 0;
    let mut written = 0;
    for &value in values {
        accumulator = (accumulator << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out[written] = ((accumulator >> bits) & 0xFF) as u8;
            written += 1;
        }
        accumulator &= (1 << bits) - 1;
    }
}

/// Returns the four checksum characters for the canonical characters of groups 1 to 9.
fn checksum_symbols(body: &[u8]) -> [u8; GROUP_LEN] {
    let mut hasher = Sha256::new();
    hasher.update(CHECKSUM_LABEL);
    hasher.update(body);
    let hash = hasher.finalize();
    let top20 = (u32::from(hash[0]) << 12) | (u32::from(hash[1]) << 4) | (u32::from(hash[2]) >> 4);
    BackupKeyId(top20).to_symbols()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn key() -> BackupKey {
        BackupKey::generate(&mut ChaCha20Rng::seed_from_u64(61))
    }

    #[test]
    fn text_has_ten_groups_and_key_id_first() {
        let key = key();
        let text = key.to_text();
        let groups: Vec<&str> = text.split('-').collect();
        assert_eq!(groups.len(), 10);
        assert!(groups.iter().all(|group| group.len() == 4));
        assert_eq!(groups[0], key.id().to_string());
    }

    #[test]
    fn text_round_trip() {
        let key = key();
        assert_eq!(BackupKey::parse(&key.to_text()).unwrap(), key);
    }

    #[test]
    fn parse_accepts_lower_case_spaces_and_aliases() {
        let key = key();
        let text = key.to_text().to_lowercase().replace('-', " ");
        assert_eq!(BackupKey::parse(&text).unwrap(), key);
        let aliased = key.to_text().replace('0', "O").replace('1', "l");
        assert_eq!(BackupKey::parse(&aliased).unwrap(), key);
    }

    #[test]
    fn parse_reports_bad_character_position() {
        let mut text = key().to_text().to_string();
        text.replace_range(5..6, "U");
        assert_eq!(
            BackupKey::parse(&text),
            Err(BackupKeyError::BadCharacter {
                position: 5,
                character: 'U'
            })
        );
    }

    #[test]
    fn parse_reports_bad_length() {
        let text = key().to_text();
        assert_eq!(
            BackupKey::parse(&text[..text.len() - 1]),
            Err(BackupKeyError::BadLength {
                found: 39,
                expected: 40
            })
        );
        assert!(matches!(
            BackupKey::parse(&"A".repeat(1000)),
            Err(BackupKeyError::BadLength { .. })
        ));
    }

    #[test]
    fn every_single_substitution_fails_checksum() {
        let text = key().to_text().to_string();
        for position in (0..text.len()).filter(|&i| text.as_bytes()[i] != b'-') {
            let original = text.as_bytes()[position];
            let replacement = if original == b'2' { '3' } else { '2' };
            let mut altered = text.clone();
            altered.replace_range(position..position + 1, &replacement.to_string());
            assert_eq!(
                BackupKey::parse(&altered),
                Err(BackupKeyError::ChecksumMismatch),
                "position {position}"
            );
        }
    }

    #[test]
    fn derived_device_depends_on_user_and_key() {
        let key = key();
        let first = key.derive_device_keys("alice").unwrap();
        let again = BackupKey::parse(&key.to_text())
            .unwrap()
            .derive_device_keys("alice")
            .unwrap();
        let other_user = key.derive_device_keys("bob").unwrap();
        assert_eq!(first.public_keys(), again.public_keys());
        assert_ne!(first.public_keys(), other_user.public_keys());
    }

    #[test]
    fn debug_hides_secret() {
        let key = key();
        let text = format!("{key:?}");
        assert!(text.contains("***"));
        assert!(!text.contains(&key.to_text()[5..9]));
    }
}
