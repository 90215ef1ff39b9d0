//! Vectorized kernels: packed matmuls (f32, and int8/int16 for the opt-in quantized modes),
//! fused attention, GELU and friends, softmax, layer norm.
//!
//! Written on `pulp`, which picks AVX-512 (x86-64-v4), AVX2+FMA (v3) or scalar code at run
//! time behind a safe API, so this crate needs no `unsafe` and no `-C target-cpu`. Every
//! kernel is one `WithSimd` op whose helpers are `#[inline(always)]` (a helper left out of line
//! would be compiled without the vector target features) and uses no closures in its loops.
//!
//! * [`PackedLinear`] / [`matmul`] (`gemm.rs`): weights repacked once at load into panels of two
//!   vectors; a 12 × 32 (AVX-512) / 6 × 16 (AVX2) outer-product register tile; L2-sized row
//!   blocks; bias, activation and residual + layer norm fused into the epilogue.
//! * [`attention_rows`] (`attention.rs`): per sequence and head, Kᵀ and V packed into panels;
//!   scores of up to 12 queries at a time in an L1 buffer, exponentiated in place, times V with
//!   the same microkernel, divided by the row sums. No `len × len` matrix, no mask.
//! * [`QuantLinear`] / [`quant_matmul`] (`quant.rs`): the int8 and int16 formats.
//! * `exp` is a range-reduced polynomial (relative error ≈ 1e-7) and `erf` is Abramowitz &
//!   Stegun 7.1.26 on top of it (bound 1.5e-7; measured ≤ 3.3e-7 in f32 arithmetic, see
//!   `tests/kernels.rs`), instead of scalar `libm` (whose `erf` was ≈ 18 % of a straightforward
//!   candle forward pass). End to end the f32 scores stay within 1e-6 of PyTorch's.
//!
//! `tests/kernels.rs` checks every kernel against naive f64 math on the best instruction set;
//! `tests/kernels_avx2.rs` and `tests/kernels_scalar.rs` run the same checks with the
//! instruction set capped (hidden [`limit_simd`]).

use std::sync::atomic::{AtomicU8, Ordering};

use pulp::{Simd, WithSimd};

use crate::config::Activation;

// ---------------------------------------------------------------------------------------------
// Instruction-set dispatch.
// ---------------------------------------------------------------------------------------------

/// The widest instruction set the kernels may use (for tests of the narrower code paths).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdLimit {
    /// The best the CPU has (the default).
    Best,
    /// At most AVX2 + FMA (x86-64-v3), even on an AVX-512 CPU.
    Avx2,
    /// No SIMD.
    Scalar,
}

static SIMD_LIMIT: AtomicU8 = AtomicU8::new(0);

/// Caps the instruction set of every kernel of this process, including the panel width of
/// weights packed afterwards. For tests of the AVX2 and scalar code paths only (weights packed
/// before the change run on the portable path).
#[doc(hidden)]
pub fn limit_simd(limit: SimdLimit) {
    let v = match limit {
        SimdLimit::Best => 0,
        SimdLimit::Avx2 => 1,
        SimdLimit::Scalar => 2,
    };
    SIMD_LIMIT.store(v, Ordering::Relaxed);
}

pub(crate) fn simd_limit() -> SimdLimit {
    match SIMD_LIMIT.load(Ordering::Relaxed) {
        0 => SimdLimit::Best,
        1 => SimdLimit::Avx2,
        _ => SimdLimit::Scalar,
    }
}

/// Runs `op` with the best instruction set allowed ([`pulp::Arch`] picks it at run time).
#[inline]
pub(crate) fn dispatch<Op: WithSimd>(op: Op) -> Op::Output {
    match simd_limit() {
        SimdLimit::Best => pulp::Arch::new().dispatch(op),
        SimdLimit::Avx2 => {
            #[cfg(target_arch = "x86_64")]
            if let Some(simd) = pulp::x86::V3::try_new() {
                return <pulp::x86::V3 as Simd>::vectorize(simd, op);
            }
            op.with_simd(pulp::Scalar::new())
        }
        SimdLimit::Scalar => op.with_simd(pulp::Scalar::new()),
    }
}

