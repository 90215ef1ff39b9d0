//! Tickets in parallel: the shape of `examples/otobo-parallel.yml` (`base:ForEachTicketPipe`,
//! per ticket: read, classify queue and priority, two updates, two notes) over N tickets against the
//! fake OTOBO server with a fixed latency per request, the journal in a file as `otai run`
//! keeps it.
//!
//! ```sh
//! cargo bench --bench parallel_pipeline                                  # keyword, 1 / 8 / 32
//! cargo bench --bench parallel_pipeline -- --concurrency 32 --tickets 2000  # steady state
//! cargo bench --bench parallel_pipeline -- --hf $PWD/target/hf-bench/minilm-l6-4label \
//!     --concurrency 32                                                   # hf-local (see below)
//! ```
//!
//! Flags: `--tickets N` (200), `--latency D` (20ms), `--concurrency 1,8,32`, `--limit N` (the
//! search's `limit`; default the example's 32), `--hf MODEL_DIR`, `--journal memory` (no
//! journal file: what the file's fsyncs cost).
//!
//! *Concurrency* C is the for-each's `max_concurrency` and the OTOBO service's, so at most C
//! requests are in flight. The *bound* is the time if every one of them were busy all the
//! time: requests (counted from the fake server's record) × latency ÷ C; the ratio is the
//! bound's time over the measured time. Since a ticket's requests follow one another, no
//! schedule reaches the bound when the tickets are not a multiple of C: the report also
//! gives the best possible ratio (C tickets at a time, in waves, after the first search).
//!
//! With `--hf`, `hf_local` is `hf-local:HFClassificationService` and both steps classify with
//! the model in MODEL_DIR (the MiniLM bench model: `benches/make_bench_model.py`); the ticket
//! texts are the 256 texts of `otai-hf-local/benches/tickets.json`. The bench first measures the
//! classifier alone on the same texts in batches of 32 (`TextClassifier::classify_batch`, the
//! code `otai-hf-local`'s `throughput` bench runs), then the pipeline's classifications per
//! second against it, and the sizes of the micro-batches (the batcher's `micro-batch` trace
//! events).

// A benchmark over fixed inputs: a broken setup is a broken checkout, not user data.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

extern crate otai_base;
extern crate otai_otobo_znuny;

mod support;

/// The allocator of the `otai` binary (src/main.rs), so the bench costs what `otai run` does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use otai::engine::work::WorkOptions;
use otai::engine::RunControl;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};

use support::{PASSWORD, TEXTS};

const INCOMING: &str = "OpenTicketAI::Incoming";

struct Args {
    tickets: usize,
    latency: Duration,
    concurrency: Vec<usize>,
    limit: Option<usize>,
    hf: Option<PathBuf>,
    /// Keep the journal in memory (no file, no fsync), to see what the file costs.
    memory_journal: bool,
}

fn args() -> Args {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        raw.iter()
            .position(|a| a == name)
            .and_then(|i| raw.get(i + 1).cloned())
    };
    Args {
        tickets: value("--tickets").map_or(200, |v| v.parse().expect("--tickets N")),
        latency: value("--latency").map_or(Duration::from_millis(20), |v| {
            v.parse::<otai::Duration>().expect("--latency 20ms").get()
        }),
        concurrency: value("--concurrency").map_or(vec![1, 8, 32], |v| {
            v.split(',')
                .map(|n| n.parse().expect("--concurrency 1,8,32"))
                .collect()
        }),
        limit: value("--limit").map(|v| v.parse().expect("--limit N")),
        hf: value("--hf").map(PathBuf::from),
        memory_journal: value("--journal").as_deref() == Some("memory"),
    }
}

