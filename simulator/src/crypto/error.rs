//! The error type returned by every fallible operation in the crypto module.

use crate::crypto::at_rest::Region;
use crate::crypto::backup::BackupKeyError;
use crate::crypto::link::LinkUrlError;
use crate::crypto::puk::Generation;

/// Failure of a cryptographic operation or of decoding one of its byte formats.
///
/// Authentication failures do not report which byte was wrong. A wrong key and an altered
/// ciphertext produce the same variant, because the AEAD cannot tell them apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The input ended before a field was complete.
    #[error(
        "{object} is truncated: the next field needs {needed} bytes but only {available} remain"
    )]
    Truncated {
        object: &'static str,
        needed: usize,
        available: usize,
    },

    /// A length, count or size exceeds the limit of its format.
    #[error("{object} is too large: {len} exceeds the maximum of {max}")]
    Oversized {
        object: &'static str,
        len: usize,
        max: usize,
    },

    /// Bytes remain after the last field of a fixed format.
    #[error("{object} has {extra} unexpected bytes after its last field")]
    TrailingBytes { object: &'static str, extra: usize },

    /// The version byte names a format this code does not implement.
    #[error(
        "{object} has unsupported version {found}; this implementation reads version {expected}"
    )]
    UnsupportedVersion {
        object: &'static str,
        found: u8,
        expected: u8,
    },

    /// A field contains a value that its format does not allow.
    #[error("{object} is malformed: {reason}")]
    Malformed {
        object: &'static str,
        reason: &'static str,
    },

    /// An identifier or email address is empty or longer than 255 bytes.
    #[error("{object} must be 1 to 255 bytes of UTF-8, but it is {len} bytes long")]
    InvalidId { object: &'static str, len: usize },

    /// A public key does not decode, or it is a low-order point that gives an all-zero Diffie-Hellman result.
    #[error("{object} is not a usable public key")]
    InvalidPublicKey { object: &'static str },

    /// The key commitment stored in a Cake ciphertext does not match the key: the key is wrong or the header was altered.
    #[error(
        "key commitment of {object} does not match the key: wrong key, or the header was altered"
    )]
    KeyCommitmentMismatch { object: &'static str },

    /// AEAD authentication failed: wrong key, or the ciphertext or its bound context was altered.
    #[error("decryption of {object} failed: wrong key, or the ciphertext or its bound context was altered")]
    DecryptionFailed { object: &'static str },

    /// A piece ciphertext does not hash to the value listed in the manifest.
    #[error("piece {index} does not match the SHA-256 hash listed in the manifest")]
    PieceHashMismatch { index: usize },

    /// A piece index is not listed in the manifest.
    #[error("piece index {index} is out of range: the manifest lists {count} pieces")]
    PieceIndexOutOfRange { index: usize, count: usize },

    /// An Ed25519 signature does not verify under the expected public key.
    #[error("signature of {object} is invalid for the expected signing key")]
    InvalidSignature { object: &'static str },

    /// A box or sealed seed names a key generation other than the one supplied or required.
    #[error("generation mismatch: the ciphertext is for generation {sealed}, but generation {supplied} was supplied")]
    StaleGeneration {
        sealed: Generation,
        supplied: Generation,
    },

    /// A PUK seed opened from an HPKE box derives a public key other than the one published for its generation.
    #[error(
        "the opened seed for generation {generation} does not derive the published PUK public key"
    )]
    PukMismatch { generation: Generation },

    /// The generation counter cannot be incremented past `u32::MAX`.
    #[error("PUK generation {current} is the last one; the counter cannot be incremented")]
    GenerationOverflow { current: Generation },

    /// The envelope contains no box addressed to this recipient.
    #[error("the envelope has no {role} box for {recipient}")]
    NoBoxForRecipient {
        role: &'static str,
        recipient: String,
    },

    /// The same recipient appears twice in one message, which would reuse a box key.
    #[error("recipient {recipient} appears twice in one message; list each recipient once")]
    DuplicateRecipient { recipient: String },

    /// The sender named in the envelope is not the one the caller expected.
    #[error("the envelope sender does not match the expected sender")]
    SenderMismatch,

    /// A Bcc list and commitment key do not reproduce the Bcc commitment of the envelope.
    #[error("the Bcc list does not match the Bcc commitment of the envelope")]
    BccCommitmentMismatch,

    /// A backup key string does not parse.
    #[error("invalid backup key: {0}")]
    BackupKey(#[from] BackupKeyError),

    /// The Argon2id computation rejected its parameters.
    #[error("Argon2id password hash failed: {0}")]
    PasswordHash(String),

    /// A link URL does not parse.
    #[error("invalid link URL: {0}")]
    LinkUrl(#[from] LinkUrlError),

    /// A link record was read after its expiry time.
    #[error("link expired at {expires_at} (Unix seconds); the time now is {now}")]
    LinkExpired { expires_at: u64, now: u64 },

    /// A wrapped data key was presented to the root key of another region.
    #[error(
        "the data key was wrapped in region {wrapped}, but the root key belongs to region {root}"
    )]
    RegionMismatch { wrapped: Region, root: Region },
}
