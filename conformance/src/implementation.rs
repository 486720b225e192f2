//! The implementation under test: one operation in, one observation out, plus probes
//! of what the service stores, so the harness checks bytes instead of trusting words.

use mailspec_model::{Observation, Operation, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A feature family an implementation claims. Vectors that need a capability the
/// implementation did not claim are skipped, never passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Tenancy,
    Devices,
    BackupKeys,
    Escrow,
    Mail,
    Links,
    Calendar,
    /// The implementation answers `stored` and `links` probes.
    Probes,
    /// The implementation checks the known-answer cases of `vectors/crypto/`.
    Crypto,
}

impl Capability {
    pub const ALL: [Capability; 9] = [
        Capability::Tenancy,
        Capability::Devices,
        Capability::BackupKeys,
        Capability::Escrow,
        Capability::Mail,
        Capability::Links,
        Capability::Calendar,
        Capability::Probes,
        Capability::Crypto,
    ];

    /// Returns the capability's name as the protocol and the vectors spell it.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Tenancy => "tenancy",
            Capability::Devices => "devices",
            Capability::BackupKeys => "backup_keys",
            Capability::Escrow => "escrow",
            Capability::Mail => "mail",
            Capability::Links => "links",
            Capability::Calendar => "calendar",
            Capability::Probes => "probes",
            Capability::Crypto => "crypto",
        }
    }

    /// Returns the capability an operation needs.
    pub fn of(op: &Operation) -> Capability {
        match op {
            Operation::EnableMail { .. }
            | Operation::AddDomain { .. }
            | Operation::VerifyDomain { .. }
            | Operation::SetPolicy { .. }
            | Operation::SetCrossDomain { .. }
            | Operation::EnableUser { .. }
            | Operation::DisableUser { .. } => Capability::Tenancy,
            Operation::AddDevice { .. }
            | Operation::ApproveDevice { by: mailspec_model::op::Approver::Device(_) | mailspec_model::op::Approver::Service, .. }
            | Operation::RevokeDevice { .. }
            | Operation::DeviceOnline { .. } => Capability::Devices,
            Operation::ApproveDevice { by: mailspec_model::op::Approver::BackupKey, .. }
            | Operation::CreateBackupKey { .. }
            | Operation::RevokeBackupKey { .. } => Capability::BackupKeys,
            Operation::ApproveDevice { by: mailspec_model::op::Approver::EscrowAdmin(_), .. }
            | Operation::EnableEscrow { .. }
            | Operation::AcknowledgeEscrow { .. }
            | Operation::DisableEscrow { .. }
            | Operation::EscrowDiscover { .. } => Capability::Escrow,
            Operation::Send(_) | Operation::ReceiveExternal { .. } | Operation::Read { .. } => Capability::Mail,
            Operation::OpenLink { .. } | Operation::AdvanceClock { .. } => Capability::Links,
            Operation::CreateEvent { .. } => Capability::Calendar,
        }
    }
}

/// Returns the capabilities a sequence of operations needs, sorted. A scenario can
/// need `probes` as well (see `vectors::scenario::required_capabilities`).
pub fn required(ops: impl IntoIterator<Item = impl std::borrow::Borrow<Operation>>) -> BTreeSet<Capability> {
    ops.into_iter().map(|op| Capability::of(op.borrow())).collect()
}

/// One object the service stores, as raw bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StoredObject {
    pub id: String,
    pub kind: String,
    /// The bytes, as standard base64 with padding.
    #[serde(with = "crate::protocol::base64_bytes")]
    #[schemars(with = "String")]
    pub bytes: Vec<u8>,
}

/// What went wrong with the implementation itself, as opposed to a wrong observation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SutError {
    #[error("implementation did not answer within {seconds} s")]
    Timeout { seconds: u64 },
    #[error("implementation exited: {detail}")]
    Crashed { detail: String },
    #[error("implementation broke the protocol: {detail}")]
    Protocol { detail: String },
    #[error("implementation reported an error {code}: {message}")]
    Reported { code: String, message: String },
    #[error("cannot start the implementation: {detail}")]
    Spawn { detail: String },
}

/// An implementation of the service the harness can drive.
pub trait Implementation {
    /// A short name for reports.
    fn name(&self) -> String;

    /// The capabilities the implementation claims.
    fn capabilities(&mut self) -> Result<BTreeSet<Capability>, SutError>;

    /// Starts a fresh service and clients over `world`; every vector begins with it.
    fn reset(&mut self, world: &World) -> Result<(), SutError>;

    /// Applies one operation and returns its observation.
    fn apply(&mut self, op: &Operation) -> Result<Observation, SutError>;

    /// Returns every object the service stores, byte for byte.
    fn stored_objects(&mut self) -> Result<Vec<StoredObject>, SutError>;

    /// Returns every password-expiring link URL delivered to a recipient since the last
    /// reset, expired ones included.
    fn delivered_links(&mut self) -> Result<Vec<String>, SutError>;

    /// Checks one known-answer case of a crypto construction: returns whether the
    /// implementation accepts the inputs, and the outputs it computed.
    fn crypto_case(&mut self, construction: &str, case: &serde_json::Value) -> Result<CryptoVerdict, SutError>;
}

/// An implementation's answer to one crypto case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CryptoVerdict {
    /// `valid` when the implementation accepted the inputs, `invalid` when it rejected them.
    pub result: String,
    /// Outputs the implementation computed, by field name, as lowercase hex.
    #[serde(default)]
    pub outputs: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_name_matches_serde() {
        for capability in Capability::ALL {
            let serialized = serde_json::to_value(capability).expect("a capability serializes");
            assert_eq!(serialized, serde_json::Value::String(capability.name().into()), "{capability:?}");
        }
    }
}
