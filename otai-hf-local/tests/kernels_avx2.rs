//! The kernels on AVX2 + FMA (x86-64-v3), as on CPUs without AVX-512: the same
//! checks as `kernels.rs`, in a process of their own with the instruction set capped.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(target_arch = "x86_64")]

use otai_hf_local::kernels::{self, SimdLimit};

mod common;

fn cap() -> bool {
    kernels::limit_simd(SimdLimit::Avx2);
    if !is_x86_feature_detected!("avx2") || !is_x86_feature_detected!("fma") {
        eprintln!("no AVX2 on this CPU: nothing to check");
        return false;
    }
    assert_eq!(kernels::simd_lanes(), 8);
    assert_eq!(kernels::quant_arch(), "avx2");
    true
}

common::capped_kernel_tests!(cap);
