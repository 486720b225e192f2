//! Recorded vectors: behaviour scenarios and crypto known-answer cases, as versioned JSON.

pub mod crypto;
pub mod scenario;

use std::path::{Path, PathBuf};

/// A vector file that cannot be used, with the file and the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {problem}")]
pub struct VectorError {
    pub file: String,
    pub field: String,
    pub problem: String,
}

impl VectorError {
    pub fn new(file: &Path, field: impl Into<String>, problem: impl Into<String>) -> Self {
        VectorError { file: file.display().to_string(), field: field.into(), problem: problem.into() }
    }
}

/// Returns the `.json` files of a directory, sorted by name.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>, VectorError> {
    let entries = std::fs::read_dir(dir).map_err(|e| VectorError::new(dir, "(directory)", format!("cannot read: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Reads and parses a JSON file, naming the file and position on failure.
pub fn read_json(path: &Path) -> Result<serde_json::Value, VectorError> {
    let text = std::fs::read_to_string(path).map_err(|e| VectorError::new(path, "(file)", format!("cannot read: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| VectorError::new(path, "(file)", format!("invalid JSON at line {} column {}: {e}", e.line(), e.column())))
}

/// Decodes one field of a JSON object into `T`, naming the field on failure.
pub fn field<T: serde::de::DeserializeOwned>(
    path: &Path,
    object: &serde_json::Value,
    name: &str,
    expected: &str,
) -> Result<T, VectorError> {
    let value = object.get(name).ok_or_else(|| VectorError::new(path, name, format!("missing, expected {expected}")))?;
    serde_json::from_value(value.clone()).map_err(|e| VectorError::new(path, name, format!("expected {expected}: {e}")))
}

/// Writes pretty JSON with a final newline; the same value always gives the same bytes.
pub fn to_pretty(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
