//! The world: the fixed cast of a model run (accounts, domains, users, admins, lists).
//!
//! Everything here is decided before the run starts and never changes; what changes is
//! in [`crate::state::State`]. Static facts that the service learns from outside, such
//! as an account's region and plan, live here too.

use crate::ids::{AccountId, AdminId, DomainId, ExternalId, ListId, UserId};
use serde::{Deserialize, Serialize};

/// Where an account is hosted (T1, T2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Us,
    Eu,
    /// Any other hosting region (India, Australia, Singapore, ...).
    Other,
}

impl Region {
    pub fn hosts_mail(self) -> bool {
        matches!(self, Region::Us | Region::Eu)
    }
}

/// An account's plan, in increasing order (T4, T8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Pro,
    Business,
    BusinessPlus,
    Enterprise,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountSpec {
    pub region: Region,
    pub plan: Plan,
}

/// A domain: custom (owned by one account) or the shared default domain (owner `None`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DomainSpec {
    pub owner: Option<AccountId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UserSpec {
    pub account: AccountId,
    pub domain: DomainId,
    /// How many devices this user may enroll in the run.
    pub device_slots: u8,
}

/// The escrow permissions of one admin (E3, E4, E5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EscrowPermissions {
    pub manager: bool,
    pub write: bool,
    pub read: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdminSpec {
    pub account: AccountId,
    pub permissions: EscrowPermissions,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListSpec {
    pub account: AccountId,
    pub members: Vec<UserId>,
}

/// The fixed cast of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct World {
    pub accounts: Vec<AccountSpec>,
    pub domains: Vec<DomainSpec>,
    pub users: Vec<UserSpec>,
    pub admins: Vec<AdminSpec>,
    pub lists: Vec<ListSpec>,
    pub externals: u8,
    /// Pairs (delegate, owner): the delegate may schedule on the owner's calendar (C2).
    pub delegations: Vec<(UserId, UserId)>,
}

impl World {
    pub fn account(&self, id: AccountId) -> &AccountSpec {
        &self.accounts[id.index()]
    }

    pub fn domain(&self, id: DomainId) -> &DomainSpec {
        &self.domains[id.index()]
    }

    pub fn user(&self, id: UserId) -> &UserSpec {
        &self.users[id.index()]
    }

    pub fn admin(&self, id: AdminId) -> &AdminSpec {
        &self.admins[id.index()]
    }

    pub fn list(&self, id: ListId) -> &ListSpec {
        &self.lists[id.index()]
    }

    pub fn has_user(&self, id: UserId) -> bool {
        id.index() < self.users.len()
    }

    pub fn has_domain(&self, id: DomainId) -> bool {
        id.index() < self.domains.len()
    }

    pub fn has_account(&self, id: AccountId) -> bool {
        id.index() < self.accounts.len()
    }

    pub fn has_admin(&self, id: AdminId) -> bool {
        id.index() < self.admins.len()
    }

    pub fn has_list(&self, id: ListId) -> bool {
        id.index() < self.lists.len()
    }

    pub fn has_external(&self, id: ExternalId) -> bool {
        id.0 < self.externals
    }

    pub fn user_ids(&self) -> impl Iterator<Item = UserId> + '_ {
        (0..self.users.len() as u8).map(UserId)
    }

    pub fn domain_ids(&self) -> impl Iterator<Item = DomainId> + '_ {
        (0..self.domains.len() as u8).map(DomainId)
    }

    pub fn account_ids(&self) -> impl Iterator<Item = AccountId> + '_ {
        (0..self.accounts.len() as u8).map(AccountId)
    }

    pub fn admin_ids(&self) -> impl Iterator<Item = AdminId> + '_ {
        (0..self.admins.len() as u8).map(AdminId)
    }

    pub fn list_ids(&self) -> impl Iterator<Item = ListId> + '_ {
        (0..self.lists.len() as u8).map(ListId)
    }

    pub fn external_ids(&self) -> impl Iterator<Item = ExternalId> + '_ {
        (0..self.externals).map(ExternalId)
    }

    pub fn users_of(&self, account: AccountId) -> impl Iterator<Item = UserId> + '_ {
        self.user_ids().filter(move |user| self.user(*user).account == account)
    }

    /// Returns the region of the account that stores a user's mailbox.
    pub fn region_of_user(&self, user: UserId) -> Region {
        self.account(self.user(user).account).region
    }

    pub fn delegated(&self, delegate: UserId, owner: UserId) -> bool {
        self.delegations.contains(&(delegate, owner))
    }
}
