//! Vectorized f32 kernels: matrix × weightsᵀ, GELU and friends, softmax, layer norm.
//!
//! Written on `pulp`, which picks AVX2+FMA (or the best available instruction set) at run
//! time behind a safe API, so this crate needs no `unsafe` and no `-C target-cpu`. The
//! elementwise functions replace scalar `libm` calls (the GELU's `erf` alone was ≈ 18 % of a
//! straightforward candle forward pass): `exp` is a range-reduced polynomial (relative error
//! ≈ 1e-7) and `erf` is Abramowitz & Stegun 7.1.26 on top of it (bound 1.5e-7; measured
//! ≤ 3.3e-7 in f32 arithmetic, see `tests/kernels.rs`). End to end the scores stay within
//! 1e-6 of PyTorch's.

use pulp::{Arch, Simd, WithSimd};

use crate::config::Activation;

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
fn act_v<S: Simd>(simd: S, act: Activation, x: S::f32s) -> S::f32s {
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
    Arch::new().dispatch(ActOp { act, data });
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
    Arch::new().dispatch(ExpOp(data));
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
    Arch::new().dispatch(ErfOp(data));
}

// ---------------------------------------------------------------------------------------------
// Softmax and layer norm on rows.
// ---------------------------------------------------------------------------------------------

#[inline(always)]
fn softmax_row<S: Simd>(simd: S, row: &mut [f32]) {
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
    let inv = simd.splat_f32s(1.0 / sum);
    map_in_place!(simd, row, |v| simd.mul_f32s(v, inv));
}

/// `x ← LayerNorm(x + residual)` on one row.
#[inline(always)]
fn add_norm_row<S: Simd>(
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
    Arch::new().dispatch(NormOp {
        x,
        residual,
        gamma,
        beta,
        eps,
    });
}

// ---------------------------------------------------------------------------------------------
// Matrix × weightsᵀ.
// ---------------------------------------------------------------------------------------------

/// What to do with a finished block of output rows (fused into the matmul's parallel task
/// while the rows are still in cache).
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

/// One weight matrix (`n × k`, row-major as PyTorch stores `nn.Linear.weight`) with its bias.
#[derive(Debug, Clone, Copy)]
pub struct WeightRef<'a> {
    /// `n × k` weights.
    pub w: &'a [f32],
    /// `n` biases.
    pub b: &'a [f32],
}

/// Rows of `x` per block: the block of activations stays in L2 while all weight rows pass by.
const ROW_BLOCK: usize = 64;

/// `out = x · [W₁; W₂; …]ᵀ + b` followed by the epilogue. `x` is `m × k`; the weight matrices
/// are stacked along the output dimension (`n = Σ nᵢ`; used to fuse Q, K and V into one pass).
/// Rows are split across the current rayon pool's threads.
pub fn linear(
    x: &[f32],
    k: usize,
    weights: &[WeightRef<'_>],
    out: &mut [f32],
    epilogue: Epilogue<'_>,
) {
    let n: usize = weights.iter().map(|w| w.b.len()).sum();
    if k == 0 || n == 0 {
        return;
    }
    let m = x.len() / k;
    let threads = rayon::current_num_threads().max(1);
    // Enough rows per task to amortize the hand-off; tiny inputs stay on this thread.
    let per_task = m.div_ceil(threads).clamp(8, ROW_BLOCK).min(m.max(1));
    let task = |(i, (out_rows, x_rows)): (usize, (&mut [f32], &[f32]))| {
        Arch::new().dispatch(MatmulOp {
            x: x_rows,
            k,
            weights,
            out: out_rows,
            n,
        });
        let rows = out_rows.len() / n;
        match epilogue {
            Epilogue::None => {}
            Epilogue::Act(act) => activation(act, out_rows),
            Epilogue::AddNorm {
                residual,
                gamma,
                beta,
                eps,
            } => {
                let start = i * per_task * n;
                add_layer_norm(
                    out_rows,
                    Some(&residual[start..start + rows * n]),
                    gamma,
                    beta,
                    eps,
                );
            }
        }
    };
    if m <= per_task || threads == 1 {
        for item in out
            .chunks_mut(per_task * n)
            .zip(x.chunks(per_task * k))
            .enumerate()
        {
            task(item);
        }
    } else {
        use rayon::prelude::*;
        out.par_chunks_mut(per_task * n)
            .zip(x.par_chunks(per_task * k))
            .enumerate()
            .for_each(task);
    }
}

struct MatmulOp<'a> {
    x: &'a [f32],
    k: usize,
    weights: &'a [WeightRef<'a>],
    out: &'a mut [f32],
    n: usize,
}

