//! `otai run`: `--once` exit codes, `--trace`, a clean stop on SIGTERM, no secret in any output.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{all_output, otai_command, output_of};

const SECRET: &str = "hunter2-do-not-print";

/// A small pipeline over an in-memory ticket system in `dir`.
fn write_config(dir: &Path, tickets: &str) -> String {
    let text = format!(
        r#"
open_ticket_ai:
  infrastructure:
    logging: {{ level: TRACE }}
  services:
    tickets:
      use: base:InMemoryTicketSystem
      params:
        tickets: {tickets}
        save_to: {out}
    keywords:
      use: base:KeywordClassifier
      params:
        models:
          queue:
            default_label: Unclassified
            labels: {{ Billing: [invoice], IT: [vpn] }}
  orchestrator:
    use: base:SimpleSequentialOrchestrator
    params:
      orchestrator_sleep: 50ms
      steps:
        - id: routing
          use: base:SimpleSequentialRunner
          params:
            on: {{ use: base:IntervalTrigger, params: {{ interval: PT0.2S }} }}
            run:
              use: base:CompositePipe
              params:
                steps:
                  - id: fetch
                    use: base:FetchTicketsPipe
                    injects: {{ ticket_system: tickets }}
                    params: {{ ticket_search_criteria: {{ queue: {{ name: Incoming }}, limit: 1 }} }}
                  - id: guard
                    use: base:ExpressionPipe
                    params:
                      expression: "{{{{ fail() if (get_pipe_result('fetch', 'fetched_tickets') | length) == 0 else 'ok' }}}}"
                  - id: classify
                    use: base:ClassificationPipe
                    injects: {{ classification_service: keywords }}
                    params:
                      text: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['subject'] }}}}"
                      model_name: queue
                      api_token: "{SECRET}"
                  - id: move
                    use: base:UpdateTicketPipe
                    injects: {{ ticket_system: tickets }}
                    params:
                      ticket_id: "{{{{ get_pipe_result('fetch', 'fetched_tickets')[0]['id'] }}}}"
                      updated_ticket: {{ queue: {{ name: "{{{{ get_pipe_result('classify', 'label') }}}}" }} }}
"#,
        out = dir.join("out.yaml").display()
    );
    let path = dir.join("otai.yml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const TWO_TICKETS: &str = r#"[{ id: "1", subject: "Invoice twice", queue: { name: Incoming } }, { id: "2", subject: "VPN down", queue: { name: Incoming } }]"#;

fn otai(args: &[&str]) -> Output {
    output_of(otai_command().args(args))
}

#[test]
fn once_runs_one_cycle_and_its_exit_code_says_whether_a_step_failed() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let trace = dir.path().join("trace.jsonl");
    let trace_arg = trace.display().to_string();

    let first = otai(&["run", "--config", &config, "--once", "--trace", &trace_arg]);
    assert_eq!(first.status.code(), Some(0), "{}", all_output(&first));
    let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap();
    assert_eq!(saved.matches("Billing").count(), 1, "{saved}");
    assert_eq!(
        saved.matches("Incoming").count(),
        1,
        "one ticket left: {saved}"
    );

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["pipe_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "IntervalTrigger",
            "fetch",
            "guard",
            "classify",
            "move",
            "CompositePipe",
            "routing",
            "SimpleSequentialOrchestrator"
        ]
    );
    assert_eq!(lines[3]["data"]["label"], "Billing");
    assert_eq!(lines[3]["use"], "base:ClassificationPipe");

    // Every run seeds the in-memory system anew; seed it with nothing in `Incoming`.
    let empty = write_config(
        dir.path(),
        r#"[{ id: "9", subject: "Done", queue: { name: Billing } }]"#,
    );
    let idle = otai(&["run", "--config", &empty, "--once"]);
    assert_eq!(
        idle.status.code(),
        Some(1),
        "the guard fails on an empty queue"
    );
    assert!(
        all_output(&idle).contains("cycle failed"),
        "{}",
        all_output(&idle)
    );
}