/// A per-thread buffer of `T`, reused by the kernels from call to call (no allocation and no
/// page faults per call). Take it with [`take_scratch`], give it back with [`put_scratch`].
macro_rules! scratch {
    ($name:ident: $t:ty) => {
        thread_local! {
            static $name: std::cell::Cell<Vec<$t>> = const { std::cell::Cell::new(Vec::new()) };
        }
    };
}
pub(crate) use scratch;

/// Buffers larger than this (in bytes) are not kept between calls.
pub(crate) const SCRATCH_KEEP: usize = 8 << 20;

// ---------------------------------------------------------------------------------------------
// Elementwise building blocks (generic over the instruction set).
// ---------------------------------------------------------------------------------------------

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split in a part exact in few bits and the rest (Cody & Waite).
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5 · 2²³: adding it rounds to an integer kept in the low mantissa bits.
const ROUND_MAGIC: f32 = 12_582_912.0;

#[inline(always)]
fn exp_v<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let x = simd.max_f32s(
        simd.min_f32s(x, simd.splat_f32s(88.3)),
        simd.splat_f32s(-87.3),
    );
    let t = simd.mul_add_f32s(x, simd.splat_f32s(LOG2E), simd.splat_f32s(ROUND_MAGIC));
    let n = simd.sub_f32s(t, simd.splat_f32s(ROUND_MAGIC));
    let r = simd.negate_mul_add_f32s(n, simd.splat_f32s(LN2_HI), x);
    let r = simd.negate_mul_add_f32s(n, simd.splat_f32s(LN2_LO), r);
    // e^r on |r| ≤ ln2/2: Taylor polynomial of degree 7 (error < 6e-9 relative).
    let mut p = simd.splat_f32s(1.0 / 5040.0);
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = simd.mul_add_f32s(p, r, simd.splat_f32s(c));
    }
    // 2^n from the integer in t's low bits.
    let ni = simd.sub_u32s(
        simd.transmute_u32s_f32s(t),
        simd.splat_u32s(ROUND_MAGIC.to_bits()),
    );
    let pow2 = simd.add_u32s(
        simd.wrapping_dyn_shl_u32s(ni, simd.splat_u32s(23)),
        simd.splat_u32s(1.0f32.to_bits()),
    );
    simd.mul_f32s(p, simd.transmute_f32s_u32s(pow2))
}

/// erf(x), Abramowitz & Stegun 7.1.26.
#[inline(always)]
fn erf_v<S: Simd>(simd: S, x: S::f32s) -> S::f32s {
    let ax = simd.abs_f32s(x);
    let one = simd.splat_f32s(1.0);
    let t = simd.div_f32s(
        one,
        simd.mul_add_f32s(ax, simd.splat_f32s(0.327_591_1), one),
    );
    let mut p = simd.splat_f32s(1.061_405_4);
    for c in [-1.453_152_1, 1.421_413_8, -0.284_496_72, 0.254_829_6] {
        p = simd.mul_add_f32s(p, t, simd.splat_f32s(c));
    }
    p = simd.mul_f32s(p, t);
    let e = exp_v(simd, simd.neg_f32s(simd.mul_f32s(ax, ax)));
    let y = simd.negate_mul_add_f32s(p, e, one);
    // Copy the sign of x.
    let sign = simd.and_u32s(simd.transmute_u32s_f32s(x), simd.splat_u32s(0x8000_0000));
    simd.transmute_f32s_u32s(simd.or_u32s(simd.transmute_u32s_f32s(y), sign))
}

#[inline(always)]
pub(crate) fn act_v<S: Simd>(simd: S, act: Activation, x: S::f32s) -> S::f32s {
    let half = simd.splat_f32s(0.5);
    let one = simd.splat_f32s(1.0);
    match act {
        Activation::Gelu => {
            let e = erf_v(
                simd,
                simd.mul_f32s(x, simd.splat_f32s(std::f32::consts::FRAC_1_SQRT_2)),
            );
            simd.mul_f32s(simd.mul_f32s(half, x), simd.add_f32s(one, e))
        }
        Activation::GeluTanh => {
            // tanh(u) = 1 - 2 / (1 + e^{2u})
            let x3 = simd.mul_f32s(simd.mul_f32s(x, x), x);
            let u = simd.mul_f32s(
                simd.splat_f32s(0.797_884_6),
                simd.mul_add_f32s(x3, simd.splat_f32s(0.044_715), x),
            );
            let e = exp_v(simd, simd.add_f32s(u, u));
            let tanh = simd.sub_f32s(
                one,
                simd.div_f32s(simd.splat_f32s(2.0), simd.add_f32s(one, e)),
            );
            simd.mul_f32s(simd.mul_f32s(half, x), simd.add_f32s(one, tanh))
        }
        Activation::Relu => simd.max_f32s(x, simd.splat_f32s(0.0)),
        Activation::Silu => {
            let e = exp_v(simd, simd.neg_f32s(x));
            simd.div_f32s(x, simd.add_f32s(one, e))
        }
    }
}

