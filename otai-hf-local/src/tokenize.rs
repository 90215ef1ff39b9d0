//! The tokenizer, configured the way `transformers` calls it from the pipeline.
//!
//! `transformers` ignores the truncation and padding stored inside `tokenizer.json` for the
//! length (it overrides them on every call): with `truncation=True` it truncates
//! (`longest_first`, stride 0) to `model_max_length` of `tokenizer_config.json`, on
//! `truncation_side` (from `tokenizer_config.json`, else the direction stored in
//! `tokenizer.json`, else right), and a single text is never padded. The `tokenizers` crate
//! would apply the stored settings instead (all-MiniLM-L6-v2, for one, stores truncation at 128
//! and padding to 128 while its model accepts 512), so they are replaced here.
//!
//! One deliberate difference: without a usable `model_max_length` transformers does not
//! truncate at all and the model then fails on long texts; here the length is capped at what
//! the position embeddings allow.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use crate::HfError;

/// transformers treats a `model_max_length` above this as "no limit" (`LARGE_INTEGER`).
const LARGE_INTEGER: f64 = 1e20;

/// A tokenizer that produces exactly the ids of the pipeline.
#[derive(Debug)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
}

/// Token ids of one text (special tokens included, truncated, unpadded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// Token ids.
    pub ids: Vec<u32>,
    /// Token type ids (all 0 for a single text).
    pub type_ids: Vec<u32>,
}

impl TextTokenizer {
    /// Loads the tokenizer of a model directory. `position_limit` is the longest input the
    /// model's position embeddings allow.
    pub fn load(dir: &Path, position_limit: usize) -> Result<Self, HfError> {
        let cfg_path = dir.join("tokenizer_config.json");
        let cfg = read_json_if_exists(&cfg_path)?;
        let json_path = dir.join("tokenizer.json");
        let vocab_path = dir.join("vocab.txt");
        let (mut inner, stored_side) = if json_path.is_file() {
            let tok = Tokenizer::from_file(&json_path).map_err(|e| HfError::Tokenizer {
                path: json_path.clone(),
                reason: e.to_string(),
            })?;
            let side = tok.get_truncation().map(|t| t.direction);
            (tok, side)
        } else if vocab_path.is_file() {
            (wordpiece_from_vocab(&vocab_path, &cfg)?, None)
        } else {
            return Err(HfError::MissingTokenizer {
                dir: dir.to_path_buf(),
            });
        };

        let model_max = cfg
            .get("model_max_length")
            .or_else(|| cfg.get("max_len"))
            .and_then(Value::as_f64)
            .filter(|n| *n > 0.0 && *n <= LARGE_INTEGER)
            .map(|n| n as usize);
        let max_len = match model_max {
            Some(n) if n <= position_limit => n,
            Some(n) => {
                tracing::warn!(
                    model_max_length = n,
                    position_limit,
                    "tokenizer model_max_length exceeds the model's positions; truncating to the positions"
                );
                position_limit
            }
            None => {
                tracing::debug!(
                    position_limit,
                    "tokenizer_config.json sets no model_max_length; truncating to the model's positions"
                );
                position_limit
            }
        };
        let direction = match cfg.get("truncation_side").and_then(Value::as_str) {
            Some("left") => TruncationDirection::Left,
            Some(_) => TruncationDirection::Right,
            None => stored_side.unwrap_or(TruncationDirection::Right),
        };
        inner
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction,
            }))
            .map_err(|e| HfError::Tokenizer {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
        inner.with_padding(None);
        Ok(Self { inner, max_len })
    }

    /// The truncation length in tokens.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Tokenizes one text like `tokenizer(text, truncation=True)`.
    pub fn encode(&self, text: &str) -> Result<Encoded, HfError> {
        let enc = self
            .inner
            .encode(text, true)
            .map_err(|e| HfError::Encode(e.to_string()))?;
        Ok(Encoded {
            ids: enc.get_ids().to_vec(),
            type_ids: enc.get_type_ids().to_vec(),
        })
    }
}

fn read_json_if_exists(path: &Path) -> Result<serde_json::Map<String, Value>, HfError> {
    if !path.is_file() {
        return Ok(serde_json::Map::new());
    }
    let text = std::fs::read_to_string(path).map_err(|e| HfError::io(path, &e))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(HfError::Tokenizer {
            path: path.to_path_buf(),
            reason: "not a JSON object".into(),
        }),
        Err(e) => Err(HfError::Tokenizer {
            path: path.to_path_buf(),
            reason: format!("not valid JSON ({e})"),
        }),
    }
}

/// A special token of `tokenizer_config.json`: a string or an `AddedToken` object.
fn special(cfg: &serde_json::Map<String, Value>, key: &str, default: &str) -> String {
    match cfg.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string(),
        _ => default.to_string(),
    }
}

/// The fast BERT tokenizer that transformers builds from `vocab.txt` for older repositories.
fn wordpiece_from_vocab(
    vocab: &Path,
    cfg: &serde_json::Map<String, Value>,
) -> Result<Tokenizer, HfError> {
    let bad = |reason: String| HfError::Tokenizer {
        path: vocab.to_path_buf(),
        reason,
    };
    let lowercase = cfg
        .get("do_lower_case")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let strip_accents = cfg.get("strip_accents").and_then(Value::as_bool);
    let chinese = cfg
        .get("tokenize_chinese_chars")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let unk = special(cfg, "unk_token", "[UNK]");
    let cls = special(cfg, "cls_token", "[CLS]");
    let sep = special(cfg, "sep_token", "[SEP]");

    let path = vocab
        .to_str()
        .ok_or_else(|| bad("the path is not valid UTF-8".into()))?;
    let model = WordPiece::from_file(path)
        .unk_token(unk)
        .continuing_subword_prefix("##".into())
        .max_input_chars_per_word(100)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let cls_id =
        model_id(&model, &cls).ok_or_else(|| bad(format!("`{cls}` is not in the vocabulary")))?;
    let sep_id =
        model_id(&model, &sep).ok_or_else(|| bad(format!("`{sep}` is not in the vocabulary")))?;
    let mut tok = Tokenizer::new(model);
    tok.with_normalizer(Some(BertNormalizer::new(
        true,
        chinese,
        strip_accents,
        lowercase,
    )))
    .map_err(|e| bad(e.to_string()))?;
    tok.with_pre_tokenizer(Some(BertPreTokenizer));
    tok.with_post_processor(Some(BertProcessing::new((sep, sep_id), (cls, cls_id))));
    Ok(tok)
}

fn model_id(model: &WordPiece, token: &str) -> Option<u32> {
    use tokenizers::Model;
    model.token_to_id(token)
}

/// The path of the tokenizer file used for a directory (for messages).
pub fn tokenizer_path(dir: &Path) -> PathBuf {
    let json = dir.join("tokenizer.json");
    if json.is_file() {
        json
    } else {
        dir.join("vocab.txt")
    }
}
