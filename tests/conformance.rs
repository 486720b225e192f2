//! The conformance suite against the reference implementation: in process, through
//! the adapter protocol, and against every faulty variant.

use mailspec_conformance::reference::InProcess;
use mailspec_conformance::{run, Selection, SuiteReport, VectorSet, Verdict};
use std::path::PathBuf;
use std::process::{Command, Output};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

fn mailspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailspec")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("runs")
}

#[test]
fn reference_passes_every_vector_in_process() {
    let set = VectorSet::load(&vectors_dir()).expect("vectors load");
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let results = run(&mut InProcess::new(), &set, &Selection::default());
    let failures: Vec<_> = results.iter().filter(|r| r.verdict != Verdict::Pass).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(results.len() >= 40, "only {} vectors", results.len());
}

#[test]
fn every_checked_rule_has_a_vector() {
    let set = VectorSet::load(&vectors_dir()).expect("vectors load");
    let results = run(&mut InProcess::new(), &set, &Selection::default());
    let report = SuiteReport::new("reference".into(), Vec::new(), results, &set.errors, 0.0);
    let uncovered: Vec<_> = report.coverage.iter().filter(|row| row.status.starts_with("modelled") && row.vectors == 0).map(|row| row.rule.clone()).collect();
    assert!(uncovered.is_empty(), "rules without a vector: {uncovered:?}");
}

