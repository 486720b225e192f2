//! The service side of the reference implementation: what the hosted service stores and
//! enforces.
//!
//! The service keeps only what the design lets it keep. That is ciphertexts (envelopes and
//! pieces), public keys in signed sigchains, PUK seeds sealed to devices, link records
//! without their secrets, account data keys wrapped under region root keys, standard mail
//! and events encrypted at rest, and metadata. Device private keys, PUK seeds and link secrets exist
//! only in `crate::client`. Clients reach the service only through the public methods of
//! [`MailService`], with the plain request and response types of [`api`].
//!
//! Every guard runs in the order `docs/spec.md` gives, so that the first failing check
//! decides the rejection code, exactly as in the model's rules.

pub mod api;
mod calendar;
mod devices;
mod directory;
mod escrow;
mod ids;
mod keys;
mod mail;
mod read;
pub mod sigchain;
pub mod storage;
mod tenancy;

use std::collections::BTreeMap;

use mailspec_model::ids::{AccountId, DeviceId, UserId};
use mailspec_model::op::{Client, Mode, Policy, Recipient};
use mailspec_model::world::{Region, World};
use mailspec_model::Reason;
use rand_chacha::ChaCha20Rng;
use serde::Serialize;

use crate::crypto::{AccountDataKey, DevicePublicKeys, WrappedDataKey};
use crate::fault::Fault;
use crate::names;
use api::{ApiError, QueueItem};
use keys::KeyService;
use sigchain::{ChainLink, ChainView, LinkBody};
use storage::{ObjectStore, StoredObject};

/// Unix time of model time 0. Link records carry Unix seconds; the model counts from 0.
pub const CLOCK_ORIGIN_UNIX: u64 = 1_700_000_000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum EscrowStatus {
    #[default]
    Off,
    On,
    Disabled,
}

#[derive(Clone, Debug, Default, Serialize)]
struct AccountRow {
    mail_enabled: bool,
    escrow: EscrowStatus,
}

#[derive(Clone, Debug, Default, Serialize)]
struct DomainRow {
    added: bool,
    verified: bool,
    policy: Option<Policy>,
    cross_domain: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum DeviceStatus {
    #[default]
    Unused,
    Active,
    Revoked,
}

#[derive(Clone, Debug, Default, Serialize)]
struct DeviceRow {
    status: DeviceStatus,
    /// The generation that the device's enrollment made.
    added_at: u32,
    approved: bool,
}

struct UserRow {
    enabled: bool,
    rotation_pending: bool,
    devices: Vec<DeviceRow>,
    /// Holder id of the user's latest backup key, live or revoked.
    backup: Option<String>,
    backups_created: u32,
    /// Holder id of the user's latest escrow device, live or revoked.
    escrow_device: Option<String>,
    escrow_devices_created: u32,
    escrow_acknowledged: bool,
    /// The user's sigchain as the service verified it; the links are stored objects.
    chain: ChainView,
}

/// The protection of a stored copy, as the service's metadata records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum CopyForm {
    /// An envelope and pieces sealed by a client to users' per-user keys.
    Sealed,
    /// An envelope with a box for the service: mail waiting for the recipient's first key.
    ServiceBox,
    /// Pieces encrypted at rest under the account's data key.
    AtRest,
    /// Pieces stored in the clear; only the `plaintext_at_rest` fault produces it.
    Plain,
    /// The recipient copy of password-expiring mail: opens only through the link.
    Link,
}

#[derive(Clone, Debug, Serialize)]
struct CopyRow {
    object: String,
    form: CopyForm,
    /// The account whose data key encrypts the copy at rest, and whose region stores it.
    account: AccountId,
    region: Region,
    /// False once the content was deleted (an expired link's recipient copy).
    present: bool,
}

