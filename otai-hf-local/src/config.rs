//! `config.json`: tolerant parsing into what the engine needs.
//!
//! Older configs miss many fields; each gets the default `transformers` uses for its model type.
//! Only the architecture and the shapes the weights cannot tell are required.

use std::path::Path;

use serde_json::{Map, Value};

use crate::HfError;

/// The model family: decides weight names, embeddings and head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// `BertForSequenceClassification`: pooler (dense + tanh on `[CLS]`) → classifier.
    Bert,
    /// `DistilBertForSequenceClassification`: `[CLS]` → pre_classifier → ReLU → classifier.
    DistilBert,
    /// `(XLM)RobertaForSequenceClassification`: `<s>` → dense → tanh → out_proj; positions
    /// start after the padding index.
    Roberta,
}

/// The activation of the feed-forward block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Exact GELU, `x·Φ(x)` with the error function (`gelu`).
    Gelu,
    /// The tanh approximation (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`).
    GeluTanh,
    /// `relu`.
    Relu,
    /// `silu` / `swish`.
    Silu,
}

/// How scores are computed from logits, as the `text-classification` pipeline chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreFn {
    /// `problem_type: regression`: the raw logit.
    None,
    /// Multi-label problems and single-logit models.
    Sigmoid,
    /// Everything else.
    Softmax,
}

/// The parsed `config.json`.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// The model family.
    pub arch: Arch,
    /// Vocabulary size (rows of the word embeddings).
    pub vocab_size: usize,
    /// Hidden size.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_layers: usize,
    /// Number of attention heads.
    pub num_heads: usize,
    /// Size of the feed-forward layer.
    pub intermediate_size: usize,
    /// Rows of the position embeddings.
    pub max_position_embeddings: usize,
    /// Rows of the token-type embeddings (0 for DistilBERT).
    pub type_vocab_size: usize,
    /// Layer-norm epsilon.
    pub layer_norm_eps: f32,
    /// Feed-forward activation.
    pub activation: Activation,
    /// Padding token id (RoBERTa's position ids start after it).
    pub pad_token_id: usize,
    /// Label names by class index (`LABEL_n` where `id2label` is missing).
    pub labels: Vec<String>,
    /// Score function of the pipeline.
    pub score_fn: ScoreFn,
}

