//! [`Reference`]: the reference implementation, driven one model operation at a time.
//!
//! `apply` runs an operation through the clients and the service and returns the
//! observation, which must equal the one the model's rules return. Every guard runs on the
//! service in the specification's order; every key, box and link is real cryptography on
//! the clients. Internal errors (a protocol or cryptographic failure that a correct
//! implementation never produces, or content that is not the message's canary) are recorded
//! and returned by [`Reference::take_internal_errors`].

use std::collections::{BTreeMap, BTreeSet};

use mailspec_model::ids::{AccountId, AdminId, DeviceId, EventId, MessageId, UserId};
use mailspec_model::op::{Approver, Client, Operation, Reader, Recipient, Revoker, Send};
use mailspec_model::{Observation, Outcome, Reason, World};
use mailspec_model::ids::Epoch;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::canary;
use crate::client::backup::BackupPaper;
use crate::client::browser;
use crate::client::device::DeviceClient;
use crate::client::escrow::EscrowVault;
use crate::client::webmail::Webmail;
use crate::client::{check_content, ClientError};
use crate::fault::Fault;
use crate::service::api::{ApiError, ApprovalGrant, ApprovalRequest, Outbound, RevokeOutcome, RevokeRequest, SendRequest};
use crate::service::storage::StoredObject;
use crate::service::MailService;

/// The failure of an operation that produced no outcome.
enum Failure {
    Rejected(Reason),
    Internal(String),
}

impl From<Reason> for Failure {
    fn from(reason: Reason) -> Self {
        Failure::Rejected(reason)
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Rejected(reason) => Failure::Rejected(reason),
            other => Failure::Internal(other.to_string()),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Api(api) => api.into(),
            other => Failure::Internal(other.to_string()),
        }
    }
}

type Step = Result<Outcome, Failure>;

/// The observation `apply` returns for an operation that failed with an internal error.
/// The error itself is recorded; this value only keeps the return type an `Observation`.
pub const INTERNAL_ERROR_OBSERVATION: Observation = Observation::Rejected(Reason::NoKey);

/// A device's state on the simulated machine: running, or crashed with only its disk left.
enum DeviceSlot {
    Running(Box<DeviceClient>),
    Crashed,
}

/// Delivery settings for the items queued for devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Every running active device syncs after every operation.
    pub sync_after_each_operation: bool,
    /// The network shuffles the items of each sync batch.
    pub reorder: bool,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery { sync_after_each_operation: true, reorder: false }
    }
}

/// Counts of the events that the faults of a simulation cause.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReferenceStats {
    /// Uploads the service rejected as stale, after which the client sealed again.
    pub stale_retries: u32,
    pub syncs: u32,
    /// Queue items delivered again because a device crashed before acknowledging them.
    pub redelivered_items: u32,
    pub restarts: u32,
    pub messages_indexed: u32,
}

/// The result of one sync of one device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub items: usize,
    pub imported: Vec<u32>,
    pub crashed: bool,
}

/// The reference implementation of one world.
pub struct Reference {
    world: World,
    fault: Option<Fault>,
    service: MailService,
    devices: BTreeMap<DeviceId, DeviceSlot>,
    /// Each enrolled device's persisted keystore: its disk, which survives a crash.
    disk: BTreeMap<DeviceId, Zeroizing<Vec<u8>>>,
    papers: BTreeMap<UserId, BackupPaper>,
    vaults: BTreeMap<AccountId, EscrowVault>,
    /// Link URLs as recipients received them, by message.
    links: BTreeMap<MessageId, Zeroizing<String>>,
    invitations: Vec<(EventId, Recipient)>,
    rng: ChaCha20Rng,
    network_rng: ChaCha20Rng,
    delivery: Delivery,
    crash_in_next_sync: BTreeSet<DeviceId>,
    /// Queue items each device received but did not acknowledge, to count redeliveries.
    unacknowledged: BTreeMap<DeviceId, BTreeSet<u64>>,
    internal_errors: Vec<String>,
    stats: ReferenceStats,
}

/// Derives an independent random stream for one part of the reference from the run seed.
fn stream(seed: u64, label: &str) -> ChaCha20Rng {
    let mut hasher = Sha256::new();
    hasher.update(b"mailspec reference stream");
    hasher.update(seed.to_be_bytes());
    hasher.update(label.as_bytes());
    ChaCha20Rng::from_seed(hasher.finalize().into())
}

