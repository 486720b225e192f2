//! Device and per-user key requests: enrollment, rotation, approval, revocation, backup
//! keys and device queues (D).

use mailspec_model::ids::{DeviceId, UserId};
use mailspec_model::op::{Approver, Revoker};
use mailspec_model::Reason;

use super::api::{
    ApiError, ApprovalGrant, ApprovalRequest, BackupRequest, EnrollRequest, QueueItem, RevokeOutcome, RevokeRequest,
    RotationRequest, SyncBatch,
};
use super::sigchain::{ChainLink, LinkBody, Signer};
use super::{ensure, DeviceStatus, MailService};
use crate::crypto::SealedPukSeed;
use crate::fault::Fault;
use crate::names;

impl MailService {
    /// D1: checks an enrollment and registers the device with its self-signed `DeviceAdd`
    /// link. The device then publishes its enrollment rotation (D3).
    pub fn enroll_device(&mut self, request: EnrollRequest) -> Result<(), ApiError> {
        let device = request.device;
        self.ensure_user_active(device.user)?;
        let row = self.device_row(device).ok_or(Reason::DeviceNotFound)?;
        ensure(row.status == DeviceStatus::Unused, Reason::DeviceIdInUse)?;
        let link = ChainLink::decode(&request.link)?;
        let expected_name = names::device(device);
        if !matches!(&link.body, LinkBody::DeviceAdd { device, .. } if *device == expected_name) {
            return Err(ApiError::Invalid(format!("the enrollment link of {expected_name} does not add that device")));
        }

        self.append_link(device.user, request.link)?;
        let row = self.device_row_mut(device);
        row.status = DeviceStatus::Active;
        row.approved = false;
        Ok(())
    }

    /// D2, D3, D7: stores a new generation made by an active device, after checking that
    /// the seed is sealed to every live key holder of the user and to no other holder.
    pub fn publish_rotation(&mut self, request: RotationRequest) -> Result<u32, ApiError> {
        let device = request.device;
        let user = device.user;
        self.ensure_active(device)?;
        let link = ChainLink::decode(&request.link)?;
        let generation = self.generation(user) + 1;
        let LinkBody::PukRotate { public } = &link.body else {
            return Err(ApiError::Invalid("a rotation needs a PukRotate link".into()));
        };
        if public.generation().get() != generation || link.signer != Signer::Holder(names::device(device)) {
            return Err(ApiError::Invalid(format!("the rotation link must make generation {generation}, signed by the rotating device")));
        }
        self.check_rotation_boxes(device, generation, &request.boxes)?;

        self.append_link(user, request.link)?;
        for (holder, sealed) in request.boxes {
            match self.device_named(user, &holder) {
                Some(target) => self.enqueue(target, QueueItem::KeyBox { generation, sealed }),
                None => self.store_key_box(user, &holder, generation, sealed),
            }
        }
        self.users[user.index()].rotation_pending = false;
        if request.enrollment {
            self.device_row_mut(device).added_at = generation;
        }
        if generation == 1 && !self.faulty(Fault::SkipReencryption) {
            self.reencrypt_waiting_mail(user)?;
        }
        Ok(generation)
    }

    fn check_rotation_boxes(&self, device: DeviceId, generation: u32, boxes: &[(String, Vec<u8>)]) -> Result<(), ApiError> {
        let own = names::device(device);
        let chain = &self.users[device.user.index()].chain;
        let mut expected: Vec<&String> = chain.live_holders().map(|(id, _)| id).filter(|id| **id != own).collect();
        let mut provided: Vec<&String> = boxes.iter().map(|(id, _)| id).collect();
        expected.sort();
        provided.sort();
        if expected != provided {
            return Err(ApiError::Invalid(format!("rotation boxes go to {provided:?}, but the live key holders are {expected:?}")));
        }
        for (holder, sealed) in boxes {
            let seed = SealedPukSeed::from_bytes(sealed)?;
            if seed.generation().get() != generation {
                return Err(ApiError::Invalid(format!("the box for {holder} is for generation {}", seed.generation())));
            }
        }
        Ok(())
    }

    /// Returns the device of `user` whose id is `name`.
    fn device_named(&self, user: UserId, name: &str) -> Option<DeviceId> {
        let slots = self.users[user.index()].devices.len() as u8;
        (0..slots).map(|slot| DeviceId::new(user, slot)).find(|device| names::device(*device) == name)
    }

    fn key_box_prefix(&self, user: UserId, holder: &str) -> String {
        format!("{}/keys/{}/{holder}/", super::names::region(self.user_region(user)), names::user(user))
    }

    /// Stores a seed sealed to a virtual device (backup key or escrow device).
    pub(super) fn store_key_box(&mut self, user: UserId, holder: &str, generation: u32, sealed: Vec<u8>) {
        let id = format!("{}g{generation:06}", self.key_box_prefix(user, holder));
        self.store.put(id, "key_box", sealed);
    }

