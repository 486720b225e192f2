//! Named checker configurations: `small` for CI, `default` for the README, `large` on request.

use crate::ids::{AccountId, DeviceId, DomainId, ExternalId, ListId, UserId};
use crate::model::MailModel;
use crate::op::{Client, Expiry, ModeRequest, Operation, Policy, Recipient, ATTACHMENT_LIMIT, DAY};
use crate::rules::Rules;
use crate::scope::{ActionSpace, Bounds};
use crate::state::State;
use crate::world::{
    AccountSpec, AdminSpec, DomainSpec, EscrowPermissions, ListSpec, Plan, Region, UserSpec, World,
};

/// The names `mailspec check --config` accepts.
pub const CONFIG_NAMES: [&str; 3] = ["small", "default", "large"];

/// How far each scope searches, per configuration.
#[derive(Clone, Copy, Debug)]
struct Size {
    key_epochs: u8,
    key_messages: u8,
    peer_epochs: u8,
    peer_slots: u8,
    mode_messages: u8,
    escrow_epochs: u8,
    escrow_messages: u8,
    events: u8,
    device_slots: u8,
}

fn size(name: &str) -> Option<Size> {
    match name {
        "small" => Some(Size {
            key_epochs: 3,
            key_messages: 1,
            peer_epochs: 3,
            peer_slots: 2,
            mode_messages: 1,
            escrow_epochs: 3,
            escrow_messages: 1,
            events: 1,
            device_slots: 2,
        }),
        "default" => Some(Size {
            key_epochs: 4,
            key_messages: 1,
            peer_epochs: 3,
            peer_slots: 3,
            mode_messages: 2,
            escrow_epochs: 4,
            escrow_messages: 1,
            events: 2,
            device_slots: 2,
        }),
        "large" => Some(Size {
            key_epochs: 5,
            key_messages: 1,
            peer_epochs: 5,
            peer_slots: 3,
            mode_messages: 2,
            escrow_epochs: 5,
            escrow_messages: 1,
            events: 3,
            device_slots: 2,
        }),
        _ => None,
    }
}

/// An error in a scope's own setup: a bug in this file, reported with the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupError {
    pub scope: &'static str,
    pub step: usize,
    pub observation: String,
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "scope {}: setup step {} was {}, expected ok", self.scope, self.step, self.observation)
    }
}

/// Returns the scopes of a named configuration, or `None` for an unknown name.
pub fn configuration(name: &str) -> Option<Result<Vec<MailModel>, SetupError>> {
    let size = size(name)?;
    let scopes = [tenancy(), keys(size), peers(size), modes(size), escrow(size), calendar(size)];
    Some(scopes.into_iter().collect())
}

/// Builds a model by applying the setup operations to the initial state.
fn build(
    scope: &'static str,
    world: World,
    setup: &[Operation],
    space: ActionSpace,
    bounds: Bounds,
) -> Result<MailModel, SetupError> {
    let mut state = State::initial(&world);
    let rules = Rules::new(&world);
    for (step, op) in setup.iter().enumerate() {
        let outcome = rules.apply(&state, op);
        match outcome.state {
            Some(next) => state = next,
            None => return Err(SetupError { scope, step: step + 1, observation: outcome.observation.to_string() }),
        }
    }
    Ok(MailModel { scope, world, init: state, space, bounds, mutant: None, symmetry: true })
}

fn account(region: Region, plan: Plan) -> AccountSpec {
    AccountSpec { region, plan }
}

fn custom(owner: u8) -> DomainSpec {
    DomainSpec { owner: Some(AccountId(owner)) }
}

fn user(account: u8, domain: u8, device_slots: u8) -> UserSpec {
    UserSpec { account: AccountId(account), domain: DomainId(domain), device_slots }
}

fn device(user: u8, slot: u8) -> DeviceId {
    DeviceId::new(UserId(user), slot)
}

/// Operations that bring one account with one custom domain to a configured state.
fn open_account(account: u8, domain: u8, policy: Policy) -> Vec<Operation> {
    vec![
        Operation::EnableMail { account: AccountId(account) },
        Operation::AddDomain { domain: DomainId(domain) },
        Operation::VerifyDomain { domain: DomainId(domain) },
        Operation::SetPolicy { domain: DomainId(domain), policy },
    ]
}

