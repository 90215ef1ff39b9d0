//! `hf-local:HFClassificationService`: the [`ClassificationService`] on the local engine.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use otai::prelude::*;
use otai::ConfigPath;

use crate::{
    EngineSettings, EnvView, HfError, ModelStore, Quantization, ResolveSettings, StoreSettings,
};

/// Params of `hf-local:HFClassificationService`. All optional: a config that names its
/// models only in the classification pipes (`model_name`), as the original does, needs none.
#[otai::params]
#[derive(Debug, Clone, Default)]
pub struct HFClassificationServiceParams {
    /// Token for private models (downloads only; `HF_TOKEN` otherwise). A request's own
    /// `api_token` wins over it. Never logged.
    #[serde(default)]
    pub api_token: Option<Secret>,
    /// A directory holding model directories: `model_name: acme/queue` is looked for as
    /// `<model_dir>/acme/queue` first. Relative to the config file.
    #[serde(default)]
    pub model_dir: Option<PathBuf>,
    /// A Hugging Face cache (`models--org--name/snapshots/…` layout) searched before the one
    /// of the environment (`HF_HUB_CACHE`, `HF_HOME/hub`, `~/.cache/huggingface/hub`).
    /// Relative to the config file.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Revision (branch, tag or commit) of Hub model ids; `main` when unset.
    #[serde(default)]
    pub revision: Option<String>,
    /// Where models run: `cpu` (the only device of this build).
    #[serde(default)]
    pub device: Device,
    /// Arithmetic of the encoder's matrix products: `f32` (the default: the `transformers`
    /// pipeline's results), or opt-in `int16` (≈ 1.3× faster, scores within ≈ 1e-3) and `int8`
    /// (≈ 1.7× faster, scores within a few hundredths, so near-ties can change label).
    #[serde(default)]
    pub precision: Precision,
    /// Most texts classified in one forward pass (default 32): concurrent requests for one
    /// model are gathered into batches up to this size.
    #[serde(default = "default_max_batch_size")]
    pub max_batch_size: usize,
    /// How long a batch waits for more concurrent requests after the first (default 2 ms).
    #[serde(default = "default_batch_wait")]
    pub batch_wait: Duration,
    /// Compute threads per model (default: the cores of the machine, at most 8).
    #[serde(default)]
    pub num_threads: Option<usize>,
    /// Most models kept loaded; the least recently used is dropped beyond it (default 16,
    /// as the original).
    #[serde(default = "default_max_loaded_models")]
    pub max_loaded_models: usize,
}

fn default_max_batch_size() -> usize {
    32
}

fn default_batch_wait() -> Duration {
    Duration::from_millis(2)
}

fn default_max_loaded_models() -> usize {
    16
}

/// Where a model runs.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, otai::serde::Deserialize, otai::schemars::JsonSchema,
)]
#[serde(crate = "otai::serde", rename_all = "lowercase")]
#[schemars(crate = "otai::schemars")]
pub enum Device {
    /// The CPU, f32 (vectorized kernels picked at run time: AVX2, AVX-512).
    #[default]
    Cpu,
}

/// The arithmetic of a model's matrix products.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, otai::serde::Deserialize, otai::schemars::JsonSchema,
)]
#[serde(crate = "otai::serde", rename_all = "lowercase")]
#[schemars(crate = "otai::schemars")]
pub enum Precision {
    /// f32 throughout, as the `transformers` pipeline.
    #[default]
    F32,
    /// Quantized to 16-bit integers (12-bit weights, 14-bit activations).
    Int16,
    /// Quantized to 8-bit integers.
    Int8,
}

impl From<Precision> for Quantization {
    fn from(precision: Precision) -> Self {
        match precision {
            Precision::F32 => Quantization::None,
            Precision::Int16 => Quantization::Int16,
            Precision::Int8 => Quantization::Int8,
        }
    }
}

/// Local Hugging Face text classification with models loaded once and kept.
///
/// Local Hugging Face text classification, as the original's `hf-local` service: `classify`
/// runs `pipeline("text-classification")(text, truncation=True)` of the model `model_name`
/// (a directory, or a Hub id in the local cache), loaded once and kept (LRU).
///
/// Building is offline and loads nothing. A model named literally in a classification pipe is
/// loaded before the first cycle and by `otai check --online` (a missing or broken model is
/// reported there, at the pipe); any other model on its first use.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     hf_local:
///       use: hf-local:HFClassificationService
///       params: { device: cpu, max_batch_size: 16, batch_wait: 5ms }
///   orchestrator:
///     id: classify
///     use: base:ClassificationPipe
///     injects: { classification_service: hf_local }
///     params:
///       text: "I was charged twice for my subscription."
///       model_name: distilbert/distilbert-base-uncased-finetuned-sst-2-english
/// ```
#[otai::service(provides(ClassificationService))]
pub struct HFClassificationService {
    models: ModelStore,
    /// Model directories by name, looked in first (`model_dir`).
    model_dir: Option<PathBuf>,
    /// The config file's directory, for model paths relative to it.
    base_dir: Option<PathBuf>,
    api_token: Option<Secret>,
}

