//! Time per op of one MiniLM-L6-shaped encoder layer (hidden 384, 12 heads, intermediate
//! 1536) at several sequence lengths, on one thread: GFLOP/s of the packed matmuls (with their
//! fused epilogues) and of the fused attention, and each op's share of the layer.
//!
//! ```text
//! cargo bench -p otai-hf-local --bench kernels [-- --lens 16,67,128,512]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use otai_hf_local::config::Activation;
use otai_hf_local::kernels::{self, Epilogue, PackedLinear, WeightRef};

/// Best of 7 runs of a batch of calls lasting at least ~20 ms, in seconds per call.
fn time<F: FnMut()>(mut f: F) -> f64 {
    f();
    let start = Instant::now();
    let mut reps = 0;
    while start.elapsed().as_secs_f64() < 0.02 {
        f();
        reps += 1;
    }
    let reps = reps.max(1);
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() / reps as f64);
    }
    best
}

fn data(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 2003.0 - 0.5) * 0.2)
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lens: Vec<usize> = args
        .iter()
        .position(|a| a == "--lens")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(|s| s.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![16, 67, 128, 512]);
    let (h, heads, inter) = (384usize, 12usize, 1536usize);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    println!("SIMD lanes: {}", kernels::simd_lanes());
    let w_qkv = data(3 * h * h, 1);
    let w_o = data(h * h, 2);
    let w_1 = data(inter * h, 3);
    let w_2 = data(h * inter, 4);
    let b = data(inter.max(3 * h), 5);
    let g = vec![1.0f32; h];
    let qkv = PackedLinear::new(
        &[WeightRef {
            w: &w_qkv,
            b: &b[..3 * h],
        }],
        h,
    );
    let o = PackedLinear::new(
        &[WeightRef {
            w: &w_o,
            b: &b[..h],
        }],
        h,
    );
    let ff1 = PackedLinear::new(
        &[WeightRef {
            w: &w_1,
            b: &b[..inter],
        }],
        h,
    );
    let ff2 = PackedLinear::new(
        &[WeightRef {
            w: &w_2,
            b: &b[..h],
        }],
        inter,
    );
    pool.install(|| {
        for &m in &lens {
            let x = data(m * h, 6);
            let xi = data(m * inter, 7);
            let mut out_qkv = vec![0.0f32; m * 3 * h];
            let mut out_h = vec![0.0f32; m * h];
            let mut out_i = vec![0.0f32; m * inter];
            let norm = Epilogue::AddNorm {
                residual: &x,
                gamma: &g,
                beta: &b[..h],
                eps: 1e-12,
            };
            let t_qkv = time(|| kernels::matmul(&x, &qkv, &mut out_qkv, Epilogue::None));
            let t_o = time(|| kernels::matmul(&x, &o, &mut out_h, norm));
            let t_1 =
                time(|| kernels::matmul(&x, &ff1, &mut out_i, Epilogue::Act(Activation::Gelu)));
            let t_2 = time(|| kernels::matmul(&xi, &ff2, &mut out_h, norm));
            let q = data(m * 3 * h, 8);
            let t_att = time(|| kernels::attention_rows(&q, h, heads, &[(0, m)], 0..m, &mut out_h));
            let total = t_qkv + t_o + t_1 + t_2 + t_att;
            let gf = |flops: f64, t: f64| flops / t / 1e9;
            let mf = m as f64;
            let hf = h as f64;
            let inf = inter as f64;
            println!("len {m}: layer {:.3} ms", total * 1e3);
            for (name, t, flops) in [
                ("qkv", t_qkv, 2.0 * mf * hf * 3.0 * hf),
                ("out+norm", t_o, 2.0 * mf * hf * hf),
                ("ff1+gelu", t_1, 2.0 * mf * hf * inf),
                ("ff2+norm", t_2, 2.0 * mf * hf * inf),
                ("attention", t_att, 4.0 * mf * mf * hf),
            ] {
                println!(
                    "  {name:<10} {:8.1} µs {:6.1} GFLOP/s {:5.1} %",
                    t * 1e6,
                    gf(flops, t),
                    t / total * 100.0
                );
            }
        }
    });
}