    /// Returns every seed stored for a virtual device, oldest generation first.
    pub(super) fn key_boxes(&self, user: UserId, holder: &str) -> Vec<(u32, Vec<u8>)> {
        let prefix = self.key_box_prefix(user, holder);
        let mut out = Vec::new();
        self.store.visit(|id, _, _, bytes| {
            if let Some(rest) = id.strip_prefix(&prefix) {
                let generation = rest.trim_start_matches('g').parse().unwrap_or(0);
                out.push((generation, bytes.to_vec()));
            }
        });
        out
    }

    /// Returns the queued items of an active device and whether a rotation is pending.
    pub fn device_sync(&self, device: DeviceId) -> Result<SyncBatch, ApiError> {
        self.ensure_active(device)?;
        let items = self.queues.get(&device).map(|queue| queue.iter().map(|(seq, item)| (*seq, item.clone())).collect());
        Ok(SyncBatch { items: items.unwrap_or_default(), rotation_pending: self.users[device.user.index()].rotation_pending })
    }

    /// Removes delivered items from a device's queue.
    pub fn acknowledge(&mut self, device: DeviceId, seqs: &[u64]) {
        let region = names::region(self.user_region(device.user));
        let Some(queue) = self.queues.get_mut(&device) else { return };
        for seq in seqs {
            if queue.remove(seq).is_some() {
                self.store.remove(&format!("{region}/queues/{}/{seq:08}", names::device(device)));
            }
        }
    }

    /// D7: a device that comes online learns whether it must make the pending generation.
    pub fn device_online(&self, device: DeviceId) -> Result<bool, ApiError> {
        self.ensure_active(device)?;
        Ok(self.users[device.user.index()].rotation_pending)
    }

    /// D5, D6, D8, E3: checks an approval in the specification's order and returns what
    /// the approver may use.
    pub fn begin_approval(&self, device: DeviceId, by: Approver) -> Result<ApprovalGrant, ApiError> {
        self.ensure_active(device)?;
        let grant = self.approver_grant(device, by)?;
        ensure(!self.device_row(device).is_some_and(|row| row.approved), Reason::AlreadyDone)?;
        Ok(grant)
    }

    fn approver_grant(&self, device: DeviceId, by: Approver) -> Result<ApprovalGrant, Reason> {
        match by {
            Approver::Device(approver) => {
                ensure(approver.user == device.user && approver != device, Reason::ApproverNotAuthorized)?;
                self.ensure_active(approver)?;
                let approver_added = self.device_row(approver).map_or(0, |row| row.added_at);
                let target_added = self.device_row(device).map_or(0, |row| row.added_at);
                ensure(approver_added < target_added, Reason::ApproverNotAuthorized)?;
                Ok(ApprovalGrant::Device)
            }
            Approver::BackupKey => {
                let holder = self.live_backup(device.user).ok_or(Reason::NoBackupKey)?.clone();
                let boxes = self.key_boxes(device.user, &holder).into_iter().map(|(_, sealed)| sealed).collect();
                Ok(ApprovalGrant::BackupKey { holder, boxes })
            }
            Approver::EscrowAdmin(admin) => {
                let spec = self.world.admin(admin);
                ensure(spec.account == self.world.user(device.user).account, Reason::PermissionDenied)?;
                let allowed = spec.permissions.write || self.faulty(Fault::EscrowWithoutPermission);
                ensure(allowed, Reason::PermissionDenied)?;
                ensure(self.escrow_on(device.user), Reason::EscrowNotEnabled)?;
                let holder = self.live_escrow_device(device.user).ok_or(Reason::EscrowNotEnabled)?.clone();
                let boxes = self.key_boxes(device.user, &holder).into_iter().map(|(_, sealed)| sealed).collect();
                Ok(ApprovalGrant::EscrowDevice { holder, boxes })
            }
            Approver::Service => Err(Reason::ServiceCannotApprove),
        }
    }

    /// Records an approval: the approver's signed `Approve` link, and the seeds it sealed to
    /// the target, which the target receives through its queue.
    pub fn complete_approval(&mut self, request: ApprovalRequest) -> Result<(), ApiError> {
        let device = request.device;
        let grant = self.begin_approval(device, request.by)?;
        let signer = match (&grant, request.by) {
            (ApprovalGrant::Device, Approver::Device(approver)) => names::device(approver),
            (ApprovalGrant::BackupKey { holder, .. }, _) | (ApprovalGrant::EscrowDevice { holder, .. }, _) => holder.clone(),
            _ => return Err(ApiError::Invalid("the approval grant does not match the approver".into())),
        };
        let link = ChainLink::decode(&request.link)?;
        let target = names::device(device);
        if link.signer != Signer::Holder(signer) || !matches!(&link.body, LinkBody::Approve { target: t } if *t == target) {
            return Err(ApiError::Invalid(format!("the approval link does not approve {target} by its approver")));
        }
        for sealed in &request.boxes {
            SealedPukSeed::from_bytes(sealed)?;
        }

        self.append_link(device.user, request.link)?;
        if !request.boxes.is_empty() {
            self.enqueue(device, QueueItem::History { sealed: request.boxes });
        }
        self.device_row_mut(device).approved = true;
        Ok(())
    }

