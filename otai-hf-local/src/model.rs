//! The encoder and classification heads of BERT, DistilBERT and (XLM-)RoBERTa, as one forward
//! pass over f32 slices of the checkpoint.
//!
//! The three families share the post-layer-norm transformer encoder and differ only in weight
//! names, embeddings (token types; RoBERTa's positions start after the padding index) and head.
//! A batch is *packed*: the tokens of all texts are laid back to back, so linear layers run on
//! every real token of the batch at once and nothing is spent on padding; attention runs per
//! text. For the real tokens this is exactly what padding plus an attention mask computes, and
//! it makes a batched result equal the single-text result.

use crate::config::{Activation, Arch, ModelConfig};
use crate::kernels::{self, Epilogue, WeightRef};
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

#[derive(Debug)]
struct Layer {
    q: LinearP,
    k: LinearP,
    v: LinearP,
    o: LinearP,
    ln1: NormP,
    ff1: LinearP,
    ff2: LinearP,
    ln2: NormP,
}

#[derive(Debug)]
enum Head {
    /// BERT: tanh(pooler) → classifier.
    Pooler {
        pooler: LinearP,
        classifier: LinearP,
    },
    /// DistilBERT: ReLU(pre_classifier) → classifier.
    PreClassifier { pre: LinearP, classifier: LinearP },
    /// RoBERTa: tanh(dense) → out_proj.
    Dense { dense: LinearP, out_proj: LinearP },
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
}

impl Model {
    /// Binds the checkpoint's tensors to the architecture (checking every shape).
    pub fn new(cfg: ModelConfig, weights: Weights) -> Result<Self, HfError> {
        let h = cfg.hidden_size;
        let inter = cfg.intermediate_size;
        let labels = cfg.labels.len();
        let w = &weights;
        let lin = |name: &str, out: usize, inp: usize| -> Result<LinearP, HfError> {
            Ok(LinearP {
                w: w.param(&format!("{name}.weight"), &[out, inp])?,
                b: w.param(&format!("{name}.bias"), &[out])?,
            })
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
            let layer = if cfg.arch == Arch::DistilBert {
                let p = format!("distilbert.transformer.layer.{i}");
                Layer {
                    q: lin(&format!("{p}.attention.q_lin"), h, h)?,
                    k: lin(&format!("{p}.attention.k_lin"), h, h)?,
                    v: lin(&format!("{p}.attention.v_lin"), h, h)?,
                    o: lin(&format!("{p}.attention.out_lin"), h, h)?,
                    ln1: norm(&format!("{p}.sa_layer_norm"))?,
                    ff1: lin(&format!("{p}.ffn.lin1"), inter, h)?,
                    ff2: lin(&format!("{p}.ffn.lin2"), h, inter)?,
                    ln2: norm(&format!("{p}.output_layer_norm"))?,
                }
            } else {
                let p = format!("{base}.encoder.layer.{i}");
                Layer {
                    q: lin(&format!("{p}.attention.self.query"), h, h)?,
                    k: lin(&format!("{p}.attention.self.key"), h, h)?,
                    v: lin(&format!("{p}.attention.self.value"), h, h)?,
                    o: lin(&format!("{p}.attention.output.dense"), h, h)?,
                    ln1: norm(&format!("{p}.attention.output.LayerNorm"))?,
                    ff1: lin(&format!("{p}.intermediate.dense"), inter, h)?,
                    ff2: lin(&format!("{p}.output.dense"), h, inter)?,
                    ln2: norm(&format!("{p}.output.LayerNorm"))?,
                }
            };
            layers.push(layer);
        }
        let head = match cfg.arch {
            Arch::Bert => Head::Pooler {
                pooler: lin("bert.pooler.dense", h, h)?,
                classifier: lin("classifier", labels, h)?,
            },
            Arch::DistilBert => Head::PreClassifier {
                pre: lin("pre_classifier", h, h)?,
                classifier: lin("classifier", labels, h)?,
            },
            Arch::Roberta => Head::Dense {
                dense: lin("classifier.dense", h, h)?,
                out_proj: lin("classifier.out_proj", labels, h)?,
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
        })
    }

    /// The model's configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// The checkpoint.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    fn wr(&self, l: &LinearP) -> WeightRef<'_> {
        WeightRef {
            w: self.weights.data(&l.w),
            b: self.weights.data(&l.b),
        }
    }

    /// Logits of every text of the batch (`labels` values each). Runs on the current rayon
    /// pool. Every sequence must hold at least one token and fit the position embeddings.
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
        let mut qkv = vec![0.0f32; total * 3 * h];
        let mut ctx = vec![0.0f32; total * h];
        let mut x1 = vec![0.0f32; total * h];
        let mut inter = vec![0.0f32; total * self.cfg.intermediate_size];
        for layer in &self.layers {
            kernels::linear(
                &x,
                h,
                &[self.wr(&layer.q), self.wr(&layer.k), self.wr(&layer.v)],
                &mut qkv,
                Epilogue::None,
            );
            kernels::attention(&qkv, h, self.cfg.num_heads, &seqs, &mut ctx);
            let n1 = (
                self.weights.data(&layer.ln1.g),
                self.weights.data(&layer.ln1.b),
            );
            kernels::linear(
                &ctx,
                h,
                &[self.wr(&layer.o)],
                &mut x1,
                Epilogue::AddNorm {
                    residual: &x,
                    gamma: n1.0,
                    beta: n1.1,
                    eps: self.cfg.layer_norm_eps,
                },
            );
            kernels::linear(
                &x1,
                h,
                &[self.wr(&layer.ff1)],
                &mut inter,
                Epilogue::Act(self.cfg.activation),
            );
            let n2 = (
                self.weights.data(&layer.ln2.g),
                self.weights.data(&layer.ln2.b),
            );
            kernels::linear(
                &inter,
                self.cfg.intermediate_size,
                &[self.wr(&layer.ff2)],
                &mut x,
                Epilogue::AddNorm {
                    residual: &x1,
                    gamma: n2.0,
                    beta: n2.1,
                    eps: self.cfg.layer_norm_eps,
                },
            );
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
        let mut hidden = vec![0.0f32; rows * h];
        kernels::linear(cls, h, &[self.wr(first)], &mut hidden, Epilogue::None);
        if relu {
            kernels::activation(Activation::Relu, &mut hidden);
        } else {
            // Exact tanh: a handful of values per text.
            hidden.iter_mut().for_each(|v| *v = v.tanh());
        }
        let mut logits = vec![0.0f32; rows * self.cfg.labels.len()];
        kernels::linear(&hidden, h, &[self.wr(second)], &mut logits, Epilogue::None);
        logits
    }
}
