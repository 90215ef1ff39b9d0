//! The one error type of the engine. Every variant says what went wrong *and what to do*.

use std::path::PathBuf;

/// Everything that can go wrong while finding, loading or running a model.
///
/// The type is `Clone` because one failed load is handed to every request that waited for it
/// (see [`crate::ModelStore`]); sources are therefore kept as text.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum HfError {
    /// No directory or cache entry holds the model.
    #[error(
        "model `{model}` was not found. Looked in:\n{}\nTo fix: {hint}",
        looked_in.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n")
    )]
    NotFound {
        /// The `model_name` as requested.
        model: String,
        /// Every place that was looked in, with why it did not match.
        looked_in: Vec<String>,
        /// How to put the model where it will be found.
        hint: String,
    },
    /// A file of the model directory could not be read.
    #[error("cannot read `{path}`: {reason}. Check that the file exists and is readable.")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        reason: String,
    },
    /// `config.json` is missing, not JSON, or lacks a value that has no default.
    #[error(
        "invalid model config `{path}`: {reason}. Re-download the model or repair config.json."
    )]
    Config {
        /// The config file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// `model_type`/`architectures` name a model family this engine does not run.
    #[error(
        "unsupported architecture `{found}` in `{path}`: supported are BERT, DistilBERT, RoBERTa \
         and XLM-RoBERTa sequence-classification models (model_type bert, distilbert, roberta, \
         xlm-roberta, camembert)."
    )]
    UnsupportedArchitecture {
        /// The config file.
        path: PathBuf,
        /// The `model_type` (or architecture) found.
        found: String,
    },
    /// Neither `model.safetensors` nor `pytorch_model.bin` is in the model directory.
    #[error(
        "no weights in `{dir}`: expected `model.safetensors` or `pytorch_model.bin`. Sharded \
         checkpoints and other formats are not supported; re-save the model with \
         `model.save_pretrained(dir)`."
    )]
    MissingWeights {
        /// The model directory.
        dir: PathBuf,
    },
    /// The weights file exists but cannot be used.
    #[error("unusable weights `{path}`: {reason}. Re-download the model or re-save it with `save_pretrained`.")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What is wrong with it (missing tensor, wrong shape, unsupported dtype, corrupt file).
        reason: String,
    },
    /// Neither `tokenizer.json` nor `vocab.txt` is in the model directory.
    #[error(
        "no tokenizer in `{dir}`: expected `tokenizer.json`, or `vocab.txt` (WordPiece) with an \
         optional `tokenizer_config.json`. Save one with `AutoTokenizer.from_pretrained(name)\
         .save_pretrained(dir)`."
    )]
    MissingTokenizer {
        /// The model directory.
        dir: PathBuf,
    },
    /// The tokenizer files exist but cannot be used.
    #[error("unusable tokenizer `{path}`: {reason}. Re-download the tokenizer files.")]
    Tokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Tokenizing one input text failed.
    #[error("could not tokenize the text: {0}")]
    Encode(String),
    /// The model's worker thread pool could not be created.
    #[error("cannot start {threads} inference threads: {reason}. Lower `num_threads`.")]
    Threads {
        /// The requested thread count.
        threads: usize,
        /// The operating system's message.
        reason: String,
    },
    /// The background task that loads a model or runs a batch ended without an answer.
    #[error("the model worker stopped unexpectedly ({0}); the request can be retried")]
    WorkerGone(String),
    /// Downloading from the Hub is impossible or failed.
    #[error("cannot download `{model}` from the Hugging Face Hub: {reason}")]
    Download {
        /// The model id.
        model: String,
        /// Why not.
        reason: String,
    },
}

impl HfError {
    pub(crate) fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            reason: err.to_string(),
        }
    }

    pub(crate) fn weights(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Weights {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
