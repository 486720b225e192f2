//! Device and per-user key rules: enrollment, approval, revocation, backup keys (D).

use super::{ensure, ensure_active, Rules, Verdict};
use crate::ids::{DeviceId, Epochs};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::op::{Approver, Revoker};
use crate::state::{DeviceStatus, KeyHolder, Protection, Revocation, State};

impl Rules<'_> {
    /// D1, D3, D4: the new device makes a new generation, every unrevoked holder gets
    /// it, and the new device holds that generation alone. A user's first device also
    /// receives the mail that waited for it.
    pub(super) fn add_device(&self, state: &mut State, device: DeviceId) -> Verdict {
        self.ensure_user_active(state, device.user)?;
        let record = state.device(device).ok_or(Reason::DeviceNotFound)?;
        ensure(record.status == DeviceStatus::Unused, Reason::DeviceIdInUse)?;
        let history = state.user(device.user).devices.iter().fold(Epochs::EMPTY, |all, d| all.union(d.keys));
        let first_device = state.user(device.user).epoch.is_none();

        let epoch = self.rotate(state, device.user);
        let record = state.device_mut(device);
        record.status = DeviceStatus::Active;
        record.keys = Epochs::only(epoch);
        record.added_at = epoch;
        if self.mutated(ModelMutant::AddGrantsHistory) {
            record.keys = record.keys.union(history);
        }

        if first_device && !self.mutated(ModelMutant::SkipReencryption) {
            reencrypt_waiting_mail(state, device);
        }
        Ok(Outcome::Rotated { epoch })
    }

    /// D5, D6, D8, E3: an authorized approver shares every generation it holds.
    pub(super) fn approve_device(&self, state: &mut State, device: DeviceId, by: Approver) -> Verdict {
        ensure_active(state, device)?;
        let approver_keys = self.approver_keys(state, device, by)?;
        ensure(!state.device_mut(device).approved, Reason::AlreadyDone)?;

        let record = state.device_mut(device);
        let before = record.keys;
        record.keys = record.keys.union(approver_keys);
        record.approved = true;
        let shared = record.keys.iter().count() - before.iter().count();
        if let Approver::EscrowAdmin(admin) = by {
            super::escrow::remember(&mut state.recoveries, admin);
        }
        Ok(Outcome::Approved { shared: shared as u8 })
    }

    /// Returns what an approver would share, or why it may not approve.
    fn approver_keys(&self, state: &State, device: DeviceId, by: Approver) -> Result<Epochs, Reason> {
        let user = state.user(device.user);
        match by {
            Approver::Device(approver) => {
                ensure(approver.user == device.user && approver != device, Reason::ApproverNotAuthorized)?;
                ensure_active(state, approver)?;
                let approver = state.device(approver).ok_or(Reason::DeviceNotFound)?;
                let target = state.device(device).ok_or(Reason::DeviceNotFound)?;
                ensure(approver.added_at < target.added_at, Reason::ApproverNotAuthorized)?;
                Ok(approver.keys)
            }
            Approver::BackupKey => user.live_backup().map(|backup| backup.keys).ok_or(Reason::NoBackupKey),
            Approver::EscrowAdmin(admin) => {
                let spec = self.world.admin(admin);
                ensure(spec.account == self.world.user(device.user).account, Reason::PermissionDenied)?;
                let allowed = spec.permissions.write || self.mutated(ModelMutant::RecoveryWithoutWrite);
                ensure(allowed, Reason::PermissionDenied)?;
                ensure(self.escrow_on(state, device.user), Reason::EscrowNotEnabled)?;
                user.live_escrow_device().map(|escrow| escrow.keys).ok_or(Reason::EscrowNotEnabled)
            }
            Approver::Service => Err(Reason::ServiceCannotApprove),
        }
    }

    /// D7: a revocation by another device rotates at once; any other revocation leaves
    /// the rotation to the next device that comes online.
    pub(super) fn revoke_device(&self, state: &mut State, device: DeviceId, by: Revoker) -> Verdict {
        let record = state.device(device).ok_or(Reason::DeviceNotFound)?;
        ensure(record.status != DeviceStatus::Unused, Reason::DeviceNotFound)?;
        ensure(record.status == DeviceStatus::Active, Reason::AlreadyDone)?;
        let by_other_device = self.check_revoker(state, device, by)?;

        let revocation = self.revocation_now(state, device.user);
        state.device_mut(device).status = DeviceStatus::Revoked;
        state.device_mut(device).revoked = Some(revocation);
        self.finish_revocation(state, device.user, by_other_device)
    }

    /// Returns whether the revoker is another active device of the same user.
    fn check_revoker(&self, state: &State, device: DeviceId, by: Revoker) -> Result<bool, Reason> {
        match by {
            Revoker::Device(revoker) => {
                ensure(revoker.user == device.user, Reason::ApproverNotAuthorized)?;
                ensure_active(state, revoker)?;
                Ok(revoker != device)
            }
            Revoker::Website => Ok(false),
            Revoker::Admin(admin) => {
                let same_account = self.world.admin(admin).account == self.world.user(device.user).account;
                ensure(same_account, Reason::PermissionDenied)?;
                Ok(false)
            }
        }
    }

    pub(crate) fn revocation_now(&self, state: &State, user: crate::ids::UserId) -> Revocation {
        Revocation { epoch: state.user(user).epoch, messages_before: state.messages.len() as u8 }
    }

    /// Rotates now when a device did the revoking, or marks the rotation pending.
    pub(crate) fn finish_revocation(&self, state: &mut State, user: crate::ids::UserId, immediate: bool) -> Verdict {
        if self.mutated(ModelMutant::RevokeWithoutRotation) && immediate {
            return Ok(Outcome::Done);
        }
        if immediate {
            let epoch = self.rotate(state, user);
            return Ok(Outcome::Rotated { epoch });
        }
        state.user_mut(user).rotation_pending = true;
        Ok(Outcome::RotationPending)
    }

    /// D7: a device that comes online completes a pending rotation.
    pub(super) fn device_online(&self, state: &mut State, device: DeviceId) -> Verdict {
        ensure_active(state, device)?;
        if !state.user(device.user).rotation_pending {
            return Ok(Outcome::NothingPending);
        }

        let epoch = self.rotate(state, device.user);
        Ok(Outcome::Rotated { epoch })
    }

    /// D8: a backup key is created by a device and starts with what that device holds.
    pub(super) fn create_backup_key(&self, state: &mut State, device: DeviceId) -> Verdict {
        ensure_active(state, device)?;
        ensure(state.user(device.user).live_backup().is_none(), Reason::AlreadyDone)?;

        let keys = state.device(device).map(|d| d.keys).unwrap_or_default();
        let created_at = state.user(device.user).epoch;
        let record = state.user_mut(device.user);
        if let Some(revoked) = record.backup.replace(KeyHolder { keys, created_at, revoked: None }) {
            record.retired.push(revoked);
        }
        Ok(Outcome::Done)
    }

    /// D8: a device revokes the backup key and rotates at once.
    pub(super) fn revoke_backup_key(&self, state: &mut State, by: DeviceId) -> Verdict {
        ensure_active(state, by)?;
        ensure(state.user(by.user).live_backup().is_some(), Reason::NoBackupKey)?;

        let revocation = self.revocation_now(state, by.user);
        if let Some(backup) = state.user_mut(by.user).backup.as_mut() {
            backup.revoked = Some(revocation);
        }
        self.finish_revocation(state, by.user, true)
    }

    /// T3: the user must be an active mail user of an account that has mail.
    pub(crate) fn ensure_user_active(&self, state: &State, user: crate::ids::UserId) -> Result<(), Reason> {
        let account = self.world.user(user).account;
        ensure(state.accounts[account.index()].mail_enabled, Reason::MailNotEnabled)?;
        ensure(state.user(user).enabled, Reason::UserNotEnabled)
    }
}

/// Seals every copy that waited for the user's first key to that key (M3).
fn reencrypt_waiting_mail(state: &mut State, device: DeviceId) {
    let epoch = state.user(device.user).epoch;
    for message in state.messages.iter_mut() {
        let waiting = message.mode == crate::op::Mode::AwaitingKeys
            && message.to == crate::op::Recipient::User(device.user)
            && !message.reencrypted;
        if waiting {
            message.recipient_copy.protection = Protection::Sealed { user: device.user, epoch };
            message.reencrypted = true;
        }
    }
}
