//! Quantized matrix multiplication for the opt-in integer modes.
//!
//! Weights are quantized once at load, symmetrically per output channel (`q = round(w / s)`,
//! `s = max|w| / q_max`); activations on every call, per row. Two formats
//! ([`QuantFormat`]):
//!
//! * **Int8**: int8 weights (`|q| ≤ 127`), 7-bit activations (`u ∈ 0..=127` with a per-row zero
//!   point `z`). Multiplied with `vpmaddubsw` (u8 × i8, adjacent pairs summed into i16) +
//!   `vpmaddwd` with ones (pairs of i16 into i32) + `vpaddd`: 64 products per three
//!   instructions. 127 · 127 · 2 < 2¹⁵, so the i16 step can never saturate (that is why the
//!   activations get 7 bits, as PyTorch's fbgemm does with `reduce_range`). The result is
//!   `s_x · s_w · (Σ u·q − z · Σ q) + b`.
//! * **Int16**: 12-bit weights (`|q| ≤ 2047`) and 14-bit symmetric activations (`|u| ≤ 8191`,
//!   no zero point) in i16 lanes, multiplied with `vpmaddwd` + `vpaddd`: 32 products per two
//!   instructions. A pair sum stays below 2²⁵ (2 · 8191 · 2047), so the i32 sums move to f32
//!   every 64 pairs and can never overflow. About 50 times closer to f32 than Int8, about a
//!   quarter slower.
//!
//! AVX-512 VNNI's `vpdpbusd`/`vpdpwssd` would fuse the multiply-add chains into one
//! instruction, but pulp has no safe wrapper for them and this crate has no `unsafe`; on the
//! target (Zen 4) the chains above run the integer multipliers at full rate anyway.
//!
//! Layout: panels of `NR` outputs (two vectors of i32: 32 with AVX-512, 16 with AVX2); within
//! a panel, for each group of inputs (4 for Int8, 2 for Int16), the group's weights of every
//! output side by side, so one 64-byte load holds 16 outputs × one group and one broadcast of 4
//! activation bytes feeds it. The epilogue (activation, residual + layer norm) runs in f32 as
//! in the f32 path.

use super::gemm::{finish_block, finish_tile, store_two, with_mr, Tiles};
use super::{act_v, add_norm_row, stacked_rows, Epilogue, SimdLimit, WeightRef};
use pulp::{Simd, WithSimd};

/// How weights and activations are quantized and multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantFormat {
    /// int8 weights (`|q| ≤ 127`) and 7-bit activations (`0..=127`, so that `vpmaddubsw`'s
    /// i16 pair sums cannot saturate): four inputs per i32 lane.
    Int8,
    /// 12-bit weights (`|q| ≤ 2047`) and 14-bit activations (`|u| ≤ 8191`, symmetric, no
    /// zero point) in i16 lanes, multiplied by `vpmaddwd`: two inputs per i32 lane, i32 sums
    /// moved to f32 every 64 pairs (a pair sum is below 2²⁵; 64 of them below 2³¹).
    Int16,
}

impl QuantFormat {
    /// Largest weight magnitude.
    fn w_max(self) -> f32 {
        match self {
            Self::Int8 => 127.0,
            Self::Int16 => 2047.0,
        }
    }

    /// Largest activation (Int8: unsigned, with a per-row zero point; Int16: magnitude).
    fn a_max(self) -> f32 {
        match self {
            Self::Int8 => 127.0,
            Self::Int16 => 8191.0,
        }
    }

    /// Inputs per i32 lane (one "group").
    fn group(self) -> usize {
        match self {
            Self::Int8 => 4,
            Self::Int16 => 2,
        }
    }

    /// Groups summed in i32 before the sum moves to f32 (no overflow however the values).
    fn chunk(self) -> usize {
        match self {
            Self::Int8 => usize::MAX,
            Self::Int16 => 64,
        }
    }
}

/// The integer instruction set a [`QuantLinear`] was packed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntArch {
    #[cfg(target_arch = "x86_64")]
    V4,
    #[cfg(target_arch = "x86_64")]
    V3,
    Scalar,
}

