//! A device's mail app: enrollment, rotations, approvals, revocations, sending, reading and
//! processing its delivery queue.

use std::collections::BTreeSet;

use mailspec_model::ids::{DeviceId, MessageId, UserId};
use mailspec_model::op::Seal;
use mailspec_model::Reason;
use rand_core::CryptoRngCore;

use super::directory::ChainCache;
use super::keystore::Keystore;
use super::{check_body, check_content, ClientError};
use crate::canary;
use crate::crypto::{
    create_link, open_envelope, open_puk_seed, seal_message, seal_puk_seed, DeviceKeys, DevicePublicKeys, Envelope,
    ExpectedSender, Generation, MessageDraft, Puk, PukPublicKey, Recipient as BoxRecipient, SealedPukSeed, Secret32,
    Sender,
};
use crate::names;
use crate::service::api::{
    ApiError, CopyUpload, DeviceCopy, EnrollRequest, EscrowAckRequest, LinkUpload, PlannedCopy, QueueItem,
    RotationRequest, SealedCopy, SendPlan, SendRequest, Upload, BackupRequest,
};
use crate::service::sigchain::{ChainLink, ChainView, LinkBody};
use crate::service::MailService;

/// The result of processing one batch of queue items.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Processed {
    /// Generations of seeds newly stored.
    pub imported: Vec<u32>,
    /// Messages whose envelope and body this device opened in the background.
    pub indexed: Vec<MessageId>,
    /// Items that failed in a way a correct service and client never cause.
    pub errors: Vec<String>,
}

/// The app on one device.
pub struct DeviceClient {
    keystore: Keystore,
    keys: DeviceKeys,
    chains: ChainCache,
    dirty: bool,
}

impl DeviceClient {
    /// Creates a new device with fresh keys. It is not enrolled until `enroll` succeeds.
    pub fn create(device: DeviceId, rng: &mut impl CryptoRngCore) -> DeviceClient {
        let keystore = Keystore::generate(device, rng);
        let keys = keystore.device_keys();
        DeviceClient { keystore, keys, chains: ChainCache::default(), dirty: true }
    }

    /// Restarts a device from its keystore bytes. Verified chains are fetched again.
    pub fn restore(device: DeviceId, bytes: &[u8]) -> Result<DeviceClient, ClientError> {
        let keystore = Keystore::load(bytes, device)?;
        let keys = keystore.device_keys();
        Ok(DeviceClient { keystore, keys, chains: ChainCache::default(), dirty: false })
    }

    pub fn id(&self) -> DeviceId {
        self.keystore.device()
    }

    fn user(&self) -> UserId {
        self.id().user
    }

    fn user_name(&self) -> String {
        names::user(self.user())
    }

    fn name(&self) -> String {
        names::device(self.id())
    }

    pub fn public_keys(&self) -> DevicePublicKeys {
        *self.keys.public_keys()
    }

    /// Returns the keystore bytes when they changed since the last call.
    pub fn take_persist(&mut self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(self.keystore.to_bytes())
    }