/// The ticket texts: the keyword texts, or the hf-local bench's 256 texts (subject: the first
/// words, body: the whole text).
fn texts(hf: bool) -> Vec<(String, String)> {
    if !hf {
        return TEXTS
            .iter()
            .map(|(s, b)| ((*s).to_owned(), (*b).to_owned()))
            .collect();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("otai-hf-local/benches/tickets.json");
    let all: Vec<String> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    all.into_iter()
        .map(|text| {
            let subject: String = text
                .split_whitespace()
                .take(4)
                .collect::<Vec<_>>()
                .join(" ");
            (subject, text)
        })
        .collect()
}

fn seed(tickets: usize, texts: &[(String, String)]) -> Seed {
    let list: Vec<serde_json::Value> = (0..tickets)
        .map(|index| {
            let (title, body) = &texts[index % texts.len()];
            serde_json::json!({
                "id": 1000 + index, "title": title, "queue": INCOMING, "body": body,
                "created": "2025-11-18 08:00:00",
            })
        })
        .collect();
    let seed = serde_json::json!({
        "queues": ["Postmaster", "Raw", INCOMING, "OpenTicketAI::Unclassified", "Billing",
                   "IT Support", "Sales", "HR", "queue/it", "queue/billing", "queue/sales",
                   "queue/general"],
        "priorities": ["1 very low", "2 low", "3 normal", "4 high", "5 very high", "low",
                       "medium", "high", "queue/it", "queue/billing", "queue/sales",
                       "queue/general"],
        "tickets": list,
    });
    Seed::from_yaml(&seed.to_string()).unwrap()
}

/// `examples/otobo-parallel.yml` with concurrency, fetch limit and (optionally) the hf-local
/// classifier set; everything else as it is.
fn config_text(concurrency: usize, limit: usize, hf: Option<&Path>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/otobo-parallel.yml");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches("max_concurrency: 32").count(), 2);
    assert_eq!(text.matches("limit: 32").count(), 1);
    let mut text = text
        .replace(
            "max_concurrency: 32",
            &format!("max_concurrency: {concurrency}"),
        )
        .replace("limit: 32", &format!("limit: {limit}"));
    if let Some(model) = hf {
        let start = text.find("    hf_local:\n").unwrap();
        let end = text.find("  orchestrator:").unwrap();
        text.replace_range(
            start..end,
            "    hf_local:\n      use: \"hf-local:HFClassificationService\"\n\n",
        );
        // Both steps classify with the bench model; confidence thresholds stay as they are.
        let model = model.display().to_string();
        text = text
            .replace("softoft/otai-queue-de-bert-v1", &model)
            .replace("softoft/otai-priority-de-bert-v1", &model);
    }
    text
}

struct Outcome {
    tickets: usize,
    requests: BTreeMap<String, usize>,
    total_requests: usize,
    max_in_flight: usize,
    cycles: usize,
    wall: Duration,
}

async fn drain(
    latency: Duration,
    tickets: usize,
    concurrency: usize,
    limit: usize,
    hf: Option<&Path>,
    memory_journal: bool,
) -> Outcome {
    let server = Arc::new(
        FakeOtobo::start(
            FakeOtoboConfig::new(seed(tickets, &texts(hf.is_some()))).with_password(PASSWORD),
        )
        .await
        .unwrap(),
    );
    server.set_latency(latency);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("otobo-parallel.yml");
    std::fs::write(&config, config_text(concurrency, limit, hf)).unwrap();
    let pipeline = support::pipeline(&config, &server.base_url());
    // The journal in a file, as `otai run` keeps it (redb, fsync on the commits that must
    // survive a crash).
    let mut work = WorkOptions::default();
    work.journal = (!memory_journal).then(|| dir.path().join("bench.journal"));
    pipeline.configure_work(work).unwrap();
    pipeline.start().await.unwrap();
    if let Some(model) = hf {
        warm_up(&pipeline, model).await;
    }
    server.clear_requests();

    // The server's record is counted and emptied as the run goes, so that its growth (every
    // request body) does not weigh on the pipeline measured.
    let counts: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let count = |server: &FakeOtobo, counts: &Mutex<BTreeMap<String, usize>>| {
        let mut counts = counts.lock().unwrap();
        for request in server.take_requests() {
            let name = request
                .operation
                .map_or_else(|| "other".to_owned(), |op| format!("{op:?}"));
            *counts.entry(name).or_insert(0) += 1;
        }
    };
    let counter = {
        let (server, counts) = (Arc::clone(&server), Arc::clone(&counts));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(50)).await;
                count(&server, &counts);
            }
        })
    };
    let started = Instant::now();
    let mut cycles = 0;
    loop {
        let result = pipeline.run(RunControl::once()).await;
        cycles += 1;
        assert!(result.succeeded(), "cycle {cycles} failed: {result:?}");
        if server.tickets().iter().all(|t| t.queue != INCOMING) {
            break;
        }
        assert!(cycles <= tickets + 1, "the queue does not drain");
    }
    let wall = started.elapsed();
    counter.abort();
    let _ = counter.await;
    count(&server, &counts);
    let requests = std::mem::take(&mut *counts.lock().unwrap());
    let total_requests = requests.values().sum();
    // Every ticket routed once: two notes, nothing twice.
    for ticket in server.tickets() {
        assert_eq!(
            ticket.articles.len(),
            3,
            "ticket {}: {:?}",
            ticket.id,
            ticket.articles.len()
        );
    }
    let max_in_flight = server.max_in_flight();
    if let Ok(server) = Arc::try_unwrap(server) {
        server.shutdown().await;
    }
    Outcome {
        tickets,
        requests,
        total_requests,
        max_in_flight,
        cycles,
        wall,
    }
}

/// Loads the model (the first classification loads it) before the clock starts.
async fn warm_up(pipeline: &otai::Pipeline, model: &Path) {
    let service = pipeline.service("hf_local").unwrap();
    let classifier = service
        .get::<dyn otai::interfaces::ClassificationService>()
        .unwrap();
    let request = otai::interfaces::ClassificationRequest {
        text: "warm-up text".to_owned(),
        model_name: model.display().to_string(),
        api_token: None,
    };
    classifier.classify(&request).await.unwrap();
}

