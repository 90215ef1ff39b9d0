//! Stopping `otai run` with real signals sent to the real process (the `kill` command):
//! SIGTERM or SIGINT lets the cycle in flight finish — the ticket it works on is completed,
//! no new cycle starts — and exits 0; a cycle that outlasts `--grace-period` is left (the
//! journal resumes it) and the process exits 0 all the same; a second signal exits at once
//! with 130. The helpdesk is the fake OTOBO server, made slow so that a signal reliably lands
//! in the middle of a cycle.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, FakeTicket, Seed};
use otai_otobo_znuny::Operation;

mod running;
mod support;

use running::Running;
use support::{original_config_text, otai_command};

const PASSWORD: &str = "signal-Geheimnis-3";

fn seed() -> Seed {
    Seed::from_yaml(
        r#"
queues: ["OpenTicketAI::Incoming", "OpenTicketAI::Unclassified", Billing, IT Support]
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
  - id: 13
    title: Rechnung und VPN
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18 08:00:03"
"#,
    )
    .unwrap()
}

/// The original demo configuration against `base_url` with a keyword classifier.
fn config(dir: &Path, base_url: &str) -> PathBuf {
    let changed = original_config_text(base_url);
    let path = dir.join("original.yml");
    std::fs::write(&path, changed).unwrap();
    path
}

struct Setup {
    server: FakeOtobo,
    dir: tempfile::TempDir,
    config: PathBuf,
}

async fn setup(latency: Duration) -> Setup {
    let server = FakeOtobo::start(FakeOtoboConfig::new(seed()).with_password(PASSWORD))
        .await
        .unwrap();
    server.set_latency(latency);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server.base_url());
    Setup {
        server,
        dir,
        config,
    }
}

fn start(setup: &Setup, extra: &[&str]) -> Running {
    Running::start(
        otai_command()
            .args(["run", "--config"])
            .arg(&setup.config)
            .args(extra)
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
            .env("OTAI_JOURNAL", setup.dir.path().join("run.journal")),
    )
}

/// Waits until the server has seen a request of `operation`: the cycle is in flight.
async fn until_requested(server: &FakeOtobo, operation: Operation, otai: &Running) {
    let start = Instant::now();
    while server.requests_for(operation).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no {operation:?} request:\n{}",
            otai.output()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn notes(ticket: &FakeTicket) -> usize {
    ticket
        .articles
        .iter()
        .filter(|a| a.communication_channel == "Internal")
        .count()
}

async fn the_cycle_in_flight_finishes(signal: &str) {
    let setup = setup(Duration::from_millis(250)).await;
    let mut otai = start(&setup, &[]);
    // The first write of the first cycle: the ticket is half-done when the signal comes.
    until_requested(&setup.server, Operation::TicketUpdate, &otai).await;
    let notes_then: usize = setup.server.tickets().iter().map(notes).sum();
    assert!(notes_then < 2, "the signal must land mid-cycle");
    otai.signal(signal);
    let status = otai.wait_exit(Duration::from_secs(30));
    let output = otai.output();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(output.contains("stop requested"), "{output}");
    assert!(!output.contains("grace period"), "{output}");

    // The ticket in flight was completed (queue, priority, both notes); no cycle started
    // after the signal, so the other two wait untouched.
    let tickets = setup.server.tickets();
    let (done, waiting): (Vec<&FakeTicket>, Vec<&FakeTicket>) = tickets
        .iter()
        .partition(|t| t.queue != "OpenTicketAI::Incoming");
    assert_eq!(done.len(), 1, "{output}");
    assert_eq!(notes(done[0]), 2, "{:?}\n{output}", done[0]);
    let routing = [
        (11, ("Billing", "high")),
        (12, ("IT Support", "medium")),
        (13, ("OpenTicketAI::Unclassified", "medium")),
    ];
    let expected = routing.iter().find(|(id, _)| *id == done[0].id).unwrap().1;
    assert_eq!(
        (done[0].queue.as_str(), done[0].priority.as_str()),
        expected
    );
    assert_eq!(waiting.len(), 2);
    for ticket in waiting {
        assert_eq!(notes(ticket), 0, "{ticket:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_lets_the_cycle_in_flight_finish_and_exits_0() {
    the_cycle_in_flight_finishes("TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_lets_the_cycle_in_flight_finish_and_exits_0() {
    the_cycle_in_flight_finishes("INT").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cycle_that_outlasts_the_grace_period_is_left_and_the_exit_is_0() {
    // Each request takes 3 s; the grace period is 1 s.
    let setup = setup(Duration::from_secs(3)).await;
    let mut otai = start(&setup, &["--grace-period", "1s"]);
    until_requested(&setup.server, Operation::TicketSearch, &otai).await;
    let signalled = Instant::now();
    otai.signal("TERM");
    let status = otai.wait_exit(Duration::from_secs(20));
    let took = signalled.elapsed();
    let output = otai.output();
    assert_eq!(status.code(), Some(0), "{output}");
    assert!(
        output.contains("the grace period of 1s is over"),
        "{output}"
    );
    // It waited for the grace period, not for the cycle (six requests of 3 s).
    assert!(took >= Duration::from_millis(900), "exited after {took:?}");
    assert!(took < Duration::from_secs(15), "exited after {took:?}");
    let notes_left: usize = setup.server.tickets().iter().map(notes).sum();
    assert_eq!(notes_left, 0, "the cycle was left before its writes");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_exits_at_once_with_130() {
    let setup = setup(Duration::from_secs(3)).await;
    let mut otai = start(&setup, &[]);
    until_requested(&setup.server, Operation::TicketSearch, &otai).await;
    otai.signal("TERM");
    otai.wait_for_output("the stop notice", Duration::from_secs(10), |out| {
        out.contains("stop requested")
    });
    let signalled = Instant::now();
    otai.signal("INT");
    // The default grace period is 30 s: exiting well before shows the second signal did it.
    let status = otai.wait_exit(Duration::from_secs(20));
    let output = otai.output();
    assert_eq!(status.code(), Some(130), "{output}");
    assert!(output.contains("aborted by a second signal"), "{output}");
    assert!(signalled.elapsed() < Duration::from_secs(10));
}
