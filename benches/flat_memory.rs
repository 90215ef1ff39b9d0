//! Flat memory and a fast start.
//!
//! 1. The original demo pipeline (`examples/otobo.yml`: one ticket per cycle, classify queue
//!    and priority, two updates, two notes) runs 1,000 cycles against the fake OTOBO server
//!    (no latency, 1,000 tickets), the journal in a file as `otai run` keeps it. The server runs
//!    in a process of its own (this bench started again with `serve-fake N`), so its tickets,
//!    which gain two notes per cycle, do not count in the pipeline's memory. Peak and current
//!    RSS (`VmHWM`, `VmRSS` of `/proc/self/status`) are sampled after cycles 10, 100, 500 and
//!    1,000: peak memory does not grow when the figures at 100 and 1,000 agree.
//! 2. Start to first ticket: `otai run --once --config examples/demo.yml` (in-memory tickets,
//!    keyword classifier, no model) as a fresh process, N times: from the spawn to the first
//!    write's log line (its timestamp), and to the exit.
//!
//! ```sh
//! cargo bench --bench flat_memory                  # 1000 cycles, 20 starts
//! cargo bench --bench flat_memory -- 3000 50       # cycles, starts
//! ```

// A benchmark over fixed inputs: a broken setup is a broken checkout, not user data.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

extern crate otai_base;
extern crate otai_otobo_znuny;

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use otai::engine::work::WorkOptions;
use otai::engine::RunControl;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};

use support::PASSWORD;

/// `VmHWM` and `VmRSS` of this process, in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .map_or(0, |kib| kib.parse().unwrap())
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn seed(tickets: usize) -> Seed {
    let list: Vec<serde_json::Value> = (0..tickets)
        .map(|index| {
            let (title, body) = [
                (
                    "Rechnung doppelt abgebucht",
                    "Bitte um Gutschrift. Dringend.",
                ),
                (
                    "VPN-Verbindung bricht ab",
                    "Fehlercode 809 seit heute Morgen.",
                ),
                ("Angebot für 50 Lizenzen", "Bitte mit Rabatt, keine Eile."),
            ][index % 3];
            serde_json::json!({
                "id": 1000 + index, "title": title, "queue": "OpenTicketAI::Incoming",
                "body": body, "created": "2025-11-18 08:00:00",
            })
        })
        .collect();
    let seed = serde_json::json!({
        "queues": ["Postmaster", "Raw", "OpenTicketAI::Incoming", "OpenTicketAI::Unclassified",
                   "Billing", "IT Support", "Sales", "HR"],
        "priorities": ["1 very low", "2 low", "3 normal", "4 high", "5 very high", "low",
                       "medium", "high"],
        "tickets": list,
    });
    Seed::from_yaml(&seed.to_string()).unwrap()
}

/// The fake OTOBO in a child process: `serve-fake N` prints its base URL, then answers
/// `incoming` on stdin with the number of tickets still in `OpenTicketAI::Incoming`; it ends
/// when stdin closes.
async fn serve_fake(tickets: usize) {
    let server = FakeOtobo::start(FakeOtoboConfig::new(seed(tickets)).with_password(PASSWORD))
        .await
        .unwrap();
    println!("{}", server.base_url());
    let (lines, mut answers) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    while let Some(line) = answers.recv().await {
        if line == "incoming" {
            let left = server
                .tickets()
                .iter()
                .filter(|t| t.queue == "OpenTicketAI::Incoming")
                .count();
            println!("{left}");
        }
    }
    server.shutdown().await;
}

/// The child process running [`serve_fake`].
struct FakeProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    base_url: String,
}

impl FakeProcess {
    fn start(tickets: usize) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["serve-fake", &tickets.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut base_url = String::new();
        stdout.read_line(&mut base_url).unwrap();
        Self {
            child,
            stdin,
            stdout,
            base_url: base_url.trim().to_owned(),
        }
    }

    fn incoming(&mut self) -> usize {
        writeln!(self.stdin, "incoming").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().parse().unwrap()
    }

    fn stop(mut self) {
        drop(self.stdin);
        self.child.wait().unwrap();
    }
}

