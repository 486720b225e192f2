//! Sending rules: modes, eligibility, fallbacks, attachments, links, the clock (M, L, S).

use super::{ensure, ensure_active, Rules, Verdict};
use crate::ids::{Epoch, MessageId, Time, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::op::{Client, Expiry, Mode, ModeRequest, Recipient, Seal, Send, ATTACHMENT_LIMIT};
use crate::state::{Copy, Link, Message, Protection, SendFacts, State};
use crate::world::Region;

/// Where the recipient's copy goes and how it is sealed, once the mode is known.
struct Delivery {
    mode: Mode,
    recipient_copy: Protection,
}

impl Rules<'_> {
    /// M1-M7, M10, L1-L5, S1-S3: the checks of a send, in the order `docs/spec.md` gives.
    pub(super) fn send(&self, state: &mut State, send: &Send) -> Verdict {
        // 1. The sender: an active device or webmail, of an active mail user.
        let sender = self.sending_user(state, send.from)?;
        self.ensure_user_active(state, sender)?;
        let policy = self.policy_of(state, sender).ok_or(Reason::DomainNotConfigured)?;

        // 2. Size and client limits, then the domain policy.
        self.ensure_attachment_fits(send.attachment)?;
        let webmail = matches!(send.from, Client::Webmail(_));
        let webmail_ok = send.mode == ModeRequest::Standard || self.mutated(ModelMutant::WebmailSendsEncrypted);
        ensure(!webmail || webmail_ok, Reason::WebmailStandardOnly)?;
        let secure_only = policy == crate::op::Policy::SecureOnly;
        let standard_ok = !secure_only || self.mutated(ModelMutant::SecureOnlyAllowsStandard);
        ensure(send.mode != ModeRequest::Standard || standard_ok, Reason::PolicyRequiresSecure)?;
        let list_e2ee_ok = self.mutated(ModelMutant::E2eeToList);
        let to_list = matches!(send.to, Recipient::List(_));
        ensure(!(to_list && send.mode == ModeRequest::E2ee) || list_e2ee_ok, Reason::ListNotE2ee)?;

        // 3. The recipient, the delivered mode and the link.
        self.ensure_recipient_active(state, send.to)?;
        let facts = self.send_facts(state, sender, send.to, policy);
        let delivery = self.deliver(state, sender, send, &facts)?;
        let link = self.link_for(state, delivery.mode, send.expiry)?;

        // 4. Store the copies.
        let message = MessageId(state.messages.len() as u8);
        let stored = self.stored_message(state, sender, send, delivery, link, facts);
        if stored.link.is_some() && self.mutated(ModelMutant::KeepLinkSecret) {
            state.service_link_secrets.push(message.0);
        }
        let mode = stored.mode;
        state.messages.push(stored);
        Ok(Outcome::Sent { message, mode })
    }

    fn sending_user(&self, state: &State, from: Client) -> Result<UserId, Reason> {
        match from {
            Client::App(device) => {
                ensure_active(state, device)?;
                Ok(device.user)
            }
            Client::Webmail(user) => Ok(user),
        }
    }

    /// S3: at most 25 MiB per attachment.
    pub(crate) fn ensure_attachment_fits(&self, attachment: u32) -> Result<(), Reason> {
        let limit = if self.mutated(ModelMutant::LimitOffByOne) { ATTACHMENT_LIMIT + 1 } else { ATTACHMENT_LIMIT };
        ensure(attachment <= limit, Reason::AttachmentTooLarge)
    }

    /// T3: mail to a user of the service reaches active mail users only.
    fn ensure_recipient_active(&self, state: &State, to: Recipient) -> Result<(), Reason> {
        let Recipient::User(user) = to else { return Ok(()) };
        let account = self.world.user(user).account;
        ensure(state.accounts[account.index()].mail_enabled, Reason::RecipientNotEnabled)?;
        ensure(state.user(user).enabled, Reason::RecipientNotEnabled)
    }

    fn send_facts(&self, state: &State, sender: UserId, to: Recipient, policy: crate::op::Policy) -> SendFacts {
        let mut facts = SendFacts {
            sender_domain_policy: Some(policy),
            sender_rotation_pending: state.user(sender).rotation_pending,
            ..SendFacts::default()
        };
        if let Recipient::User(user) = to {
            facts.cross_account = self.world.user(user).account != self.world.user(sender).account;
            facts.both_cross_domain = self.cross_domain_on(state, sender) && self.cross_domain_on(state, user);
            facts.recipient_has_active_device = state.user(user).has_active_device();
            facts.recipient_rotation_pending = state.user(user).rotation_pending;
            facts.recipient_epoch = state.user(user).epoch;
        }
        facts
    }

    /// M2-M5: resolves the requested mode into the delivered one.
    fn deliver(&self, state: &State, sender: UserId, send: &Send, facts: &SendFacts) -> Result<Delivery, Reason> {
        let fallback = Delivery { mode: Mode::PasswordExpiring, recipient_copy: Protection::Link };
        match send.mode {
            ModeRequest::Standard => Ok(Delivery { mode: Mode::Standard, recipient_copy: Protection::Service }),
            ModeRequest::PasswordExpiring => Ok(fallback),
            ModeRequest::E2ee => match send.to {
                Recipient::User(user) if self.e2ee_reaches(state, sender, facts) => {
                    self.seal_to_user(state, user, send.seal)
                }
                Recipient::List(_) => Ok(Delivery { mode: Mode::E2ee, recipient_copy: Protection::Service }),
                _ => Ok(fallback),
            },
        }
    }

    /// M2: E2EE reaches the same account, or another whose domains both opted in.
    fn e2ee_reaches(&self, state: &State, sender: UserId, facts: &SendFacts) -> bool {
        if !facts.cross_account {
            return true;
        }
        let one_sided = self.mutated(ModelMutant::OneSidedCrossDomain) && self.cross_domain_on(state, sender);
        facts.both_cross_domain || one_sided
    }

    /// M3, D7: seal to the recipient's current generation; wait for a user who never
    /// had a device; reject a user whose devices are all revoked, and a stale seal.
    fn seal_to_user(&self, state: &State, user: UserId, seal: Seal) -> Result<Delivery, Reason> {
        let record = state.user(user);
        let lenient = self.mutated(ModelMutant::E2eeWithoutRecipientKeys);
        if record.epoch.is_none() && !lenient {
            return Ok(Delivery { mode: Mode::AwaitingKeys, recipient_copy: Protection::Service });
        }
        ensure(record.has_active_device() || lenient, Reason::RecipientHasNoDevice)?;

        let epoch = match seal {
            Seal::Current => record.epoch,
            Seal::Previous => {
                ensure(self.mutated(ModelMutant::AcceptStaleGeneration), Reason::StaleGeneration)?;
                Epoch(record.epoch.0.saturating_sub(1))
            }
        };
        Ok(Delivery { mode: Mode::E2ee, recipient_copy: Protection::Sealed { user, epoch } })
    }

    /// L5: password-expiring mail needs one of the three lifetimes.
    fn link_for(&self, state: &State, mode: Mode, expiry: Option<Expiry>) -> Result<Option<Link>, Reason> {
        if mode != Mode::PasswordExpiring {
            return Ok(None);
        }
        let expiry = expiry.ok_or(Reason::ExpiryInvalid)?;
        let seconds = match expiry.valid_seconds() {
            Some(seconds) => seconds,
            None if self.mutated(ModelMutant::AcceptAnyExpiry) => expiry.requested_seconds(),
            None => return Err(Reason::ExpiryInvalid),
        };
        let expires = Time(state.now.0.saturating_add(seconds));
        Ok(Some(Link { expires, sent_at: state.now, content: true }))
    }

    fn stored_message(
        &self,
        state: &State,
        sender: UserId,
        send: &Send,
        delivery: Delivery,
        link: Option<Link>,
        facts: SendFacts,
    ) -> Message {
        let sender_region = self.world.region_of_user(sender);
        let recipient_region = self.recipient_region(sender_region, send.to);
        let recipient_copy = self.at_rest(delivery.recipient_copy, delivery.mode, recipient_region);
        let sent_copy = self.sent_copy(state, sender, send.to, delivery.mode, sender_region);
        let service_reads = recipient_copy.protection == Protection::Service;
        Message {
            sender,
            from: Some(send.from),
            to: send.to,
            mode: delivery.mode,
            recipient_copy,
            sent_copy: Some(sent_copy),
            link,
            attachment: send.attachment,
            scanned: service_reads || self.mutated(ModelMutant::ScanEverything),
            reencrypted: false,
            facts,
        }
    }

    /// T2: a recipient's copy lives in the recipient's region; list and external
    /// mail stays in the sender's.
    fn recipient_region(&self, sender_region: Region, to: Recipient) -> Region {
        match to {
            Recipient::User(_) if self.mutated(ModelMutant::CopyInSenderRegion) => sender_region,
            Recipient::User(user) => self.world.region_of_user(user),
            Recipient::List(list) => self.world.account(self.world.list(list).account).region,
            Recipient::External(_) => sender_region,
        }
    }

    /// M7, M11: the protection a copy gets at rest, with the mutants that weaken it.
    fn at_rest(&self, protection: Protection, mode: Mode, region: Region) -> Copy {
        let protection = match protection {
            Protection::Service if self.mutated(ModelMutant::PlaintextAtRest) => Protection::Plaintext,
            Protection::Sealed { .. } if mode == Mode::E2ee && self.mutated(ModelMutant::E2eeWithServiceBox) => {
                Protection::Service
            }
            other => other,
        };
        Copy { protection, region }
    }

    /// M10, M11: the sender's Sent copy is sealed to the sender's own per-user key in
    /// the client-encrypted modes, and under the service's key otherwise.
    fn sent_copy(&self, state: &State, sender: UserId, to: Recipient, mode: Mode, region: Region) -> Copy {
        let sealed_to_self = Protection::Sealed { user: sender, epoch: state.user(sender).epoch };
        let protection = match mode {
            Mode::Standard => Protection::Service,
            _ if self.mutated(ModelMutant::NoSentCopyKey) => match to {
                Recipient::User(user) => Protection::Sealed { user, epoch: state.user(user).epoch },
                _ => Protection::Link,
            },
            _ => sealed_to_self,
        };
        self.at_rest(protection, mode, region)
    }

    /// M11, M12, S1, S3: mail from an external provider is scanned, then stored under
    /// the service-managed at-rest key of the recipient's region.
    pub(super) fn receive_external(&self, state: &mut State, to: UserId, attachment: u32) -> Verdict {
        self.ensure_recipient_active(state, Recipient::User(to))?;
        self.ensure_attachment_fits(attachment)?;

        let region = self.world.region_of_user(to);
        let message = MessageId(state.messages.len() as u8);
        state.messages.push(Message {
            sender: to,
            from: None,
            to: Recipient::User(to),
            mode: Mode::Standard,
            recipient_copy: self.at_rest(Protection::Service, Mode::Standard, region),
            sent_copy: None,
            link: None,
            attachment,
            scanned: true,
            reencrypted: false,
            facts: SendFacts::default(),
        });
        Ok(Outcome::Sent { message, mode: Mode::Standard })
    }

    /// L6: moving the clock deletes the content of every link that expired.
    pub(super) fn advance_clock(&self, state: &mut State, to: Time) -> Verdict {
        ensure(to > state.now, Reason::ClockNotForward)?;

        state.now = to;
        let late = self.mutated(ModelMutant::ExpiryOffByOne);
        let mut expired = 0;
        for link in state.messages.iter_mut().filter_map(|message| message.link.as_mut()) {
            let due = if late { to > link.expires } else { to >= link.expires };
            if link.content && due {
                link.content = false;
                expired += 1;
            }
        }
        Ok(Outcome::ClockAdvanced { expired })
    }
}
