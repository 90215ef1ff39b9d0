//! `otai run --listen ADDR` through the binary: `/metrics` after the offline demo (the
//! counters match what the run did), `/healthz`, `/readyz` failing while the fake OTOBO is
//! down and passing again when it is back, and `POST /trigger/<id>` with a right, wrong or
//! missing secret: a ticket created in the helpdesk is routed within a second of the POST
//! although the poll interval is an hour.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, FakeTicket, Seed};

mod running;
mod support;

use running::Running;
use support::{original_config_text, otai_command};

const PASSWORD: &str = "listen-Geheimnis-7";
const TRIGGER_SECRET: &str = "trigger-5e3f9b0c-1d2a";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of the sample `name{labels}` (written exactly as the text format has it).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.split(' ').next()?.parse().ok()
    })
}

fn value(metrics: &str, series: &str) -> f64 {
    sample(metrics, series).unwrap_or_else(|| panic!("no sample `{series}` in:\n{metrics}"))
}

/// Polls `url` until `done(status, body)`, at most `within`; returns the last answer.
async fn poll(url: &str, within: Duration, done: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let start = Instant::now();
    loop {
        let (status, body) = get(url).await;
        if done(status, &body) || start.elapsed() > within {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_after_the_demo_count_what_the_run_did() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-out.yaml");
    let mut otai = Running::start(
        otai_command()
            .current_dir(repo())
            .args([
                "run",
                "--config",
                "examples/demo.yml",
                "--listen",
                "127.0.0.1:0",
            ])
            .env("OTAI_DEMO_OUT", &out)
            .env("OTAI_JOURNAL", dir.path().join("demo.journal")),
    );
    let base = format!("http://{}", otai.listen_address());

    assert_eq!(
        get(&format!("{base}/healthz")).await,
        (200, "ok\n".to_owned())
    );
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );

    // 22 tickets wait in `Incoming`; the demo routes one per 0.5 s trigger interval.
    const TICKETS: f64 = 22.0;
    let completed = r#"otai_tickets_total{service="tickets",outcome="completed"}"#;
    let (_, metrics) = poll(
        &format!("{base}/metrics"),
        Duration::from_secs(90),
        |_, text| {
            sample(text, completed) == Some(TICKETS)
                && sample(
                    text,
                    r#"otai_step_runs_total{step="fail_no_tickets",outcome="failed"}"#,
                )
                .is_some()
        },
    )
    .await;
    assert_eq!(value(&metrics, completed), TICKETS, "{}", otai.output());

    // Every ticket went through every step once, and was changed four times.
    for step in [
        "ticket_fetcher",
        "ticket",
        "queue_classify",
        "queue_update_ticket",
        "queue_add_note",
        "priority_classify",
        "priority_update_ticket",
        "priority_add_note",
    ] {
        let series = format!(r#"otai_step_runs_total{{step="{step}",outcome="succeeded"}}"#);
        let runs = value(&metrics, &series);
        if step == "ticket_fetcher" {
            // The fetcher also runs (and finds nothing) once the queue is empty.
            assert!(runs > TICKETS, "{series} = {runs}");
        } else {
            assert_eq!(runs, TICKETS, "{series}");
        }
    }
    for (step, field) in [
        ("queue_update_ticket", "queue"),
        ("queue_add_note", "note"),
        ("priority_update_ticket", "priority"),
        ("priority_add_note", "note"),
    ] {
        let series = format!(
            r#"otai_ticket_changes_total{{service="tickets",step="{step}",field="{field}",dry_run="false"}}"#
        );
        assert_eq!(value(&metrics, &series), TICKETS, "{series}");
    }
    for model in ["queue", "priority"] {
        let series = format!(
            r#"otai_classification_duration_seconds_count{{service="keywords",model="{model}"}}"#
        );
        assert_eq!(value(&metrics, &series), TICKETS, "{series}");
        assert!(sample(
            &metrics,
            &format!(r#"otai_classification_errors_total{{service="keywords",model="{model}"}}"#)
        )
        .is_none());
    }
    // At least one search per fetch; one request per write: two updates, two notes.
    let searches = value(
        &metrics,
        r#"otai_ticket_system_request_duration_seconds_count{service="tickets",operation="find_ticket_ids"}"#,
    );
    assert!(
        searches
            >= value(
                &metrics,
                r#"otai_step_runs_total{step="ticket_fetcher",outcome="succeeded"}"#
            )
    );
    for (operation, count) in [
        ("update_ticket", 2.0 * TICKETS),
        ("add_note", 2.0 * TICKETS),
    ] {
        let series = format!(
            r#"otai_ticket_system_request_duration_seconds_count{{service="tickets",operation="{operation}"}}"#
        );
        assert_eq!(value(&metrics, &series), count, "{series}");
    }
    assert_eq!(
        value(&metrics, r#"otai_ticket_system_up{service="tickets"}"#),
        1.0
    );
    assert_eq!(value(&metrics, "otai_items_in_flight"), 0.0);
    assert!(value(&metrics, "otai_cycle_duration_seconds_count") >= TICKETS);
    assert!(sample(
        &metrics,
        r#"otai_tickets_total{service="tickets",outcome="set_aside"}"#
    )
    .is_none());
    assert!(metrics.ends_with("# EOF\n"));
    println!("--- /metrics after the demo ---\n{metrics}");

    // What the metrics say is what happened: every ticket left `Incoming`.
    let saved = std::fs::read_to_string(&out).unwrap();
    assert!(!saved.contains("name: Incoming"), "{saved}");
    assert_eq!(saved.matches("Automatische Priorisierung").count(), 22);

    // Routes and methods that do not exist.
    assert_eq!(get(&format!("{base}/nothing")).await.0, 404);
    let client = reqwest::Client::new();
    let wrong_method = client.post(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(wrong_method.status().as_u16(), 405);
    assert_eq!(wrong_method.headers()["allow"], "GET, HEAD");
    // Without a configured secret no trigger can be fired.
    let refused = client
        .post(format!("{base}/trigger/trigger_interval"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(refused.text().await.unwrap().contains("trigger_secret"));

    otai.signal("TERM");
    assert_eq!(otai.wait_exit(Duration::from_secs(30)).code(), Some(0));
}

/// The original demo configuration against `base_url`, its classifier a keyword one, with
/// `interval` and a trigger secret read from `OTAI_TRIGGER_SECRET`.
fn original_config(dir: &Path, base_url: &str, interval: &str) -> PathBuf {
    let changed = original_config_text(base_url)
        .replace(
            r#"interval: "PT0.5S""#,
            &format!(r#"interval: "{interval}""#),
        )
        .replace(
            "  infrastructure:\n",
            "  infrastructure:\n    listen:\n      trigger_secret: ${OTAI_TRIGGER_SECRET}\n",
        );
    for part in [
        base_url,
        interval,
        "trigger_secret",
        "base:KeywordClassifier",
    ] {
        assert!(
            changed.contains(part),
            "the fixture changed shape: no {part}"
        );
    }
    let path = dir.join("original.yml");
    std::fs::write(&path, changed).unwrap();
    path
}

fn seed() -> Seed {
    Seed::from_yaml(
        r#"
queues: [Raw, "OpenTicketAI::Incoming", "OpenTicketAI::Unclassified", Billing, IT Support]
priorities: [1 very low, 2 low, 3 normal, 4 high, 5 very high, low, medium, high]
tickets:
  - id: 11
    title: Rechnung doppelt abgebucht
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18 08:00:01"
    body: "Bitte erstatten Sie den Betrag, es ist dringend."
"#,
    )
    .unwrap()
}

async fn fake(port: u16) -> FakeOtobo {
    FakeOtobo::start(
        FakeOtoboConfig::new(seed())
            .with_password(PASSWORD)
            .with_port(port),
    )
    .await
    .unwrap()
}

fn start_otai(config: &Path, dir: &Path) -> Running {
    Running::start(
        otai_command()
            .args(["run", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"])
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
            .env("OTAI_TRIGGER_SECRET", TRIGGER_SECRET)
            .env("OTAI_JOURNAL", dir.join("otobo.journal")),
    )
}

fn routed(ticket: Option<FakeTicket>) -> bool {
    ticket.is_some_and(|t| {
        t.queue != "OpenTicketAI::Incoming"
            && t.articles
                .iter()
                .any(|a| a.subject == "Automatische Priorisierung")
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_fails_while_the_ticket_system_is_down_and_passes_when_it_is_back() {
    let server = fake(0).await;
    let port = server.address().port();
    let dir = tempfile::tempdir().unwrap();
    let config = original_config(dir.path(), &server.base_url(), "PT0.2S");
    let mut otai = start_otai(&config, dir.path());
    let base = format!("http://{}", otai.listen_address());
    let readyz = format!("{base}/readyz");

    let (status, body) = poll(&readyz, Duration::from_secs(30), |status, _| status == 200).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ready\n"),
        "{}",
        otai.output()
    );

    server.shutdown().await;
    let (status, body) = poll(&readyz, Duration::from_secs(30), |status, _| status == 503).await;
    assert_eq!(status, 503, "{}", otai.output());
    assert!(
        body.starts_with("not ready: ticket system `otobo_znuny` is unreachable"),
        "{body}"
    );
    assert!(!body.contains(PASSWORD));
    // Alive all the same, and the metrics say why.
    assert_eq!(get(&format!("{base}/healthz")).await.0, 200);
    let (_, metrics) = get(&format!("{base}/metrics")).await;
    assert_eq!(
        value(&metrics, r#"otai_ticket_system_up{service="otobo_znuny"}"#),
        0.0
    );
    let unavailable: f64 = metrics
        .lines()
        .filter(|line| {
            line.starts_with(r#"otai_ticket_system_errors_total{service="otobo_znuny","#)
                && line.contains(r#"kind="unavailable"}"#)
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(unavailable >= 1.0, "{metrics}");

    let _back = fake(port).await;
    let (status, body) = poll(&readyz, Duration::from_secs(30), |status, _| status == 200).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ready\n"),
        "{}",
        otai.output()
    );

    otai.signal("TERM");
    assert_eq!(otai.wait_exit(Duration::from_secs(30)).code(), Some(0));
    assert!(!otai.output().contains(PASSWORD));
}

/// Creates a ticket in the fake helpdesk over its REST API, as a customer's mail would.
async fn create_ticket(server: &FakeOtobo, title: &str, body: &str) -> u64 {
    let url = format!(
        "{}/Webservice/{}/ticket-create",
        server.base_url(),
        server.webservice_name()
    );
    let answer = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(serde_json::json!({
            "UserLogin": "open_ticket_ai",
            "Password": PASSWORD,
            "Ticket": {"Title": title, "Queue": "OpenTicketAI::Incoming", "State": "new",
                       "Priority": "3 normal", "CustomerUser": "kunde@example.com"},
            "Article": {"Subject": title, "Body": body, "ContentType": "text/plain; charset=utf-8",
                        "CommunicationChannel": "Email"},
        }).to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    answer["TicketID"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trigger_with_the_secret_routes_a_new_ticket_within_a_second() {
    let server = fake(0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = original_config(dir.path(), &server.base_url(), "PT1H");
    let mut otai = start_otai(&config, dir.path());
    let base = format!("http://{}", otai.listen_address());
    let trigger = format!("{base}/trigger/trigger_interval");
    let client = reqwest::Client::new();

    // The first cycle fires the trigger at start and routes the waiting ticket.
    let start = Instant::now();
    while !routed(server.ticket(11)) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            otai.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A new ticket arrives; the next poll is an hour away.
    let new = create_ticket(&server, "VPN geht nicht", "Sofort helfen bitte, VPN tot.").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(!routed(server.ticket(new)), "routed without a trigger");

    // Missing and wrong secrets are refused, and fire nothing.
    let missing = client.post(&trigger).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 401);
    assert!(missing.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let wrong = client
        .post(&trigger)
        .basic_auth("otobo", Some("trigger-5e3f9b0c-1d2b"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let wrong_bearer = client
        .post(&trigger)
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_bearer.status().as_u16(), 401);
    // An unknown trigger, and a pipe that is no trigger, are not found (with the secret).
    for id in ["no_such_trigger", "ticket_fetcher"] {
        let unknown = client
            .post(format!("{base}/trigger/{id}"))
            .bearer_auth(TRIGGER_SECRET)
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status().as_u16(), 404, "{id}");
        assert!(unknown.text().await.unwrap().contains("trigger_interval"));
    }
    assert_eq!(
        client.get(&trigger).send().await.unwrap().status().as_u16(),
        405
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !routed(server.ticket(new)),
        "a refused request fired the trigger"
    );

    // OTOBO's requester sends the secret as the basic-auth password.
    let fired_at = Instant::now();
    let fired = client
        .post(&trigger)
        .basic_auth("otobo", Some(TRIGGER_SECRET))
        .header("content-type", "application/json")
        .body(
            serde_json::json!({"Event": {"Event": "TicketCreate", "TicketID": new.to_string()}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(fired.status().as_u16(), 202);
    while !routed(server.ticket(new)) {
        assert!(
            fired_at.elapsed() < Duration::from_secs(10),
            "not routed after the trigger:\n{}",
            otai.output()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = fired_at.elapsed();
    println!("ticket {new} routed {took:?} after the trigger request");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let ticket = server.ticket(new).unwrap();
    assert_eq!(
        (ticket.queue.as_str(), ticket.priority.as_str()),
        ("IT Support", "high")
    );

    let output = otai.output();
    assert!(
        output.contains("trigger `trigger_interval` fired on request"),
        "{output}"
    );
    for secret in [TRIGGER_SECRET, "trigger-5e3f9b0c-1d2b", PASSWORD] {
        assert!(!output.contains(secret), "a secret was logged");
    }
    otai.signal("INT");
    assert_eq!(otai.wait_exit(Duration::from_secs(30)).code(), Some(0));
}
