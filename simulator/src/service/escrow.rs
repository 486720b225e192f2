//! Escrow requests, also called device-managed encryption (E).

use mailspec_model::ids::{AccountId, AdminId, DeviceId, MessageId, UserId};
use mailspec_model::Reason;

use super::api::{ApiError, DiscoveryBundle, EscrowAckRequest};
use super::sigchain::{ChainLink, LinkBody};
use super::{ensure, EscrowStatus, MailService};
use crate::crypto::SealedPukSeed;
use crate::fault::Fault;
use crate::names;

impl MailService {
    /// E1: an escrow manager enables escrow; every member must acknowledge it again.
    pub fn enable_escrow(&mut self, admin: AdminId) -> Result<(), Reason> {
        let spec = self.world.admin(admin);
        ensure(spec.permissions.manager, Reason::PermissionDenied)?;
        let account = spec.account;
        ensure(self.has_verified_custom_domain(account), Reason::DefaultDomainNoAdminFeatures)?;
        ensure(self.accounts[account.index()].escrow != EscrowStatus::On, Reason::AlreadyDone)?;

        self.accounts[account.index()].escrow = EscrowStatus::On;
        for user in self.world.users_of(account).collect::<Vec<_>>() {
            self.users[user.index()].escrow_acknowledged = false;
        }
        Ok(())
    }

    fn has_verified_custom_domain(&self, account: AccountId) -> bool {
        self.world
            .domain_ids()
            .any(|domain| self.world.domain(domain).owner == Some(account) && self.domains[domain.index()].verified)
    }

    /// Returns true when the user's account has escrow on and the user acknowledged it.
    pub(super) fn escrow_on(&self, user: UserId) -> bool {
        let account = self.world.user(user).account;
        self.accounts[account.index()].escrow == EscrowStatus::On && self.users[user.index()].escrow_acknowledged
    }

    /// E1, E2: checks an acknowledgement and returns the id of the escrow device to add.
    pub fn check_acknowledge_escrow(&self, device: DeviceId) -> Result<String, Reason> {
        self.ensure_active(device)?;
        let account = self.world.user(device.user).account;
        ensure(self.accounts[account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;
        ensure(!self.users[device.user.index()].escrow_acknowledged, Reason::AlreadyDone)?;
        Ok(names::escrow(device.user, self.users[device.user.index()].escrow_devices_created + 1))
    }

    /// E2: records the acknowledgement and the new escrow device. The acknowledging device
    /// then rotates, which gives the escrow device its first seed.
    pub fn acknowledge_escrow(&mut self, request: EscrowAckRequest) -> Result<(), ApiError> {
        let user = request.device.user;
        let holder = self.check_acknowledge_escrow(request.device)?;
        if request.holder != holder {
            return Err(ApiError::Invalid(format!("the new escrow device must be {holder}")));
        }
        let link = ChainLink::decode(&request.link)?;
        if !matches!(&link.body, LinkBody::EscrowAdd { holder: h, .. } if *h == holder) {
            return Err(ApiError::Invalid("the acknowledgement link does not add the escrow device".into()));
        }
        for (_, sealed) in &request.boxes {
            SealedPukSeed::from_bytes(sealed)?;
        }

        self.append_link(user, request.link)?;
        for (generation, sealed) in request.boxes {
            self.store_key_box(user, &holder, generation, sealed);
        }
        let row = &mut self.users[user.index()];
        row.escrow_devices_created += 1;
        row.escrow_device = Some(holder);
        row.escrow_acknowledged = true;
        Ok(())
    }

    /// E2: disabling revokes every live escrow device and leaves each member's rotation pending.
    pub fn disable_escrow(&mut self, admin: AdminId) -> Result<(), ApiError> {
        let spec = self.world.admin(admin);
        ensure(spec.permissions.manager, Reason::PermissionDenied)?;
        let account = spec.account;
        ensure(self.accounts[account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;

        self.accounts[account.index()].escrow = EscrowStatus::Disabled;
        for user in self.world.users_of(account).collect::<Vec<_>>() {
            self.users[user.index()].escrow_acknowledged = false;
            if let Some(holder) = self.live_escrow_device(user).cloned() {
                self.append_service_link(user, LinkBody::EscrowRevoke { holder })?;
                self.users[user.index()].rotation_pending = true;
            }
        }
        Ok(())
    }

    /// E4, E5: returns the envelopes of a message and the seeds of the live escrow devices of
    /// the admin's account, for an escrow-read admin while escrow is on. The admin's escrow keys
    /// decide what opens.
    pub fn discover(&self, admin: AdminId, message: MessageId) -> Result<DiscoveryBundle, ApiError> {
        let spec = self.world.admin(admin);
        let allowed = spec.permissions.read || self.faulty(Fault::DiscoveryWithoutRead);
        ensure(allowed, Reason::PermissionDenied)?;
        ensure(self.accounts[spec.account.index()].escrow == EscrowStatus::On, Reason::EscrowNotEnabled)?;
        let row = self.messages.get(message.index()).ok_or(Reason::NotFound)?;

        let mut bundle = DiscoveryBundle::default();
        for copy in [Some(&row.recipient_copy), row.sent_copy.as_ref()].into_iter().flatten() {
            if let Some(sealed) = self.sealed_copy(row, copy, true)? {
                bundle.copies.push(sealed);
            }
        }
        // Only live escrow devices: after escrow is disabled, the service refuses the seeds
        // of the revoked ones, even once escrow is enabled again.
        for member in self.world.users_of(spec.account) {
            let Some(holder) = self.live_escrow_device(member).cloned() else { continue };
            for (generation, sealed) in self.key_boxes(member, &holder) {
                bundle.escrow_boxes.push((member, holder.clone(), generation, sealed));
            }
        }
        Ok(bundle)
    }
}