    /// D7: revokes a device. Another live device of the user then rotates at once; any other
    /// revoker leaves the rotation pending.
    pub fn revoke_device(&mut self, request: RevokeRequest) -> Result<RevokeOutcome, ApiError> {
        let device = request.device;
        let row = self.device_row(device).ok_or(Reason::DeviceNotFound)?;
        ensure(row.status != DeviceStatus::Unused, Reason::DeviceNotFound)?;
        ensure(row.status == DeviceStatus::Active, Reason::AlreadyDone)?;
        let by_other_device = self.check_revoker(device, request.by)?;

        let body = LinkBody::DeviceRevoke { device: names::device(device) };
        match (request.by, request.link) {
            (Revoker::Device(revoker), Some(link)) => {
                let decoded = ChainLink::decode(&link)?;
                if decoded.body != body || decoded.signer != Signer::Holder(names::device(revoker)) {
                    return Err(ApiError::Invalid("the revocation link does not revoke this device by the revoker".into()));
                }
                self.append_link(device.user, link)?;
            }
            (Revoker::Device(_), None) => return Err(ApiError::Invalid("a device revoker must sign the revocation".into())),
            (Revoker::Website | Revoker::Admin(_), _) => self.append_service_link(device.user, body)?,
        }
        self.device_row_mut(device).status = DeviceStatus::Revoked;

        if !by_other_device {
            self.users[device.user.index()].rotation_pending = true;
            return Ok(RevokeOutcome::Pending);
        }
        if self.faulty(Fault::RevokeWithoutRotation) {
            return Ok(RevokeOutcome::NoRotation);
        }
        Ok(RevokeOutcome::RotateNow)
    }

    /// Returns whether the revoker is another active device of the same user.
    fn check_revoker(&self, device: DeviceId, by: Revoker) -> Result<bool, Reason> {
        match by {
            Revoker::Device(revoker) => {
                ensure(revoker.user == device.user, Reason::ApproverNotAuthorized)?;
                self.ensure_active(revoker)?;
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

    /// D8: checks that a device may create a backup key, and returns the id it will get.
    pub fn check_create_backup(&self, device: DeviceId) -> Result<String, Reason> {
        self.ensure_active(device)?;
        ensure(self.live_backup(device.user).is_none(), Reason::AlreadyDone)?;
        Ok(names::backup(device.user, self.users[device.user.index()].backups_created + 1))
    }

    /// D8: registers a backup key and stores the creating device's seeds sealed to it.
    pub fn create_backup(&mut self, request: BackupRequest) -> Result<(), ApiError> {
        let device = request.device;
        let user = device.user;
        let holder = self.check_create_backup(device)?;
        if request.holder != holder {
            return Err(ApiError::Invalid(format!("the new backup key must be {holder}")));
        }
        let link = ChainLink::decode(&request.link)?;
        if !matches!(&link.body, LinkBody::BackupAdd { holder: h, .. } if *h == holder) {
            return Err(ApiError::Invalid("the backup link does not add the backup key".into()));
        }
        for (generation, sealed) in &request.boxes {
            let seed = SealedPukSeed::from_bytes(sealed)?;
            if seed.generation().get() != *generation {
                return Err(ApiError::Invalid("a backup box is labelled with the wrong generation".into()));
            }
        }

        self.append_link(user, request.link)?;
        for (generation, sealed) in request.boxes {
            self.store_key_box(user, &holder, generation, sealed);
        }
        let row = &mut self.users[user.index()];
        row.backups_created += 1;
        row.backup = Some(holder);
        Ok(())
    }

    /// Returns the id of the user's live backup key, for a device that signs its revocation.
    pub fn live_backup_id(&self, user: UserId) -> Option<String> {
        self.live_backup(user).cloned()
    }

    /// D8: a device revokes the live backup key; it must then rotate at once.
    pub fn revoke_backup(&mut self, by: DeviceId, link: Option<Vec<u8>>) -> Result<RevokeOutcome, ApiError> {
        self.ensure_active(by)?;
        let holder = self.live_backup(by.user).ok_or(Reason::NoBackupKey)?.clone();
        let link = link.ok_or_else(|| ApiError::Invalid("a backup revocation must be signed".into()))?;
        let decoded = ChainLink::decode(&link)?;
        if decoded.body != (LinkBody::BackupRevoke { holder }) {
            return Err(ApiError::Invalid("the link does not revoke the live backup key".into()));
        }

        if !self.faulty(Fault::BackupStaysLive) {
            self.append_link(by.user, link)?;
        }
        Ok(RevokeOutcome::RotateNow)
    }
}
