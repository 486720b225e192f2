//! Sending and receiving: the send plan, uploads, inbound mail, re-encryption of waiting
//! mail and the clock (M, L, S).

use mailspec_model::ids::{AccountId, DeviceId, MessageId, UserId};
use mailspec_model::op::{Client, Mode, ModeRequest, Policy, Recipient, ATTACHMENT_LIMIT};
use mailspec_model::world::Region;
use mailspec_model::Reason;

use super::api::{ApiError, CopyUpload, Delivered, LinkUpload, Outbound, PlannedCopy, QueueItem, SendPlan, SendRequest, Upload};
use super::storage::{cake_plaintext_len, decode_sealed_copy, encode_pieces, encode_sealed_copy};
use super::{ensure, CopyForm, CopyRow, LinkRow, MailService, MessageRow, CLOCK_ORIGIN_UNIX};
use crate::crypto::{
    open_service_box, seal_message, BoxRole, Envelope, EnvelopeSender, ExpectedSender, LinkRecord, MessageDraft,
    Recipient as BoxRecipient, Sender,
};
use crate::fault::Fault;
use crate::names;

impl MailService {
    /// M1-M7, L5, S3: runs every check of a send in the specification's order and returns
    /// the message id, the delivered mode and how each copy must be protected. The
    /// stale-generation check (step 9) needs the sealed message, so `upload_message` makes it.
    pub fn plan_send(&self, request: &SendRequest) -> Result<SendPlan, Reason> {
        // 1-3. The sender: an active device or webmail, of an active user with a policy.
        let sender = match request.from {
            Client::App(device) => {
                self.ensure_active(device)?;
                device.user
            }
            Client::Webmail(user) => user,
        };
        self.ensure_user_active(sender)?;
        let policy = self.sender_policy(sender).ok_or(Reason::DomainNotConfigured)?;

        // 4-7. Size and client limits, then the policy and the list rule.
        self.ensure_attachment_fits(request.attachment)?;
        let webmail = matches!(request.from, Client::Webmail(_));
        let webmail_ok = request.mode == ModeRequest::Standard || self.faulty(Fault::WebmailSendsEncrypted);
        ensure(!webmail || webmail_ok, Reason::WebmailStandardOnly)?;
        let standard_ok = policy != Policy::SecureOnly;
        ensure(request.mode != ModeRequest::Standard || standard_ok, Reason::PolicyRequiresSecure)?;
        let to_list = matches!(request.to, Recipient::List(_));
        let list_ok = self.faulty(Fault::E2eeToList);
        ensure(!(to_list && request.mode == ModeRequest::E2ee) || list_ok, Reason::ListNotE2ee)?;

        // 8-10. The recipient, the delivered mode and the link lifetime.
        self.ensure_recipient_active(request.to)?;
        let (mode, mut recipient_copy) = self.deliver(sender, request)?;
        let link_expires_at = match mode {
            Mode::PasswordExpiring => {
                let expiry = request.expiry.ok_or(Reason::ExpiryInvalid)?;
                let seconds = expiry.valid_seconds().ok_or(Reason::ExpiryInvalid)?;
                Some(CLOCK_ORIGIN_UNIX + u64::from(self.now) + u64::from(seconds))
            }
            _ => None,
        };
        let mut sent_copy = if mode == Mode::Standard { PlannedCopy::AtRest } else { PlannedCopy::SealTo(sender) };
        if webmail {
            // Webmail holds no device key, so whatever it sends the service stores at rest.
            recipient_copy = PlannedCopy::AtRest;
            sent_copy = PlannedCopy::AtRest;
        }
        Ok(SendPlan {
            message: MessageId(self.messages.len() as u8),
            mode,
            sender,
            recipient_copy,
            sent_copy,
            link_expires_at: if webmail { None } else { link_expires_at },
        })
    }

    /// S3: at most 25 MiB per attachment.
    fn ensure_attachment_fits(&self, attachment: u32) -> Result<(), Reason> {
        let limit = if self.faulty(Fault::AttachmentLimitOffByOne) { ATTACHMENT_LIMIT + 1 } else { ATTACHMENT_LIMIT };
        ensure(attachment <= limit, Reason::AttachmentTooLarge)
    }