impl Reference {
    /// Creates the reference implementation of `world`. Every random value derives from `seed`.
    pub fn new(world: World, seed: u64) -> Reference {
        Reference::with_fault(world, seed, None)
    }

    /// Creates the reference implementation with at most one fault switched on.
    pub fn with_fault(world: World, seed: u64, fault: Option<Fault>) -> Reference {
        let service = MailService::new(world.clone(), fault, stream(seed, "service"));
        Reference {
            world,
            fault,
            service,
            devices: BTreeMap::new(),
            disk: BTreeMap::new(),
            papers: BTreeMap::new(),
            vaults: BTreeMap::new(),
            links: BTreeMap::new(),
            invitations: Vec::new(),
            rng: stream(seed, "clients"),
            network_rng: stream(seed, "network"),
            delivery: Delivery::default(),
            crash_in_next_sync: BTreeSet::new(),
            unacknowledged: BTreeMap::new(),
            internal_errors: Vec::new(),
            stats: ReferenceStats::default(),
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn fault(&self) -> Option<Fault> {
        self.fault
    }

    /// Runs one operation and returns its observation.
    pub fn apply(&mut self, op: &Operation) -> Observation {
        let _span = tracing::debug_span!("reference", op = op_name(op)).entered();
        let observation = match self.dispatch(op) {
            Ok(outcome) => Observation::Ok(outcome),
            Err(Failure::Rejected(reason)) => Observation::Rejected(reason),
            Err(Failure::Internal(message)) => {
                tracing::warn!(error = %message, op = op_name(op), "internal error in the reference implementation");
                self.internal_errors.push(format!("{}: {message}", op_name(op)));
                INTERNAL_ERROR_OBSERVATION
            }
        };
        self.persist_all();
        if self.delivery.sync_after_each_operation {
            self.sync_all();
        }
        observation
    }

    /// Returns and clears the internal errors recorded since the last call.
    pub fn take_internal_errors(&mut self) -> Vec<String> {
        std::mem::take(&mut self.internal_errors)
    }

    pub fn stats(&self) -> ReferenceStats {
        self.stats
    }

    /// Returns every byte the service stores: its objects and the metadata tables.
    pub fn stored_objects(&self) -> Vec<StoredObject> {
        self.service.stored_objects()
    }

    /// Visits every stored object with its version, without copying it.
    pub fn visit_stored(&self, visit: impl FnMut(&str, &str, u64, &[u8])) {
        self.service.visit_stored(visit)
    }

    /// Damages one stored object (see `MailService::corrupt_object`). For tests of bad input.
    pub fn corrupt_stored_object(&mut self, id: &str, offset: usize, truncate: bool) -> bool {
        self.service.corrupt_object(id, offset, truncate)
    }

    /// Flips one bit of a device's persisted keystore, or cuts it to `offset` bytes. For
    /// tests of bad input; the device fails to restart from it.
    pub fn corrupt_disk(&mut self, device: DeviceId, offset: usize, truncate: bool) -> bool {
        let Some(bytes) = self.disk.get_mut(&device).filter(|bytes| !bytes.is_empty()) else { return false };
        if truncate {
            let len = offset.min(bytes.len());
            bytes.truncate(len);
        } else {
            let index = offset % bytes.len();
            bytes[index] ^= 1;
        }
        true
    }

    /// Returns the link URLs the service delivered to recipients, in message order.
    pub fn delivered_links(&self) -> Vec<String> {
        self.links.values().map(|url| url.to_string()).collect()
    }

    /// Returns the delivered link URL of a password-expiring message.
    pub fn delivered_link_of(&self, message: MessageId) -> Option<&str> {
        self.links.get(&message).map(|url| url.as_str())
    }

    /// Returns the number of messages the service stored.
    pub fn message_count(&self) -> usize {
        self.service.message_count()
    }

    /// Sets how queued items reach devices.
    pub fn set_delivery(&mut self, delivery: Delivery) {
        self.delivery = delivery;
    }

    /// Returns every device that was ever enrolled, running or crashed.
    pub fn enrolled_devices(&self) -> Vec<DeviceId> {
        self.devices.keys().copied().collect()
    }

    pub fn is_crashed(&self, device: DeviceId) -> bool {
        matches!(self.devices.get(&device), Some(DeviceSlot::Crashed))
    }

    /// Crashes a device: its memory is lost and only its persisted keystore remains.
    pub fn crash_device(&mut self, device: DeviceId) {
        if let Some(slot) = self.devices.get_mut(&device) {
            *slot = DeviceSlot::Crashed;
        }
    }

    /// Makes the device's next sync crash after it processed the items and before it
    /// persisted its keystore and acknowledged them.
    pub fn crash_during_next_sync(&mut self, device: DeviceId) {
        self.crash_in_next_sync.insert(device);
    }

    /// Restarts a crashed device from its persisted keystore.
    pub fn restart_device(&mut self, device: DeviceId) -> Result<(), String> {
        if !self.is_crashed(device) {
            return Ok(());
        }
        let bytes = self.disk.get(&device).ok_or_else(|| format!("{device} has no persisted keystore"))?;
        let client = DeviceClient::restore(device, bytes).map_err(|error| format!("{device} cannot restart: {error}"))?;
        self.devices.insert(device, DeviceSlot::Running(Box::new(client)));
        self.stats.restarts += 1;
        Ok(())
    }

    /// Returns the users whose keys a device prefetches: the other users of its account.
    fn contacts(&self, device: DeviceId) -> Vec<UserId> {
        let account = self.world.user(device.user).account;
        self.world.users_of(account).filter(|user| *user != device.user).collect()
    }

    /// Returns the running client of an enrolled device, restarting it first if it crashed.
    fn client(&mut self, device: DeviceId) -> Result<&mut DeviceClient, Failure> {
        if self.is_crashed(device) {
            self.restart_device(device).map_err(Failure::Internal)?;
        }
        match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => Ok(client),
            _ => Err(Failure::Internal(format!("{device} passed the service's checks but has no client"))),
        }
    }

    fn persist_all(&mut self) {
        for (device, slot) in self.devices.iter_mut() {
            if let DeviceSlot::Running(client) = slot {
                if let Some(bytes) = client.take_persist() {
                    self.disk.insert(*device, bytes);
                }
            }
        }
    }

    /// Syncs every running device the service still serves, and refreshes its cached key
    /// generations.
    pub fn sync_all(&mut self) {
        let running: Vec<DeviceId> =
            self.devices.iter().filter(|(_, slot)| matches!(slot, DeviceSlot::Running(_))).map(|(id, _)| *id).collect();
        for device in running {
            if self.service.device_online(device).is_ok() {
                self.sync(device, true);
            }
        }
    }

    /// Delivers a device's queue in the background: the device stores what the items
    /// carry, persists its keystore and acknowledges the items. A crash armed with `crash_during_next_sync` happens
    /// before the persist, so the items are delivered again after the restart.
    pub fn sync_device(&mut self, device: DeviceId) -> SyncReport {
        self.sync(device, false)
    }

    /// Makes a running device refresh the cached key generation of every user it sends to,
    /// as its periodic directory poll does. Until then its sends may use a replaced key.
    pub fn refresh_directory(&mut self, device: DeviceId) {
        let contacts = self.contacts(device);
        let service = &self.service;
        if let Some(DeviceSlot::Running(client)) = self.devices.get_mut(&device) {
            for error in client.refresh_directory(service, &contacts) {
                self.internal_errors.push(format!("directory refresh of {device}: {error}"));
            }
        }
        self.persist_all();
    }

    fn sync(&mut self, device: DeviceId, refresh_directory: bool) -> SyncReport {
        let mut report = SyncReport::default();
        let Ok(mut batch) = self.service.device_sync(device) else { return report };
        self.stats.syncs += 1;
        if self.delivery.reorder {
            shuffle(&mut batch.items, &mut self.network_rng);
        }
        let seqs: Vec<u64> = batch.items.iter().map(|(seq, _)| *seq).collect();
        let seen = self.unacknowledged.entry(device).or_default();
        self.stats.redelivered_items += seqs.iter().filter(|seq| seen.contains(seq)).count() as u32;
        seen.extend(seqs.iter().copied());
        report.items = seqs.len();

        let crash = self.crash_in_next_sync.remove(&device);
        let contacts = self.contacts(device);
        let service = &self.service;
        let processed = match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => {
                client.process(service, &batch.items, refresh_directory.then_some(contacts.as_slice()))
            }
            _ => return report,
        };
        self.stats.messages_indexed += processed.indexed.len() as u32;
        for error in processed.errors {
            self.internal_errors.push(format!("sync of {device}: {error}"));
        }
        report.imported = processed.imported;
        if crash {
            self.crash_device(device);
            report.crashed = true;
            return report;
        }
        self.persist_all();
        self.service.acknowledge(device, &seqs);
        if let Some(seen) = self.unacknowledged.get_mut(&device) {
            seen.retain(|seq| !seqs.contains(seq));
        }
        report
    }

