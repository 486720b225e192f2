//! Sources of the simulator's operations: the checker scopes of the `default`
//! configuration, a wide action space over the scenario world, and operations with
//! arbitrary ids.

use mailspec_model::ids::{AccountId, AdminId, DeviceId, DomainId, ExternalId, ListId, MessageId, Time, UserId};
use mailspec_model::op::{
    Approver, Client, Expiry, ModeRequest, Operation, Policy, Reader, Recipient, Revoker, Seal, Send, ATTACHMENT_LIMIT, DAY,
};
use mailspec_model::scope::{ActionSpace, Bounds};
use mailspec_model::{Rules, State, World};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;

/// One world to simulate, the operations that reach its start state, and its action space.
pub struct Source {
    pub name: String,
    pub world: World,
    pub setup: Vec<Operation>,
    pub space: ActionSpace,
    pub bounds: Bounds,
    /// Probability, in percent, of an operation with arbitrary ids instead of an action.
    pub arbitrary_percent: u32,
}

/// Returns every source: the six scopes of the `default` configuration and the scenario world.
pub fn sources() -> Result<Vec<Source>, String> {
    let scopes = mailspec_model::configuration("default")
        .ok_or("the default configuration is missing")?
        .map_err(|error| error.to_string())?;
    let mut sources = Vec::new();
    for model in scopes {
        let setup = setup_ops(&model.world, &model.init)?;
        sources.push(Source {
            name: format!("scope {}", model.scope),
            world: model.world,
            setup,
            space: model.space,
            bounds: model.bounds,
            arbitrary_percent: 0,
        });
    }
    sources.push(scenario_world());
    Ok(sources)
}

/// Rebuilds the operations that bring a scope from the initial state to its start state,
/// and checks them against the model.
fn setup_ops(world: &World, init: &State) -> Result<Vec<Operation>, String> {
    let mut ops = Vec::new();
    for (index, account) in init.accounts.iter().enumerate() {
        if account.mail_enabled {
            ops.push(Operation::EnableMail { account: AccountId(index as u8) });
        }
    }
    for (index, domain) in init.domains.iter().enumerate() {
        let domain_id = DomainId(index as u8);
        if domain.added {
            ops.push(Operation::AddDomain { domain: domain_id });
        }
        if domain.verified {
            ops.push(Operation::VerifyDomain { domain: domain_id });
        }
        if let Some(policy) = domain.policy {
            ops.push(Operation::SetPolicy { domain: domain_id, policy });
        }
    }
    for (index, user) in init.users.iter().enumerate() {
        if user.enabled {
            ops.push(Operation::EnableUser { user: UserId(index as u8) });
        }
    }
    for (index, user) in init.users.iter().enumerate() {
        for (slot, device) in user.devices.iter().enumerate() {
            if device.status != mailspec_model::state::DeviceStatus::Unused {
                ops.push(Operation::AddDevice { device: DeviceId::new(UserId(index as u8), slot as u8) });
            }
        }
    }
    let rules = Rules::new(world);
    let mut state = State::initial(world);
    for op in &ops {
        let step = rules.apply(&state, op);
        state = step.state.ok_or_else(|| format!("setup operation {op:?} was rejected: {}", step.observation))?;
    }
    if &state != init {
        return Err("the rebuilt setup does not reach the scope's start state".into());
    }
    Ok(ops)
}

/// Returns the scenario catalog's world with a wide action space: every client, recipient and
/// mode, stale seals, the clock, backup keys, escrow and calendar.
fn scenario_world() -> Source {
    let world = mailspec_model::scenarios::world();
    let mut senders = Vec::new();
    for user in world.user_ids() {
        senders.push(Client::Webmail(user));
        for slot in 0..world.user(user).device_slots {
            senders.push(Client::App(DeviceId::new(user, slot)));
        }
    }
    let mut recipients: Vec<Recipient> = world.user_ids().map(Recipient::User).collect();
    recipients.extend(world.external_ids().map(Recipient::External));
    recipients.extend(world.list_ids().map(Recipient::List));
    let space = ActionSpace {
        tenancy: true,
        devices: true,
        backup_keys: true,
        escrow: true,
        senders,
        recipients,
        modes: vec![ModeRequest::E2ee, ModeRequest::PasswordExpiring, ModeRequest::Standard],
        attachments: vec![0, 40_000],
        expiries: vec![None, Some(Expiry::OneDay), Some(Expiry::OneWeek), Some(Expiry::Seconds(2 * DAY))],
        stale_seals: true,
        cross_domain_switches: true,
        reads: true,
        links_and_clock: true,
        inbound_attachments: vec![0, ATTACHMENT_LIMIT + 1],
        calendar: true,
    };
    let setup = vec![
        Operation::EnableMail { account: AccountId(0) },
        Operation::EnableMail { account: AccountId(1) },
        Operation::EnableMail { account: AccountId(3) },
        Operation::AddDomain { domain: DomainId(0) },
        Operation::VerifyDomain { domain: DomainId(0) },
        Operation::SetPolicy { domain: DomainId(0), policy: Policy::SecureByDefault },
        Operation::AddDomain { domain: DomainId(1) },
        Operation::VerifyDomain { domain: DomainId(1) },
        Operation::SetPolicy { domain: DomainId(1), policy: Policy::SecureOnly },
        Operation::EnableUser { user: UserId(0) },
        Operation::EnableUser { user: UserId(1) },
        Operation::EnableUser { user: UserId(2) },
        Operation::EnableUser { user: UserId(3) },
        Operation::EnableUser { user: UserId(4) },
        Operation::AddDevice { device: DeviceId::new(UserId(0), 0) },
        Operation::AddDevice { device: DeviceId::new(UserId(1), 0) },
        Operation::AddDevice { device: DeviceId::new(UserId(2), 0) },
    ];
    Source {
        name: "scenario world".into(),
        world,
        setup,
        space,
        bounds: Bounds { max_epoch: 16, max_messages: 48, max_events: 8 },
        arbitrary_percent: 5,
    }
}

