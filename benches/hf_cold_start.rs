//! Cold start of the `otai` binary with a local HuggingFace model: from process start to the
//! first ticket classified and written back, over the in-memory ticket system, and the peak
//! memory of that run (the original needs 5.3–9.2 s and 0.8–1.5 GiB).
//!
//! ```sh
//! /work/venv/bin/python otai-hf-local/benches/compare.py --skip-cold   # writes the MiniLM model
//! cargo bench --bench hf_cold_start -- target/hf-bench/minilm-l6-4label [runs]
//! ```
//!
//! Each run is a fresh `otai run --once`: read the config, create the plugins, build, load the
//! model the config names (memory-mapped safetensors), fetch the ticket, classify it, move it
//! and save the ticket file. Wall time and peak RSS come from GNU time (`/usr/bin/time`) when
//! it is installed, else wall time only. The first run also pays for a cold page cache.

// A benchmark over fixed inputs: a broken setup is a broken checkout, not user data.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn config(dir: &Path, model: &Path) -> std::path::PathBuf {
    let seeds = serde_json::json!([{
        "id": 1,
        "subject": "Rechnung doppelt abgebucht",
        "body": "Hallo, der Betrag der Rechnung 2025-0117 wurde zweimal von unserem Konto abgebucht. Bitte um Erstattung.",
        "queue": {"name": "Incoming"}
    }]);
    std::fs::write(dir.join("seeds.json"), seeds.to_string()).unwrap();
    let text = format!(
        r#"
open_ticket_ai:
  infrastructure: {{ logging: {{ level: WARN }} }}
  services:
    tickets:
      use: base:InMemoryTicketSystem
      params: {{ tickets_file: seeds.json, save_to: out.json }}
    hf:
      use: hf-local:HFClassificationService
  orchestrator:
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
            text: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['subject'] }}}} {{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['body'] }}}}"
            model_name: "{model}"
        - id: move
          use: base:UpdateTicketPipe
          injects: {{ ticket_system: tickets }}
          params:
            ticket_id: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['id'] }}}}"
            updated_ticket: {{ queue: {{ name: "{{{{ get_pipe_result('classify', 'label') }}}}" }} }}
"#,
        model = model.display()
    );
    let path = dir.join("cold-start.yml");
    std::fs::write(&path, text).unwrap();
    path
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let Some(model) = args.first() else {
        eprintln!("usage: cargo bench --bench hf_cold_start -- MODEL_DIR [runs]");
        return;
    };
    let model = std::path::absolute(model).unwrap();
    let runs: usize = args.get(1).map_or(5, |n| n.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &model);
    let gnu_time = Path::new("/usr/bin/time").exists();
    for run in 1..=runs {
        let _ = std::fs::remove_file(dir.path().join("out.json"));
        let mut command = if gnu_time {
            let mut command = Command::new("/usr/bin/time");
            command.args(["-f", "%e s wall, %M KiB peak RSS"]);
            command.arg(env!("CARGO_BIN_EXE_otai"));
            command
        } else {
            Command::new(env!("CARGO_BIN_EXE_otai"))
        };
        command.args(["run", "--once", "--config"]).arg(&config);
        let started = Instant::now();
        let output = command.output().unwrap();
        let wall = started.elapsed();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let saved = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
        let tickets: serde_json::Value = serde_json::from_str(&saved).unwrap();
        let queue = &tickets[0]["queue"]["name"];
        let measured = String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        let peak = measured
            .split(", ")
            .nth(1)
            .and_then(|rss| rss.strip_suffix(" KiB peak RSS"))
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or_else(String::new, |kib| {
                format!(", peak RSS {:.0} MiB", kib / 1024.0)
            });
        println!(
            "run {run}: first ticket classified and written back in {:.0} ms{peak} (queue → {queue})",
            wall.as_secs_f64() * 1000.0
        );
    }
}
