//! # otai-hf-local
//!
//! Open Ticket AI plugin `hf-local`: local HuggingFace text classification. Its registry keys
//! start with `hf-local:`.
//!
//! | key | kind | |
//! |---|---|---|
//! | `hf-local:HFClassificationService` | service | [`HFClassificationService`] (`ClassificationService`) |
//!
//! This crate holds the service and its inference engine: local Hugging Face
//! text-classification models (BERT, DistilBERT, RoBERTa, XLM-RoBERTa) in pure Rust, with the
//! results of `transformers.pipeline("text-classification")(text, truncation=True)`.
//! The service wrapper (`hf-local:HFClassificationService`) calls:
//!
//! * [`ModelStore::get`]: resolve a `model_name` (directory or Hub id in the local cache) and
//!   load it once (LRU of 16, loads off the async workers, concurrent requests share a load);
//! * [`TextClassifier::classify`]: classify one text through the model's micro-batcher, or
//!   [`TextClassifier::classify_batch`] for many texts at once (blocking).
//!
//! Inference is f32 by default (the pipeline's results); [`EngineSettings::quantize`] opts into
//! int8 or int16 matmuls ([`Quantization`]). With the `hub-download` feature, model ids missing
//! from the local cache are downloaded into it (off by default).
//!
//! Modules, one job each (internal: the API is what the crate root exports): `resolve` (where a
//! model is, and the optional download), `config` (`config.json`), `tokenize` (the pipeline's
//! tokenizer call), `weights` (mmapped safetensors or `pytorch_model.bin`), `kernels` (packed
//! matmuls, fused attention, vectorized math), `model` (encoder and heads, threads),
//! `classifier` (one loaded model), `batcher` (micro-batching), `store` (the cache).

mod batcher;
mod classifier;
// The inference engine's modules are reachable for this crate's own tests and benches
// (kernels against references, activations, whether downloads are compiled in, the model's
// parts); they are hidden and not part of its API, which is what the root exports.
#[doc(hidden)]
pub mod config;
mod error;
#[doc(hidden)]
pub mod kernels;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod resolve;
mod service;
mod store;
#[doc(hidden)]
pub mod tokenize;
#[doc(hidden)]
pub mod weights;

pub use classifier::{score, EngineSettings, Prediction, TextClassifier};
pub use config::{ModelConfig, ScoreFn};
pub use error::HfError;
pub use model::Quantization;
pub use resolve::{resolve_model, EnvView, ResolveSettings};
pub use service::{Device, HFClassificationService, HFClassificationServiceParams, Precision};
pub use store::{ModelStore, StoreSettings};

use otai::{InjectableDescriptor, Plugin};

/// The `hf-local` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct HfLocalPlugin;

impl Plugin for HfLocalPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![HFClassificationService]
    }
}