    /// Makes a device rotate its user's key now, as at `DeviceOnline` with a pending
    /// rotation. For benchmarks and the simulator; the model has no such operation.
    pub fn rotate_now(&mut self, device: DeviceId) -> Result<u32, String> {
        self.service.device_online(device).map_err(|error| error.to_string())?;
        let (service, rng) = (&mut self.service, &mut self.rng);
        let client = match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => client,
            _ => return Err(format!("{device} is not running")),
        };
        let generation = client.rotate(service, rng, false).map_err(|error| error.to_string())?;
        self.persist_all();
        Ok(generation)
    }

    fn dispatch(&mut self, op: &Operation) -> Step {
        self.service.check_ids(op)?;
        match op {
            Operation::EnableMail { account } => done(self.service.enable_mail(*account)),
            Operation::AddDomain { domain } => done(self.service.add_domain(*domain)),
            Operation::VerifyDomain { domain } => done(self.service.verify_domain(*domain)),
            Operation::SetPolicy { domain, policy } => done(self.service.set_policy(*domain, *policy)),
            Operation::SetCrossDomain { domain, enabled } => done(self.service.set_cross_domain(*domain, *enabled)),
            Operation::EnableUser { user } => done(self.service.enable_user(*user)),
            Operation::DisableUser { user } => done(self.service.disable_user(*user)),
            Operation::AddDevice { device } => self.add_device(*device),
            Operation::ApproveDevice { device, by } => self.approve_device(*device, *by),
            Operation::RevokeDevice { device, by } => self.revoke_device(*device, *by),
            Operation::DeviceOnline { device } => self.device_online(*device),
            Operation::CreateBackupKey { device } => self.create_backup_key(*device),
            Operation::RevokeBackupKey { by } => self.revoke_backup_key(*by),
            Operation::EnableEscrow { admin } => done(self.service.enable_escrow(*admin)),
            Operation::AcknowledgeEscrow { device } => self.acknowledge_escrow(*device),
            Operation::DisableEscrow { admin } => {
                self.service.disable_escrow(*admin)?;
                Ok(Outcome::Done)
            }
            Operation::EscrowDiscover { admin, message } => self.escrow_discover(*admin, *message),
            Operation::Send(send) => self.send(send),
            Operation::ReceiveExternal { to, attachment } => self.receive_external(*to, *attachment),
            Operation::Read { message, reader } => self.read(*message, *reader),
            Operation::OpenLink { message } => self.open_link(*message),
            Operation::AdvanceClock { to } => {
                let expired = self.service.advance_clock(to.0)?;
                Ok(Outcome::ClockAdvanced { expired })
            }
            Operation::CreateEvent { organizer, owner, attendee, e2ee } => {
                self.create_event(*organizer, *owner, *attendee, *e2ee)
            }
        }
    }

    /// Syncs a device before it acts, so that its keystore contains every seed delivered to it.
    fn sync_before_acting(&mut self, device: DeviceId) -> Result<(), Failure> {
        if self.is_crashed(device) {
            self.restart_device(device).map_err(Failure::Internal)?;
        }
        let armed = self.crash_in_next_sync.remove(&device);
        self.sync(device, false);
        if armed {
            self.crash_in_next_sync.insert(device);
        }
        Ok(())
    }

    fn add_device(&mut self, device: DeviceId) -> Step {
        let mut client = DeviceClient::create(device, &mut self.rng);
        let generation = client.enroll(&mut self.service, &mut self.rng)?;
        for error in client.refresh_directory(&self.service, &self.contacts(device)) {
            self.internal_errors.push(format!("directory prefetch of {device}: {error}"));
        }
        self.disk.insert(device, client.keystore_bytes());
        self.devices.insert(device, DeviceSlot::Running(Box::new(client)));
        if self.fault == Some(Fault::HistoryWithoutApproval) {
            self.hand_history_without_approval(device)?;
        }
        Ok(Outcome::Rotated { epoch: epoch(generation) })
    }

    /// Approves a new device by the user's first older device, without any approval
    /// request: the `history_without_approval` fault.
    fn hand_history_without_approval(&mut self, device: DeviceId) -> Result<(), Failure> {
        let older = self.devices.keys().copied().find(|other| {
            other.user == device.user && *other != device && self.service.begin_approval(device, Approver::Device(*other)).is_ok()
        });
        if let Some(older) = older {
            self.approve_device(device, Approver::Device(older))?;
        }
        Ok(())
    }

    fn approve_device(&mut self, device: DeviceId, by: Approver) -> Step {
        let grant = self.service.begin_approval(device, by)?;
        self.sync_before_acting(device)?;
        let before = self.client(device)?.generations();

        let (link, boxes) = match grant {
            ApprovalGrant::Device => {
                let Approver::Device(approver) = by else { return Err(Failure::Internal("device grant without a device".into())) };
                self.sync_before_acting(approver)?;
                let (service, rng) = (&self.service, &mut self.rng);
                let client = match self.devices.get_mut(&approver) {
                    Some(DeviceSlot::Running(client)) => client,
                    _ => return Err(Failure::Internal(format!("{approver} has no client"))),
                };
                client.share_history(service, device, rng)?
            }
            ApprovalGrant::BackupKey { holder, boxes } => {
                let paper = self.papers.get(&device.user).ok_or_else(|| Failure::Internal("no backup key text".into()))?;
                let backup_keys = paper.device_keys().map_err(|error| Failure::Internal(error.to_string()))?;
                let service = &self.service;
                let client = match self.devices.get_mut(&device) {
                    Some(DeviceSlot::Running(client)) => client,
                    _ => return Err(Failure::Internal(format!("{device} has no client"))),
                };
                (client.import_from_backup(service, &holder, &boxes, &backup_keys)?, Vec::new())
            }
            ApprovalGrant::EscrowDevice { holder, boxes } => {
                let account = self.world.user(device.user).account;
                let vault = self.vaults.entry(account).or_default();
                vault.recover(&self.service, device, &holder, &boxes, &mut self.rng)?
            }
        };
        self.service.complete_approval(ApprovalRequest { device, by, link, boxes })?;
        self.sync_before_acting(device)?;
        let after = self.client(device)?.generations();
        let shared = after.difference(&before).count();
        Ok(Outcome::Approved { shared: shared as u8 })
    }

    fn revoke_device(&mut self, device: DeviceId, by: Revoker) -> Step {
        let link = match by {
            Revoker::Device(revoker) if self.devices.contains_key(&revoker) => {
                if self.is_crashed(revoker) {
                    self.restart_device(revoker).map_err(Failure::Internal)?;
                }
                let service = &self.service;
                match self.devices.get_mut(&revoker) {
                    Some(DeviceSlot::Running(client)) => Some(client.sign_revocation(service, device)?),
                    _ => None,
                }
            }
            _ => None,
        };
        match self.service.revoke_device(RevokeRequest { device, by, link })? {
            RevokeOutcome::Pending => Ok(Outcome::RotationPending),
            RevokeOutcome::NoRotation => Ok(Outcome::Done),
            RevokeOutcome::RotateNow => {
                let Revoker::Device(revoker) = by else { return Err(Failure::Internal("rotation without a device".into())) };
                self.rotate_by(revoker)
            }
        }
    }

    fn rotate_by(&mut self, device: DeviceId) -> Step {
        self.sync_before_acting(device)?;
        let (service, rng) = (&mut self.service, &mut self.rng);
        let client = match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => client,
            _ => return Err(Failure::Internal(format!("{device} has no client"))),
        };
        let generation = client.rotate(service, rng, false)?;
        Ok(Outcome::Rotated { epoch: epoch(generation) })
    }

    fn device_online(&mut self, device: DeviceId) -> Step {
        let pending = self.service.device_online(device)?;
        if !pending {
            self.sync_before_acting(device)?;
            return Ok(Outcome::NothingPending);
        }
        self.rotate_by(device)
    }

    fn create_backup_key(&mut self, device: DeviceId) -> Step {
        let holder = self.service.check_create_backup(device)?;
        self.sync_before_acting(device)?;
        let paper = BackupPaper::generate(device.user, &holder, &mut self.rng).map_err(|error| Failure::Internal(error.to_string()))?;
        let public = *paper.public_keys();
        let (service, rng) = (&mut self.service, &mut self.rng);
        let client = match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => client,
            _ => return Err(Failure::Internal(format!("{device} has no client"))),
        };
        client.create_backup(service, &holder, &public, rng)?;
        self.papers.insert(device.user, paper);
        Ok(Outcome::Done)
    }

    fn revoke_backup_key(&mut self, by: DeviceId) -> Step {
        let link = if self.devices.contains_key(&by) {
            self.sync_before_acting(by).ok();
            let service = &self.service;
            match self.devices.get_mut(&by) {
                Some(DeviceSlot::Running(client)) => client.sign_backup_revocation(service)?,
                _ => None,
            }
        } else {
            None
        };
        match self.service.revoke_backup(by, link)? {
            RevokeOutcome::RotateNow => self.rotate_by(by),
            RevokeOutcome::Pending => Ok(Outcome::RotationPending),
            RevokeOutcome::NoRotation => Ok(Outcome::Done),
        }
    }

    fn acknowledge_escrow(&mut self, device: DeviceId) -> Step {
        let holder = self.service.check_acknowledge_escrow(device)?;
        self.sync_before_acting(device)?;
        let account = self.world.user(device.user).account;
        let public = self.vaults.entry(account).or_default().create_device(&holder, &mut self.rng);
        let with_history = self.fault == Some(Fault::EscrowGetsHistory);
        let (service, rng) = (&mut self.service, &mut self.rng);
        let client = match self.devices.get_mut(&device) {
            Some(DeviceSlot::Running(client)) => client,
            _ => return Err(Failure::Internal(format!("{device} has no client"))),
        };
        client.acknowledge_escrow(service, &holder, &public, with_history, rng)?;
        self.rotate_by(device)
    }

    fn escrow_discover(&mut self, admin: AdminId, message: MessageId) -> Step {
        let bundle = self.service.discover(admin, message)?;
        let account = self.world.admin(admin).account;
        let vault = self.vaults.entry(account).or_default();
        vault.discover(&self.service, &bundle, message)?;
        Ok(Outcome::Content)
    }

    fn send(&mut self, send: &Send) -> Step {
        let request = SendRequest { from: send.from, to: send.to, mode: send.mode, attachment: send.attachment, expiry: send.expiry };
        let plan = self.service.plan_send(&request)?;
        let delivered = match send.from {
            Client::Webmail(user) => Webmail { user }.send(&mut self.service, &request, &plan)?,
            Client::App(device) => {
                self.sync_before_acting(device)?;
                let service_box = self.fault == Some(Fault::E2eeWithServiceBox);
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let (service, rng) = (&mut self.service, &mut self.rng);
                    let client = match self.devices.get_mut(&device) {
                        Some(DeviceSlot::Running(client)) => client,
                        _ => return Err(Failure::Internal(format!("{device} has no client"))),
                    };
                    let upload = client.build_upload(service, &request, &plan, send.seal, service_box, rng)?;
                    match service.upload_message(upload) {
                        Ok(delivered) => break delivered,
                        Err(ApiError::Rejected(Reason::StaleGeneration))
                            if send.seal == mailspec_model::op::Seal::Current && attempts < 3 =>
                        {
                            // The client sealed to a cached key that a rotation replaced.
                            self.stats.stale_retries += 1;
                            tracing::debug!(%device, "stale key, sealing again");
                            if let Recipient::User(user) = send.to {
                                client.refresh_recipient(service, user)?;
                            }
                        }
                        Err(error) => return Err(error.into()),
                    }
                }
            }
        };
        self.route(delivered.outbound);
        Ok(Outcome::Sent { message: delivered.message, mode: delivered.mode })
    }

    /// Hands what the service sent out to its recipients.
    fn route(&mut self, outbound: Vec<Outbound>) {
        for item in outbound {
            match item {
                Outbound::LinkNotice { message, url, .. } => {
                    self.links.insert(message, url);
                }
                Outbound::Invitation { event, to } => self.invitations.push((event, to)),
            }
        }
    }

    fn receive_external(&mut self, to: UserId, attachment: u32) -> Step {
        let message = self.service.inbound_check(to, attachment)?;
        let delivered = self.service.inbound_deliver(to, canary::pieces(message, attachment))?;
        Ok(Outcome::Sent { message: delivered, mode: mailspec_model::op::Mode::Standard })
    }

    fn read(&mut self, message: MessageId, reader: Reader) -> Step {
        match reader {
            Reader::Device(device) => {
                if !self.devices.contains_key(&device) {
                    self.service.fetch_copy(device, message)?;
                    return Err(Failure::Internal(format!("{device} read {message} without being enrolled")));
                }
                self.sync_before_acting(device)?;
                let service = &mut self.service;
                match self.devices.get_mut(&device) {
                    Some(DeviceSlot::Running(client)) => client.read(service, message)?,
                    _ => return Err(Failure::Internal(format!("{device} has no client"))),
                }
            }
            Reader::Webmail(user) => Webmail { user }.read(&mut self.service, message)?,
            Reader::Service => {
                let pieces = self.service.operator_read(message)?;
                check_content(message, &pieces)?;
            }
        }
        Ok(Outcome::Content)
    }

    fn open_link(&mut self, message: MessageId) -> Step {
        match self.links.get(&message) {
            Some(url) => browser::open_link(&self.service, url, message)?,
            None => {
                self.service.link_status(message)?;
                return Err(Failure::Internal(format!("{message} has a link that no recipient received")));
            }
        }
        Ok(Outcome::Content)
    }

    fn create_event(&mut self, organizer: UserId, owner: UserId, attendee: Recipient, e2ee: bool) -> Step {
        let request = crate::service::api::EventRequest { organizer, owner, attendee, e2ee };
        let (event, outbound) = self.service.create_event(request)?;
        self.route(outbound);
        Ok(Outcome::EventCreated { event })
    }
}

