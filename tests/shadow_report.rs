//! `otai shadow-report` through the binary: the README's example helpdesk (fake OTOBO server
//! seeded from `examples/otobo-tickets.yaml`) is dry-run with `examples/otobo.yml`, then
//! agents change tickets through the web service as they would (another queue for some, the
//! proposed one for others, a priority here and there), leave some untouched and an admin
//! deletes one; the report's numbers are checked exactly — as a table, as JSON and in the
//! HTML file (its structure, its numbers, no outside resources). Also: its errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};
use serde_json::{json, Value};

mod support;

use support::{all_output, otai_command, output_of};

const PASSWORD: &str = "demo";
const UNCLASSIFIED: &str = "OpenTicketAI::Unclassified";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example_config() -> PathBuf {
    root().join("examples/otobo.yml")
}

async fn example_server() -> FakeOtobo {
    let seed = Seed::from_file(&root().join("examples/otobo-tickets.yaml")).unwrap();
    FakeOtobo::start(FakeOtoboConfig::new(seed).with_password(PASSWORD))
        .await
        .unwrap()
}

/// `otai ARGS` with the example's environment pointed at `base_url`.
fn otai(base_url: &str, args: &[&str]) -> Output {
    output_of(
        otai_command()
            .args(args)
            .env("OTOBO_URL", base_url)
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
            .env("NO_COLOR", "1"),
    )
}

/// What an agent does in OTOBO, through its web service: a `TicketUpdate`.
async fn agent(server: &FakeOtobo, id: u64, ticket: Value) {
    let url = format!(
        "{}/Webservice/{}/ticket-update",
        server.base_url(),
        server.webservice_name()
    );
    let body = json!({
        "UserLogin": "open_ticket_ai", "Password": PASSWORD,
        "TicketID": id.to_string(), "Ticket": ticket,
    });
    let answer = reqwest::Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let text = answer.text().await.unwrap();
    assert!(!text.contains("\"Error\""), "{text}");
}

/// The proposals of the example's dry run, (ticket, queue, confidence, priority, confidence),
/// as the keyword classifier of `examples/otobo.yml` makes them.
const PROPOSALS: [(&str, &str, f64, &str, f64); 16] = [
    ("1001", "Billing", 1.0, "medium", 0.0),
    ("1002", "IT Support", 1.0, "high", 1.0),
    ("1003", "IT Support", 1.0, "medium", 0.0),
    ("1004", "Sales", 1.0, "medium", 0.0),
    ("1005", "Sales", 1.0, "low", 1.0),
    ("1006", "HR", 1.0, "medium", 0.0),
    ("1007", "HR", 1.0, "medium", 0.0),
    ("1008", "IT Support", 1.0, "medium", 0.0),
    ("1009", "Billing", 1.0, "high", 1.0),
    ("1010", "IT Support", 1.0, "high", 1.0),
    ("1011", "Sales", 1.0, "low", 1.0),
    ("1012", UNCLASSIFIED, 0.75, "medium", 0.0),
    ("1013", UNCLASSIFIED, 0.0, "low", 1.0),
    ("1014", UNCLASSIFIED, 0.75, "medium", 0.0),
    ("1015", "Billing", 1.0, "medium", 0.0),
    ("1016", "IT Support", 1.0, "high", 1.0),
];

/// A week later: what the agents did.
///
/// * queue — proposed and chosen: 1001–1006, 1009–1011 (9, all at confidence 1.0); other
///   than proposed: 1012 → HR, 1013 → Misc, 1014 → Billing (the three the model left
///   unclassified); untouched: 1007, 1008, 1015; gone: 1016 (deleted).
/// * priority — 1005 low, 1009 high, 1010 high as proposed; 1001 high (proposed medium at
///   0.0), 1011 medium (proposed low at 1.0); the other ten untouched; 1016 gone.
async fn agents_work(server: &FakeOtobo) {
    for (id, queue) in [
        (1001, "Billing"),
        (1002, "IT Support"),
        (1003, "IT Support"),
        (1004, "Sales"),
        (1005, "Sales"),
        (1006, "HR"),
        (1009, "Billing"),
        (1010, "IT Support"),
        (1011, "Sales"),
        (1012, "HR"),
        (1013, "Misc"),
        (1014, "Billing"),
    ] {
        agent(server, id, json!({"Queue": queue})).await;
    }
    for (id, priority) in [
        (1001, "high"),
        (1005, "low"),
        (1009, "high"),
        (1010, "high"),
        (1011, "medium"),
    ] {
        agent(server, id, json!({"Priority": priority})).await;
    }
    assert!(server.delete_ticket(1016));
}

const TABLE: &str = "\
overall: 32 decision(s), 17 scored, 12 correct (accuracy 70.6 %), 13 untouched, 2 gone