fn report(latency: Duration, concurrency: usize, limit: usize, outcome: &Outcome) -> f64 {
    let per_ticket = outcome.total_requests as f64 / outcome.tickets as f64;
    let bound = latency.mul_f64(outcome.total_requests as f64 / concurrency as f64);
    let tickets_per_s = outcome.tickets as f64 / outcome.wall.as_secs_f64();
    let bound_per_s = outcome.tickets as f64 / bound.as_secs_f64();
    let ratio = bound.as_secs_f64() / outcome.wall.as_secs_f64();
    println!(
        "| {} tickets, {latency:?} per request, concurrency {concurrency}, fetch limit {limit} \
         | {tickets_per_s:.1} tickets/s in {:.2?} ({} cycles); bound {bound_per_s:.1} tickets/s \
         ({per_ticket:.3} requests per ticket × {latency:?} ÷ {concurrency}) | **{:.0} %** |",
        outcome.tickets,
        outcome.wall,
        outcome.cycles,
        ratio * 100.0
    );
    // The best any schedule can do: each ticket's requests (its read and writes) follow one
    // another, so C tickets at a time run in waves of a chain each, after the first search.
    let searches = outcome.requests.get("TicketSearch").copied().unwrap_or(0);
    let chain = (outcome.total_requests - searches) as f64 / outcome.tickets as f64;
    let waves = outcome.tickets.div_ceil(concurrency) as f64;
    let best = latency.mul_f64(waves * chain + 1.0);
    println!(
        "    requests {:?}, most in flight {}; the best schedule of {} chains of {chain:.0} \
         requests on {concurrency} slots takes {best:.2?}: {:.0} % of the bound at most",
        outcome.requests,
        outcome.max_in_flight,
        outcome.tickets,
        bound.as_secs_f64() / best.as_secs_f64() * 100.0
    );
    ratio
}

/// Collects the sizes of the hf-local micro-batches from the batcher's trace events.
#[derive(Clone, Default)]
struct BatchSizes(Arc<Mutex<Vec<u64>>>);

struct BatchVisitor(Option<u64>);

impl tracing::field::Visit for BatchVisitor {
    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        if field.name() == "batch" {
            self.0 = Some(value);
        }
    }
    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        if field.name() == "batch" {
            self.0 = u64::try_from(value).ok();
        }
    }
    fn record_debug(&mut self, _field: &tracing::field::Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for BatchSizes {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut visitor = BatchVisitor(None);
        event.record(&mut visitor);
        if let Some(size) = visitor.0 {
            self.0.lock().unwrap().push(size);
        }
    }
}

impl BatchSizes {
    fn take(&self) -> Vec<u64> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The classifier alone on the same texts, batches of 32: texts per second (best of 2).
fn classifier_throughput(model: &Path, texts: &[String]) -> f64 {
    let settings = otai_hf_local::EngineSettings {
        max_batch_size: 32,
        ..otai_hf_local::EngineSettings::default()
    };
    let classifier = otai_hf_local::TextClassifier::load(model, &settings).unwrap();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    classifier.classify_batch(&refs[..32]).unwrap();
    let mut best: f64 = 0.0;
    for _ in 0..2 {
        let started = Instant::now();
        for chunk in refs.chunks(32) {
            classifier.classify_batch(chunk).unwrap();
        }
        best = best.max(refs.len() as f64 / started.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let args = args();
    let batches = BatchSizes::default();
    {
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::Layer;
        let filter = tracing_subscriber::filter::Targets::new()
            .with_target("otai_hf_local::batcher", tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry().with(batches.clone().with_filter(filter));
        tracing::subscriber::set_global_default(subscriber).unwrap();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let alone = args.hf.as_deref().map(|model| {
        let texts: Vec<String> = texts(true)
            .into_iter()
            .take(args.tickets)
            .map(|(subject, body)| format!("{subject} {body}"))
            .collect();
        let per_s = classifier_throughput(model, &texts);
        println!(
            "hf-local alone, {} texts in batches of 32: {per_s:.1} texts/s",
            texts.len()
        );
        per_s
    });
    println!(
        "journal: {}",
        if args.memory_journal {
            "in memory"
        } else {
            "file (redb)"
        }
    );
    for &concurrency in &args.concurrency {
        let limit = args.limit.unwrap_or(32);
        let outcome = runtime.block_on(drain(
            args.latency,
            args.tickets,
            concurrency,
            limit,
            args.hf.as_deref(),
            args.memory_journal,
        ));
        report(args.latency, concurrency, limit, &outcome);
        if let Some(alone) = alone {
            let classified = 2.0 * outcome.tickets as f64 / outcome.wall.as_secs_f64();
            let sizes = batches.take();
            let mut histogram: BTreeMap<u64, usize> = BTreeMap::new();
            for size in &sizes {
                *histogram.entry(*size).or_insert(0) += 1;
            }
            println!(
                "| hf-local in the pipeline, concurrency {concurrency} | {classified:.1} \
                 classifications/s against {alone:.1} texts/s alone at batch 32 | **{:.0} %** |",
                classified / alone * 100.0
            );
            println!(
                "    micro-batches: {} (sizes: count) {histogram:?}, mean {:.1}",
                sizes.len(),
                sizes.iter().sum::<u64>() as f64 / sizes.len().max(1) as f64
            );
        }
    }
}