impl WithSimd for MatmulOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let MatmulOp {
            x,
            k,
            weights,
            out,
            n,
        } = self;
        let m = x.len() / k;
        let mut col0 = 0;
        for wr in weights {
            let nw = wr.b.len();
            let wide = std::mem::size_of::<S::f32s>() >= 64;
            let mut j = 0;
            if wide {
                while j + 4 <= nw {
                    let w = [
                        &wr.w[j * k..(j + 1) * k],
                        &wr.w[(j + 1) * k..(j + 2) * k],
                        &wr.w[(j + 2) * k..(j + 3) * k],
                        &wr.w[(j + 3) * k..(j + 4) * k],
                    ];
                    let b = [wr.b[j], wr.b[j + 1], wr.b[j + 2], wr.b[j + 3]];
                    rows_times::<S, 4>(simd, x, m, k, w, b, out, n, col0 + j);
                    j += 4;
                }
            } else {
                while j + 3 <= nw {
                    let w = [
                        &wr.w[j * k..(j + 1) * k],
                        &wr.w[(j + 1) * k..(j + 2) * k],
                        &wr.w[(j + 2) * k..(j + 3) * k],
                    ];
                    let b = [wr.b[j], wr.b[j + 1], wr.b[j + 2]];
                    rows_times::<S, 3>(simd, x, m, k, w, b, out, n, col0 + j);
                    j += 3;
                }
            }
            while j + 2 <= nw {
                let w = [&wr.w[j * k..(j + 1) * k], &wr.w[(j + 1) * k..(j + 2) * k]];
                let b = [wr.b[j], wr.b[j + 1]];
                rows_times::<S, 2>(simd, x, m, k, w, b, out, n, col0 + j);
                j += 2;
            }
            if j < nw {
                let w = [&wr.w[j * k..(j + 1) * k]];
                rows_times::<S, 1>(simd, x, m, k, w, [wr.b[j]], out, n, col0 + j);
            }
            col0 += nw;
        }
    }
}

/// All rows of `x` times `NR` weight rows, into columns `col..col+NR` of `out`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn rows_times<S: Simd, const NR: usize>(
    simd: S,
    x: &[f32],
    m: usize,
    k: usize,
    w: [&[f32]; NR],
    b: [f32; NR],
    out: &mut [f32],
    n: usize,
    col: usize,
) {
    let mut i = 0;
    while i + 4 <= m {
        let rows = [
            &x[i * k..(i + 1) * k],
            &x[(i + 1) * k..(i + 2) * k],
            &x[(i + 2) * k..(i + 3) * k],
            &x[(i + 3) * k..(i + 4) * k],
        ];
        let r = dot_block::<S, 4, NR>(simd, rows, w);
        for (ii, rr) in r.iter().enumerate() {
            for (jj, v) in rr.iter().enumerate() {
                out[(i + ii) * n + col + jj] = v + b[jj];
            }
        }
        i += 4;
    }
    while i < m {
        let r = dot_block::<S, 1, NR>(simd, [&x[i * k..(i + 1) * k]], w);
        for (jj, v) in r[0].iter().enumerate() {
            out[i * n + col + jj] = v + b[jj];
        }
        i += 1;
    }
}

/// `MR × NR` dot products of length `k`, accumulated in registers. Index loops on purpose:
/// they unroll into a fixed register tile.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn dot_block<S: Simd, const MR: usize, const NR: usize>(
    simd: S,
    a: [&[f32]; MR],
    w: [&[f32]; NR],
) -> [[f32; NR]; MR] {
    let zero = simd.splat_f32s(0.0);
    let mut acc = [[zero; NR]; MR];
    // No closures here (see `map_in_place!`).
    let mut av: [(&[S::f32s], &[f32]); MR] = [(&[], &[]); MR];
    for i in 0..MR {
        av[i] = S::as_simd_f32s(a[i]);
    }
    let mut wv: [(&[S::f32s], &[f32]); NR] = [(&[], &[]); NR];
    for j in 0..NR {
        wv[j] = S::as_simd_f32s(w[j]);
    }
    let len = wv[0].0.len();
    for i in 0..MR {
        av[i].0 = &av[i].0[..len];
    }
    for j in 0..NR {
        wv[j].0 = &wv[j].0[..len];
    }
    for kk in 0..len {
        let mut wk = [zero; NR];
        for j in 0..NR {
            wk[j] = wv[j].0[kk];
        }
        for i in 0..MR {
            let a = av[i].0[kk];
            for j in 0..NR {
                acc[i][j] = simd.mul_add_f32s(a, wk[j], acc[i][j]);
            }
        }
    }
    let mut res = [[0.0f32; NR]; MR];
    for i in 0..MR {
        for j in 0..NR {
            let mut s = simd.reduce_sum_f32s(acc[i][j]);
            for t in 0..av[i].1.len().min(wv[j].1.len()) {
                s += av[i].1[t] * wv[j].1[t];
            }
            res[i][j] = s;
        }
    }
    res
}