impl IntArch {
    fn detect() -> Self {
        let limit = super::simd_limit();
        #[cfg(target_arch = "x86_64")]
        {
            if limit == SimdLimit::Best && pulp::x86::V4::try_new().is_some() {
                return Self::V4;
            }
            if limit != SimdLimit::Scalar && pulp::x86::V3::try_new().is_some() {
                return Self::V3;
            }
        }
        let _ = limit;
        Self::Scalar
    }

    /// Outputs per panel: two vectors of i32.
    fn nr(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::V4 => 32,
            #[cfg(target_arch = "x86_64")]
            Self::V3 => 16,
            Self::Scalar => 8,
        }
    }
}

/// The integer code path newly quantized weights would use: `"avx512"`, `"avx2"` or
/// `"scalar"` (for tests).
#[doc(hidden)]
pub fn quant_arch() -> &'static str {
    match IntArch::detect() {
        #[cfg(target_arch = "x86_64")]
        IntArch::V4 => "avx512",
        #[cfg(target_arch = "x86_64")]
        IntArch::V3 => "avx2",
        IntArch::Scalar => "scalar",
    }
}

/// A linear layer quantized for [`quant_matmul`] (see the module docs).
#[derive(Clone)]
pub struct QuantLinear {
    n: usize,
    k: usize,
    format: QuantFormat,
    /// Groups of inputs (`k` rounded up to a whole group, zero-padded).
    groups: usize,
    nr: usize,
    arch: IntArch,
    /// Index of the first panel byte in `data` (64-byte aligned).
    start: usize,
    data: Vec<u8>,
    /// Per output (padded to whole panels): weight scale, `Σ q` and bias.
    scale: Vec<f32>,
    colsum: Vec<f32>,
    bias: Vec<f32>,
}

impl std::fmt::Debug for QuantLinear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuantLinear")
            .field("n", &self.n)
            .field("k", &self.k)
            .field("format", &self.format)
            .field("arch", &self.arch)
            .finish()
    }
}

