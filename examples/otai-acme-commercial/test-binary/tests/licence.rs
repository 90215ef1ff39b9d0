//! The Acme plugin's licence check, through the real custom binary (`otai-acme-test`: `otai`
//! with `otai-acme-commercial` linked, trusting the test key): `run`, `check` and `plugins`
//! with valid, missing, malformed, expired, tampered, wrong-plugin and trial keys.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a failure fails the test.

use std::path::PathBuf;
use std::process::{Command, Output};

use otai_acme_commercial::{ESCALATION_FEATURE, LICENSE_VARIABLE, PRODUCTION_PUBLIC_KEY};
use otai_license::{parse_date, Date, License, LicenseError, LicenseVerifier, VendorSigningKey};

/// The test signing key (public, like its seed: it signs keys for tests only). The plugin
/// trusts its public half only when built with the feature `test-key`.
fn test_vendor() -> VendorSigningKey {
    VendorSigningKey::parse("ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoM").unwrap()
}

const PLUGIN: &str = "otai-acme-commercial";

fn date(text: &str) -> Date {
    parse_date(text).unwrap()
}

/// A licence for the Acme plugin valid for decades.
fn license() -> License {
    License::new("Example GmbH", PLUGIN, date("2099-12-31"))
}

fn sign(license: &License) -> String {
    license.sign(&test_vendor())
}

/// A directory with `config.yml`: one urgency tagger as the orchestrator.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self::with_config(
            "open_ticket_ai:\n  orchestrator:\n    id: urgency\n    use: \"acme-commercial:UrgencyTaggerPipe\"\n    params:\n      text: \"URGENT: the shop is down!!\"\n",
        )
    }

    fn with_config(yaml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yml"), yaml).unwrap();
        Self { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config.yml")
    }

    fn dotenv(&self, text: &str) {
        std::fs::write(self.dir.path().join(".env"), text).unwrap();
    }

    /// The binary with `key` (or none) in the environment.
    fn otai(&self, key: Option<&str>, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_otai-acme-test"));
        command
            .env_remove("RUST_LOG")
            .env_remove(LICENSE_VARIABLE)
            .env("OTAI_STATE_DIR", self.dir.path().join("state"))
            .current_dir(self.dir.path())
            .args(args);
        if let Some(key) = key {
            command.env(LICENSE_VARIABLE, key);
        }
        command.output().expect("the custom otai binary runs")
    }

    fn run(&self, key: Option<&str>) -> Output {
        let config = self.config().display().to_string();
        let trace = self.trace().display().to_string();
        self.otai(
            key,
            &["run", "--config", &config, "--once", "--trace", &trace],
        )
    }

    fn check(&self, key: Option<&str>) -> Output {
        let config = self.config().display().to_string();
        self.otai(key, &["check", "--config", &config])
    }

    fn trace(&self) -> PathBuf {
        self.dir.path().join("trace.jsonl")
    }

    /// The result data of the pipe `id` in the trace of the last run.
    fn traced(&self, id: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.trace()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .find(|record| record["pipe_id"] == id)
            .unwrap_or_else(|| panic!("no trace line of `{id}` in:\n{text}"))["data"]
            .clone()
    }
}

