//! The scenario catalog: named operation sequences over one shared world, with the
//! observation the specification expects at each step.
//!
//! The model's tests replay every scenario and compare each observation with the one
//! written here, and `mailspec record` turns the same scenarios into conformance
//! vectors whose expected observations come from the model.

use crate::ids::{AccountId, AdminId, DeviceId, DomainId, Epoch, EventId, ExternalId, ListId, MessageId, Time, UserId};
use crate::observation::{Observation, Outcome, Reason};
use crate::op::{Approver, Client, Expiry, Mode, ModeRequest, Operation, Policy, Reader, Recipient, Revoker, Seal, Send, ATTACHMENT_LIMIT, DAY};
use crate::world::{AccountSpec, AdminSpec, DomainSpec, EscrowPermissions, ListSpec, Plan, Region, UserSpec, World};

/// What a scenario step must observe. `Accepted` pins only that the step succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Observation(Observation),
    Accepted,
}

impl Expect {
    pub fn matches(&self, observed: &Observation) -> bool {
        match self {
            Expect::Observation(expected) => expected == observed,
            Expect::Accepted => observed.is_ok(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ScenarioStep {
    pub op: Operation,
    pub expect: Expect,
}

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub rules: &'static [&'static str],
    pub steps: Vec<ScenarioStep>,
}

impl Scenario {
    fn new(name: &'static str, rules: &'static [&'static str]) -> Self {
        Scenario { name, rules, steps: Vec::new() }
    }

    fn then(mut self, op: Operation, expect: Expect) -> Self {
        self.steps.push(ScenarioStep { op, expect });
        self
    }

    fn ok(self, op: Operation, outcome: Outcome) -> Self {
        self.then(op, Expect::Observation(Observation::Ok(outcome)))
    }

    fn done(self, op: Operation) -> Self {
        self.ok(op, Outcome::Done)
    }

    fn rejects(self, op: Operation, reason: Reason) -> Self {
        self.then(op, Expect::Observation(Observation::Rejected(reason)))
    }

    fn accepts(self, ops: Vec<Operation>) -> Self {
        ops.into_iter().fold(self, |scenario, op| scenario.then(op, Expect::Accepted))
    }

    fn sent(self, op: Operation, message: u8, mode: Mode) -> Self {
        self.ok(op, Outcome::Sent { message: MessageId(message), mode })
    }

    fn content(self, op: Operation) -> Self {
        self.ok(op, Outcome::Content)
    }

    fn rotated(self, op: Operation, epoch: u8) -> Self {
        self.ok(op, Outcome::Rotated { epoch: Epoch(epoch) })
    }
}

// The shared world.
const US_BUSINESS: AccountId = AccountId(0);
const EU_BUSINESS: AccountId = AccountId(1);
const OTHER_REGION: AccountId = AccountId(2);
const US_PRO: AccountId = AccountId(3);
const D_US: DomainId = DomainId(0);
const D_EU: DomainId = DomainId(1);
const D_SHARED: DomainId = DomainId(3);
const D_PRO: DomainId = DomainId(4);
const D_US_SECOND: DomainId = DomainId(5);
const ALICE: UserId = UserId(0);
const BOB: UserId = UserId(1);
const EVE_EU: UserId = UserId(2);
const PAT_SHARED: UserId = UserId(3);
const NEWCOMER: UserId = UserId(4);
const MANAGER: AdminId = AdminId(0);
const WRITER: AdminId = AdminId(1);
const READER: AdminId = AdminId(2);
const PLAIN_ADMIN: AdminId = AdminId(3);
const PRO_MANAGER: AdminId = AdminId(4);
const LIST: ListId = ListId(0);
const OUTSIDER: Recipient = Recipient::External(ExternalId(0));

/// Returns the world every scenario runs in.
///
/// Accounts: 0 US Business, 1 EU Business, 2 in another region, 3 US Pro. Domains: 0
/// and 5 custom of account 0, 1 custom of account 1, 2 of account 2, 3 the shared
/// default domain, 4 custom of account 3. Users: 0 and 1 in account 0, 2 in account 1,
/// 3 in account 3 on the shared domain, 4 in account 0 without a device at first.
/// Admins of account 0: 0 escrow manager, 1 escrow-write, 2 escrow-read, 3 none; admin
/// 4 is account 3's manager. List 0 holds users 0 and 1. User 1 is user 0's delegate.
pub fn world() -> World {
    let account = |region, plan| AccountSpec { region, plan };
    let custom = |owner: AccountId| DomainSpec { owner: Some(owner) };
    let user = |account, domain, device_slots| UserSpec { account, domain, device_slots };
    let admin = |account, manager, write, read| AdminSpec { account, permissions: EscrowPermissions { manager, write, read } };
    World {
        accounts: vec![
            account(Region::Us, Plan::Business),
            account(Region::Eu, Plan::Business),
            account(Region::Other, Plan::Enterprise),
            account(Region::Us, Plan::Pro),
        ],
        domains: vec![
            custom(US_BUSINESS),
            custom(EU_BUSINESS),
            custom(OTHER_REGION),
            DomainSpec { owner: None },
            custom(US_PRO),
            custom(US_BUSINESS),
        ],
        users: vec![
            user(US_BUSINESS, D_US, 3),
            user(US_BUSINESS, D_US, 2),
            user(EU_BUSINESS, D_EU, 1),
            user(US_PRO, D_SHARED, 1),
            user(US_BUSINESS, D_US, 1),
        ],
        admins: vec![
            admin(US_BUSINESS, true, false, false),
            admin(US_BUSINESS, false, true, false),
            admin(US_BUSINESS, false, false, true),
            admin(US_BUSINESS, false, false, false),
            admin(US_PRO, true, false, false),
        ],
        lists: vec![ListSpec { account: US_BUSINESS, members: vec![ALICE, BOB] }],
        externals: 1,
        delegations: vec![(BOB, ALICE)],
    }
}

fn dev(user: UserId, slot: u8) -> DeviceId {
    DeviceId::new(user, slot)
}

fn msg(id: u8) -> MessageId {
    MessageId(id)
}

fn send(from: Client, to: Recipient, mode: ModeRequest) -> Operation {
    Operation::Send(Send { from, to, mode, attachment: 0, expiry: None, seal: Seal::Current })
}

fn send_with(from: Client, to: Recipient, mode: ModeRequest, expiry: Option<Expiry>, attachment: u32) -> Operation {
    Operation::Send(Send { from, to, mode, attachment, expiry, seal: Seal::Current })
}

fn app(user: UserId, slot: u8) -> Client {
    Client::App(dev(user, slot))
}

fn read(message: u8, reader: Reader) -> Operation {
    Operation::Read { message: msg(message), reader }
}

fn on(user: UserId, slot: u8) -> Reader {
    Reader::Device(dev(user, slot))
}

/// Account 0 with mail, domain 0 secure by default, users 0 and 1 each with a device.
fn us_ready() -> Vec<Operation> {
    vec![
        Operation::EnableMail { account: US_BUSINESS },
        Operation::AddDomain { domain: D_US },
        Operation::VerifyDomain { domain: D_US },
        Operation::SetPolicy { domain: D_US, policy: Policy::SecureByDefault },
        Operation::EnableUser { user: ALICE },
        Operation::EnableUser { user: BOB },
        Operation::AddDevice { device: dev(ALICE, 0) },
        Operation::AddDevice { device: dev(BOB, 0) },
    ]
}

/// Account 1 with mail, domain 1 secure only, user 2 with a device.
fn eu_ready() -> Vec<Operation> {
    vec![
        Operation::EnableMail { account: EU_BUSINESS },
        Operation::AddDomain { domain: D_EU },
        Operation::VerifyDomain { domain: D_EU },
        Operation::SetPolicy { domain: D_EU, policy: Policy::SecureOnly },
        Operation::EnableUser { user: EVE_EU },
        Operation::AddDevice { device: dev(EVE_EU, 0) },
    ]
}

/// Returns every scenario, in a stable order.
pub fn catalog() -> Vec<Scenario> {
    let mut all = tenancy();
    all.extend(modes());
    all.extend(links());
    all.extend(devices());
    all.extend(escrow());
    all.extend(calendar_and_limits());
    all
}

fn tenancy() -> Vec<Scenario> {
    vec![
        Scenario::new("mail_needs_us_or_eu_region", &["T1"])
            .rejects(Operation::EnableMail { account: OTHER_REGION }, Reason::RegionUnsupported)
            .done(Operation::EnableMail { account: US_BUSINESS })
            .done(Operation::EnableMail { account: EU_BUSINESS })
            .rejects(Operation::EnableMail { account: US_BUSINESS }, Reason::AlreadyDone),
        Scenario::new("user_needs_mail_and_a_configured_domain", &["T3", "T7"])
            .rejects(Operation::EnableUser { user: ALICE }, Reason::MailNotEnabled)
            .done(Operation::EnableMail { account: US_BUSINESS })
            .done(Operation::AddDomain { domain: D_US })
            .done(Operation::VerifyDomain { domain: D_US })
            .rejects(Operation::EnableUser { user: ALICE }, Reason::DomainNotConfigured)
            .done(Operation::SetPolicy { domain: D_US, policy: Policy::StandardByDefault })
            .done(Operation::EnableUser { user: ALICE })
            .rejects(Operation::EnableUser { user: ALICE }, Reason::AlreadyDone)
            .rejects(Operation::AddDevice { device: dev(BOB, 0) }, Reason::UserNotEnabled),
        Scenario::new("disabled_user_neither_sends_nor_receives", &["T3", "T9"])
            .accepts(us_ready())
            .sent(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::E2ee), 0, Mode::E2ee)
            .done(Operation::DisableUser { user: BOB })
            .rejects(send(app(BOB, 0), Recipient::User(ALICE), ModeRequest::E2ee), Reason::UserNotEnabled)
            .rejects(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::Standard), Reason::RecipientNotEnabled)
            .done(Operation::EnableUser { user: BOB })
            .content(read(0, on(BOB, 0))),
        Scenario::new("custom_domain_needs_business_plan_and_verification", &["T4", "T6"])
            .done(Operation::EnableMail { account: US_PRO })
            .rejects(Operation::AddDomain { domain: D_PRO }, Reason::PlanTooLow)
            .rejects(Operation::VerifyDomain { domain: D_US }, Reason::DomainNotAdded)
            .done(Operation::AddDomain { domain: D_US })
            .done(Operation::AddDomain { domain: D_US_SECOND })
            .rejects(Operation::SetPolicy { domain: D_US, policy: Policy::SecureOnly }, Reason::DomainNotVerified)
            .rejects(Operation::SetCrossDomain { domain: D_US, enabled: true }, Reason::DomainNotVerified)
            .done(Operation::VerifyDomain { domain: D_US })
            .done(Operation::VerifyDomain { domain: D_US_SECOND })
            .done(Operation::SetPolicy { domain: D_US, policy: Policy::SecureOnly })
            .done(Operation::SetPolicy { domain: D_US_SECOND, policy: Policy::StandardByDefault }),
        Scenario::new("shared_domain_has_no_admin_features", &["T5"])
            .done(Operation::EnableMail { account: US_PRO })
            .rejects(Operation::AddDomain { domain: D_SHARED }, Reason::DefaultDomainNoAdminFeatures)
            .rejects(Operation::SetPolicy { domain: D_SHARED, policy: Policy::SecureOnly }, Reason::DefaultDomainNoAdminFeatures)
            .rejects(Operation::SetCrossDomain { domain: D_SHARED, enabled: true }, Reason::DefaultDomainNoAdminFeatures)
            .rejects(Operation::EnableEscrow { admin: PRO_MANAGER }, Reason::DefaultDomainNoAdminFeatures)
            .done(Operation::EnableUser { user: PAT_SHARED })
            .rotated(Operation::AddDevice { device: dev(PAT_SHARED, 0) }, 1)
            .sent(send(app(PAT_SHARED, 0), OUTSIDER, ModeRequest::Standard), 0, Mode::Standard),
        Scenario::new("policy_is_set_once", &["T7"])
            .accepts(us_ready())
            .rejects(Operation::SetPolicy { domain: D_US, policy: Policy::SecureOnly }, Reason::PolicyImmutable)
            .rejects(Operation::SetPolicy { domain: D_US, policy: Policy::SecureByDefault }, Reason::PolicyImmutable),
        Scenario::new("secure_only_domain_sends_no_standard_mail", &["T7", "M1", "M6"])
            .accepts(eu_ready())
            .rejects(send(app(EVE_EU, 0), OUTSIDER, ModeRequest::Standard), Reason::PolicyRequiresSecure)
            .rejects(send(Client::Webmail(EVE_EU), OUTSIDER, ModeRequest::Standard), Reason::PolicyRequiresSecure)
            .rejects(send(Client::Webmail(EVE_EU), OUTSIDER, ModeRequest::PasswordExpiring), Reason::WebmailStandardOnly)
            .sent(
                send_with(app(EVE_EU, 0), OUTSIDER, ModeRequest::PasswordExpiring, Some(Expiry::OneWeek), 0),
                0,
                Mode::PasswordExpiring,
            ),
        Scenario::new("mail_between_regions", &["T2", "M11"])
            .accepts(us_ready())
            .accepts(eu_ready())
            .sent(send(app(ALICE, 0), Recipient::User(EVE_EU), ModeRequest::Standard), 0, Mode::Standard)
            .content(read(0, Reader::Webmail(EVE_EU)))
            .content(read(0, Reader::Webmail(ALICE)))
            .rejects(read(0, Reader::Webmail(BOB)), Reason::NotAddressee),
    ]
}

fn modes() -> Vec<Scenario> {
    vec![
        Scenario::new("standard_mail_is_readable_by_the_service", &["M1", "M11", "S1", "S2"])
            .accepts(us_ready())
            .sent(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::Standard), 0, Mode::Standard)
            .content(read(0, Reader::Webmail(BOB)))
            .content(read(0, Reader::Service))
            .content(read(0, on(BOB, 0)))
            .content(read(0, Reader::Webmail(ALICE)))
            .rejects(
                send_with(app(ALICE, 0), Recipient::User(BOB), ModeRequest::Standard, None, ATTACHMENT_LIMIT + 1),
                Reason::AttachmentTooLarge,
            ),
        Scenario::new("service_cannot_read_e2ee", &["M7", "M8", "D2", "S5"])
            .accepts(us_ready())
            .sent(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::E2ee), 0, Mode::E2ee)
            .rejects(read(0, Reader::Service), Reason::NoKey)
            .content(read(0, on(BOB, 0)))
            .content(read(0, on(ALICE, 0)))
            .rejects(read(0, on(EVE_EU, 0)), Reason::DeviceNotFound),
        Scenario::new("cross_account_e2ee_needs_both_switches", &["M2", "M4"])
            .accepts(us_ready())
            .accepts(eu_ready())
            .rejects(send(app(ALICE, 0), Recipient::User(EVE_EU), ModeRequest::E2ee), Reason::ExpiryInvalid)
            .sent(
                send_with(app(ALICE, 0), Recipient::User(EVE_EU), ModeRequest::E2ee, Some(Expiry::OneDay), 0),
                0,
                Mode::PasswordExpiring,
            )
            .done(Operation::SetCrossDomain { domain: D_US, enabled: true })
            .sent(
                send_with(app(ALICE, 0), Recipient::User(EVE_EU), ModeRequest::E2ee, Some(Expiry::OneDay), 0),
                1,
                Mode::PasswordExpiring,
            )
            .done(Operation::SetCrossDomain { domain: D_EU, enabled: true })
            .sent(send(app(ALICE, 0), Recipient::User(EVE_EU), ModeRequest::E2ee), 2, Mode::E2ee)
            .content(read(2, on(EVE_EU, 0)))
            .rejects(read(2, Reader::Service), Reason::NoKey),
        Scenario::new("e2ee_to_an_outside_address_becomes_a_link", &["M4", "L1", "L2"])
            .accepts(us_ready())
            .sent(
                send_with(app(ALICE, 0), OUTSIDER, ModeRequest::E2ee, Some(Expiry::OneWeek), 0),
                0,
                Mode::PasswordExpiring,
            )
            .content(Operation::OpenLink { message: msg(0) })
            .rejects(send(app(ALICE, 0), OUTSIDER, ModeRequest::PasswordExpiring), Reason::ExpiryInvalid),
        Scenario::new("recipient_without_a_device_gets_mail_at_its_first_device", &["M3", "D3"])
            .accepts(us_ready())
            .done(Operation::EnableUser { user: NEWCOMER })
            .sent(send(app(ALICE, 0), Recipient::User(NEWCOMER), ModeRequest::E2ee), 0, Mode::AwaitingKeys)
            .content(read(0, Reader::Service))
            .rotated(Operation::AddDevice { device: dev(NEWCOMER, 0) }, 1)
            .content(read(0, on(NEWCOMER, 0)))
            .rejects(read(0, Reader::Service), Reason::NoKey),
        Scenario::new("recipient_with_every_device_revoked_cannot_get_e2ee", &["M3", "D7"])
            .accepts(us_ready())
            .ok(Operation::RevokeDevice { device: dev(BOB, 0), by: Revoker::Website }, Outcome::RotationPending)
            .rejects(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::E2ee), Reason::RecipientHasNoDevice),
        Scenario::new("mailing_list_mail_is_never_e2ee", &["M5"])
            .accepts(us_ready())
            .rejects(send(app(ALICE, 0), Recipient::List(LIST), ModeRequest::E2ee), Reason::ListNotE2ee)
            .sent(send(app(ALICE, 0), Recipient::List(LIST), ModeRequest::Standard), 0, Mode::Standard)
            .content(read(0, on(BOB, 0)))
            .sent(
                send_with(app(ALICE, 0), Recipient::List(LIST), ModeRequest::PasswordExpiring, Some(Expiry::OneDay), 0),
                1,
                Mode::PasswordExpiring,
            ),
        Scenario::new("webmail_sends_and_shows_standard_mail_only", &["M6", "M10"])
            .accepts(us_ready())
            .rejects(send(Client::Webmail(ALICE), Recipient::User(BOB), ModeRequest::E2ee), Reason::WebmailStandardOnly)
            .sent(send(Client::Webmail(ALICE), Recipient::User(BOB), ModeRequest::Standard), 0, Mode::Standard)
            .sent(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::E2ee), 1, Mode::E2ee)
            .rejects(read(1, Reader::Webmail(BOB)), Reason::WebmailCannotDisplay)
            .rejects(read(1, Reader::Webmail(ALICE)), Reason::WebmailCannotDisplay)
            .content(read(1, on(ALICE, 0)))
            .content(read(0, Reader::Webmail(BOB))),
        Scenario::new("external_mail_is_scanned_and_stored_at_rest", &["M12", "S1", "S3"])
            .accepts(us_ready())
            .sent(Operation::ReceiveExternal { to: ALICE, attachment: ATTACHMENT_LIMIT }, 0, Mode::Standard)
            .rejects(Operation::ReceiveExternal { to: ALICE, attachment: ATTACHMENT_LIMIT + 1 }, Reason::AttachmentTooLarge)
            .content(read(0, Reader::Webmail(ALICE)))
            .content(read(0, Reader::Service)),
    ]
}

