//! Operations: the service's observable API, one variant per request a principal makes.

use crate::ids::{AccountId, AdminId, DeviceId, DomainId, ExternalId, ListId, MessageId, Time, UserId};
use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};

/// The largest attachment the service accepts: 25 MiB (see `docs/interpretations.md`).
pub const ATTACHMENT_LIMIT: u32 = 25 * 1024 * 1024;

/// Seconds in one day, the unit of link expiry.
pub const DAY: u32 = 86_400;

/// One request to the service, with every argument it needs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    // Tenancy (T).
    EnableMail { account: AccountId },
    AddDomain { domain: DomainId },
    VerifyDomain { domain: DomainId },
    SetPolicy { domain: DomainId, policy: Policy },
    SetCrossDomain { domain: DomainId, enabled: bool },
    EnableUser { user: UserId },
    DisableUser { user: UserId },

    // Devices and per-user keys (D).
    AddDevice { device: DeviceId },
    ApproveDevice { device: DeviceId, by: Approver },
    RevokeDevice { device: DeviceId, by: Revoker },
    DeviceOnline { device: DeviceId },
    CreateBackupKey { device: DeviceId },
    RevokeBackupKey { by: DeviceId },

    // Escrow, also called device-managed encryption (E).
    EnableEscrow { admin: AdminId },
    AcknowledgeEscrow { device: DeviceId },
    DisableEscrow { admin: AdminId },
    EscrowDiscover { admin: AdminId, message: MessageId },

    // Mail (M, L, S).
    Send(Send),
    ReceiveExternal { to: UserId, attachment: u32 },
    Read { message: MessageId, reader: Reader },
    OpenLink { message: MessageId },
    AdvanceClock { to: Time },

    // Calendar (C).
    CreateEvent { organizer: UserId, owner: UserId, attendee: Recipient, e2ee: bool },
}

/// A send request, as the client makes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
pub struct Send {
    pub from: Client,
    pub to: Recipient,
    pub mode: ModeRequest,
    /// Size of the largest attachment in bytes; 0 for none.
    pub attachment: u32,
    pub expiry: Option<Expiry>,
    /// Which generation of the recipient's per-user key the client sealed to.
    pub seal: Seal,
}

/// A domain's default encryption policy, chosen once (T7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    SecureOnly,
    SecureByDefault,
    StandardByDefault,
}

/// Where a send or read happens: a device's app, or webmail in a browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Client {
    App(DeviceId),
    Webmail(UserId),
}

/// One addressee of a message or an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    User(UserId),
    External(ExternalId),
    List(ListId),
}

/// The mode the sender asks for. The service may deliver another (see [`Mode`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum ModeRequest {
    E2ee,
    PasswordExpiring,
    Standard,
}

/// The mode a message was delivered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Sealed to the recipient's and the sender's per-user keys.
    E2ee,
    /// Held by the service under a service box until the recipient's first device
    /// exists, then sealed to that device's first per-user key.
    AwaitingKeys,
    PasswordExpiring,
    Standard,
}

impl Mode {
    /// Returns true for the modes whose content the service must never read.
    pub fn is_client_encrypted(self) -> bool {
        matches!(self, Mode::E2ee | Mode::PasswordExpiring)
    }
}

/// Link lifetime for password-expiring mail (L5). `Seconds` is any other request,
/// which the service rejects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    OneDay,
    OneWeek,
    OneMonth,
    Seconds(u32),
}

impl Expiry {
    /// Returns the lifetime in seconds for the three valid choices. A month is 30 days.
    pub fn valid_seconds(self) -> Option<u32> {
        match self {
            Expiry::OneDay => Some(DAY),
            Expiry::OneWeek => Some(7 * DAY),
            Expiry::OneMonth => Some(30 * DAY),
            Expiry::Seconds(_) => None,
        }
    }

    /// Returns the lifetime in seconds the request names, valid or not.
    pub fn requested_seconds(self) -> u32 {
        match self {
            Expiry::Seconds(seconds) => seconds,
            valid => valid.valid_seconds().unwrap_or(0),
        }
    }
}

/// Which generation of the recipient's per-user key the client sealed a message to.
/// `Previous` models a send that raced a rotation: the client used a stale key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Seal {
    #[default]
    Current,
    Previous,
}

/// Who approves a new device and shares history with it (D5, D6, D8, E3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    Device(DeviceId),
    BackupKey,
    EscrowAdmin(AdminId),
    /// The service acting on the user's behalf, which the rules never allow.
    Service,
}

/// Who revokes a device (D7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Revoker {
    /// A device of the same user; it may be the revoked device itself.
    Device(DeviceId),
    /// The user on the service's website, with no device involved.
    Website,
    /// An account admin.
    Admin(AdminId),
}

/// Who tries to read a stored message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Reader {
    Device(DeviceId),
    Webmail(UserId),
    Service,
}
