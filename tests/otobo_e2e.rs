//! The original demo configuration (`shared/reference/original-demo-config.yml`, kept in
//! `otai-core/tests/fixtures/`) through the `otai` binary against the fake OTOBO server — with
//! only its `hf_local` service swapped for a `base:KeywordClassifier` under the same id, whose
//! models carry the original's model names. Each `--once` run routes one ticket: queue and
//! priority set, the two notes added exactly once with the texts the original's Jinja prints;
//! tickets in other queues stay untouched; a run on the empty queue changes nothing.
//!
//! Also: the seed documentation's short form (`orchestrator: runners:` with
//! `otobo-znuny:FetchTicketsPipe`), completed with a password only, checks and runs, and
//! `otai check --online` reports a wrong password at the service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, FakeTicket, Seed};

mod support;

use support::{all_output, original_config_text, otai_command, output_of};

const PASSWORD: &str = "demo-Geheimnis-42";

/// Three tickets waiting in `OpenTicketAI::Incoming`, two elsewhere.
fn seed() -> Seed {
    Seed::from_yaml(
        r#"
queues: [Postmaster, Raw, "OpenTicketAI::Incoming", "OpenTicketAI::Unclassified", Billing, IT Support]
priorities: [1 very low, 2 low, 3 normal, 4 high, 5 very high, low, medium, high]
tickets:
  - id: 11
    title: Rechnung doppelt abgebucht
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18 08:00:01"
    body: "Bitte erstatten Sie den Betrag, es ist dringend."
  - id: 12
    title: VPN bricht ab
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18 08:00:02"
    body: "Fehlercode 809."
  - id: 13
    title: Rechnung und VPN
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18 08:00:03"
  - id: 21
    title: Rechnung bezahlt
    queue: Billing
    created: "2025-11-12 14:20:00"
    body: "Dringend bitte bestätigen."
  - id: 22
    title: VPN geht wieder
    queue: Raw
    created: "2025-11-12 14:21:00"
"#,
    )
    .unwrap()
}

/// The original configuration, pointed at `base_url`, its `hf_local` service a keyword
/// classifier with the original's two model names.
fn original_config(dir: &Path, base_url: &str) -> PathBuf {
    let swapped = original_config_text(base_url);
    let path = dir.join("original.yml");
    std::fs::write(&path, swapped).unwrap();
    path
}

fn otai(args: &[&str]) -> Output {
    output_of(
        otai_command()
            .args(args)
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD),
    )
}

async fn fake() -> FakeOtobo {
    FakeOtobo::start(FakeOtoboConfig::new(seed()).with_password(PASSWORD))
        .await
        .unwrap()
}

fn ticket(tickets: &[FakeTicket], id: u64) -> &FakeTicket {
    tickets.iter().find(|t| t.id == id).unwrap()
}

/// The notes a run added: (subject, body), internal, in order.
fn notes(ticket: &FakeTicket) -> Vec<(String, String)> {
    ticket
        .articles
        .iter()
        .filter(|a| a.communication_channel == "Internal")
        .map(|a| {
            assert!(!a.visible_for_customer, "notes are internal");
            (a.subject.clone(), a.body.clone())
        })
        .collect()
}

