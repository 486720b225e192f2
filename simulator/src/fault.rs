//! Faults: switches that each break one guard or effect of the reference implementation, for
//! mutation testing of the conformance harness, the simulator and the byte scan.
//!
//! Each fault is a one-line change at one place in `service/` or `client/`. The tests in
//! `tests/faults.rs` check that every fault changes an observation of some scenario in the
//! model's catalog, or makes the byte scan report a finding.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Tenancy: mail can be enabled in any hosting region.
    AnyRegion,
    /// Tenancy: a custom domain can be added on any plan.
    AnyPlan,
    /// Tenancy: a domain's policy can be set again.
    MutablePolicy,
    /// Tenancy: mail is delivered to a user who is not an active mail user.
    DisabledRecipientReceives,
    /// Devices: a revocation by another device neither rotates nor leaves a rotation pending.
    RevokeWithoutRotation,
    /// Devices: an older device hands its earlier seeds to every new device without approval.
    HistoryWithoutApproval,
    /// Devices: revoking the backup key rotates but leaves the backup key live.
    BackupStaysLive,
    /// Escrow: user recovery by an escrow admin skips the escrow-write permission.
    EscrowWithoutPermission,
    /// Escrow: legal discovery skips the escrow-read permission.
    DiscoveryWithoutRead,
    /// Escrow: acknowledging escrow hands the escrow device every earlier seed of the device.
    EscrowGetsHistory,
    /// Mail: the service accepts a message sealed to a stale generation.
    AcceptStaleGeneration,
    /// Mail: cross-account E2EE needs only the sender's cross-domain switch.
    OneSidedCrossDomain,
    /// Mail: an E2EE request to a mailing list is accepted.
    E2eeToList,
    /// Mail: webmail may request any mode.
    WebmailSendsEncrypted,
    /// Mail: the sending client adds a service box to E2EE mail.
    E2eeWithServiceBox,
    /// Mail: mail that waited for the recipient's first device is never re-encrypted.
    SkipReencryption,
    /// Mail: the attachment limit accepts one byte more.
    AttachmentLimitOffByOne,
    /// Mail: standard mail and mail from outside are stored without at-rest encryption.
    PlaintextAtRest,
    /// Links: the service keeps the link URL, and with it the secret, after sending.
    KeepLinkSecret,
    /// Links: content is deleted one second after the expiry instant and opens at it.
    ExpiryOffByOne,
    /// Calendar: events may be requested end-to-end encrypted.
    E2eeCalendar,
    /// Calendar: anyone may schedule on anyone's calendar.
    NoDelegationCheck,
}

impl Fault {
    pub const ALL: [Fault; 22] = [
        Fault::AnyRegion,
        Fault::AnyPlan,
        Fault::MutablePolicy,
        Fault::DisabledRecipientReceives,
        Fault::RevokeWithoutRotation,
        Fault::HistoryWithoutApproval,
        Fault::BackupStaysLive,
        Fault::EscrowWithoutPermission,
        Fault::DiscoveryWithoutRead,
        Fault::EscrowGetsHistory,
        Fault::AcceptStaleGeneration,
        Fault::OneSidedCrossDomain,
        Fault::E2eeToList,
        Fault::WebmailSendsEncrypted,
        Fault::E2eeWithServiceBox,
        Fault::SkipReencryption,
        Fault::AttachmentLimitOffByOne,
        Fault::PlaintextAtRest,
        Fault::KeepLinkSecret,
        Fault::ExpiryOffByOne,
        Fault::E2eeCalendar,
        Fault::NoDelegationCheck,
    ];

    /// Returns the fault's snake_case name, as used on the command line and in reports.
    pub fn name(self) -> String {
        mailspec_model::Reason::snake_case_of(&format!("{self:?}"))
    }

    /// Returns the fault with this snake_case name.
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|fault| fault.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for fault in Fault::ALL {
            assert_eq!(Fault::from_name(&fault.name()), Some(fault));
        }
        assert_eq!(Fault::KeepLinkSecret.name(), "keep_link_secret");
        assert_eq!(Fault::from_name("no_such_fault"), None);
    }

    #[test]
    fn serde_uses_the_name() {
        let json = serde_json::to_string(&Fault::E2eeToList).unwrap();
        assert_eq!(json, "\"e2ee_to_list\"");
    }
}
