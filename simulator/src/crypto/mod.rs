//! Cryptography of the reference mail service: device keys, per-user keys, message sealing and stored-data keys.
//!
//! Every function that needs randomness takes `&mut impl rand_core::CryptoRngCore`, so the
//! simulator can pass a seeded `rand_chacha::ChaCha20Rng` and replay a run byte for byte.
//! Nothing in this module reads the operating system's random number generator.
//! `docs/crypto.md` specifies every byte format and key derivation defined here.

pub mod at_rest;
pub mod backup;
pub mod bcc;
pub mod cake;
pub mod device;
pub mod envelope;
pub mod error;
pub mod kdf;
pub mod link;
pub mod manifest;
pub mod message;
mod pool;
pub mod puk;
pub mod recipient_box;
pub mod seal;
pub mod secret;
pub mod wire;

pub use at_rest::{AccountDataKey, Region, RegionRootKey, WrappedDataKey};
pub use backup::{BackupKey, BackupKeyError, BackupKeyId};
pub use bcc::{BccCommitment, BccOpening};
pub use device::{DeviceKeys, DevicePublicKeys, SIGNATURE_LEN};
pub use envelope::{BoxRole, Envelope, EnvelopeSender, RecipientBox};
pub use error::CryptoError;
pub use link::{create_link, LinkId, LinkRecord, LinkSecret, LinkUrlError};
pub use manifest::{Manifest, ManifestEntry};
pub use message::{
    open_envelope, open_service_box, seal_message, ExpectedSender, MessageDraft, OpenedEnvelope,
    Recipient, SealedMessage, Sender,
};
pub use puk::{ensure_current_generation, Generation, Puk, PukPublicKey};
pub use seal::{open_puk_seed, seal_puk_history, seal_puk_seed, SealedPukSeed};
pub use secret::{Secret32, SecretBytes};
