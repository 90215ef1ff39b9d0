//! Shared by the test binaries: the kernel checks, run on different instruction sets
//! (`kernels.rs`: the best this CPU has; `kernels_avx2.rs`, `kernels_scalar.rs`: capped), and
//! the committed fixtures ([`fixtures`]).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    unused_macros,
    unused_imports
)]

pub mod fixtures;

use otai_hf_local::config::Activation;
use otai_hf_local::kernels::{self, Epilogue, PackedLinear, QuantFormat, QuantLinear, WeightRef};

/// The kernel checks as `#[test]`s for a test binary that caps the instruction set: each
/// runs after `$cap()`, which sets the cap and says whether this CPU has the capped path.
/// One binary per cap, because the cap holds for the whole process.
macro_rules! capped_kernel_tests {
    ($cap:expr) => {
        #[test]
        fn packed_matmul_matches_naive() {
            if $cap() {
                common::check_packed_matmul();
            }
        }

        #[test]
        fn fused_attention_matches_naive() {
            if $cap() {
                common::check_attention();
            }
        }

        #[test]
        fn quantized_matmuls_are_within_their_rounding_bounds() {
            if $cap() {
                common::check_quant(otai_hf_local::kernels::QuantFormat::Int8);
                common::check_quant(otai_hf_local::kernels::QuantFormat::Int16);
            }
        }
    };
}
pub(crate) use capped_kernel_tests;

/// Deterministic values in [-1, 1).
pub fn values(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 2003.0 - 0.5) * 2.0)
        .collect()
}

/// `x · Wᵀ + b` in f64.
pub fn naive_linear(x: &[f32], k: usize, w: &[f32], b: &[f32]) -> Vec<f64> {
    let n = b.len();
    let m = x.len() / k;
    let mut out = vec![0.0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k)
                .map(|t| x[i * k + t] as f64 * w[j * k + t] as f64)
                .sum::<f64>()
                + b[j] as f64;
        }
    }
    out
}

/// Shapes around the register tile heights (12/6/4 rows) and panel widths (32/16/2 columns).
pub fn shapes() -> Vec<(usize, usize, usize)> {
    let lanes = kernels::simd_lanes();
    vec![
        (1, 5, 3),
        (7, 33, 2 * lanes + 1),
        (13, 64, 4 * lanes),
        (25, 40, 3 * lanes.max(2) - 1),
        (67, 96, 2 * lanes),
    ]
}

/// The packed f32 matmul equals the naive product, with every epilogue, for the panel width
/// of this instruction set and for an odd one (portable path).
pub fn check_packed_matmul() {
    let lanes = kernels::simd_lanes();
    for (m, k, n) in shapes() {
        let x = values(m * k, 1);
        let w = values(n * k, 2);
        let b = values(n, 3);
        let exact = naive_linear(&x, k, &w, &b);
        let residual = values(m * n, 4);
        let gamma = values(n, 5);
        let beta = values(n, 6);
        for nr in [2 * lanes, 3] {
            let packed = PackedLinear::with_panel_width(&[WeightRef { w: &w, b: &b }], k, nr);
            let mut out = vec![0.0f32; m * n];
            kernels::matmul(&x, &packed, &mut out, Epilogue::None);
            for (o, e) in out.iter().zip(&exact) {
                assert!((*o as f64 - e).abs() < 1e-4, "m{m} k{k} n{n} nr{nr}");
            }
            kernels::matmul(&x, &packed, &mut out, Epilogue::Act(Activation::Relu));
            for (o, e) in out.iter().zip(&exact) {
                assert!(
                    (*o as f64 - e.max(0.0)).abs() < 1e-4,
                    "relu m{m} n{n} nr{nr}"
                );
            }
            kernels::matmul(
                &x,
                &packed,
                &mut out,
                Epilogue::AddNorm {
                    residual: &residual,
                    gamma: &gamma,
                    beta: &beta,
                    eps: 1e-5,
                },
            );
            for i in 0..m {
                let s: Vec<f64> = (0..n)
                    .map(|j| exact[i * n + j] + residual[i * n + j] as f64)
                    .collect();
                let mean = s.iter().sum::<f64>() / n as f64;
                let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
                for j in 0..n {
                    let e = (s[j] - mean) / (var + 1e-5).sqrt() * gamma[j] as f64 + beta[j] as f64;
                    assert!(
                        (out[i * n + j] as f64 - e).abs() < 1e-4,
                        "norm m{m} n{n} nr{nr} ({i},{j})"
                    );
                }
            }
        }
    }
}

