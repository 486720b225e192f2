//! The adapter protocol: JSON lines over a child process's stdin and stdout.
//!
//! The harness writes one request per line and reads one response per line; each
//! response carries the id of its request. `docs/adapter-protocol.md` specifies the
//! messages and `conformance/schema/adapter-protocol.schema.json` their JSON Schema.

use crate::implementation::{Capability, CryptoVerdict, StoredObject};
use mailspec_model::{Observation, Operation, World};
use serde::{Deserialize, Serialize};

/// The protocol version this harness speaks.
pub const PROTOCOL_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    Hello { id: u64, protocol: u32 },
    Reset { id: u64, world: World },
    Apply { id: u64, operation: Operation },
    Stored { id: u64 },
    Links { id: u64 },
    Crypto { id: u64, construction: String, case: serde_json::Value },
}

impl Request {
    pub fn id(&self) -> u64 {
        match self {
            Request::Hello { id, .. }
            | Request::Reset { id, .. }
            | Request::Apply { id, .. }
            | Request::Stored { id }
            | Request::Links { id }
            | Request::Crypto { id, .. } => *id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Hello { id: u64, protocol: u32, implementation: String, capabilities: Vec<Capability> },
    Ready { id: u64 },
    Observation { id: u64, observation: Observation },
    Stored { id: u64, objects: Vec<StoredObject> },
    Links { id: u64, urls: Vec<String> },
    Crypto { id: u64, verdict: CryptoVerdict },
    Error { id: u64, code: ErrorCode, message: String },
}

impl Response {
    pub fn id(&self) -> u64 {
        match self {
            Response::Hello { id, .. }
            | Response::Ready { id }
            | Response::Observation { id, .. }
            | Response::Stored { id, .. }
            | Response::Links { id, .. }
            | Response::Crypto { id, .. }
            | Response::Error { id, .. } => *id,
        }
    }
}

/// Why an implementation could not carry out a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request needs a capability the implementation does not have.
    Unsupported,
    /// The request could not be parsed or names something unknown.
    BadRequest,
    /// The implementation failed on its own.
    Internal,
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Internal => "internal",
        };
        f.write_str(text)
    }
}

/// Serde helpers for byte strings as standard base64 (RFC 4648, with padding).
pub mod base64_bytes {
    use base64ct::{Base64, Encoding};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Base64::encode_string(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        Base64::decode_vec(&text).map_err(|_| serde::de::Error::custom("invalid base64 in bytes"))
    }
}

/// One line of the protocol, in either direction: the root of the JSON Schema.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum Line {
    Request(Request),
    Response(Response),
}

/// Returns the JSON Schema of every protocol line, as `mailspec record` writes it.
pub fn schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Line)).unwrap_or_default();
    if let Some(object) = schema.as_object_mut() {
        object.insert("title".into(), "mailspec adapter protocol, version 1".into());
    }
    schema
}