    /// T3: mail to a user of the service reaches active mail users only.
    fn ensure_recipient_active(&self, to: Recipient) -> Result<(), Reason> {
        let Recipient::User(user) = to else { return Ok(()) };
        if self.faulty(Fault::DisabledRecipientReceives) {
            return Ok(());
        }
        let account = self.world.user(user).account;
        ensure(self.accounts[account.index()].mail_enabled, Reason::RecipientNotEnabled)?;
        ensure(self.users[user.index()].enabled, Reason::RecipientNotEnabled)
    }

    /// M2-M5: resolves the requested mode into the delivered mode and the recipient copy.
    fn deliver(&self, sender: UserId, request: &SendRequest) -> Result<(Mode, PlannedCopy), Reason> {
        let fallback = (Mode::PasswordExpiring, PlannedCopy::Link);
        match request.mode {
            ModeRequest::Standard => Ok((Mode::Standard, PlannedCopy::AtRest)),
            ModeRequest::PasswordExpiring => Ok(fallback),
            ModeRequest::E2ee => match request.to {
                Recipient::User(user) if self.e2ee_reaches(sender, user) => {
                    if self.generation(user) == 0 {
                        return Ok((Mode::AwaitingKeys, PlannedCopy::ServiceBox));
                    }
                    ensure(self.has_active_device(user), Reason::RecipientHasNoDevice)?;
                    Ok((Mode::E2ee, PlannedCopy::SealTo(user)))
                }
                Recipient::List(_) => Ok((Mode::E2ee, PlannedCopy::AtRest)),
                _ => Ok(fallback),
            },
        }
    }

    /// M2: E2EE reaches the same account, or another whose domains both switched it on.
    fn e2ee_reaches(&self, sender: UserId, recipient: UserId) -> bool {
        if self.world.user(sender).account == self.world.user(recipient).account {
            return true;
        }
        let sender_on = self.cross_domain_on(sender);
        sender_on && (self.cross_domain_on(recipient) || self.faulty(Fault::OneSidedCrossDomain))
    }

    /// Checks an upload against its plan and stores the copies. Rejects a copy sealed to a
    /// generation that is no longer current with `stale_generation` (step 9).
    pub fn upload_message(&mut self, upload: Upload) -> Result<Delivered, ApiError> {
        let plan = self.plan_send(&upload.request)?;
        if plan != upload.plan {
            return Err(ApiError::Invalid("the upload does not match the current send plan".into()));
        }
        let sender_device = match upload.request.from {
            Client::App(device) => Some(device),
            Client::Webmail(_) => None,
        };
        self.check_copy(&plan, plan.recipient_copy, &upload.recipient_copy, None, sender_device)?;
        self.check_copy(&plan, plan.sent_copy, &upload.sent_copy, Some(&upload.recipient_copy), sender_device)?;
        self.check_link(&plan, upload.link.as_ref())?;
        self.check_attachment(&upload)?;

        let to = upload.request.to;
        let n = plan.message;
        let (recipient_account, recipient_region) = self.recipient_home(plan.sender, to);
        let sender_account = self.world.user(plan.sender).account;
        let sender_region = self.user_region(plan.sender);
        let recipient_object = mail_object(recipient_region, n, "recipient");
        let sent_object = mail_object(sender_region, n, "sent");

        let recipient_form = self.store_copy(&recipient_object, recipient_account, &upload.recipient_copy, plan.recipient_copy)?;
        let recipient_copy = CopyRow {
            object: recipient_object,
            form: recipient_form,
            account: recipient_account,
            region: recipient_region,
            present: true,
        };
        let sent_source = match &upload.sent_copy {
            CopyUpload::SameAsRecipient => &upload.recipient_copy,
            other => other,
        };
        let sent_form = self.store_copy(&sent_object, sender_account, sent_source, plan.sent_copy)?;
        let sent_copy = CopyRow { object: sent_object, form: sent_form, account: sender_account, region: sender_region, present: true };

        let mut outbound = Vec::new();
        let link = match upload.link {
            Some(link) => Some(self.store_link(n, to, recipient_region, link, &mut outbound)?),
            None => None,
        };
        let scanned = matches!(recipient_form, CopyForm::AtRest | CopyForm::Plain | CopyForm::ServiceBox);
        self.messages.push(MessageRow {
            sender: plan.sender,
            from: Some(upload.request.from),
            to,
            mode: plan.mode,
            attachment: upload.request.attachment,
            recipient_copy,
            sent_copy: Some(sent_copy),
            link,
            reencrypted: false,
            scanned,
        });
        self.notify_addressees(n, plan.sender, to, sender_device);
        Ok(Delivered { message: n, mode: plan.mode, outbound })
    }