/// Fused attention equals softmax(q·kᵀ/√d)·v per sequence and head, for all rows at once and
/// for two row ranges that cut a sequence.
pub fn check_attention() {
    for &(hidden, heads) in &[(32usize, 4usize), (48, 2), (384, 12)] {
        let d = hidden / heads;
        let seqs = [(0usize, 1usize), (1, 37), (38, 70), (108, 5)];
        let total = 113;
        let qkv = values(total * 3 * hidden, 9);
        let mut exact = vec![0.0f64; total * hidden];
        for &(start, len) in &seqs {
            for i in start..start + len {
                for hd in 0..heads {
                    let q = &qkv[i * 3 * hidden + hd * d..i * 3 * hidden + (hd + 1) * d];
                    let scores: Vec<f64> = (start..start + len)
                        .map(|j| {
                            let kr = &qkv[j * 3 * hidden + hidden + hd * d..][..d];
                            q.iter()
                                .zip(kr)
                                .map(|(a, b)| *a as f64 * *b as f64)
                                .sum::<f64>()
                                / (d as f64).sqrt()
                        })
                        .collect();
                    let max = scores.iter().cloned().fold(f64::MIN, f64::max);
                    let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                    let sum: f64 = exps.iter().sum();
                    for c in 0..d {
                        exact[i * hidden + hd * d + c] = (start..start + len)
                            .zip(&exps)
                            .map(|(j, e)| {
                                e / sum * qkv[j * 3 * hidden + 2 * hidden + hd * d + c] as f64
                            })
                            .sum();
                    }
                }
            }
        }
        for cut in [total, 50] {
            let ranges = [0..cut, cut..total];
            let mut ctx = vec![0.0f32; total * hidden];
            for r in ranges.into_iter().filter(|r| !r.is_empty()) {
                kernels::attention_rows(
                    &qkv,
                    hidden,
                    heads,
                    &seqs,
                    r.clone(),
                    &mut ctx[r.start * hidden..r.end * hidden],
                );
            }
            for (i, (a, e)) in ctx.iter().zip(&exact).enumerate() {
                assert!(
                    (*a as f64 - e).abs() < 1e-5,
                    "h{hidden} value {i}: {a} vs {e}"
                );
            }
        }
    }
}

/// The quantized matmul is within its format's error bound of the exact product: per output,
/// `|error| ≤ c · k · max|x_row| · max|w_col|`, with `c` from the rounding steps (Int8: 8-bit
/// weights, 7-bit activations; Int16: 12-bit weights, 14-bit activations). Integer sums are
/// exact, so anything beyond the bound is a bug, not noise.
pub fn check_quant(format: QuantFormat) {
    let c = match format {
        QuantFormat::Int8 => 1.0 / 127.0 + 0.5 / 127.0,
        QuantFormat::Int16 => 0.5 / 8191.0 + 0.5 / 2047.0,
    } * 1.05;
    let mut shapes = shapes();
    // Long enough for Int16's i32 sums to move to f32 several times (64 pairs each).
    shapes.push((9, 1100, 37));
    for (m, k, n) in shapes {
        // Skewed rows (as after GELU) and symmetric ones.
        let mut x = values(m * k, 11);
        for v in x.iter_mut().skip(k) {
            *v = v.max(-0.17) * 3.0;
        }
        let w = values(n * k, 12);
        let b = values(n, 13);
        let exact = naive_linear(&x, k, &w, &b);
        let q = QuantLinear::new(&[WeightRef { w: &w, b: &b }], k, format);
        let mut out = vec![0.0f32; m * n];
        for relu in [false, true] {
            let epilogue = if relu {
                Epilogue::Act(Activation::Relu)
            } else {
                Epilogue::None
            };
            kernels::quant_matmul(&x, &q, &mut out, epilogue);
            for i in 0..m {
                let xmax = x[i * k..(i + 1) * k]
                    .iter()
                    .fold(0.0f32, |a, v| a.max(v.abs()));
                for j in 0..n {
                    let wmax = w[j * k..(j + 1) * k]
                        .iter()
                        .fold(0.0f32, |a, v| a.max(v.abs()));
                    let bound = c * k as f64 * xmax as f64 * wmax as f64 + 1e-5;
                    let e = if relu {
                        exact[i * n + j].max(0.0)
                    } else {
                        exact[i * n + j]
                    };
                    let got = out[i * n + j] as f64;
                    assert!(
                        (got - e).abs() <= bound,
                        "{format:?} m{m} k{k} n{n} ({i},{j}): {got} vs {e}, bound {bound}"
                    );
                }
            }
        }
    }
}