fn links() -> Vec<Scenario> {
    let day_link = send_with(app(ALICE, 0), OUTSIDER, ModeRequest::PasswordExpiring, Some(Expiry::OneDay), 0);
    vec![
        Scenario::new("link_expires_after_one_day", &["L5", "L6", "M10"])
            .accepts(us_ready())
            .sent(day_link, 0, Mode::PasswordExpiring)
            .ok(Operation::AdvanceClock { to: Time(DAY - 1) }, Outcome::ClockAdvanced { expired: 0 })
            .content(Operation::OpenLink { message: msg(0) })
            .ok(Operation::AdvanceClock { to: Time(DAY) }, Outcome::ClockAdvanced { expired: 1 })
            .rejects(Operation::OpenLink { message: msg(0) }, Reason::LinkExpired)
            .content(read(0, on(ALICE, 0)))
            .rejects(Operation::AdvanceClock { to: Time(DAY) }, Reason::ClockNotForward),
        Scenario::new("link_expiry_is_a_day_a_week_or_a_month", &["L5"])
            .accepts(us_ready())
            .rejects(send(app(ALICE, 0), OUTSIDER, ModeRequest::PasswordExpiring), Reason::ExpiryInvalid)
            .rejects(
                send_with(app(ALICE, 0), OUTSIDER, ModeRequest::PasswordExpiring, Some(Expiry::Seconds(2 * DAY)), 0),
                Reason::ExpiryInvalid,
            )
            .sent(
                send_with(app(ALICE, 0), OUTSIDER, ModeRequest::PasswordExpiring, Some(Expiry::OneMonth), 0),
                0,
                Mode::PasswordExpiring,
            )
            .ok(Operation::AdvanceClock { to: Time(30 * DAY - 1) }, Outcome::ClockAdvanced { expired: 0 })
            .content(Operation::OpenLink { message: msg(0) })
            .ok(Operation::AdvanceClock { to: Time(30 * DAY) }, Outcome::ClockAdvanced { expired: 1 }),
        Scenario::new("link_content_opens_only_in_a_browser", &["L2", "L3", "L4", "L7"])
            .accepts(us_ready())
            .sent(
                send_with(app(ALICE, 0), Recipient::User(BOB), ModeRequest::PasswordExpiring, Some(Expiry::OneWeek), 0),
                0,
                Mode::PasswordExpiring,
            )
            .rejects(read(0, on(BOB, 0)), Reason::OpenInBrowser)
            .rejects(read(0, Reader::Webmail(BOB)), Reason::WebmailCannotDisplay)
            .rejects(read(0, Reader::Service), Reason::NoKey)
            .content(Operation::OpenLink { message: msg(0) })
            .sent(send(app(ALICE, 0), Recipient::User(BOB), ModeRequest::Standard), 1, Mode::Standard)
            .rejects(Operation::OpenLink { message: msg(1) }, Reason::NoLink),
    ]
}

