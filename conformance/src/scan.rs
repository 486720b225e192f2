//! The harness's own scan of what the service stores: no message content in the
//! clear and no link secret, checked on the bytes, not on the implementation's word.
//!
//! Every message body and attachment the harness's operations create starts with
//! the canary prefix (see `docs/adapter-protocol.md`), so one search finds plaintext
//! of any message. Link secrets are read from the fragment of each delivered URL.

use crate::implementation::StoredObject;
use base64ct::{Base64UrlUnpadded, Encoding};
use memchr::memmem;

/// The bytes every canary plaintext starts with.
pub const CANARY_PREFIX: &[u8] = b"mailspec canary ";

/// One forbidden thing found in a stored object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub object: String,
    pub what: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored object {} contains {}", self.object, self.what)
    }
}

/// Scans every stored object for canary plaintext and for the secret of every link.
pub fn scan(objects: &[StoredObject], links: &[String]) -> Vec<Finding> {
    let secrets: Vec<(String, Vec<Vec<u8>>)> = links.iter().filter_map(|url| link_secret_forms(url).map(|forms| (url.clone(), forms))).collect();
    let canary = memmem::Finder::new(CANARY_PREFIX);
    let mut findings = Vec::new();
    for object in objects {
        if let Some(at) = canary.find(&object.bytes) {
            let shown = String::from_utf8_lossy(&object.bytes[at..(at + 30).min(object.bytes.len())]).into_owned();
            findings.push(Finding { object: object.id.clone(), what: format!("plaintext {shown:?} at byte {at}") });
        }
        for (url, forms) in &secrets {
            if forms.iter().any(|form| memmem::find(&object.bytes, form).is_some()) {
                findings.push(Finding { object: object.id.clone(), what: format!("the secret of link {}", redact(url)) });
            }
        }
    }
    findings
}

/// Returns true when the URL's fragment is long enough for the scan to search for it.
pub fn has_link_secret(url: &str) -> bool {
    link_secret_forms(url).is_some()
}

/// Returns the forms a link secret may be stored in: the fragment text and, when it
/// decodes as unpadded base64url, the raw bytes. Secrets shorter than 16 bytes are
/// ignored, since shorter strings match by chance.
fn link_secret_forms(url: &str) -> Option<Vec<Vec<u8>>> {
    let fragment = url.split_once('#')?.1;
    if fragment.len() < 16 {
        return None;
    }
    let mut forms = vec![fragment.as_bytes().to_vec()];
    if let Ok(raw) = Base64UrlUnpadded::decode_vec(fragment) {
        if raw.len() >= 16 {
            forms.push(raw);
        }
    }
    Some(forms)
}

/// Returns the URL without its secret, for reports.
pub fn redact(url: &str) -> String {
    match url.split_once('#') {
        Some((base, _)) => format!("{base}#***"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: &str, bytes: &[u8]) -> StoredObject {
        StoredObject { id: id.into(), kind: "test".into(), bytes: bytes.to_vec() }
    }

    #[test]
    fn finds_canary_plaintext() {
        let findings = scan(&[object("m1", b"xx mailspec canary message 000001 yy")], &[]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].object, "m1");
        assert!(findings[0].what.contains("mailspec canary message 000001"));
    }

    #[test]
    fn finds_link_secret_raw_and_encoded() {
        let secret = [7u8; 32];
        let encoded = Base64UrlUnpadded::encode_string(&secret);
        let url = format!("https://mail.example/l/abc#{encoded}");
        let raw = scan(&[object("record", &[&[1, 2][..], &secret[..]].concat())], std::slice::from_ref(&url));
        let text = scan(&[object("log", encoded.as_bytes())], std::slice::from_ref(&url));
        assert_eq!(raw.len(), 1);
        assert_eq!(text.len(), 1);
        assert!(!raw[0].to_string().contains(&encoded), "reports must not print the secret");
    }

    #[test]
    fn clean_objects_give_no_finding() {
        let url = format!("https://mail.example/l/abc#{}", Base64UrlUnpadded::encode_string(&[9u8; 32]));
        assert!(scan(&[object("ct", &[0u8; 4096])], &[url]).is_empty());
    }

    #[test]
    fn link_secret_needs_long_fragment() {
        let secret = Base64UrlUnpadded::encode_string(&[5u8; 32]);
        assert!(has_link_secret(&format!("https://mail.example/l/abc#{secret}")));
        assert!(has_link_secret("https://mail.example/l/abc#0123456789abcdef"));
        assert!(!has_link_secret("https://mail.example/l/abc#0123456789abcde"));
        assert!(!has_link_secret("https://mail.example/l/abc"));
    }
}