priority: 16 decision(s), 5 scored, 3 correct (accuracy 60.0 %), 10 untouched, 1 gone
  label   support  proposed  correct  precision    recall
  high          3         2        2    100.0 %    66.7 %
  low           1         2        1     50.0 %   100.0 %
  medium        1         1        0      0.0 %     0.0 %
  confusion matrix (rows: what agents chose; columns: what was proposed, by number)
              1    2    3
  1 high      2    0    1
  2 low       0    1    0
  3 medium    0    1    0
  by confidence (5 scored with a confidence, 0 without)
  threshold  decided  correct  coverage  precision
       0.00        5        3   100.0 %     60.0 %
       1.00        4        3    80.0 %     75.0 %
  precision >= 95 %: not reached at any threshold
  precision >= 99 %: not reached at any threshold

queue: 16 decision(s), 12 scored, 9 correct (accuracy 75.0 %), 3 untouched, 1 gone
  label                       support  proposed  correct  precision    recall
  Billing                           3         2        2    100.0 %    66.7 %
  HR                                2         1        1    100.0 %    50.0 %
  IT Support                        3         3        3    100.0 %   100.0 %
  Misc                              1         0        0          -     0.0 %
  OpenTicketAI::Unclassified        0         3        0      0.0 %         -
  Sales                             3         3        3    100.0 %   100.0 %
  confusion matrix (rows: what agents chose; columns: what was proposed, by number)
                                  1    2    3    4    5    6
  1 Billing                       2    0    0    0    1    0
  2 HR                            0    1    0    0    1    0
  3 IT Support                    0    0    3    0    0    0
  4 Misc                          0    0    0    0    1    0
  5 OpenTicketAI::Unclassified    0    0    0    0    0    0
  6 Sales                         0    0    0    0    0    3
  by confidence (12 scored with a confidence, 0 without)
  threshold  decided  correct  coverage  precision
       0.00       12        9   100.0 %     75.0 %
       0.75       11        9    91.7 %     81.8 %
       1.00        9        9    75.0 %    100.0 %
  precision >= 95 %: from confidence >= 1.00 (coverage 75.0 %)
  precision >= 99 %: from confidence >= 1.00 (coverage 75.0 %)
";

#[tokio::test(flavor = "multi_thread")]
async fn the_report_scores_a_dry_run_against_what_agents_chose() {
    let server = example_server().await;
    let url = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let decisions = dir.path().join("decisions.jsonl");
    let decisions_arg = decisions.to_str().unwrap();
    let config = example_config();
    let config_arg = config.to_str().unwrap();

    let dry = otai(
        &url,
        &[
            "run",
            "--config",
            config_arg,
            "--until-idle",
            "--dry-run",
            "--decisions",
            decisions_arg,
        ],
    );
    assert_eq!(dry.status.code(), Some(0), "{}", all_output(&dry));
    // The proposals are the ones this test's numbers are worked out from.
    let lines: Vec<Value> = std::fs::read_to_string(&decisions)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (ticket, queue, queue_confidence, priority, priority_confidence) in PROPOSALS {
        let find = |field: &str| {
            lines
                .iter()
                .find(|d| d["ticket_id"] == ticket && d["field"] == field)
                .unwrap_or_else(|| panic!("no {field} decision for {ticket}"))
        };
        assert_eq!(find("queue")["value"], queue, "{ticket}");
        assert_eq!(find("queue")["confidence"], queue_confidence, "{ticket}");
        assert_eq!(find("priority")["value"], priority, "{ticket}");
        assert_eq!(find("priority")["before"], "3 normal", "{ticket}");
        assert_eq!(
            find("priority")["confidence"],
            priority_confidence,
            "{ticket}"
        );
    }

    agents_work(&server).await;
    server.clear_requests();

    // The table.
    let html_path = dir.path().join("report.html");
    let report = otai(
        &url,
        &[
            "shadow-report",
            "--decisions",
            decisions_arg,
            "--config",
            config_arg,
            "--html",
            html_path.to_str().unwrap(),
        ],
    );
    assert_eq!(report.status.code(), Some(0), "{}", all_output(&report));
    let expected = format!(
        "Shadow report of {decisions_arg}: 16 ticket(s) decided, 1 gone, 3 untouched; 32 note(s) and create(s) not scored\n{TABLE}"
    );
    assert_eq!(String::from_utf8_lossy(&report.stdout), expected);
    // It read the tickets and wrote nothing.
    assert!(server.requests().iter().all(|r| matches!(
        r.operation,
        Some(otai_otobo_znuny::Operation::TicketSearch | otai_otobo_znuny::Operation::TicketGet)
    )));

    // JSON: the same figures by name.
    let json_out = otai(
        &url,
        &[
            "shadow-report",
            "--decisions",
            decisions_arg,
            "--config",
            config_arg,
            "--json",
        ],
    );
    assert_eq!(json_out.status.code(), Some(0), "{}", all_output(&json_out));
    let report: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    check_json(&report, decisions_arg);

    check_html(&std::fs::read_to_string(&html_path).unwrap());
    server.shutdown().await;
}

