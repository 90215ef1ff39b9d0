//! The `otai` command line: exit codes, error rendering, schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

mod support;

use support::{otai_command, output_of};

fn otai(args: &[&str]) -> Output {
    output_of(otai_command().args(args))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn check_reports_every_mistake_with_position_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.yml",
        "open_ticket_ai:\n  orchestrator:\n    use: base:CompositPipe\n  servics: {}\n",
    );
    let output = otai(&["check", "--config", &config]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown key `servics`"), "{stderr}");
    assert!(stderr.contains("did you mean `services`?"), "{stderr}");
    assert!(stderr.contains("bad.yml:4:3"), "{stderr}");
    assert!(stderr.contains("2 errors in"), "{stderr}");
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let output = otai(&["check", "--config", "/nonexistent/otai.yml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read the config file"), "{stderr}");
    assert!(stderr.contains("/nonexistent/otai.yml"), "{stderr}");
}

#[test]
fn schema_is_json_with_every_registered_key() {
    let output = otai(&["schema"]);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["properties"]["open_ticket_ai"].is_object());
    let listing = otai(&["plugins", "--json"]);
    let listing: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let text = serde_json::to_string(&schema).unwrap();
    for row in listing["injectables"].as_array().unwrap() {
        let key = row["key"].as_str().unwrap();
        assert!(
            text.contains(&format!("\"const\":\"{key}\"")),
            "{key} missing from the schema"
        );
    }
}

#[test]
fn every_subcommand_has_help() {
    for command in ["run", "check", "shadow-report", "plugins", "schema"] {
        let output = otai(&[command, "--help"]);
        assert!(output.status.success(), "{command} --help");
        assert!(!output.stdout.is_empty());
    }
}

#[test]
fn a_closed_stdout_is_not_a_crash() {
    // `otai plugins | head -0`: the reading end is gone before anything is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    for command in ["plugins", "schema"] {
        let output = otai_command()
            .arg(command)
            .stdout(writer.try_clone().unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{command}: {stderr}");
        assert!(output.status.success(), "{command}: {stderr}");
    }
}

#[test]
fn check_warns_about_names_a_template_reads_that_do_not_exist_and_still_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "typo.yml",
        "open_ticket_ai:\n  orchestrator:\n    use: base:CompositePipe\n    params:\n      steps:\n        - id: ticket\n          use: base:ExpressionPipe\n          params: { expression: \"{{ 1 }}\" }\n        - id: note\n          use: base:ExpressionPipe\n          params:\n            expression: \"Ticket {{ tiket }} in {{ get_pipe_result('ticket') }}\"\n",
    );
    let output = otai(&["check", "--config", &config]);
    assert_eq!(output.status.code(), Some(0), "a warning is no error");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("OK") && stdout.contains("1 warning"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: the template reads `tiket`, which is not defined here"),
        "{stderr}"
    );
    assert!(stderr.contains("typo.yml:12:25"), "{stderr}");
    assert!(
        stderr.contains("at: orchestrator.params.steps[1].params.expression"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("get_pipe_result`"),
        "helpers are not undeclared: {stderr}"
    );
}
