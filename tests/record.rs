//! `mailspec record` regenerates the committed vectors byte for byte, and the runner
//! names the file and field of a broken vector and still runs the others.

use mailspec_conformance::reference::InProcess;
use mailspec_conformance::{run, Selection, VectorSet, Verdict};
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
    std::fs::write(dir.join("scenarios/policy_is_set_once.json"), &good).expect("write");
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

#[test]
fn invalid_vector_is_reported_and_others_run() {
    let dir = std::env::temp_dir().join(format!("mailspec-invalid-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("dir");
    let good = std::fs::read_to_string(repo().join("vectors/scenarios/policy_is_set_once.json")).expect("vector");
    std::fs::write(dir.join("scenarios/policy_is_set_once.json"), &good).expect("write");
    let unknown_rule = good.replacen("\"T7\"", "\"T77\"", 1);
    std::fs::write(dir.join("scenarios/unknown_rule.json"), unknown_rule.replacen("policy_is_set_once", "unknown_rule", 1)).expect("write");

    // 1. The loader keeps the good vector and names the file and field of the other.
    let set = VectorSet::load(&dir).expect("directory loads");
    assert_eq!(set.scenarios.len(), 1, "the good vector still loads");
    assert_eq!(set.errors.len(), 1, "{:?}", set.errors);
    let error = &set.errors[0];
    assert!(error.file.ends_with("unknown_rule.json"), "{error}");
    assert_eq!(error.field, "rules[0]", "{error}");
    assert!(error.problem.contains("\"T77\""), "{error}");

    // 2. The good vector still runs and passes.
    let results = run(&mut InProcess::new(), &set, &Selection::default());
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].verdict, Verdict::Pass, "{}", results[0].name);

    // 3. The command line reports both, and exits 2 for the broken vector.
    let output = Command::new(env!("CARGO_BIN_EXE_mailspec")).args(["conform", "--vectors"]).arg(&dir).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("pass  scenarios/policy_is_set_once"), "{stdout}");
    assert!(stdout.lines().any(|line| line.contains("unknown_rule.json") && line.contains("rules[0]")), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
