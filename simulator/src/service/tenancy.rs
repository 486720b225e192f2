//! Tenancy requests of account admins: mail, domains, policies, users (T).

use mailspec_model::ids::{AccountId, DomainId, UserId};
use mailspec_model::op::Policy;
use mailspec_model::world::Plan;
use mailspec_model::Reason;

use super::{ensure, MailService};
use crate::fault::Fault;

impl MailService {
    /// T1: mail exists only for accounts hosted in the US or the EU. Enabling creates the
    /// account's data key, wrapped under its region's root key.
    pub fn enable_mail(&mut self, account: AccountId) -> Result<(), Reason> {
        let region = self.world.account(account).region;
        ensure(region.hosts_mail() || self.faulty(Fault::AnyRegion), Reason::RegionUnsupported)?;
        ensure(!self.accounts[account.index()].mail_enabled, Reason::AlreadyDone)?;

        self.accounts[account.index()].mail_enabled = true;
        self.data_key(account).expect("a new data key wraps under the region root key");
        Ok(())
    }

    /// T4, T5: custom domains need plan Business or higher; the shared domain has no admin.
    pub fn add_domain(&mut self, domain: DomainId) -> Result<(), Reason> {
        let owner = self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let plan = self.world.account(owner).plan;
        ensure(plan >= Plan::Business || self.faulty(Fault::AnyPlan), Reason::PlanTooLow)?;
        ensure(!self.domains[domain.index()].added, Reason::AlreadyDone)?;

        self.domains[domain.index()].added = true;
        Ok(())
    }

    /// T4: ownership is proven outside the service (the admin's DNS); the service records it.
    pub fn verify_domain(&mut self, domain: DomainId) -> Result<(), Reason> {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let row = &mut self.domains[domain.index()];
        ensure(row.added, Reason::DomainNotAdded)?;
        ensure(!row.verified, Reason::AlreadyDone)?;

        row.verified = true;
        Ok(())
    }

    /// T7: the first policy set on a verified domain is final.
    pub fn set_policy(&mut self, domain: DomainId, policy: Policy) -> Result<(), Reason> {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let mutable = self.faulty(Fault::MutablePolicy);
        let row = &mut self.domains[domain.index()];
        ensure(row.added, Reason::DomainNotAdded)?;
        ensure(row.verified, Reason::DomainNotVerified)?;
        ensure(row.policy.is_none() || mutable, Reason::PolicyImmutable)?;
        ensure(row.policy != Some(policy), Reason::AlreadyDone)?;

        row.policy = Some(policy);
        Ok(())
    }

    /// M2: the cross-domain encryption switch of a verified custom domain.
    pub fn set_cross_domain(&mut self, domain: DomainId, enabled: bool) -> Result<(), Reason> {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let row = &mut self.domains[domain.index()];
        ensure(row.verified, Reason::DomainNotVerified)?;
        ensure(row.cross_domain != enabled, Reason::AlreadyDone)?;

        row.cross_domain = enabled;
        Ok(())
    }

    /// T3: a user becomes an active mail user once the account has mail and the user's
    /// custom domain has a policy.
    pub fn enable_user(&mut self, user: UserId) -> Result<(), Reason> {
        let spec = self.world.user(user);
        ensure(self.accounts[spec.account.index()].mail_enabled, Reason::MailNotEnabled)?;
        let custom = self.world.domain(spec.domain).owner.is_some();
        ensure(!custom || self.domains[spec.domain.index()].policy.is_some(), Reason::DomainNotConfigured)?;
        ensure(!self.users[user.index()].enabled, Reason::AlreadyDone)?;

        self.users[user.index()].enabled = true;
        Ok(())
    }

    /// T3, T9: a disabled user keeps devices, keys and mail.
    pub fn disable_user(&mut self, user: UserId) -> Result<(), Reason> {
        ensure(self.users[user.index()].enabled, Reason::AlreadyDone)?;

        self.users[user.index()].enabled = false;
        Ok(())
    }

    /// Returns the policy of the user's domain; the shared domain's is secure by default.
    fn policy_of(&self, user: UserId) -> Option<Policy> {
        let domain = self.world.user(user).domain;
        match self.world.domain(domain).owner {
            Some(_) => self.domains[domain.index()].policy,
            None => Some(Policy::SecureByDefault),
        }
    }

    pub(super) fn sender_policy(&self, user: UserId) -> Option<Policy> {
        self.policy_of(user)
    }

    /// Returns true when the user's own custom domain has its cross-domain switch on.
    pub(super) fn cross_domain_on(&self, user: UserId) -> bool {
        let domain = self.world.user(user).domain;
        self.world.domain(domain).owner.is_some() && self.domains[domain.index()].cross_domain
    }
}
