//! `otai run --dry-run` through the binary against the fake OTOBO server, with the README's
//! example (`examples/otobo.yml` over `examples/otobo-tickets.yaml`): the dry run sends no
//! write request at all, says so at start, logs each decision in one line, decides every
//! waiting ticket exactly once — over `--until-idle` and over repeated `--once` runs sharing
//! a decisions file — and its decisions are exactly what a live run then writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};
use otai_otobo_znuny::Operation;
use serde_json::Value;

mod support;

use support::{all_output, otai_command, output_of};

const PASSWORD: &str = "demo";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

async fn example_server() -> FakeOtobo {
    let seed = Seed::from_file(&root().join("examples/otobo-tickets.yaml")).unwrap();
    FakeOtobo::start(FakeOtoboConfig::new(seed).with_password(PASSWORD))
        .await
        .unwrap()
}

/// `otai ARGS --config examples/otobo.yml` against `server`.
fn otai(server: &FakeOtobo, args: &[&str]) -> Output {
    let config = root().join("examples/otobo.yml");
    output_of(
        otai_command()
            .args(args)
            .arg("--config")
            .arg(config)
            .env("OTOBO_URL", server.base_url())
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD),
    )
}

fn decisions(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Requests that change something.
fn writes(server: &FakeOtobo) -> usize {
    server.requests_for(Operation::TicketUpdate).len()
        + server.requests_for(Operation::TicketCreate).len()
}

fn incoming(server: &FakeOtobo) -> BTreeSet<String> {
    server
        .tickets()
        .iter()
        .filter(|t| t.queue == "OpenTicketAI::Incoming")
        .map(|t| t.id.to_string())
        .collect()
}

/// (ticket, step, field) of each decision, checked to be unique.
fn unique_keys(decisions: &[Value]) -> BTreeSet<(String, String, String)> {
    let mut keys = BTreeSet::new();
    for d in decisions {
        let key = (
            d["ticket_id"].as_str().unwrap().to_owned(),
            d["step"].as_str().unwrap().to_owned(),
            d["field"].as_str().unwrap().to_owned(),
        );
        assert!(keys.insert(key.clone()), "decided twice: {key:?}");
    }
    keys
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_writes_nothing_decides_each_ticket_once_and_is_what_the_live_run_does() {
    let server = example_server().await;
    let dir = tempfile::tempdir().unwrap();
    let dry_file = dir.path().join("dry.jsonl");
    let waiting = incoming(&server);
    assert_eq!(waiting.len(), 16);
    let before = server.tickets();

    let dry = otai(
        &server,
        &[
            "run",
            "--until-idle",
            "--dry-run",
            "--decisions",
            dry_file.to_str().unwrap(),
        ],
    );
    let text = all_output(&dry);
    assert_eq!(dry.status.code(), Some(0), "{text}");
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("queue drained after 16 ticket(s)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "dry run: nothing is written to any ticket system; every change is only logged and recorded in {}",
            dry_file.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "ticket 1001 \"Rechnung 2025-0117 doppelt abgebucht\": queue OpenTicketAI::Incoming → Billing (1.00) [dry run]"
        ),
        "{text}"
    );

    // Zero write requests; every ticket as it was.
    assert_eq!(writes(&server), 0, "{:#?}", server.requests());
    assert!(server.requests().iter().all(|r| matches!(
        r.operation,
        Some(Operation::TicketSearch | Operation::TicketGet)
    )));
    assert_eq!(server.tickets(), before);

    // Each waiting ticket decided once: queue, priority and two notes; one log line each.
    let dry_decisions = decisions(&dry_file);
    let keys = unique_keys(&dry_decisions);
    assert_eq!(dry_decisions.len(), 16 * 4);
    let decided: BTreeSet<String> = keys.iter().map(|k| k.0.clone()).collect();
    assert_eq!(decided, waiting);
    assert_eq!(text.matches("[dry run]").count(), 16 * 4, "{text}");
    for d in &dry_decisions {
        assert_eq!(d["dry_run"], true);
        assert_eq!(d["service"], "otobo_znuny");
        for name in [
            "time",
            "ticket_id",
            "step",
            "field",
            "before",
            "value",
            "confidence",
        ] {
            assert!(d.get(name).is_some(), "{name} missing in {d}");
        }
        let classification = match d["step"].as_str().unwrap() {
            step if step.starts_with("queue_") => "queue_classify",
            _ => "priority_classify",
        };
        assert_eq!(d["classification"], classification, "{d}");
        assert!(d["confidence"].is_f64(), "{d}");
        if d["field"] == "queue" {
            assert_eq!(d["before"], "OpenTicketAI::Incoming");
        }
    }

    // Again, with --until-idle and with --once: nothing left to decide, nothing written.
    let again = otai(
        &server,
        &[
            "run",
            "--until-idle",
            "--dry-run",
            "--decisions",
            dry_file.to_str().unwrap(),
        ],
    );
    assert_eq!(again.status.code(), Some(0), "{}", all_output(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("queue drained after 0 ticket(s)"),
        "{}",
        all_output(&again)
    );
    let once = otai(
        &server,
        &[
            "run",
            "--once",
            "--dry-run",
            "--decisions",
            dry_file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        once.status.code(),
        Some(1),
        "the guard finds no ticket: {}",
        all_output(&once)
    );
    assert_eq!(decisions(&dry_file), dry_decisions);
    assert_eq!(writes(&server), 0);

    // The live run writes exactly what the dry run proposed.
    let live_file = dir.path().join("live.jsonl");
    let journal = dir.path().join("live.journal");
    let live = otai(
        &server,
        &[
            "run",
            "--until-idle",
            "--decisions",
            live_file.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
    );
    assert_eq!(live.status.code(), Some(0), "{}", all_output(&live));
    let live_decisions = decisions(&live_file);
    let comparable = |decisions: &[Value]| -> BTreeMap<(String, String, String), Value> {
        decisions
            .iter()
            .map(|d| {
                let key = (
                    d["ticket_id"].as_str().unwrap().to_owned(),
                    d["step"].as_str().unwrap().to_owned(),
                    d["field"].as_str().unwrap().to_owned(),
                );
                let what = serde_json::json!([
                    d["before"],
                    d["value"],
                    d["confidence"],
                    d["classification"]
                ]);
                (key, what)
            })
            .collect()
    };
    assert_eq!(comparable(&live_decisions), comparable(&dry_decisions));
    assert!(live_decisions.iter().all(|d| d["dry_run"] == false));
    assert_eq!(
        server.requests_for(Operation::TicketUpdate).len(),
        dry_decisions.len(),
        "one request per decision"
    );
    let after = server.tickets();
    for d in &dry_decisions {
        let id: u64 = d["ticket_id"].as_str().unwrap().parse().unwrap();
        let ticket = after.iter().find(|t| t.id == id).unwrap();
        match d["field"].as_str().unwrap() {
            "queue" => assert_eq!(ticket.queue, d["value"].as_str().unwrap()),
            "priority" => assert_eq!(ticket.priority, d["value"].as_str().unwrap()),
            "note" => assert!(
                ticket
                    .articles
                    .iter()
                    .any(|a| a.communication_channel == "Internal"
                        && a.subject == d["value"]["subject"].as_str().unwrap()
                        && a.body == d["value"]["body"].as_str().unwrap()),
                "{d}"
            ),
            other => panic!("unexpected field {other}"),
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn once_runs_sharing_a_decisions_file_go_through_the_queue() {
    let server = example_server().await;
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("decisions.jsonl");
    let mut decided = Vec::new();
    for run in 1..=3 {
        let output = otai(
            &server,
            &[
                "run",
                "--once",
                "--dry-run",
                "--decisions",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "run {run}: {}",
            all_output(&output)
        );
        let all = decisions(&file);
        unique_keys(&all);
        let tickets: BTreeSet<&str> = all
            .iter()
            .map(|d| d["ticket_id"].as_str().unwrap())
            .collect();
        assert_eq!(tickets.len(), run, "one more ticket per --once run");
        decided = tickets.into_iter().map(str::to_owned).collect();
    }
    assert_eq!(decided.len(), 3);
    assert_eq!(writes(&server), 0);
    // Without a decisions file a --once dry run cannot know what was decided: it decides the
    // first waiting ticket (again), and still writes nothing.
    let forgetful = otai(&server, &["run", "--once", "--dry-run"]);
    assert_eq!(
        forgetful.status.code(),
        Some(0),
        "{}",
        all_output(&forgetful)
    );
    assert_eq!(writes(&server), 0);
    server.shutdown().await;
}
