//! GFLOP/s of the matmul kernel and ns per element of the elementwise kernels, on the shapes
//! of a MiniLM-L6 forward pass (`cargo bench -p otai-hf-local --bench kernels`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use otai_hf_local::config::Activation;
use otai_hf_local::kernels::{self, Epilogue, WeightRef};

fn time<F: FnMut()>(mut f: F) -> f64 {
    f();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        for _ in 0..10 {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() / 10.0);
    }
    best
}

fn main() {
    if std::env::args().any(|a| a == "--bench") || std::env::args().count() >= 1 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| {
            for &(m, k, n) in &[
                (100, 384, 384),
                (100, 384, 1536),
                (100, 1536, 384),
                (3200, 384, 1536),
            ] {
                let x: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 13) as f32 * 0.01).collect();
                let w: Vec<f32> = (0..n * k).map(|i| ((i * 5) % 11) as f32 * 0.01).collect();
                let b = vec![0.1f32; n];
                let mut out = vec![0.0f32; m * n];
                let t = time(|| {
                    kernels::linear(
                        &x,
                        k,
                        &[WeightRef { w: &w, b: &b }],
                        &mut out,
                        Epilogue::None,
                    )
                });
                println!(
                    "linear {m}x{k} · {n}x{k}ᵀ: {:.2} ms, {:.1} GFLOP/s",
                    t * 1e3,
                    2.0 * (m * k * n) as f64 / t / 1e9
                );
            }
            let mut v: Vec<f32> = (0..100 * 1536)
                .map(|i| (i % 200) as f32 * 0.05 - 5.0)
                .collect();
            let t = time(|| kernels::activation(Activation::Gelu, &mut v));
            println!("gelu: {:.2} ns/element", t * 1e9 / v.len() as f64);
        });
    }
}
