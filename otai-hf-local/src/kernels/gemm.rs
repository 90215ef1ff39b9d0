//! `out = x · Wᵀ + b` on weights packed once at load, with an outer-product register tile.
//!
//! PyTorch stores `nn.Linear.weight` as `n × k` (one row per output). Multiplying in that
//! layout means dot products along `k` and a horizontal sum per output value, about a fifth of
//! the work at `k = 384`. [`PackedLinear`] repacks the weights once into column panels of
//! `NR = 2` vectors (32 outputs with AVX-512, 16 with AVX2): `panel[kk][j] = W[p·NR + j][kk]`,
//! 64-byte aligned and zero-padded. The microkernel keeps an `MR × NR` tile of outputs in
//! registers (12 × 32 with AVX-512's 32 registers, 6 × 16 with AVX2's 16), and per step of `k`
//! loads two weight vectors and broadcasts one activation per row: `2·MR` FMAs, no reductions.
//!
//! Loop order: rows are cut into register tiles of nearly equal height (67 rows → 12 + 5 × 11,
//! no padding work), tiles are grouped into row blocks whose activations fit in L2, and for each
//! block every weight panel is streamed once (from L3 or memory) and reused from L1/L2 by all
//! tiles of the block. Bias, activation and residual + layer norm run while the block is in
//! cache.

use std::ops::Range;

use pulp::{Simd, WithSimd};

use super::{act_v, add_norm_row, stacked_rows, Epilogue, WeightRef};

/// Floats per SIMD vector of the instruction set this CPU runs (16 with AVX-512, 8 with AVX2).
pub fn simd_lanes() -> usize {
    struct Lanes;
    impl WithSimd for Lanes {
        type Output = usize;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _simd: S) -> usize {
            lanes::<S>()
        }
    }
    super::dispatch(Lanes)
}

#[inline(always)]
pub(crate) fn lanes<S: Simd>() -> usize {
    std::mem::size_of::<S::f32s>() / std::mem::size_of::<f32>()
}

/// The tallest register tile for an instruction set: `MR` rows × 2 vectors of accumulators
/// plus two weight vectors and a broadcast must fit the register file.
#[inline(always)]
pub(crate) fn max_mr<S: Simd>() -> usize {
    match lanes::<S>() {
        16.. => 12,
        4..=15 => 6,
        _ => 4,
    }
}

/// Expands `$body` with `const $mr: usize` set to the runtime value `$n` (1..=12).
macro_rules! with_mr {
    ($n:expr, $mr:ident => $body:expr) => {
        match $n {
            1 => {
                const $mr: usize = 1;
                $body
            }
            2 => {
                const $mr: usize = 2;
                $body
            }
            3 => {
                const $mr: usize = 3;
                $body
            }
            4 => {
                const $mr: usize = 4;
                $body
            }
            5 => {
                const $mr: usize = 5;
                $body
            }
            6 => {
                const $mr: usize = 6;
                $body
            }
            7 => {
                const $mr: usize = 7;
                $body
            }
            8 => {
                const $mr: usize = 8;
                $body
            }
            9 => {
                const $mr: usize = 9;
                $body
            }
            10 => {
                const $mr: usize = 10;
                $body
            }
            11 => {
                const $mr: usize = 11;
                $body
            }
            _ => {
                const $mr: usize = 12;
                $body
            }
        }
    };
}
pub(crate) use with_mr;

/// Rows `0..m` cut into `count` register tiles of nearly equal height (at most `max` rows).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tiles {
    count: usize,
    base: usize,
    extra: usize,
}

impl Tiles {
    #[inline(always)]
    pub(crate) fn new(m: usize, max: usize) -> Self {
        let count = m.div_ceil(max.max(1));
        if count == 0 {
            return Self {
                count: 0,
                base: 0,
                extra: 0,
            };
        }
        Self {
            count,
            base: m / count,
            extra: m % count,
        }
    }

    #[inline(always)]
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// First row and height of tile `t`.
    #[inline(always)]
    pub(crate) fn get(&self, t: usize) -> (usize, usize) {
        let start = t * self.base + t.min(self.extra);
        (start, self.base + usize::from(t < self.extra))
    }

