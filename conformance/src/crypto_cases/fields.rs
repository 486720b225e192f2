//! Named case fields: lowercase hex, or text when the name ends in `_text`.

use std::collections::BTreeMap;

/// Returns whether a field contains text instead of hex, by the `_text` suffix of its name.
pub(crate) fn is_text_name(name: &str) -> bool {
    name.ends_with("_text")
}

/// Inputs or outputs of one case, built field by field.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields(BTreeMap<String, String>);

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Sets a hex field. Panics on a `_text` name, which would mislabel the encoding.
    pub fn hex(mut self, name: &str, bytes: impl AsRef<[u8]>) -> Fields {
        assert!(!is_text_name(name), "field {name} ends in _text but is given bytes");
        self.0.insert(name.to_string(), hex::encode(bytes));
        self
    }

    /// Sets a text field. Panics unless the name ends in `_text`.
    pub fn text(mut self, name: &str, text: &str) -> Fields {
        assert!(is_text_name(name), "text field {name} must end in _text");
        self.0.insert(name.to_string(), text.to_string());
        self
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }
}