#[derive(Clone, Debug, Serialize)]
struct LinkRow {
    link_id: String,
    object: String,
    /// Model time of the expiry instant.
    expires: u32,
    content: bool,
    /// The link URL; only the `keep_link_secret` fault fills it.
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
struct MessageRow {
    sender: UserId,
    from: Option<Client>,
    to: Recipient,
    mode: Mode,
    attachment: u32,
    recipient_copy: CopyRow,
    sent_copy: Option<CopyRow>,
    link: Option<LinkRow>,
    reencrypted: bool,
    scanned: bool,
}

#[derive(Clone, Debug, Serialize)]
struct EventRow {
    object: String,
    organizer: UserId,
    owner: UserId,
    attendee: Recipient,
}

/// The hosted service: metadata tables, the object store, queues and the key service.
pub struct MailService {
    world: World,
    fault: Option<Fault>,
    rng: ChaCha20Rng,
    keys: KeyService,
    now: u32,
    accounts: Vec<AccountRow>,
    domains: Vec<DomainRow>,
    users: Vec<UserRow>,
    messages: Vec<MessageRow>,
    events: Vec<EventRow>,
    store: ObjectStore,
    queues: BTreeMap<DeviceId, BTreeMap<u64, QueueItem>>,
    next_queue_seq: u64,
}

impl MailService {
    /// Creates the service for a world, with key material drawn from `rng`.
    pub fn new(world: World, fault: Option<Fault>, mut rng: ChaCha20Rng) -> MailService {
        let keys = KeyService::generate(&mut rng);
        let users = world
            .user_ids()
            .map(|user| UserRow {
                enabled: false,
                rotation_pending: false,
                devices: vec![DeviceRow::default(); usize::from(world.user(user).device_slots)],
                backup: None,
                backups_created: 0,
                escrow_device: None,
                escrow_devices_created: 0,
                escrow_acknowledged: false,
                chain: ChainView::new(&names::user(user)),
            })
            .collect();
        MailService {
            accounts: vec![AccountRow::default(); world.accounts.len()],
            domains: vec![DomainRow::default(); world.domains.len()],
            users,
            world,
            fault,
            rng,
            keys,
            now: 0,
            messages: Vec::new(),
            events: Vec::new(),
            store: ObjectStore::default(),
            queues: BTreeMap::new(),
            next_queue_seq: 0,
        }
    }

    fn faulty(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }

    /// Returns the service's public signing key, which signs service-made sigchain links.
    pub fn service_signing_key(&self) -> DevicePublicKeys {
        *self.keys.signing.public_keys()
    }

    /// Returns the service box key that clients seal waiting mail to.
    pub fn service_box_key(&self) -> crate::crypto::PukPublicKey {
        *self.keys.service_box.public_key()
    }

    /// Returns the encoded sigchain links of `user` from index `from` on.
    pub fn fetch_chain(&self, user: UserId, from: usize) -> Result<Vec<Vec<u8>>, ApiError> {
        if !self.world.has_user(user) {
            return Err(Reason::NotFound.into());
        }
        let mut links = Vec::new();
        for seq in from.. {
            match self.store.get(&self.chain_object(user, seq)) {
                Some(link) => links.push(link.to_vec()),
                None => break,
            }
        }
        Ok(links)
    }

    fn chain_object(&self, user: UserId, seq: usize) -> String {
        format!("{}/chains/{}/{seq:06}", names::region(self.user_region(user)), names::user(user))
    }

    /// Returns the number of messages stored so far; the next message gets this id.
    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    /// Returns the service's clock, in model seconds.
    pub fn now(&self) -> u32 {
        self.now
    }

    /// Returns every object the service stores, and its metadata tables as one more object.
    pub fn stored_objects(&self) -> Vec<StoredObject> {
        let mut out = Vec::with_capacity(self.store.len() + 1);
        self.visit_stored(|id, kind, _, bytes| {
            out.push(StoredObject { id: id.to_owned(), kind: kind.to_owned(), bytes: bytes.to_vec() })
        });
        out
    }

    /// Calls `visit` with id, kind, version and bytes of every stored object without copying
    /// them. Versions change whenever an object's bytes change.
    pub fn visit_stored(&self, mut visit: impl FnMut(&str, &str, u64, &[u8])) {
        self.store.visit(&mut visit);
        let snapshot = self.directory_snapshot();
        let version = directory::content_version(&snapshot);
        visit(directory::DIRECTORY_OBJECT, "directory", version, &snapshot);
    }

    /// Damages one stored object, as disk corruption or a malicious operator would: flips a
    /// bit of byte `offset`, or cuts the object to `offset` bytes. For tests of bad input.
    pub fn corrupt_object(&mut self, id: &str, offset: usize, truncate: bool) -> bool {
        self.store.corrupt(id, offset, truncate)
    }

    /// Returns the number of stored objects and their total size in bytes.
    pub fn storage_size(&self) -> (usize, usize) {
        (self.store.len(), self.store.total_bytes())
    }

    // Shared guards, as in the model's rules.

    /// Rejects a device slot that was never enrolled (`device_not_found`) or is revoked.
    fn ensure_active(&self, device: DeviceId) -> Result<(), Reason> {
        match self.device_row(device).map(|row| row.status) {
            Some(DeviceStatus::Active) => Ok(()),
            Some(DeviceStatus::Revoked) => Err(Reason::DeviceNotActive),
            Some(DeviceStatus::Unused) | None => Err(Reason::DeviceNotFound),
        }
    }

    fn ensure_user_active(&self, user: UserId) -> Result<(), Reason> {
        let account = self.world.user(user).account;
        ensure(self.accounts[account.index()].mail_enabled, Reason::MailNotEnabled)?;
        ensure(self.users[user.index()].enabled, Reason::UserNotEnabled)
    }

    fn device_row(&self, device: DeviceId) -> Option<&DeviceRow> {
        self.users.get(device.user.index())?.devices.get(usize::from(device.slot))
    }