fn check_json(report: &Value, decisions: &str) {
    assert_eq!(report["decisions_file"], decisions);
    assert_eq!(report["decisions"], 64);
    assert_eq!(report["not_scored"], 32);
    assert_eq!(
        report["tickets"],
        json!({"decided": 16, "gone": 1, "untouched": 3})
    );
    assert_eq!(
        report["overall"],
        json!({"decisions": 32, "scored": 17, "correct": 12, "accuracy": 12.0 / 17.0, "untouched": 13, "gone": 2})
    );
    let queue = &report["fields"][1];
    assert_eq!(queue["field"], "queue");
    for (name, value) in [
        ("decisions", json!(16)),
        ("scored", json!(12)),
        ("correct", json!(9)),
        ("accuracy", json!(0.75)),
        ("untouched", json!(3)),
        ("gone", json!(1)),
        ("without_confidence", json!(0)),
    ] {
        assert_eq!(queue[name], value, "{name}");
    }
    assert_eq!(
        queue["labels"][0],
        json!({"label": "Billing", "support": 3, "proposed": 2, "correct": 2, "precision": 1.0, "recall": 2.0 / 3.0})
    );
    assert_eq!(
        queue["labels"][4],
        json!({"label": UNCLASSIFIED, "support": 0, "proposed": 3, "correct": 0, "precision": 0.0, "recall": null})
    );
    assert_eq!(
        queue["confusion"],
        json!({
            "labels": ["Billing", "HR", "IT Support", "Misc", UNCLASSIFIED, "Sales"],
            "counts": [[2,0,0,0,1,0],[0,1,0,0,1,0],[0,0,3,0,0,0],[0,0,0,0,1,0],[0,0,0,0,0,0],[0,0,0,0,0,3]],
        })
    );
    assert_eq!(
        queue["thresholds"],
        json!([
            {"threshold": 0.0, "decided": 12, "correct": 9, "coverage": 1.0, "precision": 0.75},
            {"threshold": 0.75, "decided": 11, "correct": 9, "coverage": 11.0 / 12.0, "precision": 9.0 / 11.0},
            {"threshold": 1.0, "decided": 9, "correct": 9, "coverage": 0.75, "precision": 1.0},
        ])
    );
    assert_eq!(
        queue["precision_targets"],
        json!([
            {"precision": 0.95, "threshold": 1.0, "coverage": 0.75},
            {"precision": 0.99, "threshold": 1.0, "coverage": 0.75},
        ])
    );
    let priority = &report["fields"][0];
    assert_eq!(priority["field"], "priority");
    assert_eq!(
        (
            priority["scored"].clone(),
            priority["correct"].clone(),
            priority["untouched"].clone()
        ),
        (json!(5), json!(3), json!(10))
    );
    assert_eq!(
        priority["precision_targets"],
        json!([
            {"precision": 0.95, "threshold": null, "coverage": null},
            {"precision": 0.99, "threshold": null, "coverage": null},
        ])
    );
}