    /// Consecutive tiles grouped into row blocks of at most `max_rows` rows (at least one
    /// tile each), as `(tiles, rows)`: a matmul streams each weight panel once per block.
    #[inline(always)]
    pub(crate) fn blocks(
        self,
        max_rows: usize,
    ) -> impl Iterator<Item = (Range<usize>, Range<usize>)> {
        let mut t0 = 0;
        std::iter::from_fn(move || {
            if t0 >= self.count {
                return None;
            }
            let (r0, _) = self.get(t0);
            let mut t1 = t0 + 1;
            while t1 < self.count {
                let (start, height) = self.get(t1);
                if start + height - r0 > max_rows {
                    break;
                }
                t1 += 1;
            }
            let (last, height) = self.get(t1 - 1);
            let block = (t0..t1, r0..last + height);
            t0 = t1;
            Some(block)
        })
    }
}

/// A linear layer's weights (`n × k`) and bias, repacked for [`matmul`].
#[derive(Clone)]
pub struct PackedLinear {
    n: usize,
    k: usize,
    nr: usize,
    /// Index of the first panel float in `data` (64-byte aligned).
    start: usize,
    data: Vec<f32>,
    /// The bias, zero-padded to whole panels.
    bias: Vec<f32>,
}

impl std::fmt::Debug for PackedLinear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedLinear")
            .field("n", &self.n)
            .field("k", &self.k)
            .field("nr", &self.nr)
            .finish()
    }
}

impl PackedLinear {
    /// Packs weight matrices stacked along the output dimension (`n = Σ nᵢ`; one pass for Q, K
    /// and V). Each `w` is `nᵢ × k`, row-major, as PyTorch stores it; missing values count as 0.
    pub fn new(parts: &[WeightRef<'_>], k: usize) -> Self {
        Self::with_panel_width(parts, k, 2 * simd_lanes())
    }

    /// Packs for a given panel width (the microkernel needs two vectors of this CPU; any other
    /// width runs on a portable path).
    pub fn with_panel_width(parts: &[WeightRef<'_>], k: usize, nr: usize) -> Self {
        let nr = nr.max(1);
        let n: usize = parts.iter().map(|p| p.b.len()).sum();
        let panels = n.div_ceil(nr);
        let len = panels * k * nr;
        let mut data = vec![0.0f32; len + 16];
        let misalign = (data.as_ptr() as usize % 64) / std::mem::size_of::<f32>();
        let start = (16 - misalign) % 16;
        let mut bias = vec![0.0f32; panels * nr];
        for (j, row_bias, row) in stacked_rows(parts, k) {
            bias[j] = row_bias;
            let (p, jj) = (j / nr, j % nr);
            let panel = &mut data[start + p * k * nr..start + (p + 1) * k * nr];
            for (kk, &v) in row.iter().enumerate() {
                panel[kk * nr + jj] = v;
            }
        }
        Self {
            n,
            k,
            nr,
            start,
            data,
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

    #[inline(always)]
    fn panels(&self) -> usize {
        self.n.div_ceil(self.nr)
    }

    #[inline(always)]
    fn panel(&self, p: usize) -> &[f32] {
        let len = self.k * self.nr;
        &self.data[self.start + p * len..self.start + (p + 1) * len]
    }

    /// `W[j][kk]` (for the portable path and tests).
    fn at(&self, j: usize, kk: usize) -> f32 {
        let (p, jj) = (j / self.nr, j % self.nr);
        self.panel(p)[kk * self.nr + jj]
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.data.len() + self.bias.len()) * std::mem::size_of::<f32>()
    }
}

/// `out = x · Wᵀ + b`, then the epilogue, on the current thread. `x` is `m × k`, `out` `m × n`.
pub fn matmul(x: &[f32], w: &PackedLinear, out: &mut [f32], epilogue: Epilogue<'_>) {
    if w.k == 0 || w.n == 0 {
        return;
    }
    super::dispatch(MatmulOp {
        x,
        w,
        out,
        epilogue,
    });
}

struct MatmulOp<'a> {
    x: &'a [f32],
    w: &'a PackedLinear,
    out: &'a mut [f32],
    epilogue: Epilogue<'a>,
}

/// Activations per row block: the block (`rows × k` floats) stays in L2 (1 MiB per core on
/// the target) next to the weight panel being streamed.
const BLOCK_FLOATS: usize = 80 * 1024;

impl WithSimd for MatmulOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let MatmulOp {
            x,
            w,
            out,
            epilogue,
        } = self;
        let (k, n, nr) = (w.k, w.n, w.nr);
        let m = (x.len() / k).min(out.len() / n);
        if nr != 2 * lanes::<S>() {
            portable(x, w, out, m);
            finish_rows(simd, out, n, 0, m, epilogue);
            return;
        }
        let tiles = Tiles::new(m, max_mr::<S>());
        let block_rows = (BLOCK_FLOATS / k).max(1);
        for (tile_range, row_range) in tiles.blocks(block_rows) {
            for p in 0..w.panels() {
                let panel = S::as_simd_f32s(w.panel(p)).0;
                let bias = S::as_simd_f32s(&w.bias[p * nr..(p + 1) * nr]).0;
                let (b0, b1) = (bias[0], bias[1]);
                let col = p * nr;
                let cols = nr.min(n - col);
                for t in tile_range.clone() {
                    let (r, mr) = tiles.get(t);
                    with_mr!(mr, MR => {
                        let rows = row_slices::<MR>(x, k, r);
                        let acc = micro::<S, MR>(simd, rows, panel);
                        store_tile::<S, MR>(simd, acc, [b0, b1], out, n, r, col, cols);
                    });
                    finish_tile(simd, out, n, r..r + mr, col..col + cols, epilogue);
                }
            }
            finish_block(simd, out, n, row_range, epilogue);
        }
    }
}

