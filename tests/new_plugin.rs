//! `otai new-plugin`: the generated crate builds, its own tests pass, and its custom binary
//! lists and runs the plugin's pipe — the path the plugin development guide walks.
//!
//! The crate depends on this checkout by path (`--otai-path`) and is built with this
//! workspace's `Cargo.lock` (so with the same dependency versions, offline) and this
//! workspace's build directory (`CARGO_BUILD_BUILD_DIR`), so dependencies compiled for the
//! workspace are reused; its own binary goes to a target directory of its own, so it never
//! replaces this workspace's `otai`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{all_output, otai_command, output_of};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo` run in `dir`, sharing this workspace's build directory.
fn cargo(dir: &Path, target: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let build_dir = workspace_root().join("target");
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_BUILD_BUILD_DIR", build_dir)
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUST_LOG")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} in {}:\n{}",
        dir.display(),
        all_output(&output)
    );
    output
}

#[test]
fn a_generated_plugin_builds_passes_its_tests_and_runs_in_its_custom_binary() {
    let dir = tempfile::tempdir().unwrap();
    let created = output_of(otai_command().args([
        "new-plugin",
        "demo-kit",
        "--path",
        dir.path().to_str().unwrap(),
        "--otai-path",
        workspace_root().to_str().unwrap(),
    ]));
    assert!(created.status.success(), "{}", all_output(&created));
    let krate = dir.path().join("otai-demo-kit");
    assert!(
        String::from_utf8_lossy(&created.stdout).contains("registry prefix `demo-kit`"),
        "{}",
        all_output(&created)
    );
    let manifest = std::fs::read_to_string(krate.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"otai-demo-kit\""), "{manifest}");
    std::fs::copy(
        workspace_root().join("Cargo.lock"),
        krate.join("Cargo.lock"),
    )
    .unwrap();

    // Its tests (with the binary built alongside: `--features cli`).
    let target = dir.path().join("target");
    let tested = cargo(&krate, &target, &["test", "--offline", "--features", "cli"]);
    let report = all_output(&tested);
    assert!(report.contains("test result: ok. 5 passed"), "{report}");

    // The custom binary lists the plugin and runs its pipe.
    let otai = target
        .join("debug")
        .join(format!("otai{}", std::env::consts::EXE_SUFFIX));
    let run = |args: &[&str]| {
        let output = Command::new(&otai)
            .args(args)
            .current_dir(&krate)
            .env_remove("RUST_LOG")
            .env("OTAI_STATE_DIR", dir.path().join("state"))
            .output()
            .unwrap();
        let text = all_output(&output);
        assert!(output.status.success(), "otai {args:?}:\n{text}");
        text
    };
    let plugins = run(&["plugins"]);
    for expected in [
        "otai-demo-kit",
        "demo-kit:NoteClassification",
        "Classifies a ticket's subject and body and adds the label as an internal note.",
        "demo-kit:LengthClassifier",
        "base:InMemoryTicketSystem",
    ] {
        assert!(
            plugins.contains(expected),
            "missing {expected:?}:\n{plugins}"
        );
    }
    let described = run(&["describe", "demo-kit:LengthClassifier"]);
    assert!(
        described.contains("threshold: integer (default 200)"),
        "{described}"
    );
    let ran = run(&["run", "--config", "examples/demo.yml", "--once"]);
    assert!(ran.contains("ticket 1: note \"Classification\""), "{ran}");
}

#[test]
fn a_name_that_breaks_the_rules_is_refused_with_the_reason_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for (name, reason) in [
        ("otai-acme", "give the name without `otai-`"),
        ("Acme_Tools", "use `acme-tools`"),
        ("base", "the prefix `base` is taken"),
    ] {
        let output = output_of(otai_command().args([
            "new-plugin",
            name,
            "--path",
            dir.path().to_str().unwrap(),
        ]));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(reason), "{name}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    let output = output_of(otai_command().args([
        "new-plugin",
        "acme",
        "--path",
        dir.path().to_str().unwrap(),
        "--otai-path",
        dir.path().to_str().unwrap(),
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a checkout of Open Ticket AI"),
        "{stderr}"
    );
}
