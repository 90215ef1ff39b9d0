//! Cold start: process start → model loaded → first text classified, and the peak RSS.
//!
//! ```text
//! cargo bench -p otai-hf-local --bench cold_start -- --model DIR
//! ```
//! Prints one JSON line: `load_ms`, `first_ms` (since `main` started), `peak_rss_mib` (VmHWM).
//! `benches/compare.py` also measures the whole process from outside.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use otai_hf_local::{EngineSettings, TextClassifier};

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let Some(model) = args
        .iter()
        .position(|a| a == "--model")
        .and_then(|i| args.get(i + 1))
    else {
        eprintln!("cold_start: no --model DIR given (run benches/compare.py); nothing to do");
        return;
    };
    let clf = TextClassifier::load(model.as_ref(), &EngineSettings::default()).unwrap();
    let loaded = start.elapsed();
    let p = clf
        .classify_batch(&["Der Drucker im 2. OG druckt nicht mehr, bitte dringend prüfen."])
        .unwrap();
    let first = start.elapsed();
    println!(
        "{}",
        serde_json::json!({
            "load_ms": loaded.as_secs_f64() * 1e3,
            "first_ms": first.as_secs_f64() * 1e3,
            "peak_rss_mib": peak_rss_mib(),
            "weights_mapped": clf.weights_mapped(),
            "label": p[0].label,
        })
    );
}
