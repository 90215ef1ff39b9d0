//! The kernels on the portable scalar path, as on CPUs without AVX2: the same
//! checks as `kernels.rs`, in a process of their own with the instruction set capped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use otai_hf_local::kernels::{self, QuantFormat, SimdLimit};

mod common;

fn cap() -> bool {
    kernels::limit_simd(SimdLimit::Scalar);
    assert_eq!(kernels::simd_lanes(), 1);
    assert_eq!(kernels::quant_arch(), "scalar");
    true
}

#[test]
fn packed_matmul_matches_naive() {
    if cap() {
        common::check_packed_matmul();
    }
}

#[test]
fn fused_attention_matches_naive() {
    if cap() {
        common::check_attention();
    }
}

#[test]
fn quantized_matmuls_are_within_their_rounding_bounds() {
    if cap() {
        common::check_quant(QuantFormat::Int8);
        common::check_quant(QuantFormat::Int16);
    }
}
