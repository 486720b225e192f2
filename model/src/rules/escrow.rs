//! Escrow rules, also called device-managed encryption (E).

use super::{ensure, ensure_active, Rules, Verdict};
use crate::ids::{AdminId, DeviceId, Epochs, MessageId, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::state::{EscrowStatus, KeyHolder, Protection, State};

impl Rules<'_> {
    /// E1: an escrow manager enables escrow; every member must acknowledge it again.
    pub(super) fn enable_escrow(&self, state: &mut State, admin: AdminId) -> Verdict {
        let spec = self.world.admin(admin);
        ensure(spec.permissions.manager, Reason::PermissionDenied)?;
        self.ensure_custom_domain(state, spec.account)?;
        let account = &mut state.accounts[spec.account.index()];
        ensure(account.escrow != EscrowStatus::On, Reason::AlreadyDone)?;

        account.escrow = EscrowStatus::On;
        for user in self.world.users_of(spec.account) {
            state.user_mut(user).escrow_acknowledged = false;
        }
        Ok(Outcome::Done)
    }

    /// T5: admin features need a verified custom domain; the shared domain has none.
    fn ensure_custom_domain(&self, state: &State, account: crate::ids::AccountId) -> Result<(), Reason> {
        let has_custom = self
            .world
            .domain_ids()
            .any(|domain| self.world.domain(domain).owner == Some(account) && state.domains[domain.index()].verified);
        ensure(has_custom, Reason::DefaultDomainNoAdminFeatures)
    }

    /// E1, E2: the member's client acknowledges and adds an escrow device. Adding it
    /// makes a new generation, so the escrow device starts with that one alone.
    pub(super) fn acknowledge_escrow(&self, state: &mut State, device: DeviceId) -> Verdict {
        ensure_active(state, device)?;
        let account = self.world.user(device.user).account;
        ensure(state.accounts[account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;
        ensure(!state.user(device.user).escrow_acknowledged, Reason::AlreadyDone)?;
        let device_keys = state.device(device).map(|d| d.keys).unwrap_or_default();

        let record = state.user_mut(device.user);
        record.escrow_acknowledged = true;
        let fresh = KeyHolder { keys: Epochs::EMPTY, created_at: record.epoch.next(), revoked: None };
        if let Some(revoked) = record.escrow_device.replace(fresh) {
            record.retired.push(revoked);
        }
        let epoch = self.rotate(state, device.user);
        if self.mutated(ModelMutant::EscrowGetsHistory) {
            if let Some(escrow) = state.user_mut(device.user).escrow_device.as_mut() {
                escrow.keys = escrow.keys.union(device_keys);
            }
        }
        Ok(Outcome::Rotated { epoch })
    }

    /// E2: disabling revokes every escrow device; members rotate when a device is next
    /// online. Former escrow admins keep what was encrypted before.
    pub(super) fn disable_escrow(&self, state: &mut State, admin: AdminId) -> Verdict {
        let spec = self.world.admin(admin);
        ensure(spec.permissions.manager, Reason::PermissionDenied)?;
        ensure(state.accounts[spec.account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;

        state.accounts[spec.account.index()].escrow = EscrowStatus::Disabled;
        for user in self.world.users_of(spec.account) {
            let revocation = self.revocation_now(state, user);
            let record = state.user_mut(user);
            record.escrow_acknowledged = false;
            if let Some(escrow) = record.escrow_device.as_mut().filter(|escrow| escrow.revoked.is_none()) {
                escrow.revoked = Some(revocation);
                record.rotation_pending = true;
            }
        }
        Ok(Outcome::Done)
    }

    /// E4, E5: an escrow-read admin decrypts a member's stored copy with the keys the
    /// member's escrow device holds.
    pub(super) fn escrow_discover(&self, state: &mut State, admin: AdminId, message: MessageId) -> Verdict {
        let spec = self.world.admin(admin);
        let allowed = spec.permissions.read || self.mutated(ModelMutant::DiscoveryWithoutRead);
        ensure(allowed, Reason::PermissionDenied)?;
        ensure(state.accounts[spec.account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;
        let stored = state.messages.get(message.index()).ok_or(Reason::NotFound)?;

        let copies = [Some(stored.recipient_copy), stored.sent_copy];
        let readable = copies.into_iter().flatten().any(|copy| match copy.protection {
            Protection::Sealed { user, epoch } => {
                self.world.user(user).account == spec.account && self.escrow_holds(state, user, epoch)
            }
            _ => false,
        });
        ensure(readable, Reason::NoKey)?;

        remember(&mut state.discoveries, admin);
        Ok(Outcome::Content)
    }

    /// Returns true when the user's live escrow device holds the generation; a revoked
    /// one opens nothing for admins, since the service denies it.
    fn escrow_holds(&self, state: &State, user: UserId, epoch: crate::ids::Epoch) -> bool {
        state.user(user).live_escrow_device().is_some_and(|escrow| escrow.keys.contains(epoch))
    }

    /// Returns true when the user's account has escrow on and the user acknowledged it.
    pub(crate) fn escrow_on(&self, state: &State, user: UserId) -> bool {
        let account = self.world.user(user).account;
        state.accounts[account.index()].escrow == EscrowStatus::On && state.user(user).escrow_acknowledged
    }
}

/// Adds an admin to a sorted set of admins, once.
pub(crate) fn remember(admins: &mut Vec<AdminId>, admin: AdminId) {
    if let Err(position) = admins.binary_search(&admin) {
        admins.insert(position, admin);
    }
}