/// `data[i] = f(data[i])` over vectors and the partial tail. A macro rather than a function
/// taking a closure: a closure is a function of its own, which LLVM may leave out of line and
/// then compile without the vector target features (every intrinsic becoming a call).
macro_rules! map_in_place {
    ($simd:expr, $data:expr, |$v:ident| $body:expr) => {{
        let simd = $simd;
        let (head, tail) = S::as_mut_simd_f32s($data);
        for slot in head {
            let $v = *slot;
            *slot = $body;
        }
        if !tail.is_empty() {
            let $v = simd.partial_load_f32s(tail);
            let r = $body;
            simd.partial_store_f32s(tail, r);
        }
    }};
}

struct ActOp<'a> {
    act: Activation,
    data: &'a mut [f32],
}

impl WithSimd for ActOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let act = self.act;
        map_in_place!(simd, self.data, |v| act_v(simd, act, v));
    }
}

/// Applies an activation in place.
pub fn activation(act: Activation, data: &mut [f32]) {
    dispatch(ActOp { act, data });
}

struct ExpOp<'a>(&'a mut [f32]);

impl WithSimd for ExpOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        map_in_place!(simd, self.0, |v| exp_v(simd, v));
    }
}

/// `e^x` in place (vectorized; relative error about 1e-7).
pub fn exp_in_place(data: &mut [f32]) {
    dispatch(ExpOp(data));
}

struct ErfOp<'a>(&'a mut [f32]);

impl WithSimd for ErfOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        map_in_place!(simd, self.0, |v| erf_v(simd, v));
    }
}

/// `erf(x)` in place (vectorized; absolute error below 4e-7).
pub fn erf_in_place(data: &mut [f32]) {
    dispatch(ErfOp(data));
}

// ---------------------------------------------------------------------------------------------
// Softmax and layer norm on rows.
// ---------------------------------------------------------------------------------------------

/// `row[i] ← e^(row[i] − max(row))`; returns the sum (the softmax is `row / sum`).
#[inline(always)]
pub(crate) fn exp_row<S: Simd>(simd: S, row: &mut [f32]) -> f32 {
    let (head, tail) = S::as_simd_f32s(row);
    let mut m = simd.splat_f32s(f32::NEG_INFINITY);
    for v in head {
        m = simd.max_f32s(m, *v);
    }
    let mut max = simd.reduce_max_f32s(m);
    for &x in tail {
        max = max.max(x);
    }
    let mx = simd.splat_f32s(max);
    let mut s = simd.splat_f32s(0.0);
    let (head, tail) = S::as_mut_simd_f32s(row);
    for v in head {
        let e = exp_v(simd, simd.sub_f32s(*v, mx));
        s = simd.add_f32s(s, e);
        *v = e;
    }
    let mut sum = simd.reduce_sum_f32s(s);
    if !tail.is_empty() {
        // Lanes past the tail load as 0; they are not stored and not summed.
        let v = simd.partial_load_f32s(tail);
        let e = exp_v(simd, simd.sub_f32s(v, mx));
        let mut buf = [0.0f32; 64];
        let n = tail.len();
        simd.partial_store_f32s(&mut buf[..n], e);
        for (t, b) in tail.iter_mut().zip(&buf[..n]) {
            *t = *b;
            sum += *b;
        }
    }
    sum
}

#[inline(always)]
fn softmax_row<S: Simd>(simd: S, row: &mut [f32]) {
    let sum = exp_row(simd, row);
    let inv = simd.splat_f32s(1.0 / sum);
    map_in_place!(simd, row, |v| simd.mul_f32s(v, inv));
}