fn expected_notes(
    queue: &str,
    queue_confidence: &str,
    priority: &str,
    priority_confidence: &str,
) -> Vec<(String, String)> {
    vec![
        (
            "Automatische Queue-Klassifizierung".to_owned(),
            format!("Das Ticket wurde der Queue {queue} zugeordnet (Konfidenz: {queue_confidence})."),
        ),
        (
            "Automatische Priorisierung".to_owned(),
            format!("Das Ticket wurde der Priorität {priority} zugeordnet (Konfidenz: {priority_confidence})."),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_original_demo_routes_every_ticket_once_and_leaves_the_rest_alone() {
    let server = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let config = original_config(dir.path(), &server.base_url());
    let config = config.display().to_string();
    let before = server.tickets();

    for run in 1..=3 {
        let output = otai(&["run", "--config", &config, "--once"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "run {run}: {}",
            all_output(&output)
        );
        assert!(
            !all_output(&output).contains(PASSWORD),
            "the password leaked"
        );
    }

    let after = server.tickets();
    let routed = |id| {
        let t = ticket(&after, id);
        (t.queue.as_str(), t.priority.as_str())
    };
    assert_eq!(routed(11), ("Billing", "high"));
    assert_eq!(routed(12), ("IT Support", "medium"));
    assert_eq!(routed(13), ("OpenTicketAI::Unclassified", "medium"));
    assert_eq!(
        notes(ticket(&after, 11)),
        expected_notes("Billing", "1.0", "high", "1.0")
    );
    assert_eq!(
        notes(ticket(&after, 12)),
        expected_notes("IT Support", "1.0", "medium", "0.0")
    );
    assert_eq!(
        notes(ticket(&after, 13)),
        expected_notes("OpenTicketAI::Unclassified", "0.5", "medium", "0.0")
    );
    for untouched in [21, 22] {
        assert_eq!(ticket(&after, untouched), ticket(&before, untouched));
    }

    // One more run: the queue is empty; the guard stops the cycle and nothing changes.
    let updates_before = server
        .requests_for(otai_otobo_znuny::Operation::TicketUpdate)
        .len();
    let idle = otai(&["run", "--config", &config, "--once"]);
    assert_eq!(idle.status.code(), Some(1), "{}", all_output(&idle));
    assert_eq!(server.tickets(), after);
    assert_eq!(
        server
            .requests_for(otai_otobo_znuny::Operation::TicketUpdate)
            .len(),
        updates_before
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_seed_documents_example_checks_and_runs_with_only_a_password_added() {
    let server = fake().await;
    let dir = tempfile::tempdir().unwrap();
    // "Usage in Configuration" of the plugin system document, completed with `password`.
    let config = dir.path().join("seed-example.yml");
    std::fs::write(
        &config,
        r#"
open_ticket_ai:
  services:
    - id: ticket_system
      use: "otobo-znuny:OTOBOZnunyTicketSystemService"
      params:
        base_url: "${OTOBO_URL}"
        password: "${OTAI_OTOBO_DEMO_PASSWORD}"

  orchestrator:
    runners:
      - run:
          id: fetch
          use: "otobo-znuny:FetchTicketsPipe"
          injects:
            ticket_system: "ticket_system"
"#,
    )
    .unwrap();
    let config = config.display().to_string();
    let with_url = |args: &[&str]| {
        otai_command()
            .args(args)
            .env("OTOBO_URL", server.base_url())
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
            .output()
            .unwrap()
    };
    let check = with_url(&["check", "--config", &config]);
    assert_eq!(check.status.code(), Some(0), "{}", all_output(&check));
    let online = with_url(&["check", "--config", &config, "--online"]);
    assert_eq!(online.status.code(), Some(0), "{}", all_output(&online));
    let run = with_url(&["run", "--config", &config, "--once"]);
    assert_eq!(run.status.code(), Some(0), "{}", all_output(&run));
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("fetched 5 ticket(s)"),
        "{}",
        all_output(&run)
    );
    let searches = server.requests_for(otai_otobo_znuny::Operation::TicketSearch);
    assert!(!searches.is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check_online_reports_a_wrong_password_at_the_service_and_never_shows_it() {
    let server = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let config = original_config(dir.path(), &server.base_url())
        .display()
        .to_string();
    let wrong = otai_command()
        .args(["check", "--config", &config, "--online"])
        .env("OTAI_OTOBO_DEMO_PASSWORD", "not-the-password-4711")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3), "{}", all_output(&wrong));
    let text = all_output(&wrong);
    assert!(
        text.contains(
            "service `otobo_znuny` (otobo-znuny:OTOBOZnunyTicketSystemService) cannot start"
        ),
        "{text}"
    );
    assert!(text.contains("TicketSearch.AuthFail"), "{text}");
    assert!(text.contains("at: services.otobo_znuny"), "{text}");
    assert!(text.contains("check `username` and `password`"), "{text}");
    assert!(!text.contains("not-the-password-4711"), "{text}");

    // Offline, nothing connects: the same config checks fine, and the server hears nothing.
    server.clear_requests();
    let offline = otai_command()
        .args(["check", "--config", &config])
        .env("OTAI_OTOBO_DEMO_PASSWORD", "not-the-password-4711")
        .output()
        .unwrap();
    assert_eq!(offline.status.code(), Some(0), "{}", all_output(&offline));
    assert!(
        server.requests().is_empty(),
        "plain check never touches the network"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_otobo_example_drains_the_fake_helpdesk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = Seed::from_file(&root.join("examples/otobo-tickets.yaml")).unwrap();
    let server = FakeOtobo::start(FakeOtoboConfig::new(seed).with_password("demo"))
        .await
        .unwrap();
    let incoming = server
        .tickets()
        .iter()
        .filter(|t| t.queue == "OpenTicketAI::Incoming")
        .count();
    let config = root.join("examples/otobo.yml").display().to_string();
    let output = otai_command()
        .args(["run", "--config", &config, "--until-idle"])
        .env("OTOBO_URL", server.base_url())
        .env("OTAI_OTOBO_DEMO_PASSWORD", "demo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", all_output(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains(&format!("queue drained after {incoming} ticket(s)")),
        "{}",
        all_output(&output)
    );
    let tickets = server.tickets();
    assert!(tickets.iter().all(|t| t.queue != "OpenTicketAI::Incoming"));
    let noted = tickets.iter().filter(|t| notes(t).len() == 2).count();
    assert_eq!(noted, incoming, "every routed ticket got its two notes");
    server.shutdown().await;
}

#[test]
fn check_online_reports_an_unreachable_server_at_the_service() {
    // A port nobody listens on: bind one, note it, let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let base_url = format!("http://127.0.0.1:{port}/otobo/nph-genericinterface.pl");
    let config = original_config(dir.path(), &base_url).display().to_string();
    let output = otai(&["check", "--config", &config, "--online"]);
    assert_eq!(output.status.code(), Some(3), "{}", all_output(&output));
    let text = all_output(&output);
    assert!(
        text.contains("service `otobo_znuny` (otobo-znuny:OTOBOZnunyTicketSystemService) cannot start: cannot connect to"),
        "{text}"
    );
    assert!(text.contains("connection refused"), "{text}");
    assert!(text.contains("hint: check `base_url`"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
}
