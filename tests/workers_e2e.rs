//! Several workers, no ticket twice (issue 14, section 3): two `otai run --worker 0/2` and
//! `--worker 1/2` processes run the shipped demo configuration (`examples/otobo.yml`,
//! unchanged) at the same time against one fake OTOBO server with 200 generated tickets.
//! The server's write record must show every ticket written exactly once per step — queue,
//! note, priority, note — and the two workers' counts must add up to 200, each having done
//! its share (the ticket ids modulo 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, FaultRule, Seed};

mod support;

use support::{otai_command, wait_for};

const PASSWORD: &str = "workers-Geheimnis-2";
const INCOMING: &str = "OpenTicketAI::Incoming";
const TICKETS: usize = 200;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example seed's queues and priorities, with 200 generated tickets instead of its own.
fn seed() -> Seed {
    let mut seed = Seed::from_file(&root().join("examples/otobo-tickets.yaml")).unwrap();
    seed.tickets.clear();
    seed.with_generated_tickets(TICKETS, INCOMING)
}

fn spawn_worker(base_url: &str, worker: &str, dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join(format!("worker-{}.log", &worker[..1]))).unwrap();
    otai_command()
        .args(["run", "--config"])
        .arg(root().join("examples/otobo.yml"))
        .args(["--until-idle", "--worker", worker, "--journal"])
        .arg(dir.join(format!("worker-{}.journal", &worker[..1])))
        .env("OTOBO_URL", base_url)
        .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the otai binary starts")
}

/// The number in `queue drained after N ticket(s)`.
fn drained(log: &str) -> Option<usize> {
    let line = log
        .lines()
        .find(|l| l.starts_with("queue drained after "))?;
    line["queue drained after ".len()..]
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// Two workers on one server; `faults` for the server. Returns the server for checks.
async fn two_workers(faults: &[&str]) -> (FakeOtobo, [String; 2], f64) {
    let dir = tempfile::tempdir().unwrap();
    let server = FakeOtobo::start(
        FakeOtoboConfig::new(seed())
            .with_password(PASSWORD)
            .with_write_record(dir.path().join("writes.jsonl")),
    )
    .await
    .unwrap();
    for fault in faults {
        server.add_fault(fault.parse::<FaultRule>().unwrap());
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(120);
    let mut zero = spawn_worker(&server.base_url(), "0/2", dir.path());
    let mut one = spawn_worker(&server.base_url(), "1/2", dir.path());
    let exits = [
        wait_for(&mut zero, deadline).await,
        wait_for(&mut one, deadline).await,
    ];
    let seconds = started.elapsed().as_secs_f64();
    let logs = [0, 1]
        .map(|i| std::fs::read_to_string(dir.path().join(format!("worker-{i}.log"))).unwrap());
    for (exit, log) in exits.iter().zip(&logs) {
        assert_eq!(*exit, Some(0), "{log}");
    }
    (server, logs, seconds)
}

/// Every ticket routed, each step's write carried out exactly once, the counts adding up.
fn assert_each_ticket_exactly_once(server: &FakeOtobo, logs: &[String; 2]) {
    let tickets = server.tickets();
    assert_eq!(tickets.len(), TICKETS);
    let mut per_ticket: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for write in server.writes().into_iter().filter(|w| w.applied) {
        let ticket = write
            .ticket_id
            .clone()
            .expect("every write names its ticket");
        let what = match (
            &write.note_subject,
            write.ticket.get("Queue"),
            write.ticket.get("Priority"),
        ) {
            (Some(subject), _, _) => format!("note {subject}"),
            (None, Some(_), _) => "queue".to_owned(),
            (None, None, Some(_)) => "priority".to_owned(),
            _ => format!("other {:?}", write.ticket),
        };
        per_ticket.entry(ticket).or_default().push(what);
    }
    let once = [
        "queue",
        "note Automatische Queue-Klassifizierung",
        "priority",
        "note Automatische Priorisierung",
    ];
    for ticket in &tickets {
        assert_ne!(
            ticket.queue, INCOMING,
            "ticket {} was not routed",
            ticket.id
        );
        let writes = per_ticket
            .get(&ticket.id.to_string())
            .cloned()
            .unwrap_or_default();
        assert_eq!(writes, once, "ticket {}: writes carried out", ticket.id);
        let notes = ticket
            .articles
            .iter()
            .filter(|a| a.communication_channel == "Internal")
            .count();
        assert_eq!(notes, 2, "ticket {}", ticket.id);
    }
    assert_eq!(
        per_ticket.len(),
        TICKETS,
        "writes to tickets that do not exist"
    );
    let counts = logs
        .each_ref()
        .map(|log| drained(log).unwrap_or_else(|| panic!("{log}")));
    assert_eq!(counts[0] + counts[1], TICKETS, "{counts:?}");
    // The share of each is its ids modulo 2 (numeric ids): 100 each for ids in a row.
    let even = tickets.iter().filter(|t| t.id % 2 == 0).count();
    assert_eq!(
        counts,
        [even, TICKETS - even],
        "worker 0 takes the even ids"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_process_200_tickets_each_exactly_once() {
    let (server, logs, seconds) = two_workers(&[]).await;
    assert_each_ticket_exactly_once(&server, &logs);
    println!("2 workers, {TICKETS} tickets, no faults: each exactly once, {seconds:.1} s");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_stay_apart_under_the_issues_fault_pattern() {
    let (server, logs, seconds) =
        two_workers(&["http-500,every=7", "cut,after,notes,every=5"]).await;
    assert_each_ticket_exactly_once(&server, &logs);
    let faulted = server.writes().iter().filter(|w| w.fault.is_some()).count();
    assert!(faulted > 20, "only {faulted} writes met a fault");
    println!(
        "2 workers, {TICKETS} tickets, HTTP 500 every 7th request + cut after every 5th note: \
         each exactly once, {faulted} writes faulted, {seconds:.1} s"
    );
    server.shutdown().await;
}