impl ModelConfig {
    /// Reads and parses `dir/config.json`.
    pub fn load(path: &Path) -> Result<Self, HfError> {
        let text = std::fs::read_to_string(path).map_err(|e| HfError::Config {
            path: path.to_path_buf(),
            reason: format!("cannot read it ({e})"),
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `config.json` (`path` only names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, HfError> {
        let err = |reason: String| HfError::Config {
            path: path.to_path_buf(),
            reason,
        };
        let value: Value =
            serde_json::from_str(text).map_err(|e| err(format!("not valid JSON ({e})")))?;
        let obj = value
            .as_object()
            .ok_or_else(|| err("not a JSON object".into()))?;

        let model_type = obj
            .get("model_type")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let architecture = obj
            .get("architectures")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let arch = match model_type.as_deref() {
            Some("bert") => Arch::Bert,
            Some("distilbert") => Arch::DistilBert,
            Some("roberta" | "xlm-roberta" | "xlm_roberta" | "camembert") => Arch::Roberta,
            Some(other) => {
                return Err(HfError::UnsupportedArchitecture {
                    path: path.to_path_buf(),
                    found: other.to_string(),
                })
            }
            None if architecture.starts_with("DistilBert") => Arch::DistilBert,
            None if architecture.contains("Roberta") || architecture.starts_with("Camembert") => {
                Arch::Roberta
            }
            None if architecture.starts_with("Bert") => Arch::Bert,
            None => {
                return Err(HfError::UnsupportedArchitecture {
                    path: path.to_path_buf(),
                    found: if architecture.is_empty() {
                        "(neither model_type nor architectures given)".into()
                    } else {
                        architecture
                    },
                })
            }
        };

        let g = Getter { obj, err: &err };
        let distil = arch == Arch::DistilBert;
        let hidden_size = if distil {
            g.usize("dim", 768)?
        } else {
            g.usize("hidden_size", 768)?
        };
        let num_layers = if distil {
            g.usize("n_layers", 6)?
        } else {
            g.usize("num_hidden_layers", 12)?
        };
        let num_heads = if distil {
            g.usize("n_heads", 12)?
        } else {
            g.usize("num_attention_heads", 12)?
        };
        let intermediate_size = if distil {
            g.usize("hidden_dim", 4 * hidden_size)?
        } else {
            g.usize("intermediate_size", 3072)?
        };
        if num_heads == 0 || hidden_size % num_heads != 0 {
            return Err(err(format!(
                "hidden size {hidden_size} is not a multiple of the number of attention heads {num_heads}"
            )));
        }
        let act_name = if distil {
            g.str("activation").unwrap_or("gelu")
        } else {
            g.str("hidden_act").unwrap_or("gelu")
        };
        let activation = match act_name {
            "gelu" => Activation::Gelu,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "relu" => Activation::Relu,
            "silu" | "swish" => Activation::Silu,
            other => return Err(err(format!("unsupported activation `{other}`"))),
        };
        if !distil {
            if let Some(kind) = g.str("position_embedding_type") {
                if kind != "absolute" {
                    return Err(err(format!(
                        "position_embedding_type `{kind}` is not supported (only `absolute`)"
                    )));
                }
            }
        }
        let default_pad = if arch == Arch::Roberta { 1 } else { 0 };
        let pad_token_id = match obj.get("pad_token_id") {
            None | Some(Value::Null) => default_pad,
            Some(_) => g.usize("pad_token_id", default_pad)?,
        };

        let labels = parse_labels(obj, &err)?;
        let problem_type = g.str("problem_type");
        let score_fn = match problem_type {
            Some("regression") => ScoreFn::None,
            Some("multi_label_classification") => ScoreFn::Sigmoid,
            _ if labels.len() == 1 => ScoreFn::Sigmoid,
            _ => ScoreFn::Softmax,
        };

        Ok(Self {
            arch,
            vocab_size: g.usize(
                "vocab_size",
                if arch == Arch::Roberta { 50265 } else { 30522 },
            )?,
            hidden_size,
            num_layers,
            num_heads,
            intermediate_size,
            max_position_embeddings: g.usize("max_position_embeddings", 512)?,
            type_vocab_size: if distil {
                0
            } else {
                g.usize("type_vocab_size", 2)?
            },
            layer_norm_eps: if distil {
                1e-12
            } else {
                g.f64("layer_norm_eps", 1e-12)? as f32
            },
            activation,
            pad_token_id,
            labels,
            score_fn,
        })
    }

    /// Size of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_heads
    }

    /// The longest input (in tokens, special tokens included) the position embeddings allow.
    pub fn max_input_len(&self) -> usize {
        match self.arch {
            Arch::Roberta => self
                .max_position_embeddings
                .saturating_sub(self.pad_token_id + 1),
            _ => self.max_position_embeddings,
        }
    }
}

/// `id2label` (keys are strings of indices) → names; `LABEL_n` for a missing map, as
/// transformers does (`num_labels`, default 2).
fn parse_labels(
    obj: &Map<String, Value>,
    err: &dyn Fn(String) -> HfError,
) -> Result<Vec<String>, HfError> {
    if let Some(map) = obj.get("id2label").and_then(Value::as_object) {
        if !map.is_empty() {
            let mut pairs = Vec::with_capacity(map.len());
            for (k, v) in map {
                let idx: usize = k
                    .trim()
                    .parse()
                    .map_err(|_| err(format!("id2label key `{k}` is not a class index")))?;
                let name = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                pairs.push((idx, name));
            }
            let n = pairs.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
            let mut labels: Vec<String> = (0..n).map(|i| format!("LABEL_{i}")).collect();
            for (i, name) in pairs {
                labels[i] = name;
            }
            return Ok(labels);
        }
    }
    let n = ["num_labels", "_num_labels"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_u64))
        .unwrap_or(2) as usize;
    if n == 0 {
        return Err(err("num_labels is 0".into()));
    }
    Ok((0..n).map(|i| format!("LABEL_{i}")).collect())
}

struct Getter<'a> {
    obj: &'a Map<String, Value>,
    err: &'a dyn Fn(String) -> HfError,
}

impl Getter<'_> {
    fn usize(&self, key: &str, default: usize) -> Result<usize, HfError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().map(|n| n as usize).ok_or_else(|| {
                (self.err)(format!("`{key}` must be a non-negative integer, found {v}"))
            }),
        }
    }

    fn f64(&self, key: &str, default: f64) -> Result<f64, HfError> {
        match self.obj.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_f64()
                .ok_or_else(|| (self.err)(format!("`{key}` must be a number, found {v}"))),
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.obj.get(key).and_then(Value::as_str)
    }
}