/// Returns a number in `0..bound`.
pub fn below(rng: &mut ChaCha20Rng, bound: usize) -> usize {
    if bound == 0 {
        return 0;
    }
    (rng.next_u64() % bound as u64) as usize
}

/// Returns true with the given probability in percent.
pub fn chance(rng: &mut ChaCha20Rng, percent: u32) -> bool {
    (rng.next_u32() % 100) < percent
}

/// Returns an operation whose ids may name nothing in the world: each id ranges one past
/// the world's tables, and message ids one past the messages stored.
pub fn arbitrary_operation(rng: &mut ChaCha20Rng, world: &World, messages: usize) -> Operation {
    let mut pick = |len: usize| below(rng, len + 1) as u8;
    let account = AccountId(pick(world.accounts.len()));
    let domain = DomainId(pick(world.domains.len()));
    let user = UserId(pick(world.users.len()));
    let other = UserId(pick(world.users.len()));
    let admin = AdminId(pick(world.admins.len()));
    let device = DeviceId::new(user, pick(3));
    let approver = DeviceId::new(user, pick(3));
    let message = MessageId(pick(messages));
    let recipient = match pick(2) {
        0 => Recipient::User(other),
        1 => Recipient::External(ExternalId(pick(usize::from(world.externals)))),
        _ => Recipient::List(ListId(pick(world.lists.len()))),
    };
    let policy = [Policy::SecureOnly, Policy::SecureByDefault, Policy::StandardByDefault][below(rng, 3)];
    let mode = [ModeRequest::E2ee, ModeRequest::PasswordExpiring, ModeRequest::Standard][below(rng, 3)];
    let expiry = [None, Some(Expiry::OneDay), Some(Expiry::OneMonth), Some(Expiry::Seconds(5))][below(rng, 4)];
    let attachment = [0, 1, ATTACHMENT_LIMIT + 1, u32::MAX][below(rng, 4)];
    let seal = if chance(rng, 20) { Seal::Previous } else { Seal::Current };
    let from = if chance(rng, 30) { Client::Webmail(user) } else { Client::App(device) };
    match below(rng, 23) {
        0 => Operation::EnableMail { account },
        1 => Operation::AddDomain { domain },
        2 => Operation::VerifyDomain { domain },
        3 => Operation::SetPolicy { domain, policy },
        4 => Operation::SetCrossDomain { domain, enabled: chance(rng, 50) },
        5 => Operation::EnableUser { user },
        6 => Operation::DisableUser { user },
        7 => Operation::AddDevice { device },
        8 => {
            let by = [Approver::Device(approver), Approver::BackupKey, Approver::EscrowAdmin(admin), Approver::Service][below(rng, 4)];
            Operation::ApproveDevice { device, by }
        }
        9 => {
            let by = [Revoker::Device(approver), Revoker::Website, Revoker::Admin(admin)][below(rng, 3)];
            Operation::RevokeDevice { device, by }
        }
        10 => Operation::DeviceOnline { device },
        11 => Operation::CreateBackupKey { device },
        12 => Operation::RevokeBackupKey { by: device },
        13 => Operation::EnableEscrow { admin },
        14 => Operation::AcknowledgeEscrow { device },
        15 => Operation::DisableEscrow { admin },
        16 => Operation::EscrowDiscover { admin, message },
        17 => Operation::Send(Send { from, to: recipient, mode, attachment, expiry, seal }),
        18 => Operation::ReceiveExternal { to: user, attachment },
        19 => {
            let reader = [Reader::Device(device), Reader::Webmail(user), Reader::Service][below(rng, 3)];
            Operation::Read { message, reader }
        }
        20 => Operation::OpenLink { message },
        21 => Operation::AdvanceClock { to: Time(below(rng, 40 * DAY as usize) as u32) },
        _ => Operation::CreateEvent { organizer: user, owner: other, attendee: recipient, e2ee: chance(rng, 20) },
    }
}
