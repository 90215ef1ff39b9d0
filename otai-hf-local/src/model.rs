//! The encoder and classification heads of BERT, DistilBERT and (XLM-)RoBERTa, as one forward
//! pass over f32 slices of the checkpoint.
//!
//! The three families share the post-layer-norm transformer encoder and differ only in weight
//! names, embeddings (token types; RoBERTa's positions start after the padding index) and head.
//! A batch is *packed*: the tokens of all texts are laid back to back, so linear layers run on
//! every real token of the batch at once and nothing is spent on padding; attention runs per
//! text. For the real tokens this is exactly what padding plus an attention mask computes, and
//! it makes a batched result equal the single-text result.
//!
//! The linear layers are packed (or quantized, see [`Quantization`]) once at load. With more
//! than one thread, the packed rows are split once per forward pass into one share per thread,
//! balanced by work; each thread runs whole layers on its rows and the threads meet once per
//! layer (attention needs every row's keys and values), not once per op.

use crate::config::{Activation, Arch, ModelConfig};
use std::ops::Range;
use std::sync::Mutex;

use crate::kernels::{self, Epilogue, PackedLinear, QuantFormat, QuantLinear, WeightRef};
use crate::tokenize::Encoded;
use crate::weights::{Param, Weights};
use crate::HfError;

#[derive(Debug)]
struct LinearP {
    w: Param,
    b: Param,
}

#[derive(Debug)]
struct NormP {
    g: Param,
    b: Param,
}

/// The weights of one encoder layer, packed for the matmul kernel (Q, K and V stacked).
#[derive(Debug)]
struct Layer {
    qkv: Linear,
    o: Linear,
    ln1: NormP,
    ff1: Linear,
    ff2: Linear,
    ln2: NormP,
}

#[derive(Debug)]
enum Head {
    /// BERT: tanh(pooler) → classifier.
    Pooler { pooler: Linear, classifier: Linear },
    /// DistilBERT: ReLU(pre_classifier) → classifier.
    PreClassifier { pre: Linear, classifier: Linear },
    /// RoBERTa: tanh(dense) → out_proj.
    Dense { dense: Linear, out_proj: Linear },
}

/// One linear layer, packed (f32) or quantized (int8) once at load.
#[derive(Debug)]
enum Linear {
    F32(PackedLinear),
    Int8(QuantLinear),
}

impl Linear {
    fn new(parts: &[WeightRef<'_>], k: usize, quantization: Quantization) -> Self {
        match quantization {
            Quantization::None => Self::F32(PackedLinear::new(parts, k)),
            Quantization::Int8 => Self::Int8(QuantLinear::new(parts, k, QuantFormat::Int8)),
            Quantization::Int16 => Self::Int8(QuantLinear::new(parts, k, QuantFormat::Int16)),
        }
    }

    fn n(&self) -> usize {
        match self {
            Self::F32(p) => p.n(),
            Self::Int8(q) => q.n(),
        }
    }

    /// `out = x · Wᵀ + b`, then the epilogue, on the current thread.
    fn apply(&self, x: &[f32], out: &mut [f32], epilogue: Epilogue<'_>) {
        match self {
            Self::F32(p) => kernels::matmul(x, p, out, epilogue),
            Self::Int8(q) => kernels::quant_matmul(x, q, out, epilogue),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Self::F32(p) => p.bytes(),
            Self::Int8(q) => q.bytes(),
        }
    }
}

/// How the encoder's linear layers compute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Quantization {
    /// f32 throughout: the pipeline's results (scores within 1e-5). The default.
    #[default]
    None,
    /// Opt-in: the encoder's linear layers in int8 (int8 weights per output channel, 7-bit
    /// activations per row, quantized dynamically; see [`crate::kernels::QuantFormat`]);
    /// embeddings, attention, softmax, layer norm, GELU and the classification head stay f32.
    /// The fastest mode (MiniLM bench: 1.7× the f32 engine), but scores move by a few
    /// hundredths (bench: mean 0.013, max 0.047), so texts whose top two labels are that close
    /// can change label (bench: 240/256 labels kept).
    Int8,
    /// Opt-in: as `Int8` with 12-bit weights and 14-bit activations multiplied in 16-bit
    /// integer lanes: about 1.27× the f32 engine, scores within about 1e-3 of f32 (bench: mean
    /// 2.5e-4, max 1.0e-3; 255/256 labels kept, the other had a top-two margin of 7e-4).
    Int16,
}

