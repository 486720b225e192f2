//! The transition rules: how each operation changes the state, or why it is rejected.
//!
//! `apply` is a pure function of the world, the state and the operation. Each family of
//! rules lives in its own module; the helpers here (rotation, rejection) are shared.

mod calendar;
mod devices;
mod escrow;
mod mail;
mod read;

pub use read::service_reads;
mod tenancy;

use crate::ids::{Epoch, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Observation, Outcome, Reason};
use crate::op::Operation;
use crate::state::State;
use crate::world::World;

/// The rules of one model run: the world, and at most one mutant switched on.
#[derive(Clone, Copy, Debug)]
pub struct Rules<'a> {
    pub world: &'a World,
    pub mutant: Option<ModelMutant>,
}

/// What an operation did: the next state when it was accepted, and the observation.
pub struct Step {
    pub state: Option<State>,
    pub observation: Observation,
}

type Verdict = Result<Outcome, Reason>;

impl<'a> Rules<'a> {
    pub fn new(world: &'a World) -> Self {
        Rules { world, mutant: None }
    }

    pub fn with_mutant(world: &'a World, mutant: Option<ModelMutant>) -> Self {
        Rules { world, mutant }
    }

    pub(crate) fn mutated(&self, mutant: ModelMutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// Applies one operation. A rejected operation leaves the state unchanged, and
    /// `Step::state` is `None` for it.
    pub fn apply(&self, state: &State, op: &Operation) -> Step {
        let mut next = state.clone();
        match self.dispatch(&mut next, op) {
            Ok(outcome) => Step { state: Some(next), observation: Observation::Ok(outcome) },
            Err(reason) => Step { state: None, observation: Observation::Rejected(reason) },
        }
    }

    /// Returns the observation alone, for callers that replay a trace.
    pub fn observe(&self, state: &State, op: &Operation) -> (State, Observation) {
        let step = self.apply(state, op);
        let next = step.state.unwrap_or_else(|| state.clone());
        (next, step.observation)
    }

    fn dispatch(&self, state: &mut State, op: &Operation) -> Verdict {
        self.check_ids(state, op)?;
        match op {
            Operation::EnableMail { account } => self.enable_mail(state, *account),
            Operation::AddDomain { domain } => self.add_domain(state, *domain),
            Operation::VerifyDomain { domain } => self.verify_domain(state, *domain),
            Operation::SetPolicy { domain, policy } => self.set_policy(state, *domain, *policy),
            Operation::SetCrossDomain { domain, enabled } => {
                self.set_cross_domain(state, *domain, *enabled)
            }
            Operation::EnableUser { user } => self.enable_user(state, *user),
            Operation::DisableUser { user } => self.disable_user(state, *user),
            Operation::AddDevice { device } => self.add_device(state, *device),
            Operation::ApproveDevice { device, by } => self.approve_device(state, *device, *by),
            Operation::RevokeDevice { device, by } => self.revoke_device(state, *device, *by),
            Operation::DeviceOnline { device } => self.device_online(state, *device),
            Operation::CreateBackupKey { device } => self.create_backup_key(state, *device),
            Operation::RevokeBackupKey { by } => self.revoke_backup_key(state, *by),
            Operation::EnableEscrow { admin } => self.enable_escrow(state, *admin),
            Operation::AcknowledgeEscrow { device } => self.acknowledge_escrow(state, *device),
            Operation::DisableEscrow { admin } => self.disable_escrow(state, *admin),
            Operation::EscrowDiscover { admin, message } => {
                self.escrow_discover(state, *admin, *message)
            }
            Operation::Send(send) => self.send(state, send),
            Operation::ReceiveExternal { to, attachment } => {
                self.receive_external(state, *to, *attachment)
            }
            Operation::Read { message, reader } => self.read(state, *message, *reader),
            Operation::OpenLink { message } => self.open_link(state, *message),
            Operation::AdvanceClock { to } => self.advance_clock(state, *to),
            Operation::CreateEvent { organizer, owner, attendee, e2ee } => {
                self.create_event(state, *organizer, *owner, *attendee, *e2ee)
            }
        }
    }

    /// Rejects operations that name a user, device or domain the world does not have.
    fn check_ids(&self, state: &State, op: &Operation) -> Result<(), Reason> {
        let ids = crate::op_ids::referenced(op);
        let world = self.world;
        let known = ids.accounts.iter().all(|id| world.has_account(*id))
            && ids.domains.iter().all(|id| world.has_domain(*id))
            && ids.users.iter().all(|id| world.has_user(*id))
            && ids.admins.iter().all(|id| world.has_admin(*id))
            && ids.lists.iter().all(|id| world.has_list(*id))
            && ids.externals.iter().all(|id| world.has_external(*id));
        if !known {
            return Err(Reason::NotFound);
        }
        if ids.devices.iter().any(|id| state.device(*id).is_none()) {
            return Err(Reason::DeviceNotFound);
        }
        Ok(())
    }

    /// Moves a user to a new generation made by one of its devices, and hands it to
    /// every unrevoked holder: active devices, the backup key and the escrow device.
    pub(crate) fn rotate(&self, state: &mut State, user: UserId) -> Epoch {
        let reach_revoked = self.mutated(ModelMutant::RotationReachesRevoked);
        let skip_older = self.mutated(ModelMutant::AddSkipsOlderDevices);
        let record = state.user_mut(user);
        let epoch = record.epoch.next();
        record.epoch = epoch;
        record.rotation_pending = false;

        for device in record.devices.iter_mut() {
            let active = device.status == crate::state::DeviceStatus::Active;
            let revoked = device.status == crate::state::DeviceStatus::Revoked;
            if (active && !skip_older) || (revoked && reach_revoked) {
                device.keys = device.keys.with(epoch);
            }
        }
        for holder in [&mut record.backup, &mut record.escrow_device].into_iter().flatten() {
            if holder.revoked.is_none() || reach_revoked {
                holder.keys = holder.keys.with(epoch);
            }
        }
        epoch
    }
}

/// Rejects a device that was never enrolled (`device_not_found`) or is revoked
/// (`device_not_active`).
pub(crate) fn ensure_active(state: &State, device: crate::ids::DeviceId) -> Result<(), Reason> {
    use crate::state::DeviceStatus;
    match state.device(device).map(|record| record.status) {
        Some(DeviceStatus::Active) => Ok(()),
        Some(DeviceStatus::Revoked) => Err(Reason::DeviceNotActive),
        Some(DeviceStatus::Unused) | None => Err(Reason::DeviceNotFound),
    }
}

/// Rejects with `reason` unless `condition` holds.
pub(crate) fn ensure(condition: bool, reason: Reason) -> Result<(), Reason> {
    if condition {
        Ok(())
    } else {
        Err(reason)
    }
}