impl QuantLinear {
    /// Quantizes weight matrices stacked along the output dimension (as
    /// [`super::PackedLinear::new`]).
    pub fn new(parts: &[WeightRef<'_>], k: usize, format: QuantFormat) -> Self {
        let arch = IntArch::detect();
        let nr = arch.nr();
        let n: usize = parts.iter().map(|p| p.b.len()).sum();
        let g = format.group();
        let groups = k.div_ceil(g);
        let panels = n.div_ceil(nr);
        let panel_len = groups * nr * 4;
        let w_max = format.w_max();
        let mut data = vec![0u8; panels * panel_len + 64];
        let start = (64 - data.as_ptr() as usize % 64) % 64;
        let mut scale = vec![0.0f32; panels * nr];
        let mut colsum = vec![0.0f32; panels * nr];
        let mut bias = vec![0.0f32; panels * nr];
        for (j, row_bias, row) in stacked_rows(parts, k) {
            bias[j] = row_bias;
            let max = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let s = if max > 0.0 { max / w_max } else { 1.0 };
            scale[j] = s;
            let (p, jj) = (j / nr, j % nr);
            let panel = &mut data[start + p * panel_len..start + (p + 1) * panel_len];
            let mut sum = 0i32;
            for (kk, &v) in row.iter().enumerate() {
                let q = (v / s).round().clamp(-w_max, w_max) as i32;
                sum += q;
                // Byte offset of input kk of output jj: its group's 4 bytes, then the
                // value's place in them (little-endian i16 for Int16).
                let at = (kk / g) * nr * 4 + jj * 4;
                match format {
                    QuantFormat::Int8 => panel[at + kk % 4] = q as i8 as u8,
                    QuantFormat::Int16 => {
                        let b = (q as i16).to_le_bytes();
                        panel[at + 2 * (kk % 2)] = b[0];
                        panel[at + 2 * (kk % 2) + 1] = b[1];
                    }
                }
            }
            colsum[j] = sum as f32;
        }
        Self {
            n,
            k,
            format,
            groups,
            nr,
            arch,
            start,
            data,
            scale,
            colsum,
            bias,
        }
    }

    /// Outputs (columns of the result).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Inputs (the shared dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// The quantization format.
    pub fn format(&self) -> QuantFormat {
        self.format
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.data.len() + 4 * (self.scale.len() + self.colsum.len() + self.bias.len())
    }

    fn panels(&self) -> usize {
        self.n.div_ceil(self.nr)
    }

    fn panel(&self, p: usize) -> &[u8] {
        let len = self.groups * self.nr * 4;
        &self.data[self.start + p * len..self.start + (p + 1) * len]
    }
}

/// Rows of activations quantized for a [`QuantLinear`]: `groups` i32 per row (one group of
/// inputs each), with each row's scale and zero point.
struct QuantRows {
    groups: usize,
    data: Vec<i32>,
    scale: Vec<f32>,
    zero: Vec<f32>,
}

/// `out = x · Wᵀ + b` on quantized weights and activations (see the module docs), then the
/// epilogue in f32, on the current thread. `x` is `m × k`, `out` `m × n`.
pub fn quant_matmul(x: &[f32], w: &QuantLinear, out: &mut [f32], epilogue: Epilogue<'_>) {
    if w.k == 0 || w.n == 0 {
        return;
    }
    let m = (x.len() / w.k).min(out.len() / w.n);
    let (x, out) = (&x[..m * w.k], &mut out[..m * w.n]);
    match w.arch {
        #[cfg(target_arch = "x86_64")]
        IntArch::V4 => {
            if let Some(simd) = pulp::x86::V4::try_new() {
                return simd.vectorize(QuantOp {
                    simd,
                    x,
                    w,
                    out,
                    epilogue,
                });
            }
        }
        #[cfg(target_arch = "x86_64")]
        IntArch::V3 => {
            if let Some(simd) = pulp::x86::V3::try_new() {
                return simd.vectorize(QuantOp {
                    simd,
                    x,
                    w,
                    out,
                    epilogue,
                });
            }
        }
        IntArch::Scalar => {}
    }
    portable(x, w, out, epilogue);
}

/// The integer operations of one instruction set.
trait IntSimd: Simd {
    /// Rows of the register tile (two i32 accumulators per row, plus two weight vectors, the
    /// broadcast, the constant ones and two temporaries must fit the register file).
    const MAX_MR: usize;
    /// 64 (AVX-512) or 32 (AVX2) bytes of weights.
    type W: Copy + bytemuck::Pod;
    /// 16 or 8 i32 accumulators (as many as `f32s` has lanes).
    type I32s: Copy;
    fn zero_i32s(self) -> Self::I32s;
    /// `acc + Σ₄ a·w` per i32 lane: `a` is 4 unsigned bytes (broadcast), `w` 4 signed bytes
    /// per lane (`vpmaddubsw`, `vpmaddwd` with ones, `vpaddd`).
    fn dot_u8(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s;
    /// `acc + Σ₂ a·w` per i32 lane: `a` is 2 i16 (broadcast), `w` 2 i16 per lane
    /// (`vpmaddwd`, `vpaddd`).
    fn dot_i16(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s;
    fn i32s_to_f32s(self, v: Self::I32s) -> Self::f32s;
    /// `out[i] = trunc(clamp(x[i]·inv + zero + 0.5, 0, max))` (rounded quantization).
    fn quantize_u8(self, x: &[f32], inv: f32, zero: f32, max: f32, out: &mut [u8]);
    /// `out[i] = round(x[i]·inv)` into i16 lanes (symmetric; `|x·inv|` is at most 8191).
    fn quantize_i16(self, x: &[f32], inv: f32, out: &mut [i16]);
}

#[cfg(target_arch = "x86_64")]
impl IntSimd for pulp::x86::V4 {
    const MAX_MR: usize = 12;
    type W = pulp::i8x64;
    type I32s = pulp::i32x16;

    #[inline(always)]
    fn zero_i32s(self) -> Self::I32s {
        self.splat_i32x16(0)
    }

    #[inline(always)]
    fn dot_u8(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s {
        let a: pulp::i8x64 = bytemuck::cast(self.splat_i32x16(a));
        let pairs = self.multiply_saturating_add_adjacent_i8x64(a, w);
        let quads = self.multiply_wrapping_add_adjacent_i16x32(pairs, self.splat_i16x32(1));
        self.wrapping_add_i32x16(acc, quads)
    }

    #[inline(always)]
    fn dot_i16(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s {
        let a: pulp::i16x32 = bytemuck::cast(self.splat_i32x16(a));
        let pairs = self.multiply_wrapping_add_adjacent_i16x32(a, bytemuck::cast(w));
        self.wrapping_add_i32x16(acc, pairs)
    }

    #[inline(always)]
    fn i32s_to_f32s(self, v: Self::I32s) -> Self::f32s {
        self.convert_i32x16_to_f32x16(v)
    }

    #[inline(always)]
    fn quantize_u8(self, x: &[f32], inv: f32, zero: f32, max: f32, out: &mut [u8]) {
        let (vi, vz) = (self.splat_f32x16(inv), self.splat_f32x16(zero + 0.5));
        let (lo, hi) = (self.splat_f32x16(0.0), self.splat_f32x16(max));
        let (xh, xt) = pulp::as_arrays::<16, f32>(x);
        let (oh, ot) = pulp::as_arrays_mut::<16, u8>(out);
        for (o, v) in oh.iter_mut().zip(xh) {
            let v: pulp::f32x16 = bytemuck::cast(*v);
            let y = self.min_f32x16(self.max_f32x16(self.mul_add_f32x16(v, vi, vz), lo), hi);
            *o = bytemuck::cast(self.convert_i32x16_to_u8x16(self.convert_f32x16_to_i32x16(y)));
        }
        quantize_scalar(xt, inv, zero, max, ot);
    }

    #[inline(always)]
    fn quantize_i16(self, x: &[f32], inv: f32, out: &mut [i16]) {
        let (vi, magic) = (self.splat_f32x16(inv), self.splat_f32x16(ROUND));
        let (xh, xt) = pulp::as_arrays::<16, f32>(x);
        let (oh, ot) = pulp::as_arrays_mut::<16, i16>(out);
        for (o, v) in oh.iter_mut().zip(xh) {
            let v: pulp::f32x16 = bytemuck::cast(*v);
            // Round to nearest (even) by adding and removing 1.5·2²³, then convert exactly.
            let y = self.sub_f32x16(self.mul_add_f32x16(v, vi, magic), magic);
            *o = bytemuck::cast(self.convert_i32x16_to_i16x16(self.convert_f32x16_to_i32x16(y)));
        }
        quantize_symmetric(xt, inv, ot);
    }
}

#[cfg(target_arch = "x86_64")]
impl IntSimd for pulp::x86::V3 {
    const MAX_MR: usize = 5;
    type W = pulp::i8x32;
    type I32s = pulp::i32x8;

    #[inline(always)]
    fn zero_i32s(self) -> Self::I32s {
        self.splat_i32x8(0)
    }

    #[inline(always)]
    fn dot_u8(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s {
        let a: pulp::i8x32 = bytemuck::cast(self.splat_i32x8(a));
        let pairs = self.multiply_saturating_add_adjacent_i8x32(a, w);
        let quads = self.multiply_wrapping_add_adjacent_i16x16(pairs, self.splat_i16x16(1));
        self.wrapping_add_i32x8(acc, quads)
    }

    #[inline(always)]
    fn dot_i16(self, acc: Self::I32s, a: i32, w: Self::W) -> Self::I32s {
        let a: pulp::i16x16 = bytemuck::cast(self.splat_i32x8(a));
        let pairs = self.multiply_wrapping_add_adjacent_i16x16(a, bytemuck::cast(w));
        self.wrapping_add_i32x8(acc, pairs)
    }

    #[inline(always)]
    fn i32s_to_f32s(self, v: Self::I32s) -> Self::f32s {
        self.convert_i32x8_to_f32x8(v)
    }

    #[inline(always)]
    fn quantize_u8(self, x: &[f32], inv: f32, zero: f32, max: f32, out: &mut [u8]) {
        quantize_scalar(x, inv, zero, max, out);
    }

    #[inline(always)]
    fn quantize_i16(self, x: &[f32], inv: f32, out: &mut [i16]) {
        quantize_symmetric(x, inv, out);
    }
}

/// 1.5 · 2²³: adding and subtracting it rounds an f32 below 2²² to the nearest integer.
const ROUND: f32 = 12_582_912.0;

#[inline(always)]
fn quantize_scalar(x: &[f32], inv: f32, zero: f32, max: f32, out: &mut [u8]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = (v * inv + zero + 0.5).clamp(0.0, max) as u8;
    }
}

#[inline(always)]
fn quantize_symmetric(x: &[f32], inv: f32, out: &mut [i16]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = ((v * inv + ROUND) - ROUND) as i16;
    }
}

/// Per-row scale and zero point of a format: Int8 maps `[min(x, 0), max(x, 0)]` onto
/// `0..=a_max`; Int16 maps `[-max|x|, max|x|]` onto `-a_max..=a_max` (zero point 0).
#[inline(always)]
fn row_params(format: QuantFormat, min: f32, max: f32) -> (f32, f32) {
    let a_max = format.a_max();
    let (min, max) = (min.min(0.0), max.max(0.0));
    match format {
        QuantFormat::Int8 => {
            let scale = if max > min { (max - min) / a_max } else { 1.0 };
            let zero = (-min / scale).round().clamp(0.0, a_max);
            (scale, zero)
        }
        QuantFormat::Int16 => {
            let m = max.max(-min);
            (if m > 0.0 { m / a_max } else { 1.0 }, 0.0)
        }
    }
}

#[inline(always)]
fn quantize_rows<S: IntSimd>(simd: S, x: &[f32], w: &QuantLinear) -> QuantRows {
    let (k, groups, format) = (w.k, w.groups, w.format);
    let a_max = format.a_max();
    let m = x.len() / k;
    let mut data = QROWS.take();
    data.clear();
    data.resize(m * groups, 0);
    let mut scale = vec![0.0f32; m];
    let mut zero = vec![0.0f32; m];
    for (i, (row, q)) in x
        .chunks_exact(k)
        .zip(data.chunks_exact_mut(groups))
        .enumerate()
    {
        let (vh, vt) = S::as_simd_f32s(row);
        let mut lo = simd.splat_f32s(0.0);
        let mut hi = lo;
        for v in vh {
            lo = simd.min_f32s(lo, *v);
            hi = simd.max_f32s(hi, *v);
        }
        let mut min = simd.reduce_min_f32s(lo);
        let mut max = simd.reduce_max_f32s(hi);
        for &v in vt {
            min = min.min(v);
            max = max.max(v);
        }
        let (s, z) = row_params(format, min, max);
        scale[i] = s;
        zero[i] = z;
        // Padding inputs (past k) stay 0; their weights are 0 as well.
        match format {
            QuantFormat::Int8 => {
                let bytes: &mut [u8] = bytemuck::cast_slice_mut(q);
                simd.quantize_u8(row, 1.0 / s, z, a_max, &mut bytes[..k]);
            }
            QuantFormat::Int16 => {
                let halves: &mut [i16] = bytemuck::cast_slice_mut(q);
                simd.quantize_i16(row, 1.0 / s, &mut halves[..k]);
            }
        }
    }
    QuantRows {
        groups,
        data,
        scale,
        zero,
    }
}

super::scratch!(QROWS: i32);

struct QuantOp<'a, S> {
    simd: S,
    x: &'a [f32],
    w: &'a QuantLinear,
    out: &'a mut [f32],
    epilogue: Epilogue<'a>,
}

/// Activation rows per block (as the f32 path, in bytes of quantized input).
const BLOCK_BYTES: usize = 256 * 1024;

impl<S: IntSimd> pulp::NullaryFnOnce for QuantOp<'_, S> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let QuantOp {
            simd,
            x,
            w,
            out,
            epilogue,
        } = self;
        let (n, nr) = (w.n, w.nr);
        let q = quantize_rows(simd, x, w);
        let m = q.scale.len();
        let tiles = Tiles::new(m, S::MAX_MR);
        let block_rows = (BLOCK_BYTES / (4 * w.groups)).max(1);
        let chunk = w.format.chunk().min(w.groups).max(1);
        for (tile_range, row_range) in tiles.blocks(block_rows) {
            for p in 0..w.panels() {
                let panel: &[[S::W; 2]] = bytemuck::cast_slice(w.panel(p));
                let col = p * nr;
                let cols = nr.min(n - col);
                let ws = two::<S>(&w.scale[col..col + nr]);
                let cs = two::<S>(&w.colsum[col..col + nr]);
                let bs = two::<S>(&w.bias[col..col + nr]);
                for t in tile_range.clone() {
                    let (r, mr) = tiles.get(t);
                    with_mr!(mr, MR => {
                        let mut sums = [[simd.splat_f32s(0.0); 2]; MR];
                        let mut g0 = 0;
                        while g0 < w.groups {
                            let g1 = (g0 + chunk).min(w.groups);
                            let mut rows: [&[i32]; MR] = [&[]; MR];
                            for (i, row) in rows.iter_mut().enumerate() {
                                *row = &q.data[(r + i) * q.groups + g0..(r + i) * q.groups + g1];
                            }
                            let acc = match w.format {
                                QuantFormat::Int8 => micro_u8::<S, MR>(simd, rows, &panel[g0..g1]),
                                QuantFormat::Int16 => micro_i16::<S, MR>(simd, rows, &panel[g0..g1]),
                            };
                            for (s, a) in sums.iter_mut().zip(&acc) {
                                s[0] = simd.add_f32s(s[0], simd.i32s_to_f32s(a[0]));
                                s[1] = simd.add_f32s(s[1], simd.i32s_to_f32s(a[1]));
                            }
                            g0 = g1;
                        }
                        for (i, a) in sums.iter().enumerate() {
                            // s_x · s_w · (Σ u·q − z · Σ q) + b
                            let nz = simd.splat_f32s(-q.zero[r + i]);
                            let sx = simd.splat_f32s(q.scale[r + i]);
                            let mut v = [simd.splat_f32s(0.0); 2];
                            for c in 0..2 {
                                let f = simd.mul_add_f32s(nz, cs[c], a[c]);
                                v[c] = simd.mul_add_f32s(f, simd.mul_f32s(sx, ws[c]), bs[c]);
                            }
                            store_two(simd, v, &mut out[(r + i) * n + col..], cols);
                        }
                    });
                    finish_tile(simd, out, n, r..r + mr, col..col + cols, epilogue);
                }
            }
            finish_block(simd, out, n, row_range, epilogue);
        }
        if q.data.capacity() * 4 <= super::SCRATCH_KEEP {
            QROWS.set(q.data);
        }
    }
}

