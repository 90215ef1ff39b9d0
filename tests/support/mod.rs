//! What the binary's end-to-end tests share: how to start the `otai` under test and how to
//! show everything it printed when an assertion fails.

#![allow(dead_code)] // Each test target uses its own subset.

use std::process::{Command, Output};

/// The `otai` binary built for this test run, with the caller's `RUST_LOG` removed so every
/// test sees the default log filter whatever the shell running `cargo test` sets, and its
/// journals kept under `target/` instead of the user's state directory.
pub fn otai_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_otai"));
    command.env_remove("RUST_LOG");
    command.env_remove("OTAI_JOURNAL");
    command.env_remove("OTAI_WORKER");
    command.env_remove("OTAI_LISTEN");
    command.env(
        "OTAI_STATE_DIR",
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("otai-state"),
    );
    command
}

/// Runs `command` to completion; a binary that cannot start fails the test right there.
pub fn output_of(command: &mut Command) -> Output {
    command.output().expect("the otai binary runs")
}

/// Standard output followed by standard error, for assertion messages and `contains` checks
/// that should not care which stream a line went to.
pub fn all_output(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The original demo configuration (`otai-core/tests/fixtures/original-demo-config.yml`) with
/// its OTOBO URL pointed at `base_url` and its `hf_local` service swapped for a
/// `base:KeywordClassifier` under the same id, whose models carry the original's model names.
pub fn original_config_text(base_url: &str) -> String {
    let original = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("otai-core/tests/fixtures/original-demo-config.yml"),
    )
    .expect("the original demo configuration is a fixture of this repository");
    let swapped = original
        .replace(
            "http://127.0.0.1:8080/otobo/nph-genericinterface.pl",
            base_url,
        )
        .replace(
            "    hf_local:\n      use: \"hf-local:HFClassificationService\"\n",
            r#"    hf_local:
      use: "base:KeywordClassifier"
      params:
        models:
          softoft/otai-queue-de-bert-v1:
            default_label: "OpenTicketAI::Unclassified"
            labels:
              Billing: [rechnung, invoice]
              IT Support: [vpn, passwort]
          softoft/otai-priority-de-bert-v1:
            default_label: medium
            labels:
              high: [dringend, sofort]
              low: [irgendwann]
"#,
        );
    assert!(
        swapped.contains("base:KeywordClassifier") && swapped.contains(base_url),
        "the fixture still has the original's shape"
    );
    swapped
}

/// The exit code of `child`, or `None` when it is still running at `deadline` (it is killed
/// then).
pub async fn wait_for(
    child: &mut std::process::Child,
    deadline: std::time::Instant,
) -> Option<i32> {
    loop {
        if let Some(status) = child.try_wait().expect("the child process can be polled") {
            return Some(status.code().unwrap_or(-1));
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
