//! The client side of the reference implementation: devices with keystores, webmail,
//! browsers that open links, backup keys on paper and the escrow admins' keys.
//!
//! Clients hold every secret the design keeps away from the service: device private keys,
//! per-user key seeds, backup key text, escrow device keys and link URLs. They reach the
//! service only through the methods of [`crate::service::MailService`].

pub mod backup;
pub mod browser;
pub mod device;
pub mod directory;
pub mod escrow;
pub mod keystore;
pub mod webmail;

use mailspec_model::ids::MessageId;
use mailspec_model::Reason;

use crate::canary;
use crate::crypto::CryptoError;
use crate::service::api::ApiError;
use crate::service::sigchain::ChainError;

/// The error of a failed client operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("service: {0}")]
    Api(#[from] ApiError),
    #[error("cryptography: {0}")]
    Crypto(#[from] CryptoError),
    #[error("sigchain: {0}")]
    Chain(#[from] ChainError),
    #[error("keystore: {0}")]
    Keystore(#[from] keystore::KeystoreError),
    /// The client saw something a correct service never sends, or content that is not the
    /// message's canary.
    #[error("protocol: {0}")]
    Protocol(String),
}

impl From<Reason> for ClientError {
    fn from(reason: Reason) -> Self {
        ClientError::Api(ApiError::Rejected(reason))
    }
}

impl ClientError {
    /// Returns the specification reason when the failure is a rejection.
    pub fn rejection(&self) -> Option<Reason> {
        match self {
            ClientError::Api(ApiError::Rejected(reason)) => Some(*reason),
            _ => None,
        }
    }
}

/// Checks that opened pieces are the canary body and attachment of `message`.
pub(crate) fn check_content(message: MessageId, pieces: &[Vec<u8>]) -> Result<(), ClientError> {
    let attachment = pieces.get(1).map_or(0, |piece| piece.len() as u32);
    if canary::pieces_match(message, attachment, pieces) {
        return Ok(());
    }
    Err(ClientError::Protocol(format!("the content of {message} is not its canary")))
}

/// Checks that an opened body piece is the canary of `message`.
pub(crate) fn check_body(message: MessageId, body: &[u8]) -> Result<(), ClientError> {
    if body == canary::canary(message).as_slice() {
        return Ok(());
    }
    Err(ClientError::Protocol(format!("the body of {message} is not its canary")))
}
