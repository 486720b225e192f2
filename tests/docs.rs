//! The documents name everything the code defines: every rule, rejection code,
//! property, witness and mutant, so a reviewer can go from any of them to the docs.

use mailspec::model::properties::catalog;
use mailspec::model::{ModelMutant, Reason};
use std::path::Path;

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

const RULE_IDS: &[(&str, u8)] = &[("T", 9), ("M", 12), ("L", 7), ("D", 9), ("E", 5), ("C", 2), ("S", 5)];

#[test]
fn spec_lists_every_rule_id() {
    let spec = read("spec.md");
    for (family, count) in RULE_IDS {
        for number in 1..=*count {
            let id = format!("{family}{number}");
            assert!(spec.contains(&format!("| {id} |")) || spec.contains(&format!("### {id}")), "spec.md lacks rule {id}");
        }
    }
}

#[test]
fn spec_lists_every_rejection_code() {
    let spec = read("spec.md");
    let every_reason: Vec<Reason> = serde_json_reasons();
    for reason in every_reason {
        assert!(spec.contains(&format!("`{}`", reason.code())), "spec.md lacks rejection code {}", reason.code());
    }
}

/// Returns every `Reason` variant by decoding each documented code back.
fn serde_json_reasons() -> Vec<Reason> {
    let spec = read("spec.md");
    let mut reasons = Vec::new();
    for word in spec.split('`') {
        if let Ok(reason) = serde_json::from_value::<Reason>(serde_json::Value::String(word.to_string())) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    assert!(reasons.len() >= 36, "spec.md documents only {} rejection codes", reasons.len());
    reasons
}

#[test]
fn properties_doc_names_every_property_witness_and_mutant() {
    let doc = read("properties.md");
    for property in catalog() {
        assert!(doc.contains(&format!("`{}`", property.name)), "properties.md lacks {}", property.name);
        assert!(doc.contains(&format!("`{}`", property.witness)), "properties.md lacks {}", property.witness);
        assert!(doc.contains(&format!("`{}`", property.mutant.name())), "properties.md lacks {}", property.mutant.name());
    }
    assert_eq!(ModelMutant::ALL.len(), catalog().len());
}

#[test]
fn interpretations_have_question_options_choice_and_reason() {
    let doc = read("interpretations.md");
    let entries = doc.matches("\n## I-").count() + doc.matches("\n### I-").count();
    assert!(entries >= 20, "only {entries} interpretation entries");
    for field in ["**Question.**", "**Options.**", "**Choice.**", "**Reason.**"] {
        assert!(doc.matches(field).count() >= entries, "some entry lacks {field}");
    }
}

#[test]
fn docs_speak_of_the_project_alone() {
    for name in ["spec.md", "interpretations.md", "threat-model.md", "properties.md", "crypto.md"] {
        let doc = read(name);
        assert!(!doc.contains("../shared"), "{name} points outside the project");
        assert!(!doc.to_lowercase().contains("seed document"), "{name} cites a planning document");
    }
}

#[test]
fn spec_statuses_match_the_rule_table() {
    let spec = read("spec.md");
    for (id, status) in mailspec::model::rule_ids::RULES {
        let row = spec.lines().find(|line| line.starts_with(&format!("| {id} |"))).unwrap_or_else(|| panic!("spec.md has no row for {id}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert!(cells.get(3).is_some_and(|cell| cell.starts_with(status.text())), "{id}: spec.md says {:?}, the code says {}", cells.get(3), status.text());
    }
}