fn devices() -> Vec<Scenario> {
    let to_alice = || send(app(BOB, 0), Recipient::User(ALICE), ModeRequest::E2ee);
    vec![
        Scenario::new("new_device_reads_only_new_mail", &["D1", "D2", "D3", "D4", "D6"])
            .accepts(us_ready())
            .sent(to_alice(), 0, Mode::E2ee)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rejects(read(0, on(ALICE, 1)), Reason::NoKey)
            .sent(to_alice(), 1, Mode::E2ee)
            .content(read(1, on(ALICE, 1)))
            .content(read(1, on(ALICE, 0))),
        Scenario::new("approval_shares_history", &["D5", "D6"])
            .accepts(us_ready())
            .sent(to_alice(), 0, Mode::E2ee)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rejects(Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::Service }, Reason::ServiceCannotApprove)
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::Device(dev(ALICE, 1)) },
                Reason::ApproverNotAuthorized,
            )
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::Device(dev(BOB, 0)) },
                Reason::ApproverNotAuthorized,
            )
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 0), by: Approver::Device(dev(ALICE, 1)) },
                Reason::ApproverNotAuthorized,
            )
            .ok(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::Device(dev(ALICE, 0)) },
                Outcome::Approved { shared: 1 },
            )
            .content(read(0, on(ALICE, 1)))
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::Device(dev(ALICE, 0)) },
                Reason::AlreadyDone,
            ),
        Scenario::new("revocation_by_a_device_rotates_at_once", &["D7"])
            .accepts(us_ready())
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rotated(Operation::RevokeDevice { device: dev(ALICE, 1), by: Revoker::Device(dev(ALICE, 0)) }, 3)
            .sent(to_alice(), 0, Mode::E2ee)
            .rejects(read(0, on(ALICE, 1)), Reason::DeviceNotActive)
            .content(read(0, on(ALICE, 0)))
            .rejects(Operation::AddDevice { device: dev(ALICE, 1) }, Reason::DeviceIdInUse)
            .rejects(Operation::RevokeDevice { device: dev(ALICE, 1), by: Revoker::Website }, Reason::AlreadyDone)
            .rejects(Operation::RevokeDevice { device: dev(ALICE, 2), by: Revoker::Website }, Reason::DeviceNotFound)
            .rejects(Operation::AddDevice { device: dev(ALICE, 7) }, Reason::DeviceNotFound),
        Scenario::new("revocation_without_a_device_waits_for_one", &["D7"])
            .accepts(us_ready())
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .ok(Operation::RevokeDevice { device: dev(ALICE, 1), by: Revoker::Website }, Outcome::RotationPending)
            .rotated(Operation::DeviceOnline { device: dev(ALICE, 0) }, 3)
            .ok(Operation::DeviceOnline { device: dev(ALICE, 0) }, Outcome::NothingPending)
            .rejects(Operation::DeviceOnline { device: dev(ALICE, 1) }, Reason::DeviceNotActive),
        Scenario::new("self_and_admin_revocations_wait_for_another_device", &["D7"])
            .accepts(us_ready())
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .ok(
                Operation::RevokeDevice { device: dev(ALICE, 1), by: Revoker::Device(dev(ALICE, 1)) },
                Outcome::RotationPending,
            )
            .rotated(Operation::AddDevice { device: dev(ALICE, 2) }, 3)
            .ok(Operation::RevokeDevice { device: dev(ALICE, 0), by: Revoker::Admin(PLAIN_ADMIN) }, Outcome::RotationPending)
            .rejects(
                Operation::RevokeDevice { device: dev(ALICE, 2), by: Revoker::Admin(PRO_MANAGER) },
                Reason::PermissionDenied,
            )
            .rotated(Operation::DeviceOnline { device: dev(ALICE, 2) }, 4),
        Scenario::new("stale_generation_is_rejected", &["D7", "M7"])
            .accepts(us_ready())
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rejects(
                Operation::Send(Send {
                    from: app(BOB, 0),
                    to: Recipient::User(ALICE),
                    mode: ModeRequest::E2ee,
                    attachment: 0,
                    expiry: None,
                    seal: Seal::Previous,
                }),
                Reason::StaleGeneration,
            )
            .sent(to_alice(), 0, Mode::E2ee),
        Scenario::new("backup_key_restores_history", &["D8"])
            .accepts(us_ready())
            .done(Operation::CreateBackupKey { device: dev(ALICE, 0) })
            .rejects(Operation::CreateBackupKey { device: dev(ALICE, 0) }, Reason::AlreadyDone)
            .sent(to_alice(), 0, Mode::E2ee)
            .ok(Operation::RevokeDevice { device: dev(ALICE, 0), by: Revoker::Website }, Outcome::RotationPending)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rejects(read(0, on(ALICE, 1)), Reason::NoKey)
            .ok(Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::BackupKey }, Outcome::Approved { shared: 1 })
            .content(read(0, on(ALICE, 1))),
        Scenario::new("revoked_backup_key_cannot_approve", &["D8"])
            .accepts(us_ready())
            .done(Operation::CreateBackupKey { device: dev(ALICE, 0) })
            .rotated(Operation::RevokeBackupKey { by: dev(ALICE, 0) }, 2)
            .rejects(Operation::RevokeBackupKey { by: dev(ALICE, 0) }, Reason::NoBackupKey)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 3)
            .rejects(Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::BackupKey }, Reason::NoBackupKey),
        Scenario::new("lost_devices_without_backup_lose_history", &["D9"])
            .accepts(us_ready())
            .sent(to_alice(), 0, Mode::E2ee)
            .ok(Operation::RevokeDevice { device: dev(ALICE, 0), by: Revoker::Website }, Outcome::RotationPending)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 2)
            .rejects(Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::BackupKey }, Reason::NoBackupKey)
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::EscrowAdmin(WRITER) },
                Reason::EscrowNotEnabled,
            )
            .rejects(read(0, on(ALICE, 1)), Reason::NoKey),
    ]
}