impl HFClassificationService {
    /// Where `model_name` is looked for first: a directory under `model_dir`, or the name as a
    /// path relative to the config file; else the name as given (a path, or a Hub id).
    fn locate(&self, model_name: &str) -> String {
        let under_model_dir = self.model_dir.as_ref().map(|dir| dir.join(model_name));
        let relative = self
            .base_dir
            .as_ref()
            .filter(|_| Path::new(model_name).is_relative())
            .map(|dir| dir.join(model_name));
        under_model_dir
            .into_iter()
            .chain(relative)
            .find(|dir| dir.is_dir())
            .map_or_else(|| model_name.to_owned(), |dir| dir.display().to_string())
    }

    /// The loaded model `model_name`, loading it on first use.
    async fn model(
        &self,
        model_name: &str,
        api_token: Option<&Secret>,
    ) -> Result<std::sync::Arc<crate::TextClassifier>, ClassificationError> {
        let token = api_token.or(self.api_token.as_ref()).map(Secret::expose);
        self.models
            .get_with_token(&self.locate(model_name), token)
            .await
            .map_err(|error| model_error(model_name, error))
    }
}

/// What the engine's error means to a caller: a model that is not there, or one that failed.
fn model_error(model_name: &str, error: HfError) -> ClassificationError {
    match error {
        HfError::NotFound { .. } => ClassificationError::UnknownModel {
            model: model_name.to_owned(),
            message: error.to_string(),
        },
        other => ClassificationError::Failed {
            model: model_name.to_owned(),
            source: Box::new(other),
        },
    }
}

impl Service for HFClassificationService {
    type Params = HFClassificationServiceParams;

    fn build(params: Self::Params, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        if params.max_batch_size == 0 {
            return Err(BuildError::new("`max_batch_size` must be at least 1")
                .at_param(ConfigPath::of_key("max_batch_size")));
        }
        if params.num_threads == Some(0) {
            return Err(BuildError::new("`num_threads` must be at least 1")
                .at_param(ConfigPath::of_key("num_threads")));
        }
        let app = ctx.app_config().clone();
        let env_app = app.clone();
        let mut engine = EngineSettings {
            max_batch_size: params.max_batch_size,
            max_wait: StdDuration::from(params.batch_wait),
            quantize: params.precision.into(),
            ..EngineSettings::default()
        };
        if let Some(threads) = params.num_threads {
            engine.num_threads = threads;
        }
        let settings = StoreSettings {
            resolve: ResolveSettings {
                cache_dir: params.cache_dir.map(|dir| app.resolve_path(&dir)),
                revision: params.revision,
                api_token: None,
                // `HF_HOME`, `HF_HUB_OFFLINE`, `HF_TOKEN`… as the config sees them (`.env`
                // and an embedding application's overrides included).
                env: EnvView::from_fn(move |name| env_app.env(name)),
            },
            engine,
            capacity: params.max_loaded_models.max(1),
        };
        Ok(Self {
            models: ModelStore::new(settings),
            model_dir: params.model_dir.map(|dir| app.resolve_path(&dir)),
            base_dir: app.base_dir().map(Path::to_owned),
            api_token: params.api_token,
        })
    }
}

#[async_trait]
impl ClassificationService for HFClassificationService {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        let model = self
            .model(&request.model_name, request.api_token.as_ref())
            .await?;
        let prediction = model
            .classify(&request.text)
            .await
            .map_err(|error| model_error(&request.model_name, error))?;
        Ok(ClassificationResult {
            label: prediction.label,
            confidence: f64::from(prediction.score),
        })
    }

    async fn prepare_model(
        &self,
        model_name: &str,
        api_token: Option<&Secret>,
    ) -> Result<(), ClassificationError> {
        let model = self.model(model_name, api_token).await?;
        tracing::info!(
            model = model_name,
            dir = %model.dir().display(),
            labels = model.config().labels.len(),
            "model loaded"
        );
        Ok(())
    }
}
