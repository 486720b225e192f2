//! Tenancy rules: regions, plans, domains, the immutable policy, enabling users (T).

use super::{ensure, Rules, Verdict};
use crate::ids::{AccountId, DomainId, UserId};
use crate::mutant::ModelMutant;
use crate::observation::{Outcome, Reason};
use crate::op::Policy;
use crate::state::State;
use crate::world::Plan;

impl Rules<'_> {
    /// T1: mail exists only for accounts hosted in the US or the EU.
    pub(super) fn enable_mail(&self, state: &mut State, account: AccountId) -> Verdict {
        let region = self.world.account(account).region;
        ensure(region.hosts_mail() || self.mutated(ModelMutant::AnyRegion), Reason::RegionUnsupported)?;
        ensure(!state.accounts[account.index()].mail_enabled, Reason::AlreadyDone)?;

        state.accounts[account.index()].mail_enabled = true;
        Ok(Outcome::Done)
    }

    /// T4: a custom domain needs plan Business or higher; T5: the shared domain is
    /// the service's own.
    pub(super) fn add_domain(&self, state: &mut State, domain: DomainId) -> Verdict {
        let owner = self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let plan = self.world.account(owner).plan;
        ensure(plan >= Plan::Business || self.mutated(ModelMutant::AnyPlan), Reason::PlanTooLow)?;
        ensure(!state.domains[domain.index()].added, Reason::AlreadyDone)?;

        state.domains[domain.index()].added = true;
        Ok(Outcome::Done)
    }

    /// T4: verification is a fact from outside (the admin's DNS); the service records it.
    pub(super) fn verify_domain(&self, state: &mut State, domain: DomainId) -> Verdict {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let record = &mut state.domains[domain.index()];
        ensure(record.added, Reason::DomainNotAdded)?;
        ensure(!record.verified, Reason::AlreadyDone)?;

        record.verified = true;
        Ok(Outcome::Done)
    }

    /// T7: the first policy set on a verified domain is final.
    pub(super) fn set_policy(&self, state: &mut State, domain: DomainId, policy: Policy) -> Verdict {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let mutable = self.mutated(ModelMutant::PolicyMutable);
        let unverified_ok = self.mutated(ModelMutant::PolicyBeforeVerify);
        let record = &mut state.domains[domain.index()];
        ensure(record.added, Reason::DomainNotAdded)?;
        ensure(record.verified || unverified_ok, Reason::DomainNotVerified)?;
        ensure(record.policy.is_none() || mutable, Reason::PolicyImmutable)?;
        ensure(record.policy != Some(policy), Reason::AlreadyDone)?;

        record.policy = Some(policy);
        record.first_policy.get_or_insert(policy);
        Ok(Outcome::Done)
    }

    /// M2: the cross-domain encryption switch of a custom domain.
    pub(super) fn set_cross_domain(&self, state: &mut State, domain: DomainId, enabled: bool) -> Verdict {
        self.world.domain(domain).owner.ok_or(Reason::DefaultDomainNoAdminFeatures)?;
        let record = &mut state.domains[domain.index()];
        ensure(record.verified, Reason::DomainNotVerified)?;
        ensure(record.cross_domain != enabled, Reason::AlreadyDone)?;

        record.cross_domain = enabled;
        Ok(Outcome::Done)
    }

    /// T3: an admin makes a user an active mail user; the user's custom domain must
    /// have its policy first.
    pub(super) fn enable_user(&self, state: &mut State, user: UserId) -> Verdict {
        let spec = self.world.user(user);
        ensure(state.accounts[spec.account.index()].mail_enabled, Reason::MailNotEnabled)?;
        let custom = self.world.domain(spec.domain).owner.is_some();
        ensure(!custom || state.domains[spec.domain.index()].policy.is_some(), Reason::DomainNotConfigured)?;
        ensure(!state.user(user).enabled, Reason::AlreadyDone)?;

        state.user_mut(user).enabled = true;
        Ok(Outcome::Done)
    }

    /// T3, T9: a disabled user keeps devices, keys and stored mail, but neither sends
    /// nor receives until enabled again.
    pub(super) fn disable_user(&self, state: &mut State, user: UserId) -> Verdict {
        ensure(state.user(user).enabled, Reason::AlreadyDone)?;

        state.user_mut(user).enabled = false;
        Ok(Outcome::Done)
    }

    /// Returns the policy that governs a user's sending. The shared default domain has
    /// a fixed policy: secure by default, with the user's choice.
    pub(crate) fn policy_of(&self, state: &State, user: UserId) -> Option<Policy> {
        let domain = self.world.user(user).domain;
        match self.world.domain(domain).owner {
            Some(_) => state.domains[domain.index()].policy,
            None => Some(Policy::SecureByDefault),
        }
    }

    /// Returns true when the user's domain has its cross-domain switch on.
    pub(crate) fn cross_domain_on(&self, state: &State, user: UserId) -> bool {
        let domain = self.world.user(user).domain;
        self.world.domain(domain).owner.is_some() && state.domains[domain.index()].cross_domain
    }
}