/// Regions, plans, domains, the policy and the shared default domain (T1-T7).
fn tenancy() -> Result<MailModel, SetupError> {
    let world = World {
        accounts: vec![
            account(Region::Us, Plan::Business),
            account(Region::Eu, Plan::Pro),
            account(Region::Other, Plan::Enterprise),
        ],
        domains: vec![custom(0), custom(1), custom(2), DomainSpec { owner: None }, custom(0)],
        users: vec![user(0, 0, 1), user(1, 3, 1)],
        ..World::default()
    };
    let space = ActionSpace {
        tenancy: true,
        devices: true,
        senders: vec![Client::App(device(0, 0)), Client::App(device(1, 0))],
        recipients: vec![Recipient::User(UserId(0)), Recipient::User(UserId(1))],
        modes: vec![ModeRequest::E2ee, ModeRequest::Standard],
        attachments: vec![0],
        expiries: vec![Some(Expiry::OneDay)],
        ..ActionSpace::default()
    };
    build("tenancy", world, &[], space, Bounds { max_epoch: 1, max_messages: 1, max_events: 0 })
}

/// Per-user keys: enrollment, approval, revocation, delayed rotation, backup keys (D).
fn keys(size: Size) -> Result<MailModel, SetupError> {
    let world = World {
        accounts: vec![account(Region::Us, Plan::Business)],
        domains: vec![custom(0)],
        users: vec![user(0, 0, size.device_slots), user(0, 0, 1)],
        admins: vec![AdminSpec { account: AccountId(0), permissions: EscrowPermissions::default() }],
        ..World::default()
    };
    let mut setup = open_account(0, 0, Policy::SecureByDefault);
    setup.extend([
        Operation::EnableUser { user: UserId(0) },
        Operation::EnableUser { user: UserId(1) },
        Operation::AddDevice { device: device(1, 0) },
    ]);
    let space = ActionSpace {
        devices: true,
        backup_keys: true,
        senders: vec![Client::App(device(1, 0))],
        recipients: vec![Recipient::User(UserId(0))],
        modes: vec![ModeRequest::E2ee],
        attachments: vec![0],
        expiries: vec![None],
        stale_seals: true,
        reads: true,
        ..ActionSpace::default()
    };
    let bounds = Bounds { max_epoch: size.key_epochs, max_messages: size.key_messages, max_events: 0 };
    build("keys", world, &setup, space, bounds)
}

/// Two users who play the same part: each enrolls and revokes devices and sends E2EE
/// mail to the other, so symmetry reduction merges the states that swap them.
fn peers(size: Size) -> Result<MailModel, SetupError> {
    let world = World {
        accounts: vec![account(Region::Eu, Plan::Business)],
        domains: vec![custom(0)],
        users: vec![user(0, 0, size.peer_slots), user(0, 0, size.peer_slots)],
        ..World::default()
    };
    let mut setup = open_account(0, 0, Policy::SecureOnly);
    setup.extend([Operation::EnableUser { user: UserId(0) }, Operation::EnableUser { user: UserId(1) }]);
    let space = ActionSpace {
        devices: true,
        senders: vec![Client::App(device(0, 0)), Client::App(device(1, 0))],
        recipients: vec![Recipient::User(UserId(0)), Recipient::User(UserId(1))],
        modes: vec![ModeRequest::E2ee],
        attachments: vec![0],
        expiries: vec![None],
        reads: true,
        ..ActionSpace::default()
    };
    let bounds = Bounds { max_epoch: size.peer_epochs, max_messages: 1, max_events: 0 };
    build("peers", world, &setup, space, bounds)
}