    /// Returns the account and region that own the recipient copy (see `I-T2-copy-region`).
    fn recipient_home(&self, sender: UserId, to: Recipient) -> (AccountId, Region) {
        match to {
            Recipient::User(user) => (self.world.user(user).account, self.user_region(user)),
            Recipient::List(list) => {
                let account = self.world.list(list).account;
                (account, self.account_region(account))
            }
            Recipient::External(_) => (self.world.user(sender).account, self.user_region(sender)),
        }
    }

    fn check_copy(
        &self,
        plan: &SendPlan,
        planned: PlannedCopy,
        copy: &CopyUpload,
        recipient_copy: Option<&CopyUpload>,
        sender_device: Option<DeviceId>,
    ) -> Result<(), ApiError> {
        let copy = match (copy, recipient_copy) {
            (CopyUpload::SameAsRecipient, Some(recipient)) => recipient,
            (CopyUpload::SameAsRecipient, None) => return Err(ApiError::Invalid("the recipient copy has no bytes".into())),
            (copy, _) => copy,
        };
        let envelope = match copy {
            CopyUpload::Sealed { envelope, .. } => Some(Envelope::from_bytes(envelope)?),
            CopyUpload::Plain { .. } => None,
            CopyUpload::SameAsRecipient => return Err(ApiError::Invalid("a copy refers to itself".into())),
        };
        match (planned, envelope) {
            (PlannedCopy::AtRest, None) => Ok(()),
            (PlannedCopy::SealTo(user), Some(envelope)) => {
                self.check_envelope_sender(&envelope, sender_device)?;
                let current = self.generation(user);
                let sealed = envelope.find_box(BoxRole::Recipient, &names::user(user)).map(|found| found.generation.get());
                if sealed != Some(current) && !self.faulty(Fault::AcceptStaleGeneration) {
                    return Err(ApiError::Rejected(Reason::StaleGeneration));
                }
                Ok(())
            }
            (PlannedCopy::ServiceBox, Some(envelope)) if envelope.not_e2ee() => self.check_envelope_sender(&envelope, sender_device),
            (PlannedCopy::Link, Some(envelope)) if plan.link_expires_at.is_some() => {
                self.check_envelope_sender(&envelope, sender_device)
            }
            (planned, _) => Err(ApiError::Invalid(format!("the copy does not have the planned protection {planned:?}"))),
        }
    }

    /// Checks that an envelope names the sending device and its published signing key.
    fn check_envelope_sender(&self, envelope: &Envelope, device: Option<DeviceId>) -> Result<(), ApiError> {
        let device = device.ok_or_else(|| ApiError::Invalid("webmail cannot seal messages".into()))?;
        let published = self.users[device.user.index()].chain.holder(&names::device(device)).map(|holder| holder.public);
        let expected = EnvelopeSender::Device {
            user_id: names::user(device.user),
            device_id: names::device(device),
            signing_key: published.map(|keys| keys.signing_key_bytes()).unwrap_or_default(),
        };
        if envelope.sender != expected {
            return Err(ApiError::Invalid("the envelope does not name the sending device and its key".into()));
        }
        Ok(())
    }

    fn check_link(&self, plan: &SendPlan, link: Option<&LinkUpload>) -> Result<(), ApiError> {
        match (plan.recipient_copy, link) {
            (PlannedCopy::Link, Some(link)) => {
                let record = LinkRecord::from_bytes(&link.record)?;
                if Some(record.expires_at) != plan.link_expires_at {
                    return Err(ApiError::Invalid("the link record does not carry the planned expiry".into()));
                }
                Ok(())
            }
            (PlannedCopy::Link, None) => Err(ApiError::Invalid("password-expiring mail needs a link record".into())),
            (_, None) => Ok(()),
            (_, Some(_)) => Err(ApiError::Invalid("only password-expiring mail carries a link".into())),
        }
    }