/// A loaded sequence-classification model.
#[derive(Debug)]
pub struct Model {
    cfg: ModelConfig,
    weights: Weights,
    word: Param,
    pos: Param,
    token_type: Option<Param>,
    emb_norm: NormP,
    layers: Vec<Layer>,
    head: Head,
    quantization: Quantization,
    /// Activation buffers of the last forward pass, reused by the next one.
    buffers: Mutex<Option<Buffers>>,
}

/// The per-token activation buffers of a forward pass (kept between passes up to
/// [`KEEP_TOKENS`] tokens: no allocation, page faults or zeroing per text).
#[derive(Default)]
struct Buffers {
    x1: Vec<f32>,
    ctx: Vec<f32>,
    ff: Vec<f32>,
    qkv: [Vec<f32>; 2],
}

impl std::fmt::Debug for Buffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Buffers")
            .field(
                "floats",
                &(self.x1.capacity() + self.ctx.capacity() + self.ff.capacity()),
            )
            .finish()
    }
}

/// Largest batch (in tokens) whose buffers are kept for the next forward pass: one text of
/// the usual 512-token limit (10 MB with MiniLM's shapes, 20 MB with BERT-base's, per loaded
/// model); a longer batch allocates its own.
const KEEP_TOKENS: usize = 512;

/// The rows of one thread's share of a batch in one layer, with its slices of every buffer.
struct Part<'a> {
    rows: Range<usize>,
    x: &'a mut [f32],
    x1: &'a mut [f32],
    ctx: &'a mut [f32],
    inter: &'a mut [f32],
    /// The next layer's `[q | k | v]` rows of this part.
    qkv_next: &'a mut [f32],
}

/// Fewest rows worth a thread of their own.
const MIN_ROWS_PER_PART: usize = 8;

impl Model {
    /// Binds the checkpoint's tensors to the architecture (checking every shape) and packs the
    /// linear layers for the f32 matmul kernel.
    pub fn new(cfg: ModelConfig, weights: Weights) -> Result<Self, HfError> {
        Self::with_quantization(cfg, weights, Quantization::None)
    }

