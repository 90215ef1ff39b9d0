//! Throughput of the engine on the 256 ticket texts: `texts/s` at a given batch size and thread
//! count, plus every prediction (so the caller can compare them with the pipeline's).
//!
//! ```text
//! cargo bench -p otai-hf-local --bench throughput -- --model DIR [--threads N] [--batch B]
//!     [--texts benches/tickets.json] [--rounds R] [--out predictions.json] [--quantize int8]
//! ```
//! Normally run by `benches/compare.py`, which also runs `transformers` and prints the ratio.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::time::Instant;

use cpu_time::ProcessTime;

use otai_hf_local::{EngineSettings, Quantization, TextClassifier};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(model) = arg(&args, "--model") else {
        eprintln!("throughput: no --model DIR given (run benches/compare.py); nothing to do");
        return;
    };
    let threads: usize = arg(&args, "--threads").map_or(1, |v| v.parse().unwrap());
    let batch: usize = arg(&args, "--batch").map_or(1, |v| v.parse().unwrap());
    let rounds: usize = arg(&args, "--rounds").map_or(1, |v| v.parse().unwrap());
    let texts_path = arg(&args, "--texts")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/tickets.json"));
    let texts: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(&texts_path).unwrap()).unwrap();
    let quantize = match arg(&args, "--quantize").as_deref() {
        None | Some("none" | "f32") => Quantization::None,
        Some("int8") => Quantization::Int8,
        Some("int16") => Quantization::Int16,
        Some(other) => panic!("--quantize {other}: expected none or int8"),
    };
    let settings = EngineSettings {
        num_threads: threads,
        max_batch_size: batch,
        quantize,
        ..EngineSettings::default()
    };
    let clf = TextClassifier::load(model.as_ref(), &settings).unwrap();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    // Warm-up: page in the weights, grow the allocator.
    for chunk in refs[..batch.max(8).min(refs.len())].chunks(batch) {
        clf.classify_batch(chunk).unwrap();
    }
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    let mut preds = Vec::new();
    for _ in 0..rounds {
        let cpu = ProcessTime::now();
        let start = Instant::now();
        preds.clear();
        for chunk in refs.chunks(batch) {
            preds.extend(clf.classify_batch(chunk).unwrap());
        }
        walls.push(start.elapsed().as_secs_f64());
        cpus.push(cpu.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let best = walls.iter().copied().fold(f64::INFINITY, f64::min);
    let median_wall = median(&mut walls);
    let median_cpu = median(&mut cpus);
    let out = serde_json::json!({
        "engine": "otai-hf-local",
        "threads": threads,
        "batch": batch,
        "quantize": clf.compute_dtype(),
        "texts": texts.len(),
        "seconds": best,
        "median_seconds": median_wall,
        "cpu_seconds": median_cpu,
        "texts_per_second": texts.len() as f64 / best,
        "texts_per_second_median": texts.len() as f64 / median_wall,
        "texts_per_cpu_second": texts.len() as f64 / median_cpu,
        "predictions": preds.iter().map(|p| serde_json::json!({"label": p.label, "score": p.score})).collect::<Vec<_>>(),
    });
    match arg(&args, "--out") {
        Some(path) => std::fs::write(path, out.to_string()).unwrap(),
        None => println!(
            "otai-hf-local: {} texts, batch {batch}, {threads} thread(s): {:.1} texts/s best, \
             {:.1} median, {:.1} per CPU-second (median of {rounds})",
            texts.len(),
            texts.len() as f64 / best,
            texts.len() as f64 / median_wall,
            texts.len() as f64 / median_cpu
        ),
    }
}