fn done(result: Result<(), Reason>) -> Step {
    result?;
    Ok(Outcome::Done)
}

fn epoch(generation: u32) -> Epoch {
    Epoch(u8::try_from(generation).unwrap_or(u8::MAX))
}

/// Shuffles a batch with the network's random stream (Fisher-Yates).
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha20Rng) {
    for index in (1..items.len()).rev() {
        let other = (rng.next_u64() % (index as u64 + 1)) as usize;
        items.swap(index, other);
    }
}

/// Returns the snake_case name of an operation's variant, for logs.
pub fn op_name(op: &Operation) -> &'static str {
    match op {
        Operation::EnableMail { .. } => "enable_mail",
        Operation::AddDomain { .. } => "add_domain",
        Operation::VerifyDomain { .. } => "verify_domain",
        Operation::SetPolicy { .. } => "set_policy",
        Operation::SetCrossDomain { .. } => "set_cross_domain",
        Operation::EnableUser { .. } => "enable_user",
        Operation::DisableUser { .. } => "disable_user",
        Operation::AddDevice { .. } => "add_device",
        Operation::ApproveDevice { .. } => "approve_device",
        Operation::RevokeDevice { .. } => "revoke_device",
        Operation::DeviceOnline { .. } => "device_online",
        Operation::CreateBackupKey { .. } => "create_backup_key",
        Operation::RevokeBackupKey { .. } => "revoke_backup_key",
        Operation::EnableEscrow { .. } => "enable_escrow",
        Operation::AcknowledgeEscrow { .. } => "acknowledge_escrow",
        Operation::DisableEscrow { .. } => "disable_escrow",
        Operation::EscrowDiscover { .. } => "escrow_discover",
        Operation::Send(_) => "send",
        Operation::ReceiveExternal { .. } => "receive_external",
        Operation::Read { .. } => "read",
        Operation::OpenLink { .. } => "open_link",
        Operation::AdvanceClock { .. } => "advance_clock",
        Operation::CreateEvent { .. } => "create_event",
    }
}