// ---------------------------------------------------------------------------------------------
// Attention over packed sequences.
// ---------------------------------------------------------------------------------------------

/// Self-attention of packed sequences (no padding, so no mask).
///
/// `qkv` holds for every token the row `[q | k | v]` (each `hidden` wide, heads side by side);
/// `seqs` gives each sequence's first row and length; the context goes to `ctx` (`tokens ×
/// hidden`). Work is split over query rows across the current rayon pool.
pub fn attention(
    qkv: &[f32],
    hidden: usize,
    heads: usize,
    seqs: &[(usize, usize)],
    ctx: &mut [f32],
) {
    let d = hidden / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let threads = rayon::current_num_threads().max(1);
    let mut rest = ctx;
    for &(start, len) in seqs {
        let (seq_ctx, tail) = rest.split_at_mut(len * hidden);
        rest = tail;
        let rows = &qkv[start * 3 * hidden..(start + len) * 3 * hidden];
        // Kᵀ per head: heads × d × len, so that a query's scores are rows of FMAs.
        let mut kt = vec![0.0f32; heads * d * len];
        for j in 0..len {
            let krow = &rows[j * 3 * hidden + hidden..j * 3 * hidden + 2 * hidden];
            for (c, &v) in krow.iter().enumerate() {
                kt[c * len + j] = v * scale;
            }
        }
        let per_task = len.div_ceil(threads).max(16);
        let task = |(ci, chunk): (usize, &mut [f32])| {
            Arch::new().dispatch(AttnOp {
                rows,
                kt: &kt,
                hidden,
                heads,
                len,
                first: ci * per_task,
                ctx: chunk,
            });
        };
        if threads == 1 || len <= per_task {
            seq_ctx
                .chunks_mut(per_task * hidden)
                .enumerate()
                .for_each(task);
        } else {
            use rayon::prelude::*;
            seq_ctx
                .par_chunks_mut(per_task * hidden)
                .enumerate()
                .for_each(task);
        }
    }
}

struct AttnOp<'a> {
    rows: &'a [f32],
    kt: &'a [f32],
    hidden: usize,
    heads: usize,
    len: usize,
    first: usize,
    ctx: &'a mut [f32],
}

impl WithSimd for AttnOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let AttnOp {
            rows,
            kt,
            hidden,
            heads,
            len,
            first,
            ctx,
        } = self;
        let d = hidden / heads;
        let mut scores = vec![0.0f32; len];
        for (qi, out) in ctx.chunks_exact_mut(hidden).enumerate() {
            let i = first + qi;
            let q = &rows[i * 3 * hidden..i * 3 * hidden + hidden];
            for h in 0..heads {
                // scores = q_h · K_hᵀ (scaled Kᵀ)
                scores.fill(0.0);
                for t in 0..d {
                    let qv = simd.splat_f32s(q[h * d + t]);
                    let krow = &kt[(h * d + t) * len..(h * d + t + 1) * len];
                    let (sh, st) = S::as_mut_simd_f32s(&mut scores);
                    let (kh, ktl) = S::as_simd_f32s(krow);
                    for (s, kv) in sh.iter_mut().zip(kh) {
                        *s = simd.mul_add_f32s(qv, *kv, *s);
                    }
                    for (s, kv) in st.iter_mut().zip(ktl) {
                        *s += q[h * d + t] * kv;
                    }
                }
                softmax_row(simd, &mut scores);
                // out_h = Σ_j p_j v_j
                let o = &mut out[h * d..(h + 1) * d];
                o.fill(0.0);
                for (j, &p) in scores.iter().enumerate() {
                    let v = &rows[j * 3 * hidden + 2 * hidden + h * d
                        ..j * 3 * hidden + 2 * hidden + (h + 1) * d];
                    let pv = simd.splat_f32s(p);
                    let (oh, ot) = S::as_mut_simd_f32s(o);
                    let (vh, vt) = S::as_simd_f32s(v);
                    for (a, b) in oh.iter_mut().zip(vh) {
                        *a = simd.mul_add_f32s(pv, *b, *a);
                    }
                    for (a, b) in ot.iter_mut().zip(vt) {
                        *a += p * b;
                    }
                }
            }
        }
    }
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
    Arch::new().dispatch(SoftmaxOp(row));
}
