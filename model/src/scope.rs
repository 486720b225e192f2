//! Scopes: which operations the checker tries in each state, and the bounds it stays in.
//!
//! Checking every feature at once explodes, so a configuration is a set of focused
//! scopes (tenancy, key lifecycle, sending modes, escrow, calendar), each exhaustive on
//! its own bounds. The action space offers operations that the rules reject too, so a
//! mutant that loosens a guard turns a rejected operation into a reachable state.

use crate::ids::{AdminId, DeviceId, MessageId, Time, UserId};
use crate::op::{Approver, Client, Expiry, ModeRequest, Operation, Policy, Reader, Recipient, Revoker, Seal, Send};
use crate::state::{DeviceStatus, State};
use crate::world::World;
use serde::{Deserialize, Serialize};

/// Limits that keep a scope finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// The highest per-user key generation any user may reach.
    pub max_epoch: u8,
    pub max_messages: u8,
    pub max_events: u8,
}

impl Bounds {
    /// Returns true when the state is inside the bounds. Under the rules every retired
    /// key holder follows a rotation, so the generation bound also bounds the retired
    /// list; the explicit check keeps mutants that skip rotations finite.
    pub fn admit(&self, state: &State) -> bool {
        state.users.iter().all(|user| user.epoch.0 <= self.max_epoch && user.retired.len() <= usize::from(self.max_epoch))
            && state.messages.len() <= usize::from(self.max_messages)
            && state.events.len() <= usize::from(self.max_events)
    }
}

/// The families of operations a scope explores, and the values it tries for each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSpace {
    pub tenancy: bool,
    pub devices: bool,
    pub backup_keys: bool,
    pub escrow: bool,
    pub senders: Vec<Client>,
    pub recipients: Vec<Recipient>,
    pub modes: Vec<ModeRequest>,
    pub attachments: Vec<u32>,
    pub expiries: Vec<Option<Expiry>>,
    pub stale_seals: bool,
    pub cross_domain_switches: bool,
    pub reads: bool,
    pub links_and_clock: bool,
    pub inbound_attachments: Vec<u32>,
    pub calendar: bool,
}

impl ActionSpace {
    pub fn generate(&self, world: &World, state: &State, out: &mut Vec<Operation>) {
        if self.tenancy {
            tenancy_actions(world, out);
        }
        if self.cross_domain_switches {
            for domain in world.domain_ids().filter(|d| world.domain(*d).owner.is_some()) {
                let enabled = !state.domains[domain.index()].cross_domain;
                out.push(Operation::SetCrossDomain { domain, enabled });
            }
        }
        if self.devices {
            device_actions(world, state, self.escrow, out);
        }
        if self.backup_keys {
            backup_actions(state, out);
        }
        if self.escrow {
            escrow_actions(world, state, out);
        }
        self.send_actions(state, out);
        if self.reads {
            read_actions(world, state, out);
        }
        if self.links_and_clock {
            link_and_clock_actions(state, out);
        }
        for user in world.user_ids() {
            for &attachment in &self.inbound_attachments {
                out.push(Operation::ReceiveExternal { to: user, attachment });
            }
        }
        if self.calendar {
            calendar_actions(world, out);
        }
    }

    fn send_actions(&self, state: &State, out: &mut Vec<Operation>) {
        for &from in &self.senders {
            if let Client::App(device) = from {
                if !state.is_active(device) {
                    continue;
                }
            }
            for &to in &self.recipients {
                for &mode in &self.modes {
                    for &attachment in &self.attachments {
                        for &expiry in &self.expiries {
                            let send = Send { from, to, mode, attachment, expiry, seal: Seal::Current };
                            if self.stale_seals && mode == ModeRequest::E2ee && stale_possible(state, to) {
                                out.push(Operation::Send(Send { seal: Seal::Previous, ..send.clone() }));
                            }
                            out.push(Operation::Send(send));
                        }
                    }
                }
            }
        }
    }
}

fn stale_possible(state: &State, to: Recipient) -> bool {
    matches!(to, Recipient::User(user) if state.user(user).epoch.0 >= 2)
}

fn tenancy_actions(world: &World, out: &mut Vec<Operation>) {
    for account in world.account_ids() {
        out.push(Operation::EnableMail { account });
    }
    for domain in world.domain_ids() {
        out.push(Operation::AddDomain { domain });
        out.push(Operation::VerifyDomain { domain });
        for policy in [Policy::SecureOnly, Policy::SecureByDefault, Policy::StandardByDefault] {
            out.push(Operation::SetPolicy { domain, policy });
        }
    }
    for user in world.user_ids() {
        out.push(Operation::EnableUser { user });
    }
}