fn all(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_refused(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", all(output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!("error: plugin `otai-acme-commercial` refused to start: {message}");
    assert!(
        stderr.lines().any(|line| line == expected),
        "expected the line\n{expected}\nin:\n{stderr}"
    );
}

/// `run` and `check` both refuse with exactly `message`, and never show the key.
fn assert_run_and_check_refuse(key: Option<&str>, message: &str) {
    let setup = Setup::new();
    for output in [setup.run(key), setup.check(key)] {
        assert_refused(&output, message);
        if let Some(key) = key.filter(|key| key.len() > 20) {
            assert!(!all(&output).contains(key), "{}", all(&output));
        }
    }
    assert!(!setup.trace().exists() || std::fs::read_to_string(setup.trace()).unwrap().is_empty());
}

#[test]
fn a_valid_key_runs_the_urgency_tagger() {
    let setup = Setup::new();
    let key = sign(&license());
    let output = setup.run(Some(&key));
    assert!(output.status.success(), "{}", all(&output));
    let data = setup.traced("urgency");
    assert_eq!(data["urgency"], "high", "{data}");
    assert_eq!(data["signals"], serde_json::json!(["urgent", "down", "!!"]));
    let check = setup.check(Some(&key));
    assert!(check.status.success(), "{}", all(&check));
}

#[test]
fn a_key_in_the_dotenv_beside_the_config_is_found() {
    let setup = Setup::new();
    setup.dotenv(&format!("{LICENSE_VARIABLE}={}\n", sign(&license())));
    let output = setup.run(None);
    assert!(output.status.success(), "{}", all(&output));
}

#[test]
fn a_missing_key_names_the_plugin_the_variable_and_both_places() {
    let setup = Setup::new();
    let dotenv = setup.dir.path().join(".env");
    let message = format!(
        "otai-acme-commercial needs a licence key: ACME_LICENSE_KEY is not set (read from the environment of the otai process and from {}). Set ACME_LICENSE_KEY to the licence key you received — contact sales@acme.example",
        dotenv.display()
    );
    for output in [setup.run(None), setup.check(None)] {
        assert_refused(&output, &message);
    }
}

#[test]
fn a_malformed_key_is_refused() {
    assert_run_and_check_refuse(
        Some("this-is-not-a-licence-key"),
        "otai-acme-commercial: the licence key in ACME_LICENSE_KEY is malformed: it has no `.` between its two parts. Copy the whole key again, exactly as you received it (two base64url parts joined by a dot, no spaces) — contact sales@acme.example",
    );
    let key = sign(&license());
    let cut = &key[..key.len() - 10];
    assert_run_and_check_refuse(
        Some(cut),
        "otai-acme-commercial: the licence key in ACME_LICENSE_KEY is malformed: its second part holds 57 bytes where a signature has 64 (the key is cut short or has extra characters). Copy the whole key again, exactly as you received it (two base64url parts joined by a dot, no spaces) — contact sales@acme.example",
    );
}

#[test]
fn an_expired_key_names_the_date() {
    let key = sign(&License::new("Example GmbH", PLUGIN, date("2024-03-31")));
    assert_run_and_check_refuse(
        Some(&key),
        "otai-acme-commercial: the licence of Example GmbH expired on 2024-03-31. Renew it and set ACME_LICENSE_KEY to the new key — contact sales@acme.example",
    );
}

#[test]
fn a_tampered_key_is_refused() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key = sign(&License::new("Example GmbH", PLUGIN, date("2024-03-31")));
    let (payload, signature) = key.split_once('.').unwrap();
    let json = String::from_utf8(engine.decode(payload).unwrap()).unwrap();
    let extended = json.replace("2024-03-31", "2099-03-31");
    assert_ne!(extended, json);
    let tampered = format!("{}.{signature}", engine.encode(extended));
    assert_run_and_check_refuse(
        Some(&tampered),
        "otai-acme-commercial: the licence key in ACME_LICENSE_KEY was not issued for this plugin by its vendor (the signature does not match; the key may have been altered). Use the key exactly as you received it — contact sales@acme.example",
    );
}

#[test]
fn a_key_for_another_plugin_is_refused() {
    let key = sign(&License::new(
        "Example GmbH",
        "otai-acme-helpdesk-sync",
        date("2099-12-31"),
    ));
    assert_run_and_check_refuse(
        Some(&key),
        "otai-acme-commercial: the licence key in ACME_LICENSE_KEY is for the plugin `otai-acme-helpdesk-sync`, not `otai-acme-commercial`. Set ACME_LICENSE_KEY to the key issued for otai-acme-commercial — contact sales@acme.example",
    );
}

#[test]
fn a_running_trial_works_and_an_ended_one_asks_to_buy() {
    let setup = Setup::new();
    let running = sign(&license().with_trial(true));
    let output = setup.run(Some(&running));
    assert!(output.status.success(), "{}", all(&output));
    let ended = sign(&License::new("Example GmbH", PLUGIN, date("2025-01-15")).with_trial(true));
    assert_run_and_check_refuse(
        Some(&ended),
        "otai-acme-commercial: the trial licence of Example GmbH ended on 2025-01-15. Buy a licence and set ACME_LICENSE_KEY to its key — contact sales@acme.example",
    );
}

