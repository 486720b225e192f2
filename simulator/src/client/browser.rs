//! A browser that opens a password-expiring link: it fetches the link page data by the link
//! id and decrypts it with the secret from the URL fragment, which never reaches the service
//! (L2, L6, L7).

use mailspec_model::ids::MessageId;
use mailspec_model::Reason;
use zeroize::Zeroizing;

use super::{check_content, ClientError};
use crate::crypto::{CryptoError, LinkRecord, LinkSecret, Manifest, Secret32};
use crate::service::{MailService, CLOCK_ORIGIN_UNIX};

/// Opens the link `url` of `message` and checks its content.
pub fn open_link(service: &MailService, url: &str, message: MessageId) -> Result<(), ClientError> {
    let (link_id, secret) = LinkSecret::parse_url(url).map_err(CryptoError::from)?;
    let content = service.open_link(&link_id.to_hex())?;
    let record = LinkRecord::from_bytes(&content.record)?;
    if record.link_id != link_id {
        return Err(ClientError::Protocol("the service served the record of another link".into()));
    }
    let now = CLOCK_ORIGIN_UNIX + u64::from(service.now());
    let payload = match record.open(&secret, now) {
        Ok(payload) => Zeroizing::new(payload),
        Err(CryptoError::LinkExpired { .. }) => return Err(Reason::LinkExpired.into()),
        Err(error) => return Err(error.into()),
    };
    let shared_key = Secret32::from_slice(&payload).ok_or_else(|| ClientError::Protocol("the link payload is not a 32-byte key".into()))?;
    let manifest = Manifest::open(&shared_key, &content.sealed_manifest)?;
    let mut pieces = Vec::with_capacity(content.pieces.len());
    for (index, piece) in content.pieces.iter().enumerate() {
        pieces.push(manifest.open_piece(index, piece)?);
    }
    check_content(message, &pieces)
}