    /// S3: checks the attachment the client declared against the piece it uploaded.
    fn check_attachment(&self, upload: &Upload) -> Result<(), ApiError> {
        let attachment_len = match &upload.recipient_copy {
            CopyUpload::Plain { pieces } => pieces.get(1).map(|piece| Some(piece.len())),
            CopyUpload::Sealed { pieces, .. } => pieces.get(1).map(|piece| cake_plaintext_len(piece.len())),
            CopyUpload::SameAsRecipient => None,
        };
        let declared = upload.request.attachment as usize;
        match attachment_len {
            Some(Some(len)) if len == declared => Ok(()),
            None if declared == 0 => Ok(()),
            _ => Err(ApiError::Invalid(format!("the uploaded attachment is not the declared {declared} bytes"))),
        }
    }

    fn store_copy(&mut self, object: &str, account: AccountId, copy: &CopyUpload, planned: PlannedCopy) -> Result<CopyForm, ApiError> {
        match copy {
            CopyUpload::Sealed { envelope, pieces } => {
                let (kind, form) = match planned {
                    PlannedCopy::ServiceBox => ("message_service_box", CopyForm::ServiceBox),
                    PlannedCopy::Link => ("message_link_copy", CopyForm::Link),
                    _ => ("message_envelope", CopyForm::Sealed),
                };
                self.store.put(object.to_owned(), kind, encode_sealed_copy(envelope, pieces));
                Ok(form)
            }
            CopyUpload::Plain { pieces } => self.put_at_rest(account, object, "message_at_rest", &encode_pieces(pieces)),
            CopyUpload::SameAsRecipient => Err(ApiError::Invalid("a copy refers to itself".into())),
        }
    }

    /// L2, L3: stores the link record, hands the URL to the mail transport and keeps no copy
    /// of it.
    fn store_link(
        &mut self,
        message: MessageId,
        to: Recipient,
        region: Region,
        link: LinkUpload,
        outbound: &mut Vec<Outbound>,
    ) -> Result<LinkRow, ApiError> {
        let record = LinkRecord::from_bytes(&link.record)?;
        let link_id = record.link_id.to_hex();
        let object = format!("{}/links/{link_id}", names::region(region));
        self.store.put(object.clone(), "link_record", link.record);
        let expires = u32::try_from(record.expires_at - CLOCK_ORIGIN_UNIX).unwrap_or(u32::MAX);
        let kept_url = self.faulty(Fault::KeepLinkSecret).then(|| link.url.to_string());
        outbound.push(Outbound::LinkNotice { message, to, url: link.url });
        Ok(LinkRow { link_id, object, expires, content: true, kept_url })
    }

    /// Puts a new-message notice in the queue of every active device that may read the
    /// message, except the sending device.
    fn notify_addressees(&mut self, message: MessageId, sender: UserId, to: Recipient, sending: Option<DeviceId>) {
        let mut users = vec![sender];
        match to {
            Recipient::User(user) => users.push(user),
            Recipient::List(list) => users.extend(self.world.list(list).members.iter().copied()),
            Recipient::External(_) => {}
        }
        users.sort();
        users.dedup();
        for user in users {
            for device in self.active_devices(user) {
                if Some(device) != sending {
                    self.enqueue(device, QueueItem::NewMessage { message });
                }
            }
        }
    }

    /// M11, M12, S3: checks inbound mail from an external provider before its data is sent,
    /// as an SMTP server does with the declared size, and returns the id it will get.
    pub fn inbound_check(&self, to: UserId, attachment: u32) -> Result<MessageId, Reason> {
        self.ensure_recipient_active(Recipient::User(to))?;
        self.ensure_attachment_fits(attachment)?;
        Ok(MessageId(self.messages.len() as u8))
    }

    /// M12: stores inbound mail under the at-rest key of the recipient's account at once.
    pub fn inbound_deliver(&mut self, to: UserId, pieces: Vec<Vec<u8>>) -> Result<MessageId, ApiError> {
        let attachment = pieces.get(1).map_or(0, |piece| piece.len() as u32);
        let message = self.inbound_check(to, attachment)?;
        let account = self.world.user(to).account;
        let region = self.user_region(to);
        let object = mail_object(region, message, "recipient");
        let form = self.put_at_rest(account, &object, "message_at_rest", &encode_pieces(&pieces))?;
        self.messages.push(MessageRow {
            sender: to,
            from: None,
            to: Recipient::User(to),
            mode: Mode::Standard,
            attachment,
            recipient_copy: CopyRow { object, form, account, region, present: true },
            sent_copy: None,
            link: None,
            reencrypted: false,
            scanned: true,
        });
        self.notify_addressees(message, to, Recipient::User(to), None);
        Ok(message)
    }