async fn cycles(count: usize) {
    let mut server = FakeProcess::start(count);
    let dir = tempfile::tempdir().unwrap();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/otobo.yml");
    let pipeline = support::pipeline(&config, &server.base_url);
    let mut work = WorkOptions::default();
    work.journal = Some(dir.path().join("bench.journal"));
    pipeline.configure_work(work).unwrap();
    pipeline.start().await.unwrap();
    let started = Instant::now();
    let mut samples = Vec::new();
    for cycle in 1..=count {
        let result = pipeline.run(RunControl::once()).await;
        assert!(result.succeeded(), "cycle {cycle} failed: {result:?}");
        if [10, 100, 500, 1000, count].contains(&cycle)
            && samples.last().map(|s: &(usize, u64, u64)| s.0) != Some(cycle)
        {
            let (hwm, rss) = rss();
            samples.push((cycle, hwm, rss));
        }
    }
    let wall = started.elapsed();
    assert_eq!(server.incoming(), 0, "every cycle routed one ticket");
    server.stop();
    for (cycle, hwm, rss) in &samples {
        println!(
            "after cycle {cycle:>5}: peak RSS (VmHWM) {:>6.1} MiB, RSS {:>6.1} MiB",
            *hwm as f64 / 1024.0,
            *rss as f64 / 1024.0
        );
    }
    let at = |c: usize| samples.iter().find(|s| s.0 == c).map(|s| s.1);
    if let (Some(h100), Some(hlast)) = (at(100), samples.last().map(|s| s.1)) {
        println!(
            "| peak RSS of the demo pipeline against the fake OTOBO (own process), cycle 100 → {count} \
             | {:.1} MiB → {:.1} MiB ({:+.1} MiB; {count} cycles in {wall:.2?}) |",
            h100 as f64 / 1024.0,
            hlast as f64 / 1024.0,
            (hlast as f64 - h100 as f64) / 1024.0
        );
    }
}

/// Seconds since midnight UTC of a log line's RFC 3339 timestamp (`…T02:45:01.123456Z`).
fn line_time(line: &str) -> Option<f64> {
    let t = line.find('T')?;
    let rest = &line[t + 1..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))?;
    let mut parts = rest[..end].split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

fn day_seconds(time: SystemTime) -> f64 {
    let since = time.duration_since(UNIX_EPOCH).unwrap();
    (since.as_secs() % 86_400) as f64 + f64::from(since.subsec_nanos()) / 1e9
}

fn starts(runs: usize) {
    let otai = env!("CARGO_BIN_EXE_otai");
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.yml");
    let mut to_write = Vec::new();
    let mut to_exit = Vec::new();
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let spawned = SystemTime::now();
        let started = Instant::now();
        let output = Command::new(otai)
            .args(["run", "--once", "--config"])
            .arg(&config)
            .env("OTAI_DEMO_OUT", dir.path().join("out.yaml"))
            .env("OTAI_STATE_DIR", dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let exit = started.elapsed();
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "otai run --once failed:\n{log}");
        if run == 0 {
            println!("log of the first start:\n{log}");
        }
        // The first write's decision line names the ticket and what changed.
        let first_write = log
            .lines()
            .find(|line| line.contains("→") || line.contains("decision"))
            .and_then(line_time)
            .map(|at| Duration::from_secs_f64((at - day_seconds(spawned)).max(0.0)));
        if let Some(write) = first_write {
            to_write.push(write);
        }
        to_exit.push(exit);
    }
    to_write.sort();
    to_exit.sort();
    let median = |v: &[Duration]| v.get(v.len() / 2).copied().unwrap_or_default();
    println!(
        "| start to first ticket, `otai run --once` on examples/demo.yml (no model), {runs} starts \
         | first write logged after {:.1?} median ({:.1?} best); process exited after {:.1?} median ({:.1?} best) |",
        median(&to_write),
        to_write.first().copied().unwrap_or_default(),
        median(&to_exit),
        to_exit.first().copied().unwrap_or_default(),
    );
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("serve-fake") {
        let tickets = std::env::args().nth(2).unwrap().parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(serve_fake(tickets));
        return;
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let count: usize = args.first().map_or(1000, |n| n.parse().expect("cycles"));
    let runs: usize = args.get(1).map_or(20, |n| n.parse().expect("starts"));
    starts(runs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(cycles(count));
}