/// The first two vectors of a slice.
#[inline(always)]
fn two<S: Simd>(v: &[f32]) -> [S::f32s; 2] {
    let s = S::as_simd_f32s(v).0;
    [s[0], s[1]]
}

/// The int8 register tile: `MR` rows × two vectors of i32 sums over groups of 4 inputs.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn micro_u8<S: IntSimd, const MR: usize>(
    simd: S,
    a: [&[i32]; MR],
    b: &[[S::W; 2]],
) -> [[S::I32s; 2]; MR] {
    let zero = simd.zero_i32s();
    let mut acc = [[zero; 2]; MR];
    let g = b.len();
    let b = &b[..g];
    let mut rows = a;
    for row in rows.iter_mut() {
        *row = &row[..g];
    }
    for kk in 0..g {
        let [b0, b1] = b[kk];
        for i in 0..MR {
            let av = rows[i][kk];
            acc[i][0] = simd.dot_u8(acc[i][0], av, b0);
            acc[i][1] = simd.dot_u8(acc[i][1], av, b1);
        }
    }
    acc
}

/// The 12-bit register tile: `MR` rows × two vectors of i32 sums over pairs of inputs.
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn micro_i16<S: IntSimd, const MR: usize>(
    simd: S,
    a: [&[i32]; MR],
    b: &[[S::W; 2]],
) -> [[S::I32s; 2]; MR] {
    let zero = simd.zero_i32s();
    let mut acc = [[zero; 2]; MR];
    let g = b.len();
    let b = &b[..g];
    let mut rows = a;
    for row in rows.iter_mut() {
        *row = &row[..g];
    }
    for kk in 0..g {
        let [b0, b1] = b[kk];
        for i in 0..MR {
            let av = rows[i][kk];
            acc[i][0] = simd.dot_i16(acc[i][0], av, b0);
            acc[i][1] = simd.dot_i16(acc[i][1], av, b1);
        }
    }
    acc
}

