//! Accuracy of the vectorized kernels against scalar reference math.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use otai_hf_local::config::Activation;
use otai_hf_local::kernels::{self, Epilogue, QuantFormat, WeightRef};

fn erf64(x: f64) -> f64 {
    // erf by its Taylor series (|x| < 3) or 1 - erfc continued fraction; exact enough in f64.
    if x.abs() < 3.0 {
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        let t = x.abs();
        let mut f = 0.0;
        for k in (1..60).rev() {
            f = (k as f64 / 2.0) / (t + f);
        }
        let erfc = (-t * t).exp() / (t + f) / std::f64::consts::PI.sqrt();
        (1.0 - erfc).copysign(x)
    }
}

#[test]
fn vector_erf_is_within_4e_7_of_exact() {
    let xs: Vec<f32> = (-4000..=4000).map(|i| i as f32 * 0.0025).collect();
    let mut v = xs.clone();
    kernels::erf_in_place(&mut v);
    let worst = xs
        .iter()
        .zip(&v)
        .map(|(x, y)| (erf64(*x as f64) - *y as f64).abs())
        .fold(0.0, f64::max);
    assert!(worst < 4e-7, "max |erf error| {worst}");
}

#[test]
fn vector_exp_is_within_2e_7_relative() {
    let xs: Vec<f32> = (-8000..=8000).map(|i| i as f32 * 0.01).collect();
    let mut v = xs.clone();
    kernels::exp_in_place(&mut v);
    for (x, y) in xs.iter().zip(&v) {
        let e = (*x as f64).exp();
        assert!(
            ((*y as f64 - e) / e).abs() < 2e-7,
            "exp({x}) = {y}, exact {e}"
        );
    }
}

#[test]
fn gelu_matches_the_exact_formula() {
    let xs: Vec<f32> = (-1000..=1000).map(|i| i as f32 * 0.01).collect();
    let mut v = xs.clone();
    kernels::activation(Activation::Gelu, &mut v);
    for (x, y) in xs.iter().zip(&v) {
        let exact = 0.5 * *x as f64 * (1.0 + erf64(*x as f64 / std::f64::consts::SQRT_2));
        assert!(
            (exact - *y as f64).abs() < 1e-6,
            "gelu({x}) = {y}, exact {exact}"
        );
    }
}

#[test]
fn linear_matches_naive_for_odd_shapes_and_fused_qkv() {
    for &(m, k, n1, n2) in &[
        (1, 7, 1, 0),
        (5, 33, 7, 5),
        (9, 64, 13, 3),
        (17, 384, 10, 2),
    ] {
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013)
            .collect();
        let w1: Vec<f32> = (0..n1 * k)
            .map(|i| ((i * 53 % 97) as f32 - 48.0) * 0.011)
            .collect();
        let b1: Vec<f32> = (0..n1).map(|i| i as f32 * 0.1).collect();
        let w2: Vec<f32> = (0..n2 * k)
            .map(|i| ((i * 29 % 89) as f32 - 44.0) * 0.017)
            .collect();
        let b2: Vec<f32> = (0..n2).map(|i| -(i as f32)).collect();
        let n = n1 + n2;
        let mut out = vec![0.0f32; m * n];
        kernels::linear(
            &x,
            k,
            &[WeightRef { w: &w1, b: &b1 }, WeightRef { w: &w2, b: &b2 }],
            &mut out,
            Epilogue::None,
        );
        for i in 0..m {
            for j in 0..n {
                let (w, b, jj) = if j < n1 {
                    (&w1, &b1, j)
                } else {
                    (&w2, &b2, j - n1)
                };
                let exact: f64 = (0..k)
                    .map(|t| x[i * k + t] as f64 * w[jj * k + t] as f64)
                    .sum::<f64>()
                    + b[jj] as f64;
                assert!(
                    (out[i * n + j] as f64 - exact).abs() < 1e-4,
                    "m{m} k{k} ({i},{j})"
                );
            }
        }
    }
}

#[test]
fn softmax_and_layer_norm_match_naive() {
    let mut row: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
    let orig = row.clone();
    kernels::softmax_in_place(&mut row);
    let max = orig.iter().cloned().fold(f32::MIN, f32::max) as f64;
    let sum: f64 = orig.iter().map(|v| (*v as f64 - max).exp()).sum();
    for (v, o) in row.iter().zip(&orig) {
        assert!((*v as f64 - (*o as f64 - max).exp() / sum).abs() < 1e-7);
    }
    let h = 19;
    let mut x: Vec<f32> = (0..2 * h).map(|i| (i as f32 * 0.7).cos() * 3.0).collect();
    let r: Vec<f32> = (0..2 * h).map(|i| i as f32 * 0.01).collect();
    let g: Vec<f32> = (0..h).map(|i| 1.0 + i as f32 * 0.01).collect();
    let b: Vec<f32> = (0..h).map(|i| i as f32 * -0.02).collect();
    let (gr, br) = (&g, &b);
    let expected: Vec<f64> = x
        .chunks(h)
        .zip(r.chunks(h))
        .flat_map(|(xr, rr)| {
            let s: Vec<f64> = xr.iter().zip(rr).map(|(a, c)| (*a + *c) as f64).collect();
            let mean = s.iter().sum::<f64>() / h as f64;
            let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / h as f64;
            s.into_iter()
                .enumerate()
                .map(move |(i, v)| (v - mean) / (var + 1e-12).sqrt() * gr[i] as f64 + br[i] as f64)
                .collect::<Vec<_>>()
        })
        .collect();
    kernels::add_layer_norm(&mut x, Some(&r), &g, &b, 1e-12);
    for (a, e) in x.iter().zip(&expected) {
        assert!((*a as f64 - e).abs() < 1e-5, "{a} vs {e}");
    }
}

mod common;

#[test]
fn packed_matmul_matches_naive_with_every_epilogue_and_panel_width() {
    common::check_packed_matmul();
}

#[test]
fn fused_attention_matches_naive_for_packed_sequences_and_row_ranges() {
    common::check_attention();
}

#[test]
fn int8_matmul_is_within_its_rounding_bound() {
    common::check_quant(QuantFormat::Int8);
}

#[test]
fn int16_matmul_is_within_its_rounding_bound() {
    common::check_quant(QuantFormat::Int16);
}