fn escrow() -> Vec<Scenario> {
    let to_alice = || send(app(BOB, 0), Recipient::User(ALICE), ModeRequest::E2ee);
    vec![
        Scenario::new("escrow_needs_a_manager_and_acknowledgement", &["E1", "E2", "E5"])
            .accepts(us_ready())
            .rejects(Operation::AcknowledgeEscrow { device: dev(ALICE, 0) }, Reason::EscrowNotEnabled)
            .rejects(Operation::EnableEscrow { admin: WRITER }, Reason::PermissionDenied)
            .done(Operation::EnableEscrow { admin: MANAGER })
            .rotated(Operation::AcknowledgeEscrow { device: dev(ALICE, 0) }, 2)
            .rejects(Operation::AcknowledgeEscrow { device: dev(ALICE, 0) }, Reason::AlreadyDone),
        Scenario::new("escrow_recovery_needs_escrow_write", &["E3", "E5"])
            .accepts(us_ready())
            .done(Operation::EnableEscrow { admin: MANAGER })
            .rotated(Operation::AcknowledgeEscrow { device: dev(ALICE, 0) }, 2)
            .sent(to_alice(), 0, Mode::E2ee)
            .rotated(Operation::AddDevice { device: dev(ALICE, 1) }, 3)
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::EscrowAdmin(PLAIN_ADMIN) },
                Reason::PermissionDenied,
            )
            .rejects(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::EscrowAdmin(READER) },
                Reason::PermissionDenied,
            )
            .ok(
                Operation::ApproveDevice { device: dev(ALICE, 1), by: Approver::EscrowAdmin(WRITER) },
                Outcome::Approved { shared: 1 },
            )
            .content(read(0, on(ALICE, 1))),
        Scenario::new("escrow_discovery_needs_escrow_read", &["E4", "E5", "E2"])
            .accepts(us_ready())
            .sent(to_alice(), 0, Mode::E2ee)
            .done(Operation::EnableEscrow { admin: MANAGER })
            .rotated(Operation::AcknowledgeEscrow { device: dev(ALICE, 0) }, 2)
            .sent(to_alice(), 1, Mode::E2ee)
            .rejects(Operation::EscrowDiscover { admin: READER, message: msg(0) }, Reason::NoKey)
            .content(Operation::EscrowDiscover { admin: READER, message: msg(1) })
            .rejects(Operation::EscrowDiscover { admin: WRITER, message: msg(1) }, Reason::PermissionDenied)
            .rejects(Operation::DisableEscrow { admin: READER }, Reason::PermissionDenied)
            .done(Operation::DisableEscrow { admin: MANAGER })
            .rejects(Operation::EscrowDiscover { admin: READER, message: msg(1) }, Reason::EscrowNotEnabled)
            .rotated(Operation::DeviceOnline { device: dev(ALICE, 0) }, 3),
    ]
}