/// Returns the user's lowest unused device slot: enrolling in slot order is the first
/// symmetry reduction, since which free slot a device takes does not matter.
fn next_slot(state: &State, user: UserId) -> Option<DeviceId> {
    let slot = state.user(user).devices.iter().position(|device| device.status == DeviceStatus::Unused)?;
    Some(DeviceId::new(user, slot as u8))
}

fn enrolled(state: &State, user: UserId) -> impl Iterator<Item = DeviceId> + '_ {
    state
        .user(user)
        .devices
        .iter()
        .enumerate()
        .filter(|(_, device)| device.status != DeviceStatus::Unused)
        .map(move |(slot, _)| DeviceId::new(user, slot as u8))
}

fn device_actions(world: &World, state: &State, escrow: bool, out: &mut Vec<Operation>) {
    for user in world.user_ids() {
        out.extend(next_slot(state, user).map(|device| Operation::AddDevice { device }));
        let devices: Vec<DeviceId> = enrolled(state, user).collect();
        let admins: Vec<AdminId> = world.admin_ids().filter(|a| world.admin(*a).account == world.user(user).account).collect();

        for &device in devices.iter().filter(|d| state.is_active(**d)) {
            let mut approvers: Vec<Approver> = devices.iter().map(|d| Approver::Device(*d)).collect();
            approvers.extend([Approver::BackupKey, Approver::Service]);
            if escrow {
                approvers.extend(admins.iter().map(|a| Approver::EscrowAdmin(*a)));
            }
            if !state.device(device).is_some_and(|d| d.approved) {
                out.extend(approvers.into_iter().map(|by| Operation::ApproveDevice { device, by }));
            }

            let mut revokers: Vec<Revoker> = devices.iter().map(|d| Revoker::Device(*d)).collect();
            revokers.push(Revoker::Website);
            revokers.extend(admins.first().map(|a| Revoker::Admin(*a)));
            out.extend(revokers.into_iter().map(|by| Operation::RevokeDevice { device, by }));

            if state.user(user).rotation_pending {
                out.push(Operation::DeviceOnline { device });
            }
        }
    }
}

fn backup_actions(state: &State, out: &mut Vec<Operation>) {
    for (index, user) in state.users.iter().enumerate() {
        for (slot, _) in user.active_devices() {
            let device = DeviceId::new(UserId(index as u8), slot);
            out.push(Operation::CreateBackupKey { device });
            out.push(Operation::RevokeBackupKey { by: device });
        }
    }
}

fn escrow_actions(world: &World, state: &State, out: &mut Vec<Operation>) {
    for admin in world.admin_ids() {
        out.push(Operation::EnableEscrow { admin });
        out.push(Operation::DisableEscrow { admin });
        for message in 0..state.messages.len() as u8 {
            out.push(Operation::EscrowDiscover { admin, message: MessageId(message) });
        }
    }
    for (index, user) in state.users.iter().enumerate() {
        for (slot, _) in user.active_devices() {
            out.push(Operation::AcknowledgeEscrow { device: DeviceId::new(UserId(index as u8), slot) });
        }
    }
}

fn read_actions(world: &World, state: &State, out: &mut Vec<Operation>) {
    for message in (0..state.messages.len() as u8).map(MessageId) {
        out.push(Operation::Read { message, reader: Reader::Service });
        for user in world.user_ids() {
            out.push(Operation::Read { message, reader: Reader::Webmail(user) });
            for device in enrolled(state, user).filter(|d| state.is_active(*d)) {
                out.push(Operation::Read { message, reader: Reader::Device(device) });
            }
        }
    }
}

/// Offers the instants around each live link's expiry: one second before, and the
/// expiry itself. Time is abstract; nothing happens between these instants.
fn link_and_clock_actions(state: &State, out: &mut Vec<Operation>) {
    let mut instants = Vec::new();
    for (index, message) in state.messages.iter().enumerate() {
        let Some(link) = message.link else { continue };
        out.push(Operation::OpenLink { message: MessageId(index as u8) });
        if link.content {
            instants.extend([link.expires.0 - 1, link.expires.0]);
        }
    }
    instants.sort_unstable();
    instants.dedup();
    for to in instants.into_iter().filter(|to| *to > state.now.0) {
        out.push(Operation::AdvanceClock { to: Time(to) });
    }
}

fn calendar_actions(world: &World, out: &mut Vec<Operation>) {
    let mut attendees: Vec<Recipient> = world.user_ids().map(Recipient::User).collect();
    attendees.extend(world.external_ids().map(Recipient::External));
    for organizer in world.user_ids() {
        for owner in world.user_ids() {
            for &attendee in &attendees {
                for e2ee in [false, true] {
                    out.push(Operation::CreateEvent { organizer, owner, attendee, e2ee });
                }
            }
        }
    }
}