const ESCALATION_CONFIG: &str = "open_ticket_ai:\n  orchestrator:\n    id: escalation\n    use: \"acme-commercial:SlaEscalationPipe\"\n    params: { urgency: high, hours_open: 3, tier: gold }\n";

#[test]
fn the_premium_pipe_is_registered_only_when_the_licence_lists_its_feature() {
    let setup = Setup::with_config(ESCALATION_CONFIG);
    let premium = sign(&license().with_features([ESCALATION_FEATURE]));
    let output = setup.run(Some(&premium));
    assert!(output.status.success(), "{}", all(&output));
    let data = setup.traced("escalation");
    assert_eq!(data["escalate"], true, "{data}");
    assert_eq!(data["priority"], "P1", "{data}");

    let plugins = setup.otai(Some(&premium), &["plugins"]);
    assert!(
        all(&plugins).contains("acme-commercial:SlaEscalationPipe"),
        "{}",
        all(&plugins)
    );

    let basic = sign(&license());
    let plugins = setup.otai(Some(&basic), &["plugins"]);
    assert!(plugins.status.success(), "{}", all(&plugins));
    let listing = String::from_utf8_lossy(&plugins.stdout);
    assert!(
        listing.contains("acme-commercial:UrgencyTaggerPipe"),
        "{listing}"
    );
    assert!(
        !listing.contains("acme-commercial:SlaEscalationPipe"),
        "{listing}"
    );
    let log = String::from_utf8_lossy(&plugins.stderr);
    assert!(
        log.contains("the licence does not include the feature `sla-escalation`: acme-commercial:SlaEscalationPipe is not available"),
        "{log}"
    );
    let check = setup.check(Some(&basic));
    assert_eq!(check.status.code(), Some(2), "{}", all(&check));
    assert!(
        all(&check).contains("acme-commercial:SlaEscalationPipe"),
        "{}",
        all(&check)
    );
}

#[test]
fn plugins_without_a_licence_is_refused_and_says_no_dotenv_was_read() {
    let setup = Setup::new();
    let output = setup.otai(None, &["plugins"]);
    assert_refused(
        &output,
        "otai-acme-commercial needs a licence key: ACME_LICENSE_KEY is not set (read from the environment of the otai process; this command reads no config, so no `.env` file). Set ACME_LICENSE_KEY to the licence key you received — contact sales@acme.example",
    );
}

#[test]
fn the_key_appears_in_no_log_line_even_at_trace_level() {
    let setup = Setup::new();
    let key = sign(&license().with_features([ESCALATION_FEATURE]));
    let config = setup.config().display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_otai-acme-test"));
    let output = command
        .env(LICENSE_VARIABLE, &key)
        .env("RUST_LOG", "trace")
        .env("OTAI_STATE_DIR", setup.dir.path().join("state"))
        .args(["run", "--config", &config, "--once"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", all(&output));
    let text = all(&output);
    assert!(text.contains("licence accepted"), "{text}");
    let (payload, signature) = key.split_once('.').unwrap();
    assert!(
        !text.contains(payload) && !text.contains(signature),
        "{text}"
    );
}

#[test]
fn keys_signed_with_the_test_key_do_not_verify_against_the_production_key() {
    let key = sign(&license());
    let error = LicenseVerifier::new(PRODUCTION_PUBLIC_KEY)
        .for_plugin(PLUGIN)
        .verify_key(&key, LICENSE_VARIABLE)
        .unwrap_err();
    assert!(
        matches!(error, LicenseError::BadSignature { .. }),
        "{error:?}"
    );
    assert_eq!(
        test_vendor().public_key().to_text(),
        otai_acme_commercial::TEST_PUBLIC_KEY
    );
    assert_ne!(otai_acme_commercial::TEST_PUBLIC_KEY, PRODUCTION_PUBLIC_KEY);
}