/// `x ← LayerNorm(x + residual)` on one row.
#[inline(always)]
pub(crate) fn add_norm_row<S: Simd>(
    simd: S,
    x: &mut [f32],
    residual: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    let n = x.len();
    if let Some(r) = residual {
        let (xh, xt) = S::as_mut_simd_f32s(x);
        let (rh, rt) = S::as_simd_f32s(r);
        for (a, b) in xh.iter_mut().zip(rh) {
            *a = simd.add_f32s(*a, *b);
        }
        for (a, b) in xt.iter_mut().zip(rt) {
            *a += *b;
        }
    }
    let (xh, xt) = S::as_simd_f32s(x);
    let mut s = simd.splat_f32s(0.0);
    for v in xh {
        s = simd.add_f32s(s, *v);
    }
    let mean = (simd.reduce_sum_f32s(s) + xt.iter().sum::<f32>()) / n as f32;
    let mv = simd.splat_f32s(mean);
    let mut q = simd.splat_f32s(0.0);
    for v in xh {
        let d = simd.sub_f32s(*v, mv);
        q = simd.mul_add_f32s(d, d, q);
    }
    let var = (simd.reduce_sum_f32s(q) + xt.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>())
        / n as f32;
    let inv = 1.0 / (var + eps).sqrt();
    let iv = simd.splat_f32s(inv);
    let (xh, xt) = S::as_mut_simd_f32s(x);
    let (gh, gt) = S::as_simd_f32s(gamma);
    let (bh, bt) = S::as_simd_f32s(beta);
    for ((v, g), b) in xh.iter_mut().zip(gh).zip(bh) {
        let d = simd.mul_f32s(simd.sub_f32s(*v, mv), iv);
        *v = simd.mul_add_f32s(d, *g, *b);
    }
    for ((v, g), b) in xt.iter_mut().zip(gt).zip(bt) {
        *v = (*v - mean) * inv * g + b;
    }
}

struct NormOp<'a> {
    x: &'a mut [f32],
    residual: Option<&'a [f32]>,
    gamma: &'a [f32],
    beta: &'a [f32],
    eps: f32,
}

impl WithSimd for NormOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let h = self.gamma.len();
        match self.residual {
            Some(res) => {
                for (row, r) in self.x.chunks_exact_mut(h).zip(res.chunks_exact(h)) {
                    add_norm_row(simd, row, Some(r), self.gamma, self.beta, self.eps);
                }
            }
            None => {
                for row in self.x.chunks_exact_mut(h) {
                    add_norm_row(simd, row, None, self.gamma, self.beta, self.eps);
                }
            }
        }
    }
}

/// `x ← LayerNorm(x + residual)` for every row of `x` (rows of `gamma.len()`).
pub fn add_layer_norm(
    x: &mut [f32],
    residual: Option<&[f32]>,
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
) {
    dispatch(NormOp {
        x,
        residual,
        gamma,
        beta,
        eps,
    });
}

// ---------------------------------------------------------------------------------------------
// Matrix × weightsᵀ and attention (see `gemm` and `attention`).
// ---------------------------------------------------------------------------------------------

mod attention;
mod gemm;
mod quant;

pub use attention::attention_rows;
pub use gemm::{matmul, simd_lanes, PackedLinear};
#[doc(hidden)]
pub use quant::quant_arch;
pub use quant::{quant_matmul, QuantFormat, QuantLinear};

/// What to do with a finished block of output rows (fused into the matmul while the rows are
/// still in cache).
#[derive(Debug, Clone, Copy)]
pub enum Epilogue<'a> {
    /// Only the bias.
    None,
    /// Bias, then an activation.
    Act(Activation),
    /// Bias, then `LayerNorm(out + residual)`; `residual` has the shape of the output.
    AddNorm {
        /// Same shape as the output.
        residual: &'a [f32],
        /// Layer-norm weight.
        gamma: &'a [f32],
        /// Layer-norm bias.
        beta: &'a [f32],
        /// Layer-norm epsilon.
        eps: f32,
    },
}

