//! Reading: devices, webmail, the service's operators, background indexing and link pages
//! (M6, M7, M10, L6, L7).

use mailspec_model::ids::{DeviceId, MessageId, UserId};
use mailspec_model::op::{Client, Recipient};
use mailspec_model::Reason;

use super::api::{ApiError, DeviceCopy, LinkContent, SealedCopy, SenderRef};
use super::storage::{decode_pieces, decode_sealed_copy};
use super::{ensure, CopyForm, CopyRow, MailService, MessageRow};
use crate::crypto::{CryptoError, Envelope};
use crate::fault::Fault;

impl MailService {
    /// Returns the copy a user reads: the Sent copy for the sender, the delivered copy for an
    /// addressee or a member of the addressed list.
    fn copy_for<'a>(&self, row: &'a MessageRow, user: UserId) -> Option<&'a CopyRow> {
        if row.from.is_some() && row.sender == user {
            return row.sent_copy.as_ref();
        }
        let addressed = match row.to {
            Recipient::User(to) => to == user,
            Recipient::List(list) => self.world.list(list).members.contains(&user),
            Recipient::External(_) => false,
        };
        addressed.then_some(&row.recipient_copy)
    }

    /// M7, M10, L7: serves a message to an active device of an addressee. The service
    /// decrypts what it can read; a sealed copy goes to the device as ciphertext.
    pub fn fetch_copy(&mut self, device: DeviceId, message: MessageId) -> Result<DeviceCopy, ApiError> {
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?.clone();
        self.ensure_active(device)?;
        let copy = self.copy_for(&row, device.user).ok_or(Reason::NotAddressee)?.clone();
        match copy.form {
            CopyForm::Link => Ok(DeviceCopy::LinkOnly),
            CopyForm::Sealed => {
                let sealed = self.sealed_copy(&row, &copy, false)?.ok_or(Reason::NoKey)?;
                Ok(DeviceCopy::Sealed(sealed))
            }
            CopyForm::ServiceBox | CopyForm::AtRest | CopyForm::Plain => {
                let pieces = self.service_open(message.index(), &copy)?.ok_or(Reason::NoKey)?;
                Ok(DeviceCopy::Served { pieces })
            }
        }
    }

    /// Returns the envelope and body piece of the copy an active device's user reads, for
    /// indexing a new message in the background, or `None` when the copy is not sealed.
    pub fn fetch_envelope(&self, device: DeviceId, message: MessageId) -> Result<Option<SealedCopy>, ApiError> {
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?;
        self.ensure_active(device)?;
        let copy = self.copy_for(row, device.user).ok_or(Reason::NotAddressee)?;
        if copy.form != CopyForm::Sealed {
            return Ok(None);
        }
        self.sealed_copy(row, copy, true)
    }

    /// Returns a stored envelope copy, with the body piece only when `body_only`.
    pub(super) fn sealed_copy(&self, row: &MessageRow, copy: &CopyRow, body_only: bool) -> Result<Option<SealedCopy>, ApiError> {
        let envelope_form = matches!(copy.form, CopyForm::Sealed | CopyForm::ServiceBox | CopyForm::Link);
        let Some(bytes) = self.store.get(&copy.object).filter(|_| envelope_form && copy.present) else {
            return Ok(None);
        };
        let (envelope, mut pieces) = decode_sealed_copy(bytes)?;
        if body_only {
            pieces.truncate(1);
        }
        let sender = match Envelope::from_bytes(&envelope)?.sender {
            crate::crypto::EnvelopeSender::Service { .. } => SenderRef::Service,
            crate::crypto::EnvelopeSender::Device { .. } => match row.from {
                Some(Client::App(device)) => SenderRef::Device(device),
                _ => return Err(ApiError::Invalid("a device-sealed copy has no sending device".into())),
            },
        };
        Ok(Some(SealedCopy { envelope, pieces, sender }))
    }

    /// Reads a copy with the service's own keys: the at-rest data key or the service box.
    /// Returns `None` when the service holds no key for it.
    fn service_open(&mut self, message: usize, copy: &CopyRow) -> Result<Option<Vec<Vec<u8>>>, ApiError> {
        if !copy.present {
            return Ok(None);
        }
        match copy.form {
            CopyForm::AtRest => {
                let plaintext = self.get_at_rest(copy.account, &copy.object)?;
                Ok(Some(decode_pieces(&plaintext)?))
            }
            CopyForm::Plain => {
                let bytes = self.store.get(&copy.object).ok_or_else(|| ApiError::Invalid("a stored copy is missing".into()))?;
                Ok(Some(decode_pieces(bytes)?))
            }
            CopyForm::Sealed | CopyForm::ServiceBox | CopyForm::Link => match self.open_with_service_box(message, &copy.object) {
                Ok(pieces) => Ok(Some(pieces)),
                Err(ApiError::Crypto(CryptoError::NoBoxForRecipient { .. })) => Ok(None),
                Err(error) => Err(error),
            },
        }
    }

    /// M6, M10: webmail holds no key, so it shows only what the service can read.
    pub fn webmail_read(&mut self, user: UserId, message: MessageId) -> Result<Vec<Vec<u8>>, ApiError> {
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?.clone();
        self.ensure_user_active(user)?;
        let copy = self.copy_for(&row, user).ok_or(Reason::NotAddressee)?.clone();
        let pieces = self.service_open(message.index(), &copy)?;
        pieces.ok_or(ApiError::Rejected(Reason::WebmailCannotDisplay))
    }

    /// M7: what the service's operators can read of a message, with the service's keys only.
    pub fn operator_read(&mut self, message: MessageId) -> Result<Vec<Vec<u8>>, ApiError> {
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?.clone();
        for copy in [Some(&row.recipient_copy), row.sent_copy.as_ref()].into_iter().flatten() {
            if let Some(pieces) = self.service_open(message.index(), copy)? {
                return Ok(pieces);
            }
        }
        Err(ApiError::Rejected(Reason::NoKey))
    }

    /// Returns `not_found` for an unknown message and `no_link` for one without a link.
    pub fn link_status(&self, message: MessageId) -> Result<(), Reason> {
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?;
        ensure(row.link.is_some(), Reason::NoLink)
    }

    /// L6, L7: serves the link page data to any browser while the link is valid.
    pub fn open_link(&self, link_id: &str) -> Result<LinkContent, ApiError> {
        let row = self
            .messages
            .iter()
            .find(|row| row.link.as_ref().is_some_and(|link| link.link_id == link_id))
            .ok_or(Reason::NotFound)?;
        let link = row.link.as_ref().ok_or(Reason::NoLink)?;
        let late = self.faulty(Fault::ExpiryOffByOne);
        let expired = if late { self.now > link.expires } else { self.now >= link.expires };
        ensure(!expired && link.content, Reason::LinkExpired)?;

        let record = self.store.get(&link.object).ok_or(Reason::LinkExpired)?.to_vec();
        let copy = self.store.get(&row.recipient_copy.object).ok_or(Reason::LinkExpired)?;
        let (envelope, pieces) = decode_sealed_copy(copy)?;
        let sealed_manifest = Envelope::from_bytes(&envelope)?.sealed_manifest;
        Ok(LinkContent { record, sealed_manifest, pieces })
    }
}
