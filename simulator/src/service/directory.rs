//! The metadata tables as a stored object, and the stored form of queue items.

use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::api::QueueItem;
use super::{AccountRow, DeviceRow, DomainRow, EventRow, MailService, MessageRow};
use crate::crypto::wire::{put_len_prefixed, put_u32, put_u8};

/// Object id of the metadata snapshot.
pub(super) const DIRECTORY_OBJECT: &str = "global/directory";

#[derive(Serialize)]
struct UserSnapshot<'a> {
    enabled: bool,
    rotation_pending: bool,
    generation: u32,
    devices: &'a [DeviceRow],
    backup: Option<&'a String>,
    escrow_device: Option<&'a String>,
    escrow_acknowledged: bool,
}

#[derive(Serialize)]
struct Snapshot<'a> {
    now: u32,
    accounts: &'a [AccountRow],
    domains: &'a [DomainRow],
    users: Vec<UserSnapshot<'a>>,
    messages: &'a [MessageRow],
    events: &'a [EventRow],
}

impl MailService {
    /// Serializes every metadata table the service keeps, as JSON.
    pub(super) fn directory_snapshot(&self) -> Vec<u8> {
        let users = self
            .users
            .iter()
            .map(|row| UserSnapshot {
                enabled: row.enabled,
                rotation_pending: row.rotation_pending,
                generation: row.chain.generation(),
                devices: &row.devices,
                backup: row.backup.as_ref(),
                escrow_device: row.escrow_device.as_ref(),
                escrow_acknowledged: row.escrow_acknowledged,
            })
            .collect();
        let snapshot = Snapshot {
            now: self.now,
            accounts: &self.accounts,
            domains: &self.domains,
            users,
            messages: &self.messages,
            events: &self.events,
        };
        serde_json::to_vec(&snapshot).expect("the metadata tables contain only serializable values")
    }
}

/// Returns a version number that changes whenever `bytes` change, within one process.
pub(super) fn content_version(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Encodes a queue item: u8 kind || fields.
pub(super) fn encode_queue_item(item: &QueueItem) -> Vec<u8> {
    let mut out = Vec::new();
    match item {
        QueueItem::KeyBox { generation, sealed } => {
            put_u8(&mut out, 1);
            put_u32(&mut out, *generation);
            put_len_prefixed(&mut out, sealed);
        }
        QueueItem::History { sealed } => {
            put_u8(&mut out, 2);
            put_u32(&mut out, sealed.len() as u32);
            for item in sealed {
                put_len_prefixed(&mut out, item);
            }
        }
        QueueItem::NewMessage { message } => {
            put_u8(&mut out, 3);
            put_u32(&mut out, u32::from(message.0));
        }
    }
    out
}
