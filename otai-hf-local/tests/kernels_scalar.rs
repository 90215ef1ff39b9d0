//! The kernels on the portable scalar path, as on CPUs without AVX2: the same
//! checks as `kernels.rs`, in a process of their own with the instruction set capped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use otai_hf_local::kernels::{self, SimdLimit};

mod common;

fn cap() -> bool {
    kernels::limit_simd(SimdLimit::Scalar);
    assert_eq!(kernels::simd_lanes(), 1);
    assert_eq!(kernels::quant_arch(), "scalar");
    true
}

common::capped_kernel_tests!(cap);
