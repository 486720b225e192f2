//! The model state: everything that operations change, kept small and canonical.

use crate::ids::{AdminId, DeviceId, Epoch, Epochs, Time, UserId};
use crate::op::{Client, Mode, Policy, Recipient};
use crate::world::{Region, World};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct State {
    pub now: Time,
    pub accounts: Vec<AccountState>,
    pub domains: Vec<DomainState>,
    pub users: Vec<UserState>,
    pub messages: Vec<Message>,
    pub events: Vec<Event>,
    /// Link secrets the service still holds, by message index. The rules keep it empty.
    pub service_link_secrets: Vec<u8>,
    /// Messages webmail displayed: a ghost variable that only properties read.
    pub webmail_shown: Vec<crate::ids::MessageId>,
    /// Admins that decrypted a member's mail through escrow (legal discovery).
    pub discoveries: Vec<AdminId>,
    /// Admins that approved a device through escrow (user recovery).
    pub recoveries: Vec<AdminId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountState {
    pub mail_enabled: bool,
    pub escrow: EscrowStatus,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscrowStatus {
    #[default]
    Off,
    On,
    Disabled,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DomainState {
    pub added: bool,
    pub verified: bool,
    pub policy: Option<Policy>,
    /// The first policy ever set: a ghost variable that only properties read.
    pub first_policy: Option<Policy>,
    pub cross_domain: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct UserState {
    pub enabled: bool,
    /// The current generation of the per-user key; [`Epoch::NONE`] before the first device.
    pub epoch: Epoch,
    /// A revocation happened with no device online, so the rotation that excludes the
    /// revoked principal waits for the next device to come online (D7).
    pub rotation_pending: bool,
    pub devices: Vec<DeviceState>,
    pub backup: Option<KeyHolder>,
    pub escrow_device: Option<KeyHolder>,
    /// Revoked backup keys and escrow devices that a newer one replaced. They keep
    /// what they held, like revoked devices.
    pub retired: Vec<KeyHolder>,
    /// The member acknowledged the escrow notice of the current escrow period (E1).
    pub escrow_acknowledged: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    #[default]
    Unused,
    Active,
    Revoked,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeviceState {
    pub status: DeviceStatus,
    /// Every generation this device ever held. Revoked devices keep them.
    pub keys: Epochs,
    /// The generation the device's own enrollment created.
    pub added_at: Epoch,
    pub approved: bool,
    /// Set at revocation: the generation current then, and how many messages existed.
    pub revoked: Option<Revocation>,
}

/// A virtual device that holds per-user keys: a backup key or an escrow device.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct KeyHolder {
    pub keys: Epochs,
    /// The first generation the holder received at creation.
    pub created_at: Epoch,
    pub revoked: Option<Revocation>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Revocation {
    pub epoch: Epoch,
    pub messages_before: u8,
}

/// How one stored copy of a message is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Sealed to one generation of one user's per-user key.
    Sealed { user: UserId, epoch: Epoch },
    /// Readable by the service: a service box, or a service-managed at-rest key.
    Service,
    /// Encrypted under a password-expiring link's secret.
    Link,
    /// No encryption at rest. No rule produces it.
    Plaintext,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Copy {
    pub protection: Protection,
    pub region: Region,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Link {
    pub expires: Time,
    pub sent_at: Time,
    /// The service still stores the link's ciphertext.
    pub content: bool,
}

/// Facts about the moment of sending that properties compare against the outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SendFacts {
    pub sender_domain_policy: Option<Policy>,
    pub cross_account: bool,
    pub both_cross_domain: bool,
    pub recipient_has_active_device: bool,
    /// The recipient's rotation was pending: a revoked device may still hold its key.
    pub recipient_rotation_pending: bool,
    /// The sender's rotation was pending: a revoked device of the sender may still
    /// hold the key of the Sent copy.
    pub sender_rotation_pending: bool,
    /// The recipient's current generation.
    pub recipient_epoch: Epoch,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Message {
    pub sender: UserId,
    /// `None` for mail received from an external provider.
    pub from: Option<Client>,
    pub to: Recipient,
    pub mode: Mode,
    pub recipient_copy: Copy,
    /// The sender's Sent copy; `None` for inbound external mail.
    pub sent_copy: Option<Copy>,
    pub link: Option<Link>,
    pub attachment: u32,
    /// The service ran spam and hygiene checks over the content (S1, S2).
    pub scanned: bool,
    /// The service re-encrypted it to the recipient's first key.
    pub reencrypted: bool,
    pub facts: SendFacts,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Event {
    pub organizer: UserId,
    pub owner: UserId,
    pub attendee: Recipient,
    pub protection: Protection,
}

impl State {
    /// Returns the state at the start of a run: nothing enabled, nothing enrolled.
    pub fn initial(world: &World) -> State {
        State {
            accounts: vec![AccountState::default(); world.accounts.len()],
            domains: vec![DomainState::default(); world.domains.len()],
            users: world
                .users
                .iter()
                .map(|spec| UserState {
                    devices: vec![DeviceState::default(); usize::from(spec.device_slots)],
                    ..UserState::default()
                })
                .collect(),
            ..State::default()
        }
    }

    pub fn user(&self, user: UserId) -> &UserState {
        &self.users[user.index()]
    }

    pub fn user_mut(&mut self, user: UserId) -> &mut UserState {
        &mut self.users[user.index()]
    }

    pub fn device(&self, id: DeviceId) -> Option<&DeviceState> {
        self.users.get(id.user.index())?.devices.get(usize::from(id.slot))
    }

    pub fn device_mut(&mut self, id: DeviceId) -> &mut DeviceState {
        &mut self.users[id.user.index()].devices[usize::from(id.slot)]
    }

    pub fn is_active(&self, id: DeviceId) -> bool {
        self.device(id).is_some_and(|device| device.status == DeviceStatus::Active)
    }
}

impl UserState {
    pub fn active_devices(&self) -> impl Iterator<Item = (u8, &DeviceState)> {
        self.devices
            .iter()
            .enumerate()
            .filter(|(_, device)| device.status == DeviceStatus::Active)
            .map(|(slot, device)| (slot as u8, device))
    }

    pub fn has_active_device(&self) -> bool {
        self.active_devices().next().is_some()
    }

    pub fn live_backup(&self) -> Option<&KeyHolder> {
        self.backup.as_ref().filter(|backup| backup.revoked.is_none())
    }

    pub fn live_escrow_device(&self) -> Option<&KeyHolder> {
        self.escrow_device.as_ref().filter(|escrow| escrow.revoked.is_none())
    }
}
