//! A one-line rendering of operations for traces and reports: `name key=value ...`.

use crate::op::Operation;

/// Renders an operation as `name key=value ...`, with ids in their short form.
pub fn render(operation: &Operation) -> String {
    let value = serde_json::to_value(operation).unwrap_or_default();
    let Some(fields) = value.as_object() else { return value.to_string() };
    let name = fields.get("op").and_then(|op| op.as_str()).unwrap_or("?");
    let mut parts = vec![name.to_string()];
    for (key, field) in fields.iter().filter(|(key, _)| key.as_str() != "op") {
        parts.push(format!("{key}={}", render_value(field)));
    }
    parts.join(" ")
}

fn render_value(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) if map.contains_key("user") && map.contains_key("slot") && map.len() == 2 => {
            format!("user{}.device{}", map["user"], map["slot"])
        }
        Value::Object(map) => {
            let inner: Vec<String> = map.iter().map(|(k, v)| format!("{k}:{}", render_value(v))).collect();
            if map.len() == 1 && !inner.is_empty() {
                return inner.join("");
            }
            format!("{{{}}}", inner.join(" "))
        }
        Value::String(text) => text.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}