    /// As [`Model::new`], with the encoder's linear layers in the given precision (the
    /// classification head always stays f32).
    pub fn with_quantization(
        cfg: ModelConfig,
        weights: Weights,
        quantization: Quantization,
    ) -> Result<Self, HfError> {
        let h = cfg.hidden_size;
        let inter = cfg.intermediate_size;
        let labels = cfg.labels.len();
        let w = &weights;
        let param = |name: &str, out: usize, inp: usize| -> Result<LinearP, HfError> {
            Ok(LinearP {
                w: w.param(&format!("{name}.weight"), &[out, inp])?,
                b: w.param(&format!("{name}.bias"), &[out])?,
            })
        };
        let wr = |l: &LinearP| WeightRef {
            w: w.data(&l.w),
            b: w.data(&l.b),
        };
        let lin = |name: &str, out: usize, inp: usize| -> Result<Linear, HfError> {
            Ok(Linear::new(
                &[wr(&param(name, out, inp)?)],
                inp,
                quantization,
            ))
        };
        let head_lin = |name: &str, out: usize, inp: usize| -> Result<Linear, HfError> {
            Ok(Linear::new(
                &[wr(&param(name, out, inp)?)],
                inp,
                Quantization::None,
            ))
        };
        let norm = |name: &str| -> Result<NormP, HfError> {
            Ok(NormP {
                g: w.param(&format!("{name}.weight"), &[h])?,
                b: w.param(&format!("{name}.bias"), &[h])?,
            })
        };
        let base = match cfg.arch {
            Arch::Bert => "bert",
            Arch::DistilBert => "distilbert",
            Arch::Roberta => "roberta",
        };
        let word = w.param(
            &format!("{base}.embeddings.word_embeddings.weight"),
            &[cfg.vocab_size, h],
        )?;
        let pos = w.param(
            &format!("{base}.embeddings.position_embeddings.weight"),
            &[cfg.max_position_embeddings, h],
        )?;
        let token_type = if cfg.arch == Arch::DistilBert || cfg.type_vocab_size == 0 {
            None
        } else {
            Some(w.param(
                &format!("{base}.embeddings.token_type_embeddings.weight"),
                &[cfg.type_vocab_size, h],
            )?)
        };
        let emb_norm = norm(&format!("{base}.embeddings.LayerNorm"))?;
        let mut layers = Vec::with_capacity(cfg.num_layers);
        for i in 0..cfg.num_layers {
            let names = if cfg.arch == Arch::DistilBert {
                let p = format!("distilbert.transformer.layer.{i}");
                [
                    format!("{p}.attention.q_lin"),
                    format!("{p}.attention.k_lin"),
                    format!("{p}.attention.v_lin"),
                    format!("{p}.attention.out_lin"),
                    format!("{p}.sa_layer_norm"),
                    format!("{p}.ffn.lin1"),
                    format!("{p}.ffn.lin2"),
                    format!("{p}.output_layer_norm"),
                ]
            } else {
                let p = format!("{base}.encoder.layer.{i}");
                [
                    format!("{p}.attention.self.query"),
                    format!("{p}.attention.self.key"),
                    format!("{p}.attention.self.value"),
                    format!("{p}.attention.output.dense"),
                    format!("{p}.attention.output.LayerNorm"),
                    format!("{p}.intermediate.dense"),
                    format!("{p}.output.dense"),
                    format!("{p}.output.LayerNorm"),
                ]
            };
            let (q, k, v) = (
                param(&names[0], h, h)?,
                param(&names[1], h, h)?,
                param(&names[2], h, h)?,
            );
            layers.push(Layer {
                qkv: Linear::new(&[wr(&q), wr(&k), wr(&v)], h, quantization),
                o: lin(&names[3], h, h)?,
                ln1: norm(&names[4])?,
                ff1: lin(&names[5], inter, h)?,
                ff2: lin(&names[6], h, inter)?,
                ln2: norm(&names[7])?,
            });
        }
        let head = match cfg.arch {
            Arch::Bert => Head::Pooler {
                pooler: head_lin("bert.pooler.dense", h, h)?,
                classifier: head_lin("classifier", labels, h)?,
            },
            Arch::DistilBert => Head::PreClassifier {
                pre: head_lin("pre_classifier", h, h)?,
                classifier: head_lin("classifier", labels, h)?,
            },
            Arch::Roberta => Head::Dense {
                dense: head_lin("classifier.dense", h, h)?,
                out_proj: head_lin("classifier.out_proj", labels, h)?,
            },
        };
        Ok(Self {
            cfg,
            weights,
            word,
            pos,
            token_type,
            emb_norm,
            layers,
            head,
            quantization,
            buffers: Mutex::new(None),
        })
    }

    /// The precision of the encoder's linear layers.
    pub fn quantization(&self) -> Quantization {
        self.quantization
    }

    /// The model's configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The checkpoint.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Bytes of the packed or quantized linear layers (held in addition to the checkpoint).
    pub fn packed_bytes(&self) -> usize {
        let head = match &self.head {
            Head::Pooler { pooler, classifier } => pooler.bytes() + classifier.bytes(),
            Head::PreClassifier { pre, classifier } => pre.bytes() + classifier.bytes(),
            Head::Dense { dense, out_proj } => dense.bytes() + out_proj.bytes(),
        };
        self.layers
            .iter()
            .map(|l| l.qkv.bytes() + l.o.bytes() + l.ff1.bytes() + l.ff2.bytes())
            .sum::<usize>()
            + head
    }