/// Sending modes, recipients, webmail, links and the clock, across two regions (M, L, S).
fn modes(size: Size) -> Result<MailModel, SetupError> {
    let world = World {
        accounts: vec![account(Region::Us, Plan::Business), account(Region::Eu, Plan::Business)],
        domains: vec![custom(0), custom(1)],
        users: vec![user(0, 0, 1), user(1, 1, 1)],
        lists: vec![ListSpec { account: AccountId(0), members: vec![UserId(0)] }],
        externals: 1,
        ..World::default()
    };
    let mut setup = open_account(0, 0, Policy::SecureByDefault);
    setup.extend(open_account(1, 1, Policy::SecureOnly));
    setup.extend([
        Operation::EnableUser { user: UserId(0) },
        Operation::EnableUser { user: UserId(1) },
        Operation::AddDevice { device: device(0, 0) },
        Operation::AddDevice { device: device(1, 0) },
    ]);
    let space = ActionSpace {
        senders: vec![Client::App(device(0, 0)), Client::Webmail(UserId(0)), Client::App(device(1, 0))],
        recipients: vec![
            Recipient::User(UserId(1)),
            Recipient::User(UserId(0)),
            Recipient::External(ExternalId(0)),
            Recipient::List(ListId(0)),
        ],
        modes: vec![ModeRequest::E2ee, ModeRequest::PasswordExpiring, ModeRequest::Standard],
        attachments: vec![ATTACHMENT_LIMIT, ATTACHMENT_LIMIT + 1],
        expiries: vec![None, Some(Expiry::OneDay), Some(Expiry::OneMonth), Some(Expiry::Seconds(2 * DAY))],
        cross_domain_switches: true,
        reads: true,
        links_and_clock: true,
        inbound_attachments: vec![ATTACHMENT_LIMIT + 1],
        ..ActionSpace::default()
    };
    let bounds = Bounds { max_epoch: 1, max_messages: size.mode_messages, max_events: 0 };
    build("modes", world, &setup, space, bounds)
}

/// Escrow: enabling, acknowledgement, recovery, discovery, permissions, disabling (E).
fn escrow(size: Size) -> Result<MailModel, SetupError> {
    let admin = |manager, write, read| AdminSpec {
        account: AccountId(0),
        permissions: EscrowPermissions { manager, write, read },
    };
    let world = World {
        accounts: vec![account(Region::Eu, Plan::Enterprise)],
        domains: vec![custom(0)],
        users: vec![user(0, 0, 2), user(0, 0, 1)],
        admins: vec![admin(true, false, false), admin(false, true, false), admin(false, false, true)],
        ..World::default()
    };
    let mut setup = open_account(0, 0, Policy::SecureOnly);
    setup.extend([
        Operation::EnableUser { user: UserId(0) },
        Operation::EnableUser { user: UserId(1) },
        Operation::AddDevice { device: device(1, 0) },
        Operation::AddDevice { device: device(0, 0) },
    ]);
    let space = ActionSpace {
        devices: true,
        escrow: true,
        senders: vec![Client::App(device(1, 0))],
        recipients: vec![Recipient::User(UserId(0))],
        modes: vec![ModeRequest::E2ee],
        attachments: vec![0],
        expiries: vec![None],
        ..ActionSpace::default()
    };
    let bounds = Bounds { max_epoch: size.escrow_epochs, max_messages: size.escrow_messages, max_events: 0 };
    build("escrow", world, &setup, space, bounds)
}

/// Calendar events and delegation, and mail from external providers (C, M12, S1).
fn calendar(size: Size) -> Result<MailModel, SetupError> {
    let world = World {
        accounts: vec![account(Region::Us, Plan::BusinessPlus)],
        domains: vec![custom(0)],
        users: vec![user(0, 0, 0), user(0, 0, 0)],
        externals: 1,
        delegations: vec![(UserId(1), UserId(0))],
        ..World::default()
    };
    let mut setup = open_account(0, 0, Policy::StandardByDefault);
    setup.extend([Operation::EnableUser { user: UserId(0) }, Operation::EnableUser { user: UserId(1) }]);
    let space = ActionSpace {
        calendar: true,
        inbound_attachments: vec![0, ATTACHMENT_LIMIT + 1],
        ..ActionSpace::default()
    };
    let bounds = Bounds { max_epoch: 0, max_messages: 1, max_events: size.events };
    build("calendar", world, &setup, space, bounds)
}
