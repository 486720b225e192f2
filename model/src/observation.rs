//! Observations: what the service returns for each operation, and the rejection codes.

use crate::ids::{Epoch, EventId, MessageId};
use crate::op::Mode;
use arbitrary::Arbitrary;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The result of one operation: an outcome, or a rejection with a documented reason.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    Ok(Outcome),
    Rejected(Reason),
}

impl Observation {
    pub fn is_ok(&self) -> bool {
        matches!(self, Observation::Ok(_))
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observation::Ok(outcome) => write!(f, "ok: {outcome}"),
            Observation::Rejected(reason) => write!(f, "rejected: {}", reason.code()),
        }
    }
}

/// What a successful operation produced.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The operation changed the state and has nothing more to report.
    Done,
    /// The user's per-user key moved to this generation.
    Rotated { epoch: Epoch },
    /// A revocation took effect but the rotation waits for a device to come online.
    RotationPending,
    /// A device came online and had nothing to do.
    NothingPending,
    /// A device was approved and received this many earlier generations.
    Approved { shared: u8 },
    /// A message was accepted and stored in the given mode.
    Sent { message: MessageId, mode: Mode },
    /// The reader decrypted or was served the content.
    Content,
    /// The clock moved; this many expired links had their content deleted.
    ClockAdvanced { expired: u8 },
    /// A calendar event was stored.
    EventCreated { event: EventId },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done => write!(f, "done"),
            Outcome::Rotated { epoch } => write!(f, "rotated to {epoch}"),
            Outcome::RotationPending => write!(f, "rotation pending"),
            Outcome::NothingPending => write!(f, "nothing pending"),
            Outcome::Approved { shared } => write!(f, "approved, {shared} earlier generations shared"),
            Outcome::Sent { message, mode } => write!(f, "sent {message} as {mode:?}"),
            Outcome::Content => write!(f, "content"),
            Outcome::ClockAdvanced { expired } => write!(f, "clock advanced, {expired} links expired"),
            Outcome::EventCreated { event } => write!(f, "created {event}"),
        }
    }
}

/// Why the service rejected an operation. Conformance compares these codes, so they
/// are part of the specification; `docs/spec.md` lists each with its rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema, Arbitrary)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// T1: mail and calendar exist only in the US and EU regions.
    RegionUnsupported,
    /// T1, T3: the account has not enabled mail.
    MailNotEnabled,
    /// T3: the user is not an active mail user.
    UserNotEnabled,
    /// T4: a custom domain needs plan Business or higher.
    PlanTooLow,
    /// T4: the domain was never added to the account.
    DomainNotAdded,
    /// T4: ownership of the domain is not verified.
    DomainNotVerified,
    /// T5: the shared default domain has no admin features.
    DefaultDomainNoAdminFeatures,
    /// T7: the domain's policy was already set and never changes.
    PolicyImmutable,
    /// T7: the domain has no policy yet, so its users cannot be enabled or send.
    DomainNotConfigured,
    /// T7: the sender's domain allows secure mail only.
    PolicyRequiresSecure,
    /// The operation repeats one that already took effect.
    AlreadyDone,
    /// D1: no device with that id is enrolled.
    DeviceNotFound,
    /// D7: the device id is enrolled or revoked; ids are never reused.
    DeviceIdInUse,
    /// D7: the device is revoked, or the acting device is not active.
    DeviceNotActive,
    /// D6: the approver may not approve this device.
    ApproverNotAuthorized,
    /// D6: the service can never grant access to earlier mail.
    ServiceCannotApprove,
    /// D8: the user has no usable backup key.
    NoBackupKey,
    /// E5: the admin lacks the escrow permission the operation needs.
    PermissionDenied,
    /// E1, E2: escrow is not enabled, or the member has not acknowledged it.
    EscrowNotEnabled,
    /// M3: the recipient has no authorized device and so no current key.
    RecipientHasNoDevice,
    /// T3, M2: the recipient is not an active mail user.
    RecipientNotEnabled,
    /// M5: mailing-list mail is never E2EE.
    ListNotE2ee,
    /// M6: webmail sends standard mail only.
    WebmailStandardOnly,
    /// M6, M10: webmail cannot display E2EE or password-expiring mail.
    WebmailCannotDisplay,
    /// L7: password-expiring content opens only through its link in a browser.
    OpenInBrowser,
    /// L5: expiry must be exactly one day, one week or one month.
    ExpiryInvalid,
    /// L6: the link expired and its content is deleted.
    LinkExpired,
    /// The message has no password-expiring link.
    NoLink,
    /// S3: an attachment is larger than 25 MiB.
    AttachmentTooLarge,
    /// D7: the message was sealed to a generation that is no longer current.
    StaleGeneration,
    /// M7, D4: the reader holds no key that opens this message.
    NoKey,
    /// The reader is neither the sender nor an addressee of the message.
    NotAddressee,
    /// The message or event id does not exist.
    NotFound,
    /// C1: calendar events are never E2EE.
    CalendarNotE2ee,
    /// C2: the organizer holds no delegation from the calendar's owner.
    NotDelegated,
    /// The clock only moves forward.
    ClockNotForward,
}

impl Reason {
    /// Returns the reason's stable code as it appears in vectors and reports.
    pub fn code(self) -> String {
        snake_case(&format!("{self:?}"))
    }

    /// Converts any `CamelCase` name to `snake_case`, as serde renames variants.
    pub fn snake_case_of(camel: &str) -> String {
        snake_case(camel)
    }
}

/// Converts a `CamelCase` variant name to the `snake_case` code serde uses for it.
fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}
