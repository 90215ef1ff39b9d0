//! Self-attention of packed sequences, fused per head and block of queries.
//!
//! For each sequence and head, `Kᵀ` (scaled by `1/√d`) and `V` are packed into the panels of
//! the matmul microkernel; then for each block of up to `MR` queries the scores `q·Kᵀ` go to a
//! small buffer (`MR × len`, in L1), are exponentiated in place (minus the row maximum), and
//! multiplied by `V` straight into the context rows, which are then divided by the row sums. Nothing of size `len × len` is ever written, no mask
//! is needed (sequences are packed, not padded), and one kernel does both products.

use std::ops::Range;

use pulp::{Simd, WithSimd};

use super::exp_row;
use super::gemm::{lanes, max_mr, micro, row_slices, store_two, with_mr, Tiles};

/// Self-attention for the query rows `rows` (indices into the packed batch).
///
/// `qkv` holds every token's row `[q | k | v]` (each `hidden` wide, heads side by side) for the
/// whole batch; `seqs` gives each sequence's first row and length; the context of the query
/// rows goes to `ctx` (`rows.len() × hidden`). Runs on the current thread.
pub fn attention_rows(
    qkv: &[f32],
    hidden: usize,
    heads: usize,
    seqs: &[(usize, usize)],
    rows: Range<usize>,
    ctx: &mut [f32],
) {
    if hidden == 0 || heads == 0 || rows.is_empty() {
        return;
    }
    super::dispatch(AttnOp {
        qkv,
        hidden,
        heads,
        seqs,
        rows,
        ctx,
    });
}

super::scratch!(KP: f32);
super::scratch!(VP: f32);
super::scratch!(SCORES: f32);

struct AttnOp<'a> {
    qkv: &'a [f32],
    hidden: usize,
    heads: usize,
    seqs: &'a [(usize, usize)],
    rows: Range<usize>,
    ctx: &'a mut [f32],
}

impl WithSimd for AttnOp<'_> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let AttnOp {
            qkv,
            hidden: h,
            heads,
            seqs,
            rows,
            ctx,
        } = self;
        let d = h / heads;
        let scale = 1.0 / (d as f32).sqrt();
        let nr = 2 * lanes::<S>();
        let mr_max = max_mr::<S>();
        let row_len = 3 * h;
        let mut kp = KP.take();
        let mut vp = VP.take();
        let mut scores = SCORES.take();
        for &(start, len) in seqs {
            let qa = start.max(rows.start);
            let qb = (start + len).min(rows.end);
            if qa >= qb {
                continue;
            }
            let kpanels = len.div_ceil(nr);
            let lpad = kpanels * nr;
            let vpanels = d.div_ceil(nr);
            kp.clear();
            kp.resize(kpanels * d * nr, 0.0);
            vp.clear();
            vp.resize(vpanels * len * nr, 0.0);
            scores.clear();
            scores.resize(mr_max * lpad, 0.0);
            let seq = &qkv[start * row_len..(start + len) * row_len];
            let tiles = Tiles::new(qb - qa, mr_max);
            for head in 0..heads {
                // Kᵀ panels: kp[p][t][j] = K[p·nr + j][t] · scale.
                for j in 0..len {
                    let krow = &seq[j * row_len + h + head * d..j * row_len + h + (head + 1) * d];
                    let (p, jj) = (j / nr, j % nr);
                    let panel = &mut kp[p * d * nr..(p + 1) * d * nr];
                    for (t, &v) in krow.iter().enumerate() {
                        panel[t * nr + jj] = v * scale;
                    }
                }
                // V panels: vp[c][j][..] = V[j][c·nr ..], zero-padded past d.
                for j in 0..len {
                    let vrow =
                        &seq[j * row_len + 2 * h + head * d..j * row_len + 2 * h + (head + 1) * d];
                    for c in 0..vpanels {
                        let cols = nr.min(d - c * nr);
                        let at = (c * len + j) * nr;
                        vp[at..at + cols].copy_from_slice(&vrow[c * nr..c * nr + cols]);
                    }
                }
                for t in 0..tiles.count() {
                    let (r, mr) = tiles.get(t);
                    let q0 = qa - start + r;
                    with_mr!(mr, MR => {
                        // Scores of MR queries against every key.
                        let q = row_slices::<MR>(seq, row_len, q0);
                        let mut qh: [&[f32]; MR] = [&[]; MR];
                        for (dst, src) in qh.iter_mut().zip(q) {
                            *dst = &src[head * d..(head + 1) * d];
                        }
                        for p in 0..kpanels {
                            let panel = S::as_simd_f32s(&kp[p * d * nr..(p + 1) * d * nr]).0;
                            let acc = micro::<S, MR>(simd, qh, panel);
                            for (i, a) in acc.iter().enumerate() {
                                let at = i * lpad + p * nr;
                                let dst = S::as_mut_simd_f32s(&mut scores[at..at + nr]).0;
                                dst[0] = a[0];
                                dst[1] = a[1];
                            }
                        }
                        // Unnormalized probabilities; 1/sum scales the context rows below.
                        let mut inv = [0.0f32; MR];
                        for (i, v) in inv.iter_mut().enumerate() {
                            *v = 1.0 / exp_row(simd, &mut scores[i * lpad..i * lpad + len]);
                        }
                        // Probabilities × V into the context rows of this head.
                        let probs = row_slices::<MR>(&scores, lpad, 0);
                        let mut pr: [&[f32]; MR] = [&[]; MR];
                        for (dst, src) in pr.iter_mut().zip(probs) {
                            *dst = &src[..len];
                        }
                        let out_row = qa - rows.start + r;
                        for c in 0..vpanels {
                            let panel = S::as_simd_f32s(&vp[c * len * nr..(c + 1) * len * nr]).0;
                            let acc = micro::<S, MR>(simd, pr, panel);
                            let cols = nr.min(d - c * nr);
                            for (i, a) in acc.iter().enumerate() {
                                let sc = simd.splat_f32s(inv[i]);
                                let v = [simd.mul_f32s(a[0], sc), simd.mul_f32s(a[1], sc)];
                                let at = (out_row + i) * h + head * d + c * nr;
                                store_two(simd, v, &mut ctx[at..], cols);
                            }
                        }
                    });
                }
            }
        }
        for (cell, buf) in [(&KP, kp), (&VP, vp), (&SCORES, scores)] {
            if buf.capacity() * 4 <= super::SCRATCH_KEEP {
                cell.set(buf);
            }
        }
    }
}
