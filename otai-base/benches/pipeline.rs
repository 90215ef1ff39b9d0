//! Per-ticket cost of the offline demo pipeline (`examples/demo.yml`) without I/O: one
//! orchestrator cycle fetches a ticket from memory, classifies queue and priority, evaluates
//! the expressions, updates the ticket twice and adds two notes. `save_to` is removed, so no
//! file is written. The 22 seed tickets are repeated (with fresh ids) to 110 per pipeline;
//! building a pipeline (reading the seeds) happens outside the measurement.
//!
//! * `demo_cycle/keyword_classifier` — the demo as configured.
//! * `demo_cycle/constant_classifier` — the same pipeline with a classifier that answers
//!   at once: the engine's own per-ticket overhead (templates, params, pipes, ticket store).
//! * `keyword_classifier/two_classifications` — what the keyword classifier adds per ticket.
//!
//! On a busy machine wall time overstates the cost; with `OTAI_BENCH_CPU_TIME=1` the demo
//! cycles are timed by the benchmark thread's own CPU time (the runtime is single-threaded,
//! so every task of a cycle runs on that thread).

// A benchmark over fixed repository inputs: a missing file is a broken checkout, not user data.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_main, Criterion};
use otai::config::load_str;
use otai::engine::RunControl;
use otai::prelude::*;
use otai::ComponentRegistry;
use otai_base::services::{KeywordClassifier, KeywordClassifierParams};
use otai_base::BasePlugin;

/// The allocator the `otai` binary ships with, so the figures are those of the binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Answers every request at once: `Billing` / `high` with confidence 0.9.
#[otai::service(provides(ClassificationService))]
struct ConstantClassifier;

impl Service for ConstantClassifier {
    type Params = NoParams;

    fn build(_params: NoParams, _ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self)
    }
}

#[async_trait]
impl ClassificationService for ConstantClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        let label = if request.model_name == "queue" {
            "Billing"
        } else {
            "high"
        };
        Ok(ClassificationResult {
            label: label.to_owned(),
            confidence: 0.9,
        })
    }
}

struct BenchPlugin;

impl Plugin for BenchPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![ConstantClassifier]
    }
}

fn examples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"))
}

/// How often the seed tickets are repeated per pipeline.
const REPEAT: usize = 5;

/// The demo's seed tickets, repeated [`REPEAT`] times with fresh ids, as a JSON Lines file.
fn seed_file(dir: &Path) -> (PathBuf, usize) {
    let text = std::fs::read_to_string(examples().join("demo-tickets.yaml")).expect("seed file");
    let seeds: Vec<serde_json::Value> = serde_yaml::from_str(&text).expect("seed YAML");
    let mut lines = String::new();
    let mut count = 0;
    for round in 0..REPEAT {
        for seed in &seeds {
            let mut ticket = seed.clone();
            ticket["id"] = format!("{round}-{}", seed["id"]).into();
            lines.push_str(&serde_json::to_string(&ticket).expect("json"));
            lines.push('\n');
            count += 1;
        }
    }
    let path = dir.join("bench-tickets.jsonl");
    std::fs::write(&path, lines).expect("write the seed file");
    (path, count)
}

/// The demo config without `save_to`, seeded from `seeds`, optionally with the constant
/// classifier behind the `keywords` service id.
fn demo_yaml(seeds: &Path, constant_classifier: bool) -> String {
    let text = std::fs::read_to_string(examples().join("demo.yml")).expect("examples/demo.yml");
    let mut config: serde_yaml::Value = serde_yaml::from_str(&text).expect("demo.yml is YAML");
    let services = &mut config["open_ticket_ai"]["services"];
    let tickets = &mut services["tickets"]["params"];
    tickets["tickets_file"] = seeds.display().to_string().into();
    if let serde_yaml::Value::Mapping(params) = tickets {
        params.remove("save_to");
    }
    if constant_classifier {
        services["keywords"] = serde_yaml::from_str("use: bench:ConstantClassifier").expect("yaml");
    }
    serde_yaml::to_string(&config).expect("yaml")
}

fn registry() -> ComponentRegistry {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-base", env!("CARGO_PKG_VERSION"), &BasePlugin);
    builder.add_plugin("otai-bench", "0.0.0", &BenchPlugin);
    builder.finish().expect("registry")
}

/// Times `iters` demo cycles, each processing one ticket; a fresh pipeline (fresh tickets) is
/// built, untimed, whenever the queue is empty.
fn time_cycles(
    runtime: &tokio::runtime::Runtime,
    yaml: &str,
    seeded: usize,
    iters: u64,
) -> Duration {
    let registry = registry();
    let app = AppConfig::new();
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let pipeline = load_str("bench.yml", yaml, &app)
            .and_then(|loaded| loaded.build(&registry))
            .unwrap_or_else(|errors| panic!("{}", errors.render()));
        let batch = left.min(seeded as u64);
        let clock = Clock::start();
        runtime.block_on(async {
            for _ in 0..batch {
                let result = pipeline.run(RunControl::once()).await;
                debug_assert!(result.succeeded(), "{}", result.message);
                black_box(result);
            }
        });
        total += clock.elapsed();
        left -= batch;
    }
    total
}

/// Wall time, or with `OTAI_BENCH_CPU_TIME=1` this thread's CPU time.
enum Clock {
    Wall(Instant),
    Cpu(cpu_time::ThreadTime),
}

impl Clock {
    fn start() -> Self {
        match cpu_time::ThreadTime::try_now() {
            Ok(cpu) if std::env::var_os("OTAI_BENCH_CPU_TIME").is_some() => Self::Cpu(cpu),
            _ => Self::Wall(Instant::now()),
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            Self::Wall(started) => started.elapsed(),
            Self::Cpu(started) => started.elapsed(),
        }
    }
}

fn demo_cycle(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temporary directory");
    let (seeds, seeded) = seed_file(dir.path());
    let mut group = c.benchmark_group("demo_cycle");
    for (name, constant) in [("keyword_classifier", false), ("constant_classifier", true)] {
        let yaml = demo_yaml(&seeds, constant);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| time_cycles(&runtime, &yaml, seeded, iters))
        });
    }
    group.finish();
}

fn keyword_classifier(c: &mut Criterion) {
    let text = std::fs::read_to_string(examples().join("demo.yml")).expect("examples/demo.yml");
    let config: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    let params: KeywordClassifierParams =
        serde_yaml::from_value(config["open_ticket_ai"]["services"]["keywords"]["params"].clone())
            .expect("keyword params");
    let classifier = KeywordClassifier::new(&params).expect("classifier");
    let text = "Rechnung 2024-0098 doppelt abgebucht Guten Tag, der Betrag aus der Rechnung \
                2024-0098 wurde zweimal von unserem Konto abgebucht. Bitte erstatten Sie uns den \
                doppelten Betrag oder senden Sie eine Gutschrift. Mit freundlichen Grüßen";
    c.bench_function("keyword_classifier/two_classifications", |b| {
        b.iter(|| {
            black_box(classifier.classify_text("queue", black_box(text))).ok();
            black_box(classifier.classify_text("priority", black_box(text))).ok();
        })
    });
}

// The macros generate undocumented items.
#[allow(missing_docs)]
mod entry {
    criterion::criterion_group!(benches, super::demo_cycle, super::keyword_classifier);
}
criterion_main!(entry::benches);
