//! Small identifiers for the principals and objects of the model.

use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! small_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary,
        )]
        #[serde(transparent)]
        pub struct $name(pub u8);

        impl $name {
            /// Returns the id as an index into the world's tables.
            pub fn index(self) -> usize {
                usize::from(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

small_id!(
    /// An account (a tenant of the service).
    AccountId, "account"
);
small_id!(
    /// A mail domain: a custom domain of one account, or the shared default domain.
    DomainId, "domain"
);
small_id!(
    /// A user of some account.
    UserId, "user"
);
small_id!(
    /// An address outside the service.
    ExternalId, "external"
);
small_id!(
    /// A mailing list or distribution list, managed by the service.
    ListId, "list"
);
small_id!(
    /// An account admin, with the escrow permissions the world gives it.
    AdminId, "admin"
);
small_id!(
    /// A message, numbered in sending order from 0.
    MessageId, "message"
);
small_id!(
    /// A calendar event, numbered in creation order from 0.
    EventId, "event"
);

/// A device slot of one user. Slots are taken in order, so slot 0 is the first device
/// the user ever enrolled, and a slot is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
pub struct DeviceId {
    pub user: UserId,
    pub slot: u8,
}

impl DeviceId {
    pub fn new(user: UserId, slot: u8) -> Self {
        Self { user, slot }
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.device{}", self.user, self.slot)
    }
}

/// A generation of one user's per-user key. Generation 0 means "no key yet"; the first
/// key a user gets is generation 1.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary,
)]
#[serde(transparent)]
pub struct Epoch(pub u8);

impl Epoch {
    pub const NONE: Epoch = Epoch(0);

    pub fn next(self) -> Epoch {
        Epoch(self.0 + 1)
    }

    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "epoch{}", self.0)
    }
}

/// A set of epochs of one user's per-user key: the knowledge of one principal.
///
/// Every principal that holds per-user keys (a device, a backup key, an escrow device)
/// belongs to exactly one user, so a set of that user's epochs describes all it holds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary,
)]
#[serde(transparent)]
pub struct Epochs(pub u32);

impl Epochs {
    pub const EMPTY: Epochs = Epochs(0);

    pub fn only(epoch: Epoch) -> Epochs {
        Epochs::EMPTY.with(epoch)
    }

    pub fn with(self, epoch: Epoch) -> Epochs {
        if epoch.is_none() {
            return self;
        }
        Epochs(self.0 | (1 << (epoch.0 - 1)))
    }

    pub fn union(self, other: Epochs) -> Epochs {
        Epochs(self.0 | other.0)
    }

    pub fn contains(self, epoch: Epoch) -> bool {
        !epoch.is_none() && epoch.0 <= 32 && self.0 & (1 << (epoch.0 - 1)) != 0
    }

    /// Returns true when the set holds an epoch older than `epoch`.
    pub fn has_older_than(self, epoch: Epoch) -> bool {
        self.iter().any(|held| held < epoch)
    }

    /// Returns true when the set holds an epoch newer than `epoch`.
    pub fn has_newer_than(self, epoch: Epoch) -> bool {
        self.iter().any(|held| held > epoch)
    }

    pub fn iter(self) -> impl Iterator<Item = Epoch> {
        (1..=32u8).filter(move |n| self.0 & (1 << (n - 1)) != 0).map(Epoch)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Model time in whole seconds since the start of a run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary,
)]
#[serde(transparent)]
pub struct Time(pub u32);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}s", self.0)
    }
}