    /// M3, D3: seals every message that waited for the user's first key to that key. The
    /// service opens its own box and seals the pieces again as the service sender.
    pub(super) fn reencrypt_waiting_mail(&mut self, user: UserId) -> Result<(), ApiError> {
        let Some(first) = self.users[user.index()].chain.puk(1).copied() else { return Ok(()) };
        let user_name = names::user(user);
        for index in 0..self.messages.len() {
            let row = &self.messages[index];
            let waiting = row.mode == Mode::AwaitingKeys
                && row.to == Recipient::User(user)
                && !row.reencrypted
                && row.recipient_copy.form == CopyForm::ServiceBox;
            if !waiting {
                continue;
            }
            let object = row.recipient_copy.object.clone();
            let pieces = self.open_with_service_box(index, &object)?;
            let piece_refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
            let recipients = [BoxRecipient { id: &user_name, key: &first, reveal_bcc: false }];
            let draft = MessageDraft { pieces: &piece_refs, bcc: &[], recipients: &recipients, service: None };
            let sealed = seal_message(&Sender::Service { service_id: names::SERVICE_ID }, &draft, &mut self.rng)?;
            self.store.put(object, "message_envelope", encode_sealed_copy(&sealed.envelope.to_bytes(), &sealed.pieces));
            let row = &mut self.messages[index];
            row.recipient_copy.form = CopyForm::Sealed;
            row.reencrypted = true;
        }
        Ok(())
    }

    /// Opens a stored copy through the service box and returns its pieces in the clear.
    pub(super) fn open_with_service_box(&self, message: usize, object: &str) -> Result<Vec<Vec<u8>>, ApiError> {
        let bytes = self.store.get(object).ok_or_else(|| ApiError::Invalid(format!("object {object} is missing")))?;
        let (envelope_bytes, pieces) = decode_sealed_copy(bytes)?;
        let envelope = Envelope::from_bytes(&envelope_bytes)?;
        let sender = self.expected_sender(self.messages[message].from);
        let expected = match &sender {
            Some((user, device, keys)) => ExpectedSender::Device { user_id: user, device_id: device, keys },
            None => ExpectedSender::Service { service_id: names::SERVICE_ID },
        };
        let opened = open_service_box(&envelope, names::SERVICE_ID, &self.keys.service_box, &expected)?;
        let mut plaintexts = Vec::with_capacity(pieces.len());
        for (index, piece) in pieces.iter().enumerate() {
            plaintexts.push(opened.open_piece(index, piece)?);
        }
        Ok(plaintexts)
    }

    /// Returns the user id, device id and published keys of an app sender.
    fn expected_sender(&self, from: Option<Client>) -> Option<(String, String, crate::crypto::DevicePublicKeys)> {
        let Some(Client::App(device)) = from else { return None };
        let name = names::device(device);
        let keys = self.users[device.user.index()].chain.holder(&name)?.public;
        Some((names::user(device.user), name, keys))
    }

    /// L6: moves the clock forward and deletes the content of every link that expired.
    pub fn advance_clock(&mut self, to: u32) -> Result<u8, Reason> {
        ensure(to > self.now, Reason::ClockNotForward)?;

        self.now = to;
        let late = self.faulty(Fault::ExpiryOffByOne);
        let mut expired = 0u8;
        for index in 0..self.messages.len() {
            let row = &mut self.messages[index];
            let Some(link) = row.link.as_mut() else { continue };
            let due = if late { to > link.expires } else { to >= link.expires };
            if !link.content || !due {
                continue;
            }
            link.content = false;
            let link_object = link.object.clone();
            row.recipient_copy.present = false;
            let copy_object = row.recipient_copy.object.clone();
            self.store.remove(&link_object);
            self.store.remove(&copy_object);
            expired = expired.saturating_add(1);
        }
        Ok(expired)
    }
}

fn mail_object(region: Region, message: MessageId, copy: &str) -> String {
    format!("{}/mail/m{:03}/{copy}", names::region(region), message.0)
}
