//! Model mutants: test-only switches that each break one guard or effect of the rules.
//!
//! Every safety property names a mutant that violates it, and the tests check that the
//! model checker finds that violation. A property no mutant can break would prove
//! nothing, so the list here is as long as the property list.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelMutant {
    /// A revocation by another device does not rotate the per-user key.
    RevokeWithoutRotation,
    /// Rotations also hand the new generation to revoked principals.
    RotationReachesRevoked,
    /// Enrolling a device hands it every earlier generation without approval.
    AddGrantsHistory,
    /// A new generation reaches only the new device, not the older ones.
    AddSkipsOlderDevices,
    /// E2EE mail also carries a box for the service.
    E2eeWithServiceBox,
    /// The service keeps the link secret after sending.
    KeepLinkSecret,
    /// Link content is deleted one second after expiry, and opens at expiry.
    ExpiryOffByOne,
    /// Any link lifetime is accepted.
    AcceptAnyExpiry,
    /// Mail to a mailing list may be E2EE.
    E2eeToList,
    /// Webmail sends in any mode.
    WebmailSendsEncrypted,
    /// Webmail displays encrypted mail.
    WebmailShowsEncrypted,
    /// A domain's policy can be set again.
    PolicyMutable,
    /// Secure-only domains send standard mail.
    SecureOnlyAllowsStandard,
    /// Cross-account E2EE needs only the sender's domain switch.
    OneSidedCrossDomain,
    /// E2EE is sent to recipients that have no active device.
    E2eeWithoutRecipientKeys,
    /// Mail waiting for the recipient's first device is never re-encrypted.
    SkipReencryption,
    /// Escrow discovery ignores the escrow-read permission.
    DiscoveryWithoutRead,
    /// Escrow recovery ignores the escrow-write permission.
    RecoveryWithoutWrite,
    /// The escrow device receives every generation the acknowledging device held.
    EscrowGetsHistory,
    /// Mail can be enabled in any region.
    AnyRegion,
    /// Custom domains can be added on any plan.
    AnyPlan,
    /// A policy can be set on an unverified domain.
    PolicyBeforeVerify,
    /// The recipient's copy of cross-account mail is stored in the sender's region.
    CopyInSenderRegion,
    /// The attachment limit accepts one byte more.
    LimitOffByOne,
    /// Calendar events may be E2EE.
    E2eeCalendar,
    /// Anyone may schedule on anyone's calendar.
    NoDelegationCheck,
    /// The service scans every message, whether it can read it or not.
    ScanEverything,
    /// The Sent copy is sealed to the recipient only.
    NoSentCopyKey,
    /// Standard mail is stored without at-rest encryption.
    PlaintextAtRest,
    /// The service accepts a message sealed to a stale generation.
    AcceptStaleGeneration,
}

impl ModelMutant {
    pub const ALL: [ModelMutant; 30] = [
        ModelMutant::RevokeWithoutRotation,
        ModelMutant::RotationReachesRevoked,
        ModelMutant::AddGrantsHistory,
        ModelMutant::AddSkipsOlderDevices,
        ModelMutant::E2eeWithServiceBox,
        ModelMutant::KeepLinkSecret,
        ModelMutant::ExpiryOffByOne,
        ModelMutant::AcceptAnyExpiry,
        ModelMutant::E2eeToList,
        ModelMutant::WebmailSendsEncrypted,
        ModelMutant::WebmailShowsEncrypted,
        ModelMutant::PolicyMutable,
        ModelMutant::SecureOnlyAllowsStandard,
        ModelMutant::OneSidedCrossDomain,
        ModelMutant::E2eeWithoutRecipientKeys,
        ModelMutant::SkipReencryption,
        ModelMutant::DiscoveryWithoutRead,
        ModelMutant::RecoveryWithoutWrite,
        ModelMutant::EscrowGetsHistory,
        ModelMutant::AnyRegion,
        ModelMutant::AnyPlan,
        ModelMutant::PolicyBeforeVerify,
        ModelMutant::CopyInSenderRegion,
        ModelMutant::LimitOffByOne,
        ModelMutant::E2eeCalendar,
        ModelMutant::NoDelegationCheck,
        ModelMutant::ScanEverything,
        ModelMutant::NoSentCopyKey,
        ModelMutant::PlaintextAtRest,
        ModelMutant::AcceptStaleGeneration,
    ];

    /// Returns the mutant's name as used on the command line and in docs.
    pub fn name(self) -> String {
        crate::observation::Reason::snake_case_of(&format!("{self:?}"))
    }
}