    /// Logits of every text of the batch (`labels` values each). Runs on the current rayon
    /// pool. Every sequence must hold at least one token and fit the position embeddings.
    ///
    /// The packed rows are split once into one share per thread (balanced by matmul and
    /// attention work); each thread runs a whole layer on its rows — attention for its
    /// queries, output projection, layer norm, feed-forward, layer norm and the next layer's
    /// Q/K/V — so threads meet once per layer (attention needs every row's keys and values).
    pub fn forward(&self, batch: &[Encoded]) -> Result<Vec<Vec<f32>>, HfError> {
        let h = self.cfg.hidden_size;
        let limit = self.cfg.max_input_len();
        let mut seqs = Vec::with_capacity(batch.len());
        let mut total = 0;
        for enc in batch {
            let len = enc.ids.len();
            if len == 0 {
                return Err(HfError::Encode(
                    "the tokenizer produced no tokens for the text".into(),
                ));
            }
            if len > limit {
                return Err(HfError::Encode(format!(
                    "{len} tokens exceed the model's {limit} positions"
                )));
            }
            seqs.push((total, len));
            total += len;
        }
        let mut x = self.embed(batch, total)?;
        if let Some(first) = self.layers.first() {
            let inter = self.cfg.intermediate_size;
            let bounds = self.split(&seqs, total);
            // Every buffer is fully written before it is read: stale values are never used.
            let mut bufs = self
                .buffers
                .try_lock()
                .ok()
                .and_then(|mut b| b.take())
                .unwrap_or_default();
            bufs.x1.resize(total * h, 0.0);
            bufs.ctx.resize(total * h, 0.0);
            bufs.ff.resize(total * inter, 0.0);
            for q in &mut bufs.qkv {
                q.resize(total * 3 * h, 0.0);
            }
            let Buffers { x1, ctx, ff, qkv } = &mut bufs;
            {
                let (qkv0, _) = qkv.split_at_mut(1);
                let xs = split_rows(&mut x, &bounds, h);
                let outs = split_rows(&mut qkv0[0][..total * 3 * h], &bounds, 3 * h);
                run_parts(xs.into_iter().zip(outs).collect(), |(xp, out)| {
                    first.qkv.apply(xp, out, Epilogue::None);
                });
            }
            for (l, layer) in self.layers.iter().enumerate() {
                let (a, b) = qkv.split_at_mut(1);
                let (cur, next) = if l % 2 == 0 {
                    (&a[0], &mut b[0])
                } else {
                    (&b[0], &mut a[0])
                };
                let next_layer = self.layers.get(l + 1);
                let cur = &cur[..total * 3 * h];
                let parts: Vec<Part<'_>> = split_rows(&mut x, &bounds, h)
                    .into_iter()
                    .zip(split_rows(&mut x1[..total * h], &bounds, h))
                    .zip(split_rows(&mut ctx[..total * h], &bounds, h))
                    .zip(split_rows(&mut ff[..total * inter], &bounds, inter))
                    .zip(split_rows(&mut next[..total * 3 * h], &bounds, 3 * h))
                    .zip(bounds.windows(2))
                    .map(|(((((x, x1), ctx), inter), qkv_next), w)| Part {
                        rows: w[0]..w[1],
                        x,
                        x1,
                        ctx,
                        inter,
                        qkv_next,
                    })
                    .collect();
                run_parts(parts, |p| self.layer_part(layer, next_layer, cur, &seqs, p));
            }
            if total <= KEEP_TOKENS {
                if let Ok(mut kept) = self.buffers.try_lock() {
                    *kept = Some(bufs);
                }
            }
        }
        // The first token ([CLS] / <s>) of every sequence.
        let mut cls = Vec::with_capacity(batch.len() * h);
        for &(start, _) in &seqs {
            cls.extend_from_slice(&x[start * h..(start + 1) * h]);
        }
        let logits = self.head(&cls);
        let labels = self.cfg.labels.len();
        Ok(logits.chunks_exact(labels).map(<[f32]>::to_vec).collect())
    }

    /// One layer on one part's rows, then the next layer's Q/K/V of those rows.
    fn layer_part(
        &self,
        layer: &Layer,
        next: Option<&Layer>,
        qkv: &[f32],
        seqs: &[(usize, usize)],
        p: Part<'_>,
    ) {
        let h = self.cfg.hidden_size;
        let eps = self.cfg.layer_norm_eps;
        kernels::attention_rows(qkv, h, self.cfg.num_heads, seqs, p.rows, p.ctx);
        layer.o.apply(
            p.ctx,
            p.x1,
            Epilogue::AddNorm {
                residual: p.x,
                gamma: self.weights.data(&layer.ln1.g),
                beta: self.weights.data(&layer.ln1.b),
                eps,
            },
        );
        layer
            .ff1
            .apply(p.x1, p.inter, Epilogue::Act(self.cfg.activation));
        layer.ff2.apply(
            p.inter,
            p.x,
            Epilogue::AddNorm {
                residual: p.x1,
                gamma: self.weights.data(&layer.ln2.g),
                beta: self.weights.data(&layer.ln2.b),
                eps,
            },
        );
        if let Some(next) = next {
            next.qkv.apply(p.x, p.qkv_next, Epilogue::None);
        }
    }