impl<'a> Epilogue<'a> {
    /// The same epilogue for output rows `rows` of `n` columns (the residual sliced to them).
    pub fn rows(self, rows: std::ops::Range<usize>, n: usize) -> Epilogue<'a> {
        match self {
            Epilogue::AddNorm {
                residual,
                gamma,
                beta,
                eps,
            } => Epilogue::AddNorm {
                residual: &residual[rows.start * n..rows.end * n],
                gamma,
                beta,
                eps,
            },
            other => other,
        }
    }
}

/// One weight matrix (`n × k`, row-major as PyTorch stores `nn.Linear.weight`) with its bias.
#[derive(Debug, Clone, Copy)]
pub struct WeightRef<'a> {
    /// `n × k` weights.
    pub w: &'a [f32],
    /// `n` biases.
    pub b: &'a [f32],
}

/// The output rows of weight matrices stacked along the output dimension, numbered across
/// all of them: `(j, bias, row)` with `row` the `k` weights of output `j` (shorter or empty
/// where the matrix is: missing values count as 0).
pub(crate) fn stacked_rows<'a>(
    parts: &'a [WeightRef<'a>],
    k: usize,
) -> impl Iterator<Item = (usize, f32, &'a [f32])> + 'a {
    parts
        .iter()
        .flat_map(move |part| {
            part.b
                .iter()
                .enumerate()
                .map(move |(r, &b)| (b, part.w.get(r * k..(r + 1) * k).unwrap_or(&[])))
        })
        .enumerate()
        .map(|(j, (b, row))| (j, b, row))
}

/// `out = x · [W₁; W₂; …]ᵀ + b` followed by the epilogue. `x` is `m × k`; the weight matrices
/// are stacked along the output dimension (`n = Σ nᵢ`). Packs the weights on every call (the
/// model packs once at load and calls [`matmul`]); rows are split across the current rayon
/// pool's threads.
pub fn linear(
    x: &[f32],
    k: usize,
    weights: &[WeightRef<'_>],
    out: &mut [f32],
    epilogue: Epilogue<'_>,
) {
    let packed = PackedLinear::new(weights, k);
    let n = packed.n();
    if k == 0 || n == 0 {
        return;
    }
    let m = (x.len() / k).min(out.len() / n);
    let threads = rayon::current_num_threads().max(1);
    let per_task = m.div_ceil(threads).max(16);
    if threads == 1 || m <= per_task {
        matmul(&x[..m * k], &packed, &mut out[..m * n], epilogue);
        return;
    }
    use rayon::prelude::*;
    out[..m * n]
        .par_chunks_mut(per_task * n)
        .zip(x[..m * k].par_chunks(per_task * k))
        .enumerate()
        .for_each(|(i, (o, xs))| {
            let r0 = i * per_task;
            let rows = o.len() / n;
            matmul(xs, &packed, o, epilogue.rows(r0..r0 + rows, n));
        });
}

/// Self-attention of packed sequences (no padding, so no mask).
///
/// `qkv` holds for every token the row `[q | k | v]` (each `hidden` wide, heads side by side);
/// `seqs` gives each sequence's first row and length; the context goes to `ctx` (`tokens ×
/// hidden`). Query rows are split across the current rayon pool.
pub fn attention(
    qkv: &[f32],
    hidden: usize,
    heads: usize,
    seqs: &[(usize, usize)],
    ctx: &mut [f32],
) {
    if hidden == 0 {
        return;
    }
    let total = ctx.len() / hidden;
    let threads = rayon::current_num_threads().max(1);
    let per_task = total.div_ceil(threads).max(16);
    if threads == 1 || total <= per_task {
        attention_rows(qkv, hidden, heads, seqs, 0..total, ctx);
        return;
    }
    use rayon::prelude::*;
    ctx.par_chunks_mut(per_task * hidden)
        .enumerate()
        .for_each(|(i, c)| {
            let r0 = i * per_task;
            attention_rows(qkv, hidden, heads, seqs, r0..r0 + c.len() / hidden, c);
        });
}

struct SoftmaxOp<'a>(&'a mut [f32]);

impl WithSimd for SoftmaxOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        softmax_row(simd, self.0);
    }
}

/// Softmax of one row in place.
pub fn softmax_in_place(row: &mut [f32]) {
    dispatch(SoftmaxOp(row));
}
