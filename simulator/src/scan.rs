//! The byte scan: after every step, every byte the service stores is searched for content in
//! the clear and for link secrets.
//!
//! - Every message body and attachment, and every event, starts with the canary prefix
//!   `mailspec canary ` (see [`crate::canary`]). No stored copy may contain it: E2EE and
//!   password-expiring content must stay client-encrypted, and standard mail and events must
//!   be encrypted at rest (M7, M11, M12, L4). One search for the prefix covers every canary.
//! - Every link secret delivered to a recipient is searched for in its raw 32 bytes and in
//!   the base64url text of the URL fragment (L3).
//!
//! The scan remembers object versions, so each step scans only objects that changed, plus
//! every object for secrets it has not searched for yet.

use std::collections::HashMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use memchr::memmem;
use serde::{Deserialize, Serialize};

use crate::canary::CANARY_PREFIX;
use crate::crypto::link::LINK_URL_PREFIX;
use crate::reference::Reference;

/// What the scan found in a stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingKind {
    /// The canary of a message, in the clear.
    MessageContent { message: u32 },
    /// The canary of a calendar event, in the clear.
    EventContent { event: u32 },
    /// Canary text that names no message or event.
    OtherContent,
    /// A delivered link's secret, as raw bytes or as its base64url text.
    LinkSecret { url_index: usize, encoding: SecretEncoding },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretEncoding {
    Raw,
    Base64Url,
}

/// One hit of the scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub object: String,
    pub offset: usize,
    #[serde(flatten)]
    pub kind: FindingKind,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            FindingKind::MessageContent { message } => write!(f, "content of message{message}"),
            FindingKind::EventContent { event } => write!(f, "content of event{event}"),
            FindingKind::OtherContent => write!(f, "canary text"),
            FindingKind::LinkSecret { url_index, encoding } => write!(f, "secret of delivered link {url_index} ({encoding:?})"),
        }?;
        write!(f, " in stored object {} at offset {}", self.object, self.offset)
    }
}

/// Byte patterns of one delivered link secret.
struct SecretPatterns {
    raw: Vec<u8>,
    text: Vec<u8>,
}

impl Drop for SecretPatterns {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.raw);
        zeroize::Zeroize::zeroize(&mut self.text);
    }
}

/// An incremental scanner over one reference implementation's storage.
#[derive(Default)]
pub struct Scanner {
    versions: HashMap<String, u64>,
    secrets: Vec<SecretPatterns>,
    /// How many delivered URLs the secret list covers.
    urls_seen: usize,
}

impl Scanner {
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// Scans what changed since the last call, and every object for new secrets.
    pub fn scan(&mut self, reference: &Reference) -> Vec<Finding> {
        let urls = reference.delivered_links();
        let first_new_secret = self.secrets.len();
        for url in urls.iter().skip(self.urls_seen) {
            self.secrets.push(secret_patterns(url));
        }
        self.urls_seen = urls.len();

        let mut findings = Vec::new();
        let (versions, secrets) = (&mut self.versions, &self.secrets);
        reference.visit_stored(|id, _, version, bytes| {
            let changed = versions.get(id) != Some(&version);
            if changed {
                versions.insert(id.to_owned(), version);
                scan_canaries(id, bytes, &mut findings);
            }
            let from = if changed { 0 } else { first_new_secret };
            for (index, secret) in secrets.iter().enumerate().skip(from) {
                scan_secret(id, bytes, index, secret, &mut findings);
            }
        });
        findings
    }

    /// Scans every stored object from scratch.
    pub fn scan_all(reference: &Reference) -> Vec<Finding> {
        Scanner::new().scan(reference)
    }
}

fn secret_patterns(url: &str) -> SecretPatterns {
    let fragment = url.strip_prefix(LINK_URL_PREFIX).and_then(|rest| rest.split_once('#')).map(|(_, secret)| secret);
    let text = fragment.unwrap_or(url).as_bytes().to_vec();
    let raw = fragment.and_then(|secret| Base64UrlUnpadded::decode_vec(secret).ok()).unwrap_or_default();
    SecretPatterns { raw, text }
}

fn scan_canaries(object: &str, bytes: &[u8], findings: &mut Vec<Finding>) {
    let mut last_message = None;
    for offset in memmem::find_iter(bytes, CANARY_PREFIX) {
        let rest = &bytes[offset + CANARY_PREFIX.len()..];
        let kind = if let Some(number) = number_after(rest, b"message ") {
            FindingKind::MessageContent { message: number }
        } else if let Some(number) = number_after(rest, b"event ") {
            FindingKind::EventContent { event: number }
        } else {
            FindingKind::OtherContent
        };
        // An attachment repeats its canary many times; one finding per object and message is enough.
        if last_message.as_ref() == Some(&kind) {
            continue;
        }
        last_message = Some(kind.clone());
        findings.push(Finding { object: object.to_owned(), offset, kind });
    }
}

fn number_after(rest: &[u8], label: &[u8]) -> Option<u32> {
    let digits = rest.strip_prefix(label)?.get(..6)?;
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn scan_secret(object: &str, bytes: &[u8], url_index: usize, secret: &SecretPatterns, findings: &mut Vec<Finding>) {
    for (pattern, encoding) in [(&secret.raw, SecretEncoding::Raw), (&secret.text, SecretEncoding::Base64Url)] {
        if pattern.is_empty() {
            continue;
        }
        if let Some(offset) = memmem::find(bytes, pattern) {
            findings.push(Finding { object: object.to_owned(), offset, kind: FindingKind::LinkSecret { url_index, encoding } });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_scan_names_message_once_per_object() {
        let mut bytes = b"xx".to_vec();
        bytes.extend(crate::canary::attachment(mailspec_model::ids::MessageId(12), 95));
        let mut findings = Vec::new();
        scan_canaries("obj", &bytes, &mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, FindingKind::MessageContent { message: 12 });
        assert_eq!(findings[0].offset, 2);
    }

    #[test]
    fn secret_patterns_decode_fragment() {
        let url = format!("{LINK_URL_PREFIX}{}#{}", "ab".repeat(16), "A".repeat(43));
        let patterns = secret_patterns(&url);
        assert_eq!(patterns.text.len(), 43);
        assert_eq!(patterns.raw.len(), 32);
    }
}