fn calendar_and_limits() -> Vec<Scenario> {
    vec![
        Scenario::new("calendar_is_never_e2ee_and_needs_delegation", &["C1", "C2"])
            .accepts(us_ready())
            .rejects(
                Operation::CreateEvent { organizer: ALICE, owner: ALICE, attendee: OUTSIDER, e2ee: true },
                Reason::CalendarNotE2ee,
            )
            .ok(
                Operation::CreateEvent { organizer: ALICE, owner: ALICE, attendee: OUTSIDER, e2ee: false },
                Outcome::EventCreated { event: EventId(0) },
            )
            .rejects(
                Operation::CreateEvent { organizer: ALICE, owner: BOB, attendee: Recipient::User(BOB), e2ee: false },
                Reason::NotDelegated,
            )
            .ok(
                Operation::CreateEvent { organizer: BOB, owner: ALICE, attendee: Recipient::User(ALICE), e2ee: false },
                Outcome::EventCreated { event: EventId(1) },
            ),
        Scenario::new("attachment_limit_is_25_mib", &["S3"])
            .accepts(us_ready())
            .sent(
                send_with(app(ALICE, 0), Recipient::User(BOB), ModeRequest::Standard, None, ATTACHMENT_LIMIT),
                0,
                Mode::Standard,
            )
            .rejects(
                send_with(app(ALICE, 0), Recipient::User(BOB), ModeRequest::E2ee, None, ATTACHMENT_LIMIT + 1),
                Reason::AttachmentTooLarge,
            ),
    ]
}
