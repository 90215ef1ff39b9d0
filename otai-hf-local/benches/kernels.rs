//! Time per op of one MiniLM-L6-shaped encoder layer (hidden 384, 12 heads, intermediate
//! 1536) at several sequence lengths, on one thread: GFLOP/s of the packed matmuls (with their
//! fused epilogues) and of the fused attention, and each op's share of the layer.
//!
//! ```text
//! cargo bench -p otai-hf-local --bench kernels [-- --lens 16,67,128,512] [--quantize int8|int16|all]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use otai_hf_local::config::Activation;
use otai_hf_local::kernels::{self, Epilogue, PackedLinear, QuantFormat, QuantLinear, WeightRef};

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

enum Lin {
    F32(PackedLinear),
    Quant(QuantLinear),
}

impl Lin {
    fn apply(&self, x: &[f32], out: &mut [f32], e: Epilogue<'_>) {
        match self {
            Lin::F32(p) => kernels::matmul(x, p, out, e),
            Lin::Quant(q) => kernels::quant_matmul(x, q, out, e),
        }
    }
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
    let formats: Vec<Option<QuantFormat>> = match args
        .iter()
        .position(|a| a == "--quantize")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
    {
        Some("int8") => vec![Some(QuantFormat::Int8)],
        Some("int16") => vec![Some(QuantFormat::Int16)],
        Some("all") => vec![None, Some(QuantFormat::Int8), Some(QuantFormat::Int16)],
        _ => vec![None],
    };
    let lin = |w: &[f32], b: &[f32], k: usize, f: Option<QuantFormat>| -> Lin {
        let parts = [WeightRef { w, b }];
        match f {
            None => Lin::F32(PackedLinear::new(&parts, k)),
            Some(f) => Lin::Quant(QuantLinear::new(&parts, k, f)),
        }
    };
    for format in formats {
        println!(
            "format: {}",
            format.map_or("f32".to_string(), |f| format!("{f:?}"))
        );
        let qkv = lin(&w_qkv, &b[..3 * h], h, format);
        let o = lin(&w_o, &b[..h], h, format);
        let ff1 = lin(&w_1, &b[..inter], h, format);
        let ff2 = lin(&w_2, &b[..h], inter, format);
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
                let t_qkv = time(|| qkv.apply(&x, &mut out_qkv, Epilogue::None));
                let t_o = time(|| o.apply(&x, &mut out_h, norm));
                let t_1 = time(|| ff1.apply(&x, &mut out_i, Epilogue::Act(Activation::Gelu)));
                let t_2 = time(|| ff2.apply(&xi, &mut out_h, norm));
                let q = data(m * 3 * h, 8);
                let t_att =
                    time(|| kernels::attention_rows(&q, h, heads, &[(0, m)], 0..m, &mut out_h));
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
}
