//! One loaded model: tokenizer, weights, head, labels and score function, with its own thread
//! pool and micro-batcher.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::batcher::Batcher;
use crate::config::{ModelConfig, ScoreFn};
use crate::model::{Model, Quantization};
use crate::tokenize::{Encoded, TextTokenizer};
use crate::weights::Weights;
use crate::HfError;

/// The top label of a text and its score, as the `text-classification` pipeline returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The label name (`id2label`, or `LABEL_n`).
    pub label: String,
    /// Its score: softmax probability, sigmoid, or the raw logit for regression models.
    pub score: f32,
}

/// How a model runs.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Threads of the model's compute pool (default: all cores, at most 8).
    pub num_threads: usize,
    /// Most texts run in one forward pass (micro-batcher and `classify_batch` alike).
    pub max_batch_size: usize,
    /// How long the micro-batcher waits for more concurrent requests after the first one.
    pub max_wait: Duration,
    /// Precision of the encoder's matmuls: f32 (default, the pipeline's results) or the
    /// opt-in int8 mode ([`Quantization::Int8`]).
    pub quantize: Quantization,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            num_threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            max_batch_size: 32,
            max_wait: Duration::from_millis(2),
            quantize: Quantization::None,
        }
    }
}

/// The part shared by [`TextClassifier`] and its batcher thread.
pub(crate) struct Core {
    dir: PathBuf,
    tokenizer: TextTokenizer,
    model: Model,
    pool: rayon::ThreadPool,
    max_batch_size: usize,
}

impl Core {
    pub(crate) fn classify_batch(&self, texts: &[&str]) -> Result<Vec<Prediction>, HfError> {
        let encoded = texts
            .iter()
            .map(|t| self.tokenizer.encode(t))
            .collect::<Result<Vec<_>, _>>()?;
        self.classify_encoded(encoded)
    }

    fn classify_encoded(&self, encoded: Vec<Encoded>) -> Result<Vec<Prediction>, HfError> {
        // Longest first, then runs of similar length: batches are balanced across threads.
        let mut order: Vec<usize> = (0..encoded.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encoded[i].ids.len()));
        let mut out: Vec<Option<Prediction>> = vec![None; encoded.len()];
        let mut enc: Vec<Option<Encoded>> = encoded.into_iter().map(Some).collect();
        for chunk in order.chunks(self.max_batch_size.max(1)) {
            let batch: Vec<Encoded> = chunk.iter().filter_map(|&i| enc[i].take()).collect();
            let logits = self.pool.install(|| self.model.forward(&batch))?;
            for (&i, l) in chunk.iter().zip(logits) {
                out[i] = Some(self.predict(&l));
            }
        }
        out.into_iter()
            .map(|p| p.ok_or_else(|| HfError::WorkerGone("a prediction is missing".into())))
            .collect()
    }

    fn predict(&self, logits: &[f32]) -> Prediction {
        let cfg = self.model.config();
        let scores = score(cfg.score_fn, logits);
        // First maximum, as numpy's argmax.
        let mut best = 0;
        for (i, s) in scores.iter().enumerate() {
            if *s > scores[best] {
                best = i;
            }
        }
        Prediction {
            label: cfg
                .labels
                .get(best)
                .cloned()
                .unwrap_or_else(|| format!("LABEL_{best}")),
            score: scores.get(best).copied().unwrap_or(f32::NAN),
        }
    }
}

/// Scores from logits as the pipeline computes them (in f32, like its numpy code).
pub fn score(f: ScoreFn, logits: &[f32]) -> Vec<f32> {
    match f {
        ScoreFn::None => logits.to_vec(),
        ScoreFn::Sigmoid => logits.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect(),
        ScoreFn::Softmax => {
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exps: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
            let sum: f32 = exps.iter().sum();
            exps.iter().map(|e| e / sum).collect()
        }
    }
}

/// A loaded text-classification model.
///
/// `classify_batch` runs texts synchronously on the model's thread pool (call it from a
/// blocking context); `classify` is the async entry point for concurrent single requests,
/// which the micro-batcher gathers into batches.
pub struct TextClassifier {
    core: Arc<Core>,
    batcher: Batcher,
}