    /// Row boundaries of the threads' shares: equal shares of the work, where a row costs its
    /// linear layers plus attention over its sequence (`len` keys).
    fn split(&self, seqs: &[(usize, usize)], total: usize) -> Vec<usize> {
        let threads = rayon::current_num_threads().max(1);
        let parts = threads.min(total / MIN_ROWS_PER_PART).max(1);
        if parts == 1 {
            return vec![0, total];
        }
        let h = self.cfg.hidden_size as f64;
        let linear = 2.0 * (4.0 * h * h + 2.0 * h * self.cfg.intermediate_size as f64);
        let cost = |len: usize| linear + 4.0 * h * len as f64;
        let sum: f64 = seqs.iter().map(|&(_, len)| len as f64 * cost(len)).sum();
        let mut bounds = vec![0];
        let mut acc = 0.0;
        for &(start, len) in seqs {
            let c = cost(len);
            for row in start..start + len {
                acc += c;
                let target = sum * bounds.len() as f64 / parts as f64;
                if acc >= target && bounds.len() < parts && row + 1 < total {
                    bounds.push(row + 1);
                }
            }
        }
        bounds.push(total);
        bounds
    }

    fn embed(&self, batch: &[Encoded], total: usize) -> Result<Vec<f32>, HfError> {
        let h = self.cfg.hidden_size;
        let word = self.weights.data(&self.word);
        let pos = self.weights.data(&self.pos);
        let types = self.token_type.as_ref().map(|p| self.weights.data(p));
        let first_pos = if self.cfg.arch == Arch::Roberta {
            self.cfg.pad_token_id + 1
        } else {
            0
        };
        let mut x = vec![0.0f32; total * h];
        let mut row = 0;
        for enc in batch {
            for (i, (&id, &ty)) in enc
                .ids
                .iter()
                .zip(enc.type_ids.iter().chain(std::iter::repeat(&0)))
                .enumerate()
            {
                let id = id as usize;
                if id >= self.cfg.vocab_size {
                    return Err(HfError::Encode(format!(
                        "token id {id} is outside the model's vocabulary of {} (tokenizer and model do not match)",
                        self.cfg.vocab_size
                    )));
                }
                let out = &mut x[row * h..(row + 1) * h];
                let w = &word[id * h..(id + 1) * h];
                let p = first_pos + i;
                let pe = &pos[p * h..(p + 1) * h];
                out.iter_mut()
                    .zip(w)
                    .zip(pe)
                    .for_each(|((o, a), b)| *o = a + b);
                if let Some(t) = types {
                    let ty = (ty as usize).min(self.cfg.type_vocab_size.saturating_sub(1));
                    out.iter_mut()
                        .zip(&t[ty * h..(ty + 1) * h])
                        .for_each(|(o, v)| *o += v);
                }
                row += 1;
            }
        }
        let (g, b) = (
            self.weights.data(&self.emb_norm.g),
            self.weights.data(&self.emb_norm.b),
        );
        kernels::add_layer_norm(&mut x, None, g, b, self.cfg.layer_norm_eps);
        Ok(x)
    }

    fn head(&self, cls: &[f32]) -> Vec<f32> {
        let h = self.cfg.hidden_size;
        let rows = cls.len() / h;
        let (first, second, relu) = match &self.head {
            Head::Pooler { pooler, classifier } => (pooler, classifier, false),
            Head::PreClassifier { pre, classifier } => (pre, classifier, true),
            Head::Dense { dense, out_proj } => (dense, out_proj, false),
        };
        let mut hidden = vec![0.0f32; rows * first.n()];
        first.apply(cls, &mut hidden, Epilogue::None);
        if relu {
            kernels::activation(Activation::Relu, &mut hidden);
        } else {
            // Exact tanh: a handful of values per text.
            hidden.iter_mut().for_each(|v| *v = v.tanh());
        }
        let mut logits = vec![0.0f32; rows * second.n()];
        second.apply(&hidden, &mut logits, Epilogue::None);
        logits
    }
}

/// `buf` (rows of `width`) cut at the row boundaries `bounds`.
fn split_rows<'a>(mut buf: &'a mut [f32], bounds: &[usize], width: usize) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let (part, rest) = buf.split_at_mut((w[1] - w[0]) * width);
        out.push(part);
        buf = rest;
    }
    out
}

/// Runs `f` on every part: the first on this thread, the others on the current rayon pool.
fn run_parts<T: Send, F: Fn(T) + Sync + Send>(parts: Vec<T>, f: F) {
    if parts.len() <= 1 {
        parts.into_iter().for_each(f);
        return;
    }
    use rayon::prelude::*;
    parts.into_par_iter().for_each(f);
}