    fn device_row_mut(&mut self, device: DeviceId) -> &mut DeviceRow {
        &mut self.users[device.user.index()].devices[usize::from(device.slot)]
    }

    fn generation(&self, user: UserId) -> u32 {
        self.users[user.index()].chain.generation()
    }

    fn has_active_device(&self, user: UserId) -> bool {
        self.users[user.index()].devices.iter().any(|device| device.status == DeviceStatus::Active)
    }

    fn live_backup(&self, user: UserId) -> Option<&String> {
        let row = &self.users[user.index()];
        row.backup.as_ref().filter(|id| row.chain.holder(id).is_some_and(|holder| holder.live))
    }

    fn live_escrow_device(&self, user: UserId) -> Option<&String> {
        let row = &self.users[user.index()];
        row.escrow_device.as_ref().filter(|id| row.chain.holder(id).is_some_and(|holder| holder.live))
    }

    fn user_region(&self, user: UserId) -> Region {
        self.world.region_of_user(user)
    }

    fn account_region(&self, account: AccountId) -> Region {
        self.world.account(account).region
    }

    /// Appends a client-signed link to a user's chain after checking it.
    fn append_link(&mut self, user: UserId, link: Vec<u8>) -> Result<(), ApiError> {
        let service_key = self.service_signing_key();
        let row = &mut self.users[user.index()];
        let seq = row.chain.len() as usize;
        row.chain.apply(&link, &service_key).map_err(|error| ApiError::Invalid(error.to_string()))?;
        let object = self.chain_object(user, seq);
        self.store.put(object, "sigchain_link", link);
        Ok(())
    }

    /// Appends a link that the service signs: a revocation without a device.
    fn append_service_link(&mut self, user: UserId, body: LinkBody) -> Result<(), ApiError> {
        let row = &self.users[user.index()];
        let link = ChainLink::sign_as_service(&names::user(user), row.chain.len(), row.chain.head(), body, &self.keys.signing);
        self.append_link(user, link)
    }

    fn enqueue(&mut self, device: DeviceId, item: QueueItem) {
        self.next_queue_seq += 1;
        let seq = self.next_queue_seq;
        let region = names::region(self.user_region(device.user));
        let id = format!("{region}/queues/{}/{seq:08}", names::device(device));
        self.store.put(id, "queue_item", directory::encode_queue_item(&item));
        self.queues.entry(device).or_default().insert(seq, item);
    }

    fn active_devices(&self, user: UserId) -> Vec<DeviceId> {
        let row = &self.users[user.index()];
        (0..row.devices.len() as u8)
            .map(|slot| DeviceId::new(user, slot))
            .filter(|device| self.device_row(*device).is_some_and(|d| d.status == DeviceStatus::Active))
            .collect()
    }

    /// Returns the data key of an account, creating and storing it wrapped on first use.
    fn data_key(&mut self, account: AccountId) -> Result<AccountDataKey, ApiError> {
        let region = self.account_region(account);
        let id = format!("{}/accounts/{}/data-key", names::region(region), names::account(account));
        let root = self.keys.root(region);
        let account_id = names::account(account);
        if let Some(bytes) = self.store.get(&id) {
            let wrapped = WrappedDataKey::from_bytes(bytes)?;
            return Ok(root.unwrap(&account_id, &wrapped)?);
        }
        let key = AccountDataKey::generate(&mut self.rng);
        let wrapped = root.wrap(&account_id, &key, &mut self.rng)?;
        self.store.put(id, "wrapped_data_key", wrapped.to_bytes());
        Ok(key)
    }

    /// Encrypts `plaintext` at rest for `account` as object `object`, or stores it in the
    /// clear under the `plaintext_at_rest` fault. Returns the form it was stored in.
    fn put_at_rest(&mut self, account: AccountId, object: &str, kind: &'static str, plaintext: &[u8]) -> Result<CopyForm, ApiError> {
        if self.faulty(Fault::PlaintextAtRest) {
            self.store.put(object.to_owned(), "plaintext", plaintext.to_vec());
            return Ok(CopyForm::Plain);
        }
        let key = self.data_key(account)?;
        let ciphertext = key.encrypt(&names::account(account), object, plaintext, &mut self.rng)?;
        self.store.put(object.to_owned(), kind, ciphertext);
        Ok(CopyForm::AtRest)
    }

    fn get_at_rest(&mut self, account: AccountId, object: &str) -> Result<Vec<u8>, ApiError> {
        let ciphertext = self.store.get(object).ok_or_else(|| ApiError::Invalid(format!("object {object} is missing")))?.to_vec();
        let key = self.data_key(account)?;
        Ok(key.decrypt(&names::account(account), object, &ciphertext)?)
    }
}

fn ensure(condition: bool, reason: Reason) -> Result<(), Reason> {
    if condition {
        Ok(())
    } else {
        Err(reason)
    }
}