#[test]
fn reference_passes_through_the_adapter_protocol() {
    let command = format!("{} adapter", env!("CARGO_BIN_EXE_mailspec"));
    let output = mailspec(&["conform", "--sut-cmd", &command, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert_eq!(report["failed"], 0);
    assert_eq!(report["skipped"], 0);
}

#[test]
fn every_fault_is_killed_by_some_vector() {
    let set = VectorSet::load(&vectors_dir()).expect("vectors load");
    let report = mailspec_conformance::mutants::score(&set);
    assert!(report.broken.is_empty(), "vectors the reference fails: {:?}", report.broken);
    assert!(report.mutants.len() >= 15, "only {} faults", report.mutants.len());
    let survivors: Vec<_> = report.mutants.iter().filter(|s| !s.killed()).map(|s| s.mutant.clone()).collect();
    assert!(survivors.is_empty(), "faults no vector kills: {survivors:?}");
}

#[test]
fn faulty_adapter_fails_the_cli_run() {
    let command = format!("{} adapter --fault keep_link_secret", env!("CARGO_BIN_EXE_mailspec"));
    let output = mailspec(&["conform", "--sut-cmd", &command, "--filter", "L3"]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("secret of link"), "{text}");
    assert!(!text.contains("#") || text.contains("#***"), "a report printed a link secret: {text}");
}

#[test]
fn run_with_everything_skipped_does_not_pass() {
    let command = r#"read hello; echo '{"type":"hello","id":1,"protocol":1,"implementation":"nothing","capabilities":[]}'; exec sleep 30"#;
    let output = mailspec(&["conform", "--sut-cmd", command, "--filter", "T1", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["passed"], 0);
    assert!(report["skipped"].as_u64().unwrap_or(0) > 0);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn junit_report_lists_every_vector() {
    let output = mailspec(&["conform", "--filter", "D7", "--format", "junit"]);
    assert_eq!(output.status.code(), Some(0));
    let xml = String::from_utf8_lossy(&output.stdout);
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<testsuite"), "{xml}");
    assert!(xml.contains("</testsuite>"), "{xml}");
    assert!(xml.matches("<testcase").count() >= 4, "{xml}");
}

#[test]
fn conform_usage_errors_exit_two() {
    for (args, fragment) in [
        (vec!["conform", "--format", "yaml"], "'yaml'"),
        (vec!["conform", "--sut", "other"], "'other'"),
        (vec!["conform", "--timeout", "0"], "'0'"),
        (vec!["conform", "--vectors", "/nonexistent-vectors"], "/nonexistent-vectors"),
    ] {
        let output = mailspec(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.lines().any(|line| line.starts_with("error:") && line.contains(fragment)), "{args:?}: {stderr}");
    }
}

#[test]
fn mutants_cli_reports_broken_vector() {
    let dir = std::env::temp_dir().join(format!("mailspec-mutants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("dir");
    let good = std::fs::read_to_string(vectors_dir().join("scenarios/policy_is_set_once.json")).expect("vector");
    std::fs::write(dir.join("scenarios/policy_is_set_once.json"), &good).expect("write");
    // The reference rejects the last step, so a vector expecting `done` there is broken.
    let last = good.rfind(r#""rejected": "policy_immutable""#).expect("the last step is a rejection");
    let broken = format!("{}{}{}", &good[..last], r#""ok": {"outcome": "done"}"#, &good[last + r#""rejected": "policy_immutable""#.len()..]);
    std::fs::write(dir.join("scenarios/policy_can_change.json"), broken.replacen("policy_is_set_once", "policy_can_change", 1)).expect("write");
    let dir_text = dir.to_str().expect("utf-8 path");

    let human = mailspec(&["mutants", "--vectors", dir_text]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(1), "{text}");
    assert!(text.contains("BROKEN scenarios/policy_can_change: fails against the reference implementation"), "{text}");
    assert!(text.lines().any(|line| line.starts_with("mutable_policy") && line.ends_with("killed by scenarios/policy_is_set_once")), "{text}");

    let json = mailspec(&["mutants", "--vectors", dir_text, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON report");
    assert_eq!(report["broken"][0]["name"], "scenarios/policy_can_change", "{report}");
    let kills: Vec<&serde_json::Value> = report["mutants"].as_array().expect("mutants array").iter().flat_map(|m| m["killed_by"].as_array().expect("killed_by array")).collect();
    assert!(kills.iter().all(|name| *name == "scenarios/policy_is_set_once"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn invalid_crypto_vector_is_reported_and_others_run() {
    let dir = std::env::temp_dir().join(format!("mailspec-invalid-crypto-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("scenarios")).expect("dir");
    std::fs::create_dir_all(dir.join("crypto")).expect("dir");
    let scenario = std::fs::read_to_string(vectors_dir().join("scenarios/policy_is_set_once.json")).expect("vector");
    std::fs::write(dir.join("scenarios/policy_is_set_once.json"), scenario).expect("write");
    let link = std::fs::read_to_string(vectors_dir().join("crypto/link.json")).expect("vector");
    std::fs::write(dir.join("crypto/link.json"), &link).expect("write");
    let at_rest = std::fs::read_to_string(vectors_dir().join("crypto/at_rest.json")).expect("vector");
    let misnamed = at_rest.replacen(r#""construction": "at_rest""#, r#""construction": "at_restx""#, 1);
    assert_ne!(misnamed, at_rest, "at_rest.json names its construction");
    std::fs::write(dir.join("crypto/at_rest.json"), misnamed).expect("write");

    // 1. The loader keeps the good files and names the file and field of the other.
    let set = VectorSet::load(&dir).expect("directory loads");
    assert_eq!(set.crypto.len(), 1, "link.json still loads");
    assert_eq!(set.errors.len(), 1, "{:?}", set.errors);
    let error = &set.errors[0];
    assert!(error.file.ends_with("at_rest.json"), "{error}");
    assert_eq!(error.field, "construction", "{error}");
    assert!(error.problem.contains("\"at_restx\" is not a known construction"), "{error}");

    // 2. The command line runs the others, reports the file as unreadable and exits 2.
    let output = Command::new(env!("CARGO_BIN_EXE_mailspec")).args(["conform", "--vectors"]).arg(&dir).output().expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("pass  scenarios/policy_is_set_once"), "{stdout}");
    assert!(stdout.contains("pass  crypto/link"), "{stdout}");
    assert!(!stdout.lines().any(|line| line.ends_with("crypto/at_rest") || line.contains("crypto/at_rest: ")), "the invalid file ran: {stdout}");
    assert!(stdout.lines().any(|line| line.starts_with("UNREADABLE") && line.contains("at_rest.json: construction")), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