/// The part of an epilogue that runs on a tile as soon as it is stored (the activation),
/// while it is in L1: rows `rows`, columns `cols` of `out` (rows of `n`).
#[inline(always)]
pub(crate) fn finish_tile<S: Simd>(
    simd: S,
    out: &mut [f32],
    n: usize,
    rows: Range<usize>,
    cols: Range<usize>,
    epilogue: Epilogue<'_>,
) {
    if let Epilogue::Act(act) = epilogue {
        for i in rows {
            let dst = &mut out[i * n + cols.start..i * n + cols.end];
            map_in_place!(simd, dst, |v| act_v(simd, act, v));
        }
    }
}

/// The part of an epilogue that needs whole rows (residual + layer norm), once a row block
/// has every column.
#[inline(always)]
pub(crate) fn finish_block<S: Simd>(
    simd: S,
    out: &mut [f32],
    n: usize,
    rows: Range<usize>,
    epilogue: Epilogue<'_>,
) {
    if let Epilogue::AddNorm { .. } = epilogue {
        finish_rows(simd, out, n, rows.start, rows.end, epilogue);
    }
}

/// The row-wise part of an epilogue (activation or residual + layer norm) on rows `r0..r1`
/// that hold `x · Wᵀ + b` already.
#[inline(always)]
fn finish_rows<S: Simd>(
    simd: S,
    out: &mut [f32],
    n: usize,
    r0: usize,
    r1: usize,
    epilogue: Epilogue<'_>,
) {
    match epilogue {
        Epilogue::None => {}
        Epilogue::Act(act) => {
            let dst = &mut out[r0 * n..r1 * n];
            map_in_place!(simd, dst, |v| act_v(simd, act, v));
        }
        Epilogue::AddNorm {
            residual,
            gamma,
            beta,
            eps,
        } => {
            for i in r0..r1 {
                add_norm_row(
                    simd,
                    &mut out[i * n..(i + 1) * n],
                    Some(&residual[i * n..(i + 1) * n]),
                    gamma,
                    beta,
                    eps,
                );
            }
        }
    }
}

/// Rows `r..r + MR` of a row-major matrix with rows of `k`.
#[inline(always)]
pub(crate) fn row_slices<const MR: usize>(x: &[f32], k: usize, r: usize) -> [&[f32]; MR] {
    let mut rows: [&[f32]; MR] = [&[]; MR];
    for (i, row) in rows.iter_mut().enumerate() {
        *row = &x[(r + i) * k..(r + i + 1) * k];
    }
    rows
}

