//! `mailspec record` regenerates the committed vectors byte for byte, and the runner
//! names the file and field of a broken vector.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("readable directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    files.sort();
    files
}

#[test]
fn recording_reproduces_committed_vectors() {
    let fresh = std::env::temp_dir().join(format!("mailspec-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    let status = Command::new(env!("CARGO_BIN_EXE_mailspec")).args(["record", "--vectors"]).arg(&fresh).status().expect("runs");
    assert!(status.success());

    let committed = repo().join("vectors");
    let names = files_under(&fresh);
    assert_eq!(names, files_under(&committed), "the set of vector files differs");
    for name in &names {
        let want = std::fs::read(committed.join(name)).expect("committed file");
        let got = std::fs::read(fresh.join(name)).expect("recorded file");
        assert!(want == got, "{} differs from a fresh recording; run `mailspec record`", name.display());
    }
    let _ = std::fs::remove_dir_all(&fresh);
}

#[test]
fn broken_vector_names_file_and_field() {
    let dir = std::env::temp_dir().join(format!("mailspec-broken-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("dir");
    std::fs::create_dir_all(dir.join("crypto")).expect("dir");
    let good = std::fs::read_to_string(repo().join("vectors/scenarios/policy_is_set_once.json")).expect("vector");
    std::fs::write(dir.join("scenarios/good.json"), &good).expect("write");
    let broken = good.replacen("\"op\": \"set_policy\"", "\"op\": \"set_polcy\"", 1);
    std::fs::write(dir.join("scenarios/broken.json"), broken).expect("write");

    let set = mailspec_conformance::VectorSet::load(&dir).expect("directory loads");
    assert_eq!(set.scenarios.len(), 1, "the good vector still loads");
    assert_eq!(set.errors.len(), 1);
    let error = set.errors[0].to_string();
    assert!(error.contains("broken.json"), "{error}");
    assert!(error.contains("steps[") && error.contains("].operation"), "{error}");
    let _ = std::fs::remove_dir_all(&dir);
}
