//! `hf-local:HFClassificationService` through the binary: `base:ClassificationPipe` classifies a
//! ticket of the in-memory ticket system with a real (tiny) BERT model directory in a `--once`
//! run; `otai check` loads nothing, `otai check --online` finds a missing model at its pipe.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

mod support;

use support::{all_output, otai_command, output_of};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("otai-hf-local/tests/fixtures/models")
}

/// The reference text and the label the `transformers` pipeline gives it with the `bert`
/// fixture (`otai-hf-local/tests/fixtures/reference.json`).
fn reference() -> (String, String) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("otai-hf-local/tests/fixtures/reference.json"),
    )
    .unwrap();
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let text = reference["texts"][2].as_str().unwrap().to_owned();
    let label = reference["models"]["bert"][2]["label"]
        .as_str()
        .unwrap()
        .to_owned();
    (text, label)
}

fn write_config(dir: &Path, model_name: &str) -> PathBuf {
    let (text, _) = reference();
    let seeds = serde_json::json!([
        {"id": 7, "subject": text, "body": "", "queue": {"name": "Incoming"}}
    ]);
    std::fs::write(dir.join("seeds.json"), seeds.to_string()).unwrap();
    let config = format!(
        r#"
open_ticket_ai:
  services:
    tickets:
      use: base:InMemoryTicketSystem
      params: {{ tickets_file: seeds.json, save_to: out.json }}
    hf:
      use: hf-local:HFClassificationService
      params: {{ model_dir: "{models}", max_batch_size: 4 }}
  orchestrator:
    use: base:SimpleSequentialOrchestrator
    params:
      steps:
        - id: route
          use: base:CompositePipe
          params:
            steps:
              - id: fetch
                use: base:FetchTicketsPipe
                injects: {{ ticket_system: tickets }}
                params: {{ ticket_search_criteria: {{ queue: {{ name: Incoming }}, limit: 1 }} }}
              - id: classify
                use: base:ClassificationPipe
                injects: {{ classification_service: hf }}
                params:
                  text: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['subject'] }}}}"
                  model_name: {model_name}
              - id: move
                use: base:UpdateTicketPipe
                injects: {{ ticket_system: tickets }}
                params:
                  ticket_id: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['id'] }}}}"
                  updated_ticket: {{ queue: {{ name: "{{{{ get_pipe_result('classify', 'label') }}}}" }} }}
"#,
        models = models().display()
    );
    let path = dir.join("hf.yml");
    std::fs::write(&path, config).unwrap();
    path
}

fn otai(args: &[&str]) -> Output {
    output_of(
        otai_command()
            .args(args)
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_HUB_CACHE", "/nonexistent-otai-test-cache"),
    )
}

#[test]
fn a_once_run_classifies_the_ticket_with_the_local_model_as_the_pipeline_does() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "bert");
    let config = config.display().to_string();
    let output = otai(&["run", "--config", &config, "--once"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let (_, label) = reference();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(
        saved[0]["queue"]["name"],
        serde_json::json!(label),
        "{saved}"
    );
    assert!(
        all_output(&output).contains("model loaded"),
        "the model named in the config is loaded before the first cycle"
    );
}

#[test]
fn an_opt_in_precision_runs_quantized_and_keeps_the_label() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "bert");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("max_batch_size: 4", "max_batch_size: 4, precision: int16");
    std::fs::write(&config, text).unwrap();
    let output = otai(&["run", "--config", &config.display().to_string(), "--once"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let (_, label) = reference();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(
        saved[0]["queue"]["name"],
        serde_json::json!(label),
        "{saved}"
    );
}

#[test]
fn check_loads_no_model_and_check_online_finds_a_missing_one_at_its_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "acme/not-here")
        .display()
        .to_string();
    let offline = otai(&["check", "--config", &config]);
    assert_eq!(offline.status.code(), Some(0), "{}", all_output(&offline));

    let online = otai(&["check", "--config", &config, "--online"]);
    assert_eq!(online.status.code(), Some(3), "{}", all_output(&online));
    let text = all_output(&online);
    assert!(
        text.contains("pipe `classify` (base:ClassificationPipe) cannot start"),
        "{text}"
    );
    assert!(
        text.contains("model `acme/not-here` was not found"),
        "{text}"
    );
    assert!(
        text.contains("at: orchestrator.params.steps[0].params.steps[1]"),
        "{text}"
    );
    assert!(
        text.contains("HF_HUB_OFFLINE"),
        "the places looked in are listed: {text}"
    );

    let fine = write_config(dir.path(), "bert").display().to_string();
    let online = otai(&["check", "--config", &fine, "--online"]);
    assert_eq!(online.status.code(), Some(0), "{}", all_output(&online));
}