impl std::fmt::Debug for TextClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextClassifier")
            .field("dir", &self.core.dir)
            .field("arch", &self.core.model.config().arch)
            .field("labels", &self.core.model.config().labels)
            .finish()
    }
}

impl TextClassifier {
    /// Loads a model directory (blocking: file I/O and, for `pytorch_model.bin`, decoding).
    pub fn load(dir: &Path, settings: &EngineSettings) -> Result<Self, HfError> {
        let started = std::time::Instant::now();
        let cfg_path = dir.join("config.json");
        if !cfg_path.is_file() {
            return Err(HfError::Config {
                path: cfg_path,
                reason: "the file is missing (is this a Hugging Face model directory?)".into(),
            });
        }
        let cfg = ModelConfig::load(&cfg_path)?;
        let tokenizer = TextTokenizer::load(dir, cfg.max_input_len())?;
        let weights = Weights::open(dir)?;
        let model = Model::with_quantization(cfg, weights, settings.quantize)?;
        let threads = settings.num_threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("hf-local-{i}"))
            .build()
            .map_err(|e| HfError::Threads {
                threads,
                reason: e.to_string(),
            })?;
        let core = Arc::new(Core {
            dir: dir.to_path_buf(),
            tokenizer,
            model,
            pool,
            max_batch_size: settings.max_batch_size.max(1),
        });
        let batcher = Batcher::start(
            Arc::clone(&core),
            settings.max_batch_size.max(1),
            settings.max_wait,
        )?;
        tracing::info!(
            dir = %dir.display(),
            arch = ?core.model.config().arch,
            labels = core.model.config().labels.len(),
            mapped = core.model.weights().is_mapped(),
            threads,
            quantize = ?settings.quantize,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "model loaded"
        );
        Ok(Self { core, batcher })
    }

    /// Classifies texts in batches of up to `max_batch_size` (blocking), in input order.
    pub fn classify_batch(&self, texts: &[&str]) -> Result<Vec<Prediction>, HfError> {
        self.core.classify_batch(texts)
    }

    /// Classifies one text through the micro-batcher: concurrent calls on the same model run
    /// in one forward pass. The caller's task never blocks on compute.
    pub async fn classify(&self, text: &str) -> Result<Prediction, HfError> {
        self.batcher.submit(text.to_string()).await
    }

    /// Token ids the pipeline's tokenizer call produces for a text (truncated, unpadded).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, HfError> {
        Ok(self.core.tokenizer.encode(text)?.ids)
    }

    /// Logits of one text (before the score function).
    pub fn logits(&self, text: &str) -> Result<Vec<f32>, HfError> {
        let enc = self.core.tokenizer.encode(text)?;
        let mut out = self.core.pool.install(|| self.core.model.forward(&[enc]))?;
        out.pop()
            .ok_or_else(|| HfError::WorkerGone("no logits".into()))
    }

    /// The model directory.
    pub fn dir(&self) -> &Path {
        &self.core.dir
    }

    /// The parsed `config.json`.
    pub fn config(&self) -> &ModelConfig {
        self.core.model.config()
    }

    /// The truncation length of the tokenizer, in tokens.
    pub fn max_len(&self) -> usize {
        self.core.tokenizer.max_len()
    }

    /// The numeric type inference runs in: `"f32"`, or `"int8"` for the encoder's matmuls
    /// when [`Quantization::Int8`] was asked for (everything else stays f32). Never a half
    /// type: half-precision checkpoints are converted on load, because candle's BERT (and half
    /// precision on CPU in general) produces NaN/inaccurate logits in `f16`/`bf16`.
    pub fn compute_dtype(&self) -> &'static str {
        match self.core.model.quantization() {
            Quantization::None => "f32",
            Quantization::Int8 => "int8",
            Quantization::Int16 => "int16",
        }
    }

    /// The precision of the encoder's matmuls.
    pub fn quantization(&self) -> Quantization {
        self.core.model.quantization()
    }

    /// How many tensors of the checkpoint were converted to `f32` on load.
    pub fn converted_tensors(&self) -> usize {
        self.core.model.weights().converted()
    }

    /// Whether the weights are used in place from a memory-mapped `model.safetensors`.
    pub fn weights_mapped(&self) -> bool {
        self.core.model.weights().is_mapped()
    }
}