    pub fn keystore_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        self.keystore.to_bytes()
    }

    /// Returns the generations of the user's key this device holds.
    pub fn generations(&self) -> BTreeSet<u32> {
        self.keystore.generations()
    }

    fn own_chain(&mut self, service: &MailService) -> Result<ChainView, ClientError> {
        let user = self.user();
        Ok(self.chains.refresh(service, user)?.clone())
    }

    fn insert_seed(&mut self, generation: u32, seed: Secret32) -> bool {
        let inserted = self.keystore.insert_seed(generation, seed);
        self.dirty |= inserted;
        inserted
    }

    /// D1, D3: announces the device with a self-signed link, then makes the next generation.
    pub fn enroll(&mut self, service: &mut MailService, rng: &mut impl CryptoRngCore) -> Result<u32, ClientError> {
        let view = self.own_chain(service)?;
        let body = LinkBody::DeviceAdd { device: self.name(), public: self.public_keys() };
        let link = ChainLink::sign(&self.user_name(), view.len(), view.head(), body, &self.name(), &self.keys);
        service.enroll_device(EnrollRequest { device: self.id(), link })?;
        self.rotate(service, rng, true)
    }

    /// D2, D7: makes the next generation and seals it to every live key holder of the user
    /// that the verified chain lists.
    pub fn rotate(&mut self, service: &mut MailService, rng: &mut impl CryptoRngCore, enrollment: bool) -> Result<u32, ClientError> {
        let view = self.own_chain(service)?;
        let generation = Generation::new(view.generation() + 1).expect("the next generation is at least 1");
        let puk = Puk::generate(generation, rng);
        let user = self.user_name();
        let own = self.name();
        let mut boxes = Vec::new();
        for (holder, view_holder) in view.live_holders().filter(|(id, _)| **id != own) {
            let sealed = seal_puk_seed(&puk, &user, holder, &view_holder.public, rng)?;
            boxes.push((holder.clone(), sealed.to_bytes()));
        }
        let body = LinkBody::PukRotate { public: *puk.public_key() };
        let link = ChainLink::sign(&user, view.len(), view.head(), body, &own, &self.keys);
        let published = service.publish_rotation(RotationRequest { device: self.id(), link, boxes, enrollment })?;
        self.insert_seed(published, puk.seed().clone());
        Ok(published)
    }

    /// Stores what a batch of queue items carries: seeds from rotations and approvals, and
    /// an index entry for each new message this device can open.
    /// With `contacts`, the client also refreshes its cached key generations, as its periodic
    /// directory poll does; a sync just before an operation does not.
    pub fn process(&mut self, service: &MailService, items: &[(u64, QueueItem)], contacts: Option<&[UserId]>) -> Processed {
        let mut processed = Processed::default();
        if let Some(contacts) = contacts {
            processed.errors.extend(self.refresh_directory(service, contacts));
        }
        // Seeds first, so that a message delivered before its key still opens.
        for (_, item) in items {
            let sealed_items: Vec<&Vec<u8>> = match item {
                QueueItem::KeyBox { sealed, .. } => vec![sealed],
                QueueItem::History { sealed } => sealed.iter().collect(),
                QueueItem::NewMessage { .. } => continue,
            };
            for sealed in sealed_items {
                match self.import_seed(service, sealed) {
                    Ok(Some(generation)) => processed.imported.push(generation),
                    Ok(None) => {}
                    Err(error) => processed.errors.push(format!("{}: seed import failed: {error}", self.name())),
                }
            }
        }
        for (_, item) in items {
            let QueueItem::NewMessage { message } = item else { continue };
            match self.index_message(service, *message) {
                Ok(true) => processed.indexed.push(*message),
                Ok(false) => {}
                Err(error) => processed.errors.push(format!("{}: indexing {message} failed: {error}", self.name())),
            }
        }
        processed
    }

    /// Opens one seed sealed to this device and checks it against the published key.
    fn import_seed(&mut self, service: &MailService, sealed: &[u8]) -> Result<Option<u32>, ClientError> {
        let sealed = SealedPukSeed::from_bytes(sealed)?;
        let generation = sealed.generation().get();
        if self.keystore.seed(generation).is_some() {
            return Ok(None);
        }
        let view = self.own_chain(service)?;
        let expected = view
            .puk(generation)
            .ok_or_else(|| ClientError::Protocol(format!("generation {generation} is not in the sigchain")))?;
        let puk = open_puk_seed(&sealed, &self.user_name(), &self.name(), &self.keys, expected)?;
        Ok(self.insert_seed(generation, puk.seed().clone()).then_some(generation))
    }

    /// Opens the envelope and body of a new message when this device holds its key.
    /// Returns false for a copy the service serves or one sealed to a key this device lacks.
    fn index_message(&mut self, service: &MailService, message: MessageId) -> Result<bool, ClientError> {
        let copy = match service.fetch_envelope(self.id(), message) {
            Ok(Some(copy)) => copy,
            Ok(None) => return Ok(false),
            // A revocation or a disabled account between the notice and the sync.
            Err(ApiError::Rejected(_)) => return Ok(false),
            Err(error) => return Err(error.into()),
        };
        match self.open_sealed(service, &copy, message) {
            Ok(()) => Ok(true),
            Err(error) if error.rejection() == Some(Reason::NoKey) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// M7, L7: reads a message. Returns `no_key` for a copy sealed to a generation this
    /// device does not hold, and `open_in_browser` for password-expiring content.
    pub fn read(&mut self, service: &mut MailService, message: MessageId) -> Result<(), ClientError> {
        match service.fetch_copy(self.id(), message)? {
            DeviceCopy::Served { pieces } => check_content(message, &pieces),
            DeviceCopy::LinkOnly => Err(Reason::OpenInBrowser.into()),
            DeviceCopy::Sealed(copy) => self.open_sealed(service, &copy, message),
        }
    }

    /// Opens a sealed copy with a seed from the keystore and checks every piece it carries.
    fn open_sealed(&mut self, service: &MailService, copy: &SealedCopy, message: MessageId) -> Result<(), ClientError> {
        let envelope = Envelope::from_bytes(&copy.envelope)?;
        let user = self.user_name();
        let generation = envelope.box_generation(&user).ok_or(Reason::NoKey)?;
        let seed = self.keystore.seed(generation.get()).ok_or(Reason::NoKey)?.clone();
        let puk = Puk::from_seed(generation, seed);
        let expected = self.chains.expected_sender(service, copy.sender)?;
        let opened = open_envelope(&envelope, &user, &puk, &expected.as_expected())?;
        let mut pieces = Vec::with_capacity(copy.pieces.len());
        for (index, piece) in copy.pieces.iter().enumerate() {
            pieces.push(opened.open_piece(index, piece)?);
        }
        match pieces.as_slice() {
            [body] => check_body(message, body),
            _ => check_content(message, &pieces),
        }
    }

    /// Refreshes the cached generation of every user this device sent to and of every
    /// contact (the users of its account, as an address book prefetches them), and returns
    /// the errors.
    pub fn refresh_directory(&mut self, service: &MailService, contacts: &[UserId]) -> Vec<String> {
        let mut errors = Vec::new();
        let mut users = self.keystore.cached_users();
        users.extend(contacts.iter().copied().filter(|user| *user != self.user()));
        users.sort();
        users.dedup();
        for user in users {
            if let Err(error) = self.refresh_recipient(service, user) {
                errors.push(format!("{}: directory refresh of user{} failed: {error}", self.name(), user.0));
            }
        }
        errors
    }

    /// Sets the cached generation of `user` to the current one in its verified chain.
    pub fn refresh_recipient(&mut self, service: &MailService, user: UserId) -> Result<(), ClientError> {
        let generation = self.chains.refresh(service, user)?.generation();
        self.keystore.set_recipient_generation(user, generation);
        self.dirty = true;
        Ok(())
    }

    /// Returns the public key this client seals to for `user`: the cached generation, or
    /// the current one on a cache miss.
    fn recipient_key(&mut self, service: &MailService, user: UserId) -> Result<PukPublicKey, ClientError> {
        let cached = if user == self.user() { None } else { self.keystore.recipient_generation(user) };
        let view = self.chains.refresh(service, user)?.clone();
        let generation = match cached {
            Some(generation) => generation,
            None => {
                self.keystore.set_recipient_generation(user, view.generation());
                self.dirty = true;
                view.generation()
            }
        };
        view.puk(generation).copied().ok_or_else(|| ClientError::Protocol(format!("user{} has no key {generation}", user.0)))
    }

    /// Builds the upload for a send plan: seals each copy as the plan requires. With
    /// `Seal::Previous` the recipient box uses the generation before the current one, as a
    /// client that raced a rotation would. A recipient with one generation then looks to
    /// this client like a user without keys.
    pub fn build_upload(
        &mut self,
        service: &MailService,
        request: &SendRequest,
        plan: &SendPlan,
        seal: Seal,
        service_box_on_e2ee: bool,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Upload, ClientError> {
        let pieces = canary::pieces(plan.message, request.attachment);
        let own_view = self.own_chain(service)?;
        let own_key = *own_view.current_puk().ok_or_else(|| ClientError::Protocol("the sender has no key".into()))?;
        let user = self.user_name();
        let service_key = service.service_box_key();
        let sender_box = BoxRecipient { id: &user, key: &own_key, reveal_bcc: true };
        let service_box = BoxRecipient { id: names::SERVICE_ID, key: &service_key, reveal_bcc: true };

        let (recipient_copy, sent_copy, link) = match (plan.recipient_copy, plan.sent_copy) {
            (PlannedCopy::SealTo(to), PlannedCopy::SealTo(_)) => {
                let to_name = names::user(to);
                let key = match seal {
                    Seal::Current => Some(self.recipient_key(service, to)?),
                    Seal::Previous => {
                        let previous = self.chains.refresh(service, to)?.generation().saturating_sub(1);
                        self.chains.cached(to).and_then(|view| view.puk(previous)).copied()
                    }
                };
                let self_send = to == self.user();
                let mut boxes = Vec::new();
                let mut service_part = service_box_on_e2ee.then_some(service_box);
                match &key {
                    Some(key) => boxes.push(BoxRecipient { id: &to_name, key, reveal_bcc: self_send }),
                    // A stale view in which the recipient has no key yet: the client seals
                    // for the service, as for mail that waits for keys.
                    None => service_part = Some(service_box),
                }
                // A message to oneself has one box, which serves as both copies.
                if !self_send {
                    boxes.push(sender_box);
                }
                let sealed = self.seal(&pieces, &boxes, service_part, rng)?;
                (sealed, CopyUpload::SameAsRecipient, None)
            }
            (PlannedCopy::ServiceBox, PlannedCopy::SealTo(_)) => {
                let waiting = self.seal(&pieces, &[], Some(service_box), rng)?;
                let sent = self.seal(&pieces, &[sender_box], None, rng)?;
                (waiting, sent, None)
            }
            (PlannedCopy::Link, PlannedCopy::SealTo(_)) => {
                let expires_at = plan.link_expires_at.ok_or_else(|| ClientError::Protocol("the plan has no link expiry".into()))?;
                let (envelope, piece_ciphertexts) = self.seal_parts(&pieces, &[sender_box], None, rng)?;
                let shared_key = self.shared_key_of_own_box(&envelope, &own_key)?;
                let (record, secret) = create_link(shared_key.expose_secret(), expires_at, rng)?;
                let url = secret.url(&record.link_id);
                let copy = CopyUpload::Sealed { envelope: envelope.to_bytes(), pieces: piece_ciphertexts };
                (copy, CopyUpload::SameAsRecipient, Some(LinkUpload { record: record.to_bytes(), url }))
            }
            (PlannedCopy::AtRest, PlannedCopy::AtRest) => (CopyUpload::Plain { pieces }, CopyUpload::SameAsRecipient, None),
            (PlannedCopy::AtRest, PlannedCopy::SealTo(_)) => {
                let sent = self.seal(&pieces, &[sender_box], None, rng)?;
                (CopyUpload::Plain { pieces }, sent, None)
            }
            (recipient, sent) => {
                return Err(ClientError::Protocol(format!("no client builds a copy as {recipient:?} with a Sent copy as {sent:?}")))
            }
        };
        Ok(Upload { request: request.clone(), plan: plan.clone(), recipient_copy, sent_copy, link })
    }

    fn seal_parts(
        &self,
        pieces: &[Vec<u8>],
        recipients: &[BoxRecipient<'_>],
        service: Option<BoxRecipient<'_>>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Envelope, Vec<Vec<u8>>), ClientError> {
        let user = self.user_name();
        let device = self.name();
        let piece_refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        let draft = MessageDraft { pieces: &piece_refs, bcc: &[], recipients, service };
        let sender = Sender::Device { user_id: &user, device_id: &device, keys: &self.keys };
        let sealed = seal_message(&sender, &draft, rng)?;
        Ok((sealed.envelope, sealed.pieces))
    }

    fn seal(
        &self,
        pieces: &[Vec<u8>],
        recipients: &[BoxRecipient<'_>],
        service: Option<BoxRecipient<'_>>,
        rng: &mut impl CryptoRngCore,
    ) -> Result<CopyUpload, ClientError> {
        let (envelope, pieces) = self.seal_parts(pieces, recipients, service, rng)?;
        Ok(CopyUpload::Sealed { envelope: envelope.to_bytes(), pieces })
    }

    /// Opens the sender's own box of a message it just sealed, to put the shared key under
    /// a link secret.
    fn shared_key_of_own_box(&self, envelope: &Envelope, own_key: &PukPublicKey) -> Result<Secret32, ClientError> {
        let generation = own_key.generation();
        let seed = self.keystore.seed(generation.get()).ok_or(Reason::NoKey)?.clone();
        let puk = Puk::from_seed(generation, seed);
        let device = self.name();
        let user = self.user_name();
        let expected = ExpectedSender::Device { user_id: &user, device_id: &device, keys: self.keys.public_keys() };
        let opened = open_envelope(envelope, &user, &puk, &expected)?;
        Ok(opened.shared_key().clone())
    }

    /// D5: signs the approval of `target` and seals every seed this device holds to it.
    pub fn share_history(
        &mut self,
        service: &MailService,
        target: DeviceId,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>), ClientError> {
        let view = self.own_chain(service)?;
        let target_name = names::device(target);
        let target_keys = view
            .holder(&target_name)
            .map(|holder| holder.public)
            .ok_or_else(|| ClientError::Protocol(format!("{target_name} is not in the sigchain")))?;
        let user = self.user_name();
        let mut boxes = Vec::new();
        for (generation, seed) in self.keystore.seeds() {
            let puk = Puk::from_seed(Generation::new(generation).expect("stored generations are at least 1"), seed.clone());
            boxes.push(seal_puk_seed(&puk, &user, &target_name, &target_keys, rng)?.to_bytes());
        }
        let link = ChainLink::sign(&user, view.len(), view.head(), LinkBody::Approve { target: target_name }, &self.name(), &self.keys);
        Ok((link, boxes))
    }

    /// D8: imports the seeds of the backup key, whose text the user typed into this device,
    /// and signs this device's approval with the backup key's device keys.
    pub fn import_from_backup(
        &mut self,
        service: &MailService,
        holder: &str,
        boxes: &[Vec<u8>],
        backup_keys: &DeviceKeys,
    ) -> Result<Vec<u8>, ClientError> {
        let view = self.own_chain(service)?;
        let user = self.user_name();
        for sealed in boxes {
            let sealed = SealedPukSeed::from_bytes(sealed)?;
            let expected = view
                .puk(sealed.generation().get())
                .ok_or_else(|| ClientError::Protocol("a backup seed is not in the sigchain".into()))?;
            let puk = open_puk_seed(&sealed, &user, holder, backup_keys, expected)?;
            self.insert_seed(puk.generation().get(), puk.seed().clone());
        }
        let body = LinkBody::Approve { target: self.name() };
        Ok(ChainLink::sign(&user, view.len(), view.head(), body, holder, backup_keys))
    }

    /// D8: registers a backup key and seals every seed this device holds to it.
    pub fn create_backup(
        &mut self,
        service: &mut MailService,
        holder: &str,
        backup_keys: &DevicePublicKeys,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ClientError> {
        let view = self.own_chain(service)?;
        let user = self.user_name();
        let boxes = self.seal_seeds_to(holder, backup_keys, rng)?;
        let body = LinkBody::BackupAdd { holder: holder.to_owned(), public: *backup_keys };
        let link = ChainLink::sign(&user, view.len(), view.head(), body, &self.name(), &self.keys);
        service.create_backup(BackupRequest { device: self.id(), holder: holder.to_owned(), link, boxes })?;
        Ok(())
    }

    fn seal_seeds_to(&self, holder: &str, keys: &DevicePublicKeys, rng: &mut impl CryptoRngCore) -> Result<Vec<(u32, Vec<u8>)>, ClientError> {
        let user = self.user_name();
        let mut boxes = Vec::new();
        for (generation, seed) in self.keystore.seeds() {
            let puk = Puk::from_seed(Generation::new(generation).expect("stored generations are at least 1"), seed.clone());
            boxes.push((generation, seal_puk_seed(&puk, &user, holder, keys, rng)?.to_bytes()));
        }
        Ok(boxes)
    }

    /// Signs the revocation of the live backup key, if this device's chain shows one.
    pub fn sign_backup_revocation(&mut self, service: &MailService) -> Result<Option<Vec<u8>>, ClientError> {
        let view = self.own_chain(service)?;
        let live = view.live_holders().find(|(_, holder)| holder.kind == crate::service::sigchain::HolderKind::Backup);
        let Some((holder, _)) = live else { return Ok(None) };
        let body = LinkBody::BackupRevoke { holder: holder.clone() };
        Ok(Some(ChainLink::sign(&self.user_name(), view.len(), view.head(), body, &self.name(), &self.keys)))
    }

    /// Signs the revocation of `target`, a device of this device's user or of another.
    pub fn sign_revocation(&mut self, service: &MailService, target: DeviceId) -> Result<Vec<u8>, ClientError> {
        let view = self.chains.refresh(service, target.user)?.clone();
        let body = LinkBody::DeviceRevoke { device: names::device(target) };
        Ok(ChainLink::sign(&names::user(target.user), view.len(), view.head(), body, &self.name(), &self.keys))
    }

    /// E2: adds the escrow device the escrow admins hold. `with_history` also seals every
    /// seed this device holds to it, which only the `escrow_gets_history` fault does.
    pub fn acknowledge_escrow(
        &mut self,
        service: &mut MailService,
        holder: &str,
        escrow_keys: &DevicePublicKeys,
        with_history: bool,
        rng: &mut impl CryptoRngCore,
    ) -> Result<(), ClientError> {
        let view = self.own_chain(service)?;
        let boxes = if with_history { self.seal_seeds_to(holder, escrow_keys, rng)? } else { Vec::new() };
        let body = LinkBody::EscrowAdd { holder: holder.to_owned(), public: *escrow_keys };
        let link = ChainLink::sign(&self.user_name(), view.len(), view.head(), body, &self.name(), &self.keys);
        service.acknowledge_escrow(EscrowAckRequest { device: self.id(), holder: holder.to_owned(), link, boxes })?;
        Ok(())
    }
}
