//! The `plasma` binary as a user runs it.

// The helper below runs outside `#[test]` functions: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

fn plasma(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("plasma").unwrap().args(args).output().unwrap()
}

#[test]
fn list_names_the_backends_and_mvp() {
    let output = plasma(&["list"]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("embedded") && stdout.contains("anvil") && stdout.contains("mvp"), "{stdout}");
}

#[test]
fn bad_arguments_fail_cleanly() {
    for args in [
        &["frobnicate"][..],
        &["list", "--no-such-flag"],
        &[],
        &["compare", "--format", "xml"],
        &["compare", "--rpc-url", "http://x"],
    ] {
        let output = plasma(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with("error:") || stderr.contains("Usage"), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn unknown_variants_and_missing_files_are_reported() {
    let output = plasma(&["compare", "--variants", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stderr).unwrap().contains("unknown variant \"nope\""));
    let output = plasma(&["scenario", "run", "/nonexistent.toml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stderr).unwrap().contains("cannot read"));
}

#[test]
fn compare_prints_json_with_no_scenario_failing() {
    let output = plasma(&["compare", "--variants", "mvp,morevp,cash", "--format", "json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for (index, name) in ["mvp", "morevp", "cash"].into_iter().enumerate() {
        let variant = &report["variants"][index];
        assert_eq!(variant["name"], name);
        let scenarios = variant["scenarios"].as_array().unwrap();
        assert!(scenarios.iter().all(|s| s["outcome"] != "fail"), "{scenarios:?}");
        let passed = scenarios.iter().filter(|s| s["outcome"] == "pass").count();
        assert!(passed >= 10, "{name} passed {passed}");
    }
}

#[test]
fn a_scenario_file_runs_on_its_own() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../harness/scenarios/deposit-exit.toml");
    let output = plasma(&["scenario", "run", file, "--format", "md"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("| deposit-exit | pass |"), "{stdout}");
}