fn check_html(html: &str) {
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
        "{html}"
    );
    assert!(html.trim_end().ends_with("</html>"));
    // Self-contained: nothing to load, nothing to run.
    for outside in [
        "<script", "src=", "href=", "url(", "@import", "<link", "<iframe",
    ] {
        assert!(!html.contains(outside), "{outside} in the report");
    }
    assert!(html.contains(
        "Tickets decided: <span data-metric=\"tickets_decided\">16</span>, gone: <span data-metric=\"tickets_gone\">1</span>, untouched: <span data-metric=\"tickets_untouched\">3</span>"
    ));
    let section = |field: &str| -> &str {
        let start = html
            .find(&format!(
                "<section id=\"field-{field}\" data-field=\"{field}\">"
            ))
            .unwrap_or_else(|| panic!("no section for {field}"));
        let end = start + html[start..].find("</section>").unwrap();
        &html[start..end]
    };
    let queue = section("queue");
    // Two figures: the heat map and the curve, both inline SVG.
    assert_eq!(queue.matches("<svg").count(), 2);
    assert_eq!(queue.matches("</svg>").count(), 2);
    assert!(
        queue.contains("<figure class=\"heatmap\">") && queue.contains("<figure class=\"curve\">")
    );
    for needle in [
        "<td data-metric=\"scored\">12</td><td data-metric=\"correct\">9</td><td data-metric=\"accuracy\">75.0 %</td><td data-metric=\"untouched\">3</td><td data-metric=\"gone\">1</td>",
        "<tr data-label=\"Billing\"><th>Billing</th><td data-metric=\"support\">3</td><td data-metric=\"proposed\">2</td><td data-metric=\"correct\">2</td><td data-metric=\"precision\">100.0 %</td><td data-metric=\"recall\">66.7 %</td></tr>",
        "<td data-chosen=\"Billing\" data-proposed=\"OpenTicketAI::Unclassified\">1</td>",
        "<td data-chosen=\"Sales\" data-proposed=\"Sales\">3</td>",
        "<tr data-threshold=\"0.75\"><th>0.75</th><td data-metric=\"decided\">11</td><td data-metric=\"correct\">9</td><td data-metric=\"coverage\">91.7 %</td><td data-metric=\"precision\">81.8 %</td></tr>",
        "<li data-precision=\"95\">precision &ge; 95 %: from confidence &ge; <span data-metric=\"threshold\">1.00</span> (coverage 75.0 %)</li>",
    ] {
        assert!(queue.contains(needle), "{needle}\nnot in\n{queue}");
    }
    // The heat map draws one cell per pair and labels both axes.
    let heat_map = &queue[queue.find("<figure class=\"heatmap\">").unwrap()..];
    let heat_map = &heat_map[..heat_map.find("</figure>").unwrap()];
    assert_eq!(
        heat_map.matches("<rect").count(),
        1 + 2 * 36,
        "background, fill and border per cell"
    );
    assert_eq!(
        heat_map.matches(UNCLASSIFIED).count(),
        2,
        "row and column label"
    );
    let priority = section("priority");
    assert!(priority.contains(
        "<li data-precision=\"99\">precision &ge; 99 %: not reached at any threshold</li>"
    ));
}

fn write(path: &Path, text: &str) -> String {
    std::fs::write(path, text).unwrap();
    path.display().to_string()
}

const A_DECISION: &str = r#"{"time":"2026-12-01T08:00:00.000Z","service":"otobo_znuny","ticket_id":"1001","subject":"Rechnung","step":"queue_update_ticket","field":"queue","before":"OpenTicketAI::Incoming","value":"Billing","confidence":1.0,"classification":"queue_classify","dry_run":true}"#;

#[test]
fn bad_input_is_reported_with_its_place_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let config = example_config();
    let config = config.to_str().unwrap();
    let url = "http://127.0.0.1:9/otobo/nph-genericinterface.pl";

    let missing = dir.path().join("missing.jsonl");
    let output = otai(
        url,
        &[
            "shadow-report",
            "--decisions",
            missing.to_str().unwrap(),
            "--config",
            config,
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(
        text.contains(&format!(
            "error: cannot read the decisions file {}",
            missing.display()
        )),
        "{text}"
    );
    assert!(
        text.contains("hint: pass the file `otai run --decisions FILE` wrote"),
        "{text}"
    );

    let bad = write(
        &dir.path().join("bad.jsonl"),
        &format!("{A_DECISION}\n\n{{\"time\": 3}}\n"),
    );
    let output = otai(
        url,
        &["shadow-report", "--decisions", &bad, "--config", config],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(
        text.contains(&format!("error: {bad}:3: not a decision")),
        "{text}"
    );
    assert!(text.contains("remove or repair the line"), "{text}");

    let other = write(
        &dir.path().join("other.jsonl"),
        &A_DECISION.replace("\"otobo_znuny\"", "\"helpdesk\""),
    );
    let output = otai(
        url,
        &["shadow-report", "--decisions", &other, "--config", config],
    );
    assert_eq!(output.status.code(), Some(2), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(
        text.contains("the decisions name the ticket-system service `helpdesk`, which")
            && text.contains(
                "does not declare (its ticket systems: otobo_znuny); pass the config the run used"
            ),
        "{text}"
    );
}

#[test]
fn an_unreachable_ticket_system_is_reported_at_its_service() {
    let dir = tempfile::tempdir().unwrap();
    // A port nobody listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/otobo/nph-genericinterface.pl");
    let decisions = write(&dir.path().join("d.jsonl"), &format!("{A_DECISION}\n"));
    let output = otai(
        &url,
        &[
            "shadow-report",
            "--decisions",
            &decisions,
            "--config",
            example_config().to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(
        text.contains("service `otobo_znuny` (otobo-znuny:OTOBOZnunyTicketSystemService) cannot start: cannot connect to"),
        "{text}"
    );
    assert!(text.contains("hint: check `base_url`"), "{text}");
}
