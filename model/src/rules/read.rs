//! Reading rules: devices, webmail, the service, and links in a browser (M6, M7, M10, L6, L7).

use super::{ensure, ensure_active, Rules, Verdict};
use crate::ids::{DeviceId, MessageId, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::op::{Reader, Recipient};
use crate::state::{Copy, Message, Protection, State};

impl Rules<'_> {
    pub(super) fn read(&self, state: &mut State, message: MessageId, reader: Reader) -> Verdict {
        let stored = state.messages.get(message.index()).ok_or(Reason::NotFound)?.clone();
        let stored = &stored;
        match reader {
            Reader::Device(device) => self.read_on_device(state, stored, device),
            Reader::Webmail(user) => {
                self.read_in_webmail(state, stored, user)?;
                if let Err(position) = state.webmail_shown.binary_search(&message) {
                    state.webmail_shown.insert(position, message);
                }
                Ok(Outcome::Content)
            }
            Reader::Service => {
                let copies = [Some(stored.recipient_copy), stored.sent_copy];
                let readable = copies.into_iter().flatten().any(|copy| service_reads(copy.protection));
                ensure(readable, Reason::NoKey)?;
                Ok(Outcome::Content)
            }
        }
    }

    /// M7, M10, L7, D4: a device opens the copy of its user with the keys it holds.
    fn read_on_device(&self, state: &State, stored: &Message, device: DeviceId) -> Verdict {
        ensure_active(state, device)?;
        let copy = self.copy_for(stored, device.user).ok_or(Reason::NotAddressee)?;
        let keys = state.device(device).map(|d| d.keys).unwrap_or_default();

        match copy.protection {
            Protection::Sealed { user, epoch } => {
                ensure(user == device.user && keys.contains(epoch), Reason::NoKey)?;
            }
            Protection::Link => return Err(Reason::OpenInBrowser),
            Protection::Service | Protection::Plaintext => {}
        }
        Ok(Outcome::Content)
    }

    /// M6, M10: webmail holds no device key and shows only what the service can serve.
    fn read_in_webmail(&self, state: &State, stored: &Message, user: UserId) -> Result<(), Reason> {
        self.ensure_user_active(state, user)?;
        let copy = self.copy_for(stored, user).ok_or(Reason::NotAddressee)?;
        let shows_anything = self.mutated(ModelMutant::WebmailShowsEncrypted);
        ensure(service_reads(copy.protection) || shows_anything, Reason::WebmailCannotDisplay)
    }

    /// Returns the copy a user reads: the Sent copy for the sender, the delivered copy
    /// for an addressee or a member of the addressed list.
    pub(crate) fn copy_for(&self, stored: &Message, user: UserId) -> Option<Copy> {
        if stored.from.is_some() && stored.sender == user {
            return stored.sent_copy;
        }
        let addressed = match stored.to {
            Recipient::User(to) => to == user,
            Recipient::List(list) => self.world.list(list).members.contains(&user),
            Recipient::External(_) => false,
        };
        addressed.then_some(stored.recipient_copy)
    }

    /// L6, L7: the link opens in a browser until it expires.
    pub(super) fn open_link(&self, state: &mut State, message: MessageId) -> Verdict {
        let stored = state.messages.get(message.index()).ok_or(Reason::NotFound)?;
        let link = stored.link.ok_or(Reason::NoLink)?;
        let late = self.mutated(ModelMutant::ExpiryOffByOne);
        let expired = if late { state.now > link.expires } else { state.now >= link.expires };
        ensure(!expired && link.content, Reason::LinkExpired)?;
        Ok(Outcome::Content)
    }
}

/// Returns true for the protections the service can remove on its own.
pub fn service_reads(protection: Protection) -> bool {
    matches!(protection, Protection::Service | Protection::Plaintext)
}
