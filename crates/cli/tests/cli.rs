//! The `plasma` binary as a user runs it.

use assert_cmd::Command;

#[test]
fn list_names_both_backends() {
    let output = Command::cargo_bin("plasma").unwrap().arg("list").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("embedded") && stdout.contains("anvil") && stdout.contains("variants:"));
}

#[test]
fn bad_arguments_fail_cleanly() {
    for args in [&["frobnicate"][..], &["list", "--no-such-flag"], &[]] {
        let output = Command::cargo_bin("plasma").unwrap().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("Usage"), "{stderr}");
        assert!(!stderr.contains("panicked"));
    }
}
