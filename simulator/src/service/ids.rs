//! Rejection of requests that name unknown accounts, domains, users, admins, lists,
//! external addresses or device slots, before any rule runs.

use mailspec_model::ids::{AccountId, AdminId, DeviceId, DomainId, ExternalId, ListId, UserId};
use mailspec_model::op::{Approver, Client, Operation, Reader, Recipient, Revoker};
use mailspec_model::Reason;

use super::MailService;

#[derive(Default)]
struct Named {
    accounts: Vec<AccountId>,
    domains: Vec<DomainId>,
    users: Vec<UserId>,
    devices: Vec<DeviceId>,
    admins: Vec<AdminId>,
    lists: Vec<ListId>,
    externals: Vec<ExternalId>,
}

impl Named {
    fn device(&mut self, device: DeviceId) {
        self.users.push(device.user);
        self.devices.push(device);
    }

    fn recipient(&mut self, recipient: Recipient) {
        match recipient {
            Recipient::User(user) => self.users.push(user),
            Recipient::External(external) => self.externals.push(external),
            Recipient::List(list) => self.lists.push(list),
        }
    }
}

fn named(op: &Operation) -> Named {
    let mut ids = Named::default();
    match op {
        Operation::EnableMail { account } => ids.accounts.push(*account),
        Operation::AddDomain { domain }
        | Operation::VerifyDomain { domain }
        | Operation::SetPolicy { domain, .. }
        | Operation::SetCrossDomain { domain, .. } => ids.domains.push(*domain),
        Operation::EnableUser { user } | Operation::DisableUser { user } => ids.users.push(*user),
        Operation::AddDevice { device }
        | Operation::DeviceOnline { device }
        | Operation::CreateBackupKey { device }
        | Operation::AcknowledgeEscrow { device } => ids.device(*device),
        Operation::RevokeBackupKey { by } => ids.device(*by),
        Operation::ApproveDevice { device, by } => {
            ids.device(*device);
            match by {
                Approver::Device(approver) => ids.device(*approver),
                Approver::EscrowAdmin(admin) => ids.admins.push(*admin),
                Approver::BackupKey | Approver::Service => {}
            }
        }
        Operation::RevokeDevice { device, by } => {
            ids.device(*device);
            match by {
                Revoker::Device(revoker) => ids.device(*revoker),
                Revoker::Admin(admin) => ids.admins.push(*admin),
                Revoker::Website => {}
            }
        }
        Operation::EnableEscrow { admin } | Operation::DisableEscrow { admin } | Operation::EscrowDiscover { admin, .. } => {
            ids.admins.push(*admin)
        }
        Operation::Send(send) => {
            match send.from {
                Client::App(device) => ids.device(device),
                Client::Webmail(user) => ids.users.push(user),
            }
            ids.recipient(send.to);
        }
        Operation::ReceiveExternal { to, .. } => ids.users.push(*to),
        Operation::Read { reader, .. } => match reader {
            Reader::Device(device) => ids.device(*device),
            Reader::Webmail(user) => ids.users.push(*user),
            Reader::Service => {}
        },
        Operation::OpenLink { .. } | Operation::AdvanceClock { .. } => {}
        Operation::CreateEvent { organizer, owner, attendee, .. } => {
            ids.users.push(*organizer);
            ids.users.push(*owner);
            ids.recipient(*attendee);
        }
    }
    ids
}

impl MailService {
    /// Rejects a request that names an unknown id: `not_found` for accounts, domains, users,
    /// admins, lists and external addresses, then `device_not_found` for device slots.
    pub fn check_ids(&self, op: &Operation) -> Result<(), Reason> {
        let ids = named(op);
        let world = &self.world;
        let known = ids.accounts.iter().all(|id| world.has_account(*id))
            && ids.domains.iter().all(|id| world.has_domain(*id))
            && ids.users.iter().all(|id| world.has_user(*id))
            && ids.admins.iter().all(|id| world.has_admin(*id))
            && ids.lists.iter().all(|id| world.has_list(*id))
            && ids.externals.iter().all(|id| world.has_external(*id));
        if !known {
            return Err(Reason::NotFound);
        }
        if ids.devices.iter().any(|id| self.device_row(*id).is_none()) {
            return Err(Reason::DeviceNotFound);
        }
        Ok(())
    }
}