/// No SIMD: the same arithmetic (quantized weights and activations, exact integer sums).
fn portable(x: &[f32], w: &QuantLinear, out: &mut [f32], epilogue: Epilogue<'_>) {
    let (k, n, nr, format) = (w.k, w.n, w.nr, w.format);
    let g = format.group();
    let mut q8 = vec![0u8; k];
    let mut q16 = vec![0i16; k];
    for (i, row) in x.chunks_exact(k).enumerate() {
        let min = row.iter().copied().fold(0.0f32, f32::min);
        let max = row.iter().copied().fold(0.0f32, f32::max);
        let (s, z) = row_params(format, min, max);
        match format {
            QuantFormat::Int8 => quantize_scalar(row, 1.0 / s, z, format.a_max(), &mut q8),
            QuantFormat::Int16 => quantize_symmetric(row, 1.0 / s, &mut q16),
        }
        for j in 0..n {
            let panel = w.panel(j / nr);
            let jj = j % nr;
            let mut acc = 0i64;
            for kk in 0..k {
                let u = match format {
                    QuantFormat::Int8 => i64::from(q8[kk]),
                    QuantFormat::Int16 => i64::from(q16[kk]),
                };
                let at = (kk / g) * nr * 4 + jj * 4;
                let wq = match format {
                    QuantFormat::Int8 => i64::from(panel[at + kk % 4] as i8),
                    QuantFormat::Int16 => i64::from(i16::from_le_bytes([
                        panel[at + 2 * (kk % 2)],
                        panel[at + 2 * (kk % 2) + 1],
                    ])),
                };
                acc += u * wq;
            }
            let f = acc as f32 - z * w.colsum[j];
            out[i * n + j] = f * s * w.scale[j] + w.bias[j];
        }
    }
    finish(out, n, epilogue);
}

/// The row-wise epilogue on finished rows (portable path).
fn finish(out: &mut [f32], n: usize, epilogue: Epilogue<'_>) {
    struct Finish<'a> {
        out: &'a mut [f32],
        n: usize,
        epilogue: Epilogue<'a>,
    }
    impl WithSimd for Finish<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: Simd>(self, simd: S) {
            let Finish { out, n, epilogue } = self;
            match epilogue {
                Epilogue::None => {}
                Epilogue::Act(act) => map_in_place!(simd, out, |v| act_v(simd, act, v)),
                Epilogue::AddNorm {
                    residual,
                    gamma,
                    beta,
                    eps,
                } => {
                    for (row, res) in out.chunks_exact_mut(n).zip(residual.chunks_exact(n)) {
                        add_norm_row(simd, row, Some(res), gamma, beta, eps);
                    }
                }
            }
        }
    }
    super::dispatch(Finish { out, n, epilogue });
}
