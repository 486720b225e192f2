//! The ids an operation refers to, so that unknown ids are rejected in one place.

use crate::ids::{AccountId, AdminId, DeviceId, DomainId, ExternalId, ListId, UserId};
use crate::op::{Approver, Client, Operation, Reader, Recipient, Revoker};

#[derive(Default)]
pub(crate) struct ReferencedIds {
    pub accounts: Vec<AccountId>,
    pub domains: Vec<DomainId>,
    pub users: Vec<UserId>,
    pub devices: Vec<DeviceId>,
    pub admins: Vec<AdminId>,
    pub lists: Vec<ListId>,
    pub externals: Vec<ExternalId>,
}

impl ReferencedIds {
    fn device(&mut self, device: DeviceId) {
        self.users.push(device.user);
        self.devices.push(device);
    }

    fn client(&mut self, client: Client) {
        match client {
            Client::App(device) => self.device(device),
            Client::Webmail(user) => self.users.push(user),
        }
    }

    fn recipient(&mut self, recipient: Recipient) {
        match recipient {
            Recipient::User(user) => self.users.push(user),
            Recipient::External(external) => self.externals.push(external),
            Recipient::List(list) => self.lists.push(list),
        }
    }
}

pub(crate) fn referenced(op: &Operation) -> ReferencedIds {
    let mut ids = ReferencedIds::default();
    match op {
        Operation::EnableMail { account } => ids.accounts.push(*account),
        Operation::AddDomain { domain }
        | Operation::VerifyDomain { domain }
        | Operation::SetPolicy { domain, .. }
        | Operation::SetCrossDomain { domain, .. } => ids.domains.push(*domain),
        Operation::EnableUser { user } | Operation::DisableUser { user } => ids.users.push(*user),
        Operation::AddDevice { device } => ids.device(*device),
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
        Operation::DeviceOnline { device }
        | Operation::CreateBackupKey { device }
        | Operation::AcknowledgeEscrow { device } => ids.device(*device),
        Operation::RevokeBackupKey { by } => ids.device(*by),
        Operation::EnableEscrow { admin } | Operation::DisableEscrow { admin } => {
            ids.admins.push(*admin)
        }
        Operation::EscrowDiscover { admin, .. } => ids.admins.push(*admin),
        Operation::Send(send) => {
            ids.client(send.from);
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