#[test]
fn until_idle_drains_the_queue_and_exits_0_as_a_normal_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let output = otai(&["run", "--config", &config, "--until-idle"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("queue drained after 2 ticket(s) in 2 cycle(s)"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("INFO") && stderr.contains("queue drained after 2 ticket(s)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("WARN"),
        "the empty queue is no warning: {stderr}"
    );
    let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap();
    assert!(!saved.contains("Incoming"), "{saved}");
}

#[test]
fn until_idle_sets_aside_tickets_that_keep_failing_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    // The keyword classifier does not know this model: the first cycle fails with a ticket.
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("model_name: queue", "model_name: \"{{ 'que' ~ 'ue2' }}\"");
    std::fs::write(&config, text).unwrap();
    let output = otai(&["run", "--config", &config, "--until-idle"]);
    assert_eq!(output.status.code(), Some(1), "{}", all_output(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("queue drained after 0 ticket(s)")
            && stdout.contains("2 ticket(s) set aside"),
        "{stdout}"
    );
    // Each ticket is reported once as set aside, with the step and the cause.
    let stderr = String::from_utf8_lossy(&output.stderr);
    for ticket in ["1", "2"] {
        let reported: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("ERROR") && line.contains(&format!("ticket {ticket} set aside")))
            .collect();
        assert_eq!(reported.len(), 1, "{stderr}");
        assert!(reported[0].contains("unknown model `queue2`"), "{}", reported[0]);
    }
}

#[test]
fn check_online_reports_what_cannot_start_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let fine = otai(&["check", "--config", &config, "--online"]);
    assert_eq!(fine.status.code(), Some(0), "{}", all_output(&fine));
    assert!(String::from_utf8_lossy(&fine.stdout).contains("services started"));

    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("model_name: queue", "model_name: qeue");
    std::fs::write(&config, &text).unwrap();
    // The error points at the pipe declaration: the line of its `id`.
    let pipe_line = 1 + text
        .lines()
        .position(|line| line.contains("- id: classify"))
        .unwrap();
    // Offline, a model name is just a string.
    let offline = otai(&["check", "--config", &config]);
    assert_eq!(offline.status.code(), Some(0), "{}", all_output(&offline));
    let online = otai(&["check", "--config", &config, "--online"]);
    assert_eq!(online.status.code(), Some(3), "{}", all_output(&online));
    let text = all_output(&online);
    assert!(
        text.contains("pipe `classify` (base:ClassificationPipe) cannot start"),
        "{text}"
    );
    assert!(text.contains("unknown model `qeue`"), "{text}");
    assert!(text.contains(&format!("otai.yml:{pipe_line}:")), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn relative_paths_resolve_against_the_config_file_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[]").replace('\\', "/");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("tickets: []", "tickets_file: seeds.yaml")
        .replace(
            &dir.path().join("out.yaml").display().to_string(),
            "out.yaml",
        );
    std::fs::write(&config, text).unwrap();
    std::fs::write(
        dir.path().join("seeds.yaml"),
        "- { id: 1, subject: Invoice twice, queue: { name: Incoming } }\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let output = otai_command()
        .args(["run", "--config", &config, "--until-idle"])
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap();
    assert!(saved.contains("Billing"), "{saved}");
    assert!(!elsewhere.path().join("out.yaml").exists());
}

#[test]
fn piped_logs_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let output = otai(&["run", "--config", &config, "--once"]);
    assert!(output.status.success(), "{}", all_output(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INFO"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no ANSI escapes when piped: {stderr:?}"
    );
}

#[test]
fn secrets_appear_in_no_log_line_and_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let trace = dir.path().join("trace.jsonl").display().to_string();
    let output = otai_command()
        .args([
            "run",
            "--config",
            &config,
            "--until-idle",
            "--trace",
            &trace,
        ])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(output.status.success());
    let everything = format!(
        "{}{}",
        all_output(&output),
        std::fs::read_to_string(&trace).unwrap()
    );
    assert!(everything.len() > 1000, "trace logging produced output");
    assert!(!everything.contains(SECRET), "the api_token leaked");

    // And a config error at the secret's place shows no secret either.
    let broken = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&format!("\"{SECRET}\""), &format!("[\"{SECRET}\"]"));
    std::fs::write(&config, broken).unwrap();
    let output = otai(&["check", "--config", &config]);
    assert_eq!(output.status.code(), Some(2));
    let text = all_output(&output);
    assert!(text.contains("api_token"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_the_cycle_in_flight_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let mut child = otai_command()
        .args(["run", "--config", &config])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until both tickets were processed (the service saves after every change).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap_or_default();
        if !saved.is_empty() && !saved.contains("Incoming") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the tickets were not processed: {saved}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "otai did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap();
    assert!(saved.contains("Billing") && saved.contains("IT"), "{saved}");
}

#[test]
fn logging_follows_infrastructure_logging_file_and_json_format() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let log = dir.path().join("otai.log");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "logging: { level: TRACE }",
        &format!(
            "logging: {{ level: DEBUG, format: json, file: {} }}",
            log.display()
        ),
    );
    std::fs::write(&config, text).unwrap();
    let output = otai(&["run", "--config", &config, "--once"]);
    assert!(output.status.success(), "{}", all_output(&output));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
        .collect();
    assert!(
        lines.iter().any(|l| l["level"] == "DEBUG"),
        "DEBUG lines are logged"
    );
    assert!(
        lines.iter().all(|l| l["level"] != "TRACE"),
        "TRACE lines are not"
    );
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("DEBUG"),
        "logs go to the file"
    );
}

#[test]
fn templates_see_the_dotenv_beside_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), TWO_TICKETS);
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "queue: { name: Incoming }, limit: 1",
        "queue: { name: \"{{ get_env('OTAI_TEST_DOTENV_QUEUE') }}\" }, limit: 1",
    );
    assert!(text.contains("get_env"), "the fetch step was templated");
    std::fs::write(&config, text).unwrap();
    std::fs::write(dir.path().join(".env"), "OTAI_TEST_DOTENV_QUEUE=Incoming\n").unwrap();
    let output = otai(&["run", "--config", &config, "--once"]);
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    let saved = std::fs::read_to_string(dir.path().join("out.yaml")).unwrap();
    assert!(saved.contains("Billing"), "{saved}");
}