/// The register tile: `acc[i] = Σ_kk a[i][kk] · b[kk]` for `MR` rows and one panel of two
/// vectors (`b` holds `2·k` vectors, `k` = the length of the shortest row used).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
pub(crate) fn micro<S: Simd, const MR: usize>(
    simd: S,
    a: [&[f32]; MR],
    b: &[S::f32s],
) -> [[S::f32s; 2]; MR] {
    let zero = simd.splat_f32s(0.0);
    let mut acc = [[zero; 2]; MR];
    let b: &[[S::f32s; 2]] = bytemuck::cast_slice(&b[..b.len() / 2 * 2]);
    let k = b.len();
    let b = &b[..k];
    let mut rows = a;
    for row in rows.iter_mut() {
        *row = &row[..k];
    }
    for kk in 0..k {
        let [b0, b1] = b[kk];
        for i in 0..MR {
            let av = simd.splat_f32s(rows[i][kk]);
            acc[i][0] = simd.mul_add_f32s(av, b0, acc[i][0]);
            acc[i][1] = simd.mul_add_f32s(av, b1, acc[i][1]);
        }
    }
    acc
}

/// Stores `acc + bias` into rows `r..r + MR`, columns `col..col + cols` of `out` (rows of `ld`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn store_tile<S: Simd, const MR: usize>(
    simd: S,
    acc: [[S::f32s; 2]; MR],
    bias: [S::f32s; 2],
    out: &mut [f32],
    ld: usize,
    r: usize,
    col: usize,
    cols: usize,
) {
    let lanes = lanes::<S>();
    for (i, a) in acc.iter().enumerate() {
        let v0 = simd.add_f32s(a[0], bias[0]);
        let v1 = simd.add_f32s(a[1], bias[1]);
        let at = (r + i) * ld + col;
        if cols == 2 * lanes {
            let dst = S::as_mut_simd_f32s(&mut out[at..at + 2 * lanes]).0;
            dst[0] = v0;
            dst[1] = v1;
        } else if cols > lanes {
            let dst = &mut out[at..at + cols];
            let (first, second) = dst.split_at_mut(lanes);
            S::as_mut_simd_f32s(first).0[0] = v0;
            simd.partial_store_f32s(second, v1);
        } else {
            simd.partial_store_f32s(&mut out[at..at + cols], v0);
        }
    }
}

/// Stores the first `cols` values of two vectors at the start of `dst`.
#[inline(always)]
pub(crate) fn store_two<S: Simd>(simd: S, v: [S::f32s; 2], dst: &mut [f32], cols: usize) {
    let lanes = std::mem::size_of::<S::f32s>() / 4;
    if cols == 2 * lanes {
        let d = S::as_mut_simd_f32s(&mut dst[..2 * lanes]).0;
        d[0] = v[0];
        d[1] = v[1];
    } else if cols > lanes {
        let (first, second) = dst[..cols].split_at_mut(lanes);
        S::as_mut_simd_f32s(first).0[0] = v[0];
        simd.partial_store_f32s(second, v[1]);
    } else {
        simd.partial_store_f32s(&mut dst[..cols], v[0]);
    }
}

/// Any panel width, no SIMD (a CPU whose vector width changed between packing and use).
fn portable(x: &[f32], w: &PackedLinear, out: &mut [f32], m: usize) {
    let (k, n) = (w.k, w.n);
    for i in 0..m {
        let row = &x[i * k..(i + 1) * k];
        for j in 0..n {
            let mut s = 0.0f32;
            for (kk, &v) in row.iter().enumerate() {
                s += v * w.at(j, kk);
            }
            out[i * n + j] = s + w.bias[j];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Tiles;

    #[test]
    fn tiles_cut_rows_into_nearly_equal_heights() {
        let tiles = Tiles::new(67, 12);
        let heights: Vec<usize> = (0..tiles.count()).map(|t| tiles.get(t).1).collect();
        assert_eq!(heights, [12, 11, 11, 11, 11, 11]);
        assert_eq!(tiles.get(5), (56, 11));
        assert_eq!(Tiles::new(0, 12).count(), 0);
    }

    #[test]
    fn blocks_group_whole_tiles_up_to_the_row_limit() {
        let tiles = Tiles::new(67, 12);
        let blocks: Vec<_> = tiles.blocks(30).collect();
        assert_eq!(
            blocks,
            [(0..2, 0..23), (2..4, 23..45), (4..6, 45..67)],
            "tiles of 12, 11, 11, 11, 11, 11 rows"
        );
        // A limit below one tile still makes progress, one tile a block.
        let single: Vec<_> = tiles.blocks(1).map(|(t, _)| t).collect();
        assert_eq!(single, [0..1, 1..2, 2..3, 3..4, 4..5, 5..6]);
        assert_eq!(Tiles::new(0, 12).blocks(30).count(), 0);
    }
}
