//! `mailspec record`: regenerates every vector from the model and the reference crypto.

use crate::vectors::scenario::ScenarioVector;
use crate::vectors::to_pretty;
use mailspec_model::scenarios::{catalog, world};
use std::path::{Path, PathBuf};

/// Returns every scenario vector with its file name, in catalog order.
pub fn scenario_vectors() -> Vec<(String, ScenarioVector)> {
    let world = world();
    catalog().iter().map(|scenario| (format!("{}.json", scenario.name), ScenarioVector::record(scenario, &world))).collect()
}

/// Writes `DIR/scenarios/*.json` and `DIR/crypto/*.json`, replacing what is there,
/// and returns the files written.
pub fn record(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios)?;
    remove_json(&scenarios)?;
    let mut written = Vec::new();
    for (file, vector) in scenario_vectors() {
        let path = scenarios.join(file);
        std::fs::write(&path, to_pretty(&vector))?;
        written.push(path);
    }

    let schema = dir.join("adapter-protocol.schema.json");
    std::fs::write(&schema, to_pretty(&crate::protocol::schema()))?;
    written.push(schema);

    let crypto = dir.join("crypto");
    std::fs::create_dir_all(&crypto)?;
    remove_json(&crypto)?;
    written.extend(crate::crypto_cases::write_crypto_vectors(&crypto)?);
    Ok(written)
}

fn remove_json(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}
