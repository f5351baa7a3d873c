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

#[test]
fn out_dir_writes_the_markdown_report_and_the_charts() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("out-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let nested = dir.join("nested");
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../harness/scenarios/deposit-exit.toml");
    let output = plasma(&["scenario", "run", file, "--variants", "mvp", "--out-dir", nested.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // Not a terminal: no progress bar, nothing on either stream.
    assert!(output.stdout.is_empty() && output.stderr.is_empty(), "{output:?}");
    let markdown = std::fs::read_to_string(nested.join("comparison.md")).unwrap();
    assert!(markdown.starts_with("# plasma-lab comparison"), "{markdown}");
    assert!(markdown.contains("| deposit-exit | pass |"), "{markdown}");
    for entry in std::fs::read_dir(nested.join("comparison")).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(path.extension().and_then(|e| e.to_str()), Some("svg"), "{}", path.display());
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("<svg "), "{}", path.display());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_dir_conflicts_with_out_and_format_and_reports_write_errors() {
    for args in [&["compare", "--out-dir", "x", "--out", "y"][..], &["compare", "--out-dir", "x", "--format", "md"]] {
        let output = plasma(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8(output.stderr).unwrap().contains("cannot be used with"));
    }
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../harness/scenarios/deposit-exit.toml");
    let blocker = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("blocker-{}", std::process::id()));
    std::fs::write(&blocker, "a file, not a directory").unwrap();
    let output = plasma(&["scenario", "run", file, "--variants", "mvp", "--out-dir", blocker.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("plasma: cannot write "), "{stderr}");
    std::fs::remove_file(&blocker).unwrap();
}
