//! The vendor's key tool, run as the real `otai-license` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a failure fails the test.

use std::path::Path;
use std::process::{Command, Output};

use otai_license::{LicenseError, LicenseVerifier};

fn tool() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_otai-license"));
    command.env_remove("OTAI_LICENSE_SIGNING_KEY");
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("otai-license runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `keygen --out FILE`; returns the public key it printed.
fn keygen(file: &Path) -> String {
    let output = run(tool().args(["keygen", "--out"]).arg(file));
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout).trim().to_owned()
}

#[test]
fn keygen_then_sign_makes_a_key_the_plugin_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vendor.key");
    let public = keygen(&file);
    assert_eq!(public.len(), 43, "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the signing key is readable by others: {mode:o}"
        );
    }

    let output = run(tool()
        .args([
            "sign",
            "--licensee",
            "Example GmbH",
            "--plugin",
            "otai-acme-commercial",
        ])
        .args([
            "--expires",
            "2099-12-31",
            "--features",
            "sentiment, escalation",
            "--trial",
        ])
        .arg("--key-file")
        .arg(&file));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let key = text(&output.stdout).trim().to_owned();
    assert!(text(&output.stderr).contains("features [sentiment, escalation], trial"));

    let license = LicenseVerifier::new(&public)
        .for_plugin("otai-acme-commercial")
        .verify_key(&key, "the test key")
        .unwrap();
    assert_eq!(license.licensee(), "Example GmbH");
    assert_eq!(license.features(), ["sentiment", "escalation"]);
    assert!(license.is_trial());
    assert_eq!(license.expires().to_string(), "2099-12-31");
}

#[test]
fn sign_reads_the_key_line_from_the_environment_and_never_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vendor.key");
    let public = keygen(&file);
    let secret_line = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    let output = run(tool().env("OTAI_LICENSE_SIGNING_KEY", &secret_line).args([
        "sign",
        "--licensee",
        "A",
        "--plugin",
        "otai-x",
        "--expires",
        "2000-01-01",
    ]));
    assert!(output.status.success(), "{}", text(&output.stderr));
    let all = text(&output.stdout) + &text(&output.stderr);
    assert!(!all.contains(&secret_line), "{all}");
    assert!(all.contains("warning: the licence expires on 2000-01-01, which is in the past"));
    let error = LicenseVerifier::new(&public)
        .for_plugin("otai-x")
        .verify_key(text(&output.stdout).trim(), "the test key")
        .unwrap_err();
    assert!(matches!(error, LicenseError::Expired { .. }), "{error:?}");
}

#[test]
fn keygen_refuses_to_overwrite_a_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vendor.key");
    keygen(&file);
    let before = std::fs::read_to_string(&file).unwrap();
    let output = run(tool().args(["keygen", "--out"]).arg(&file));
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("--force"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn sign_without_a_signing_key_says_where_to_put_one() {
    let output = run(tool().args([
        "sign",
        "--licensee",
        "A",
        "--plugin",
        "otai-x",
        "--expires",
        "2030-01-01",
    ]));
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("--key-file") && stderr.contains("OTAI_LICENSE_SIGNING_KEY"),
        "{stderr}"
    );
}

#[test]
fn sign_rejects_a_date_that_is_not_year_month_day() {
    let output = run(tool().args([
        "sign",
        "--licensee",
        "A",
        "--plugin",
        "otai-x",
        "--expires",
        "31.12.2030",
    ]));
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("YYYY-MM-DD"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_file_that_is_no_signing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-key.txt");
    std::fs::write(&file, "hello\nworld\n").unwrap();
    let output = run(tool()
        .args([
            "sign",
            "--licensee",
            "A",
            "--plugin",
            "otai-x",
            "--expires",
            "2030-01-01",
            "--key-file",
        ])
        .arg(&file));
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("not-a-key.txt does not hold a signing key"),
        "{stderr}"
    );
    assert!(!stderr.contains("hello"), "{stderr}");
}

#[test]
fn help_lists_both_commands_and_the_sign_options() {
    let output = run(tool().arg("--help"));
    assert!(output.status.success());
    let help = text(&output.stdout);
    assert!(help.contains("keygen") && help.contains("sign"), "{help}");
    let output = run(tool().args(["sign", "--help"]));
    let help = text(&output.stdout);
    for option in [
        "--licensee",
        "--plugin",
        "--expires",
        "--features",
        "--trial",
        "--key-file",
        "OTAI_LICENSE_SIGNING_KEY",
    ] {
        assert!(help.contains(option), "{option} missing in:\n{help}");
    }
}
