//! The model cache: an LRU of loaded models (16, as the original's `lru_cache`), loads off the
//! async runtime's worker threads, and one shared load per model however many requests wait.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::classifier::{EngineSettings, TextClassifier};
use crate::resolve::{resolve_model, ResolveSettings};
use crate::HfError;

/// Settings of a [`ModelStore`].
#[derive(Debug, Clone)]
pub struct StoreSettings {
    /// How model names are resolved to directories.
    pub resolve: ResolveSettings,
    /// How loaded models run.
    pub engine: EngineSettings,
    /// Most models kept loaded; the least recently used is dropped beyond it.
    pub capacity: usize,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            resolve: ResolveSettings::default(),
            engine: EngineSettings::default(),
            capacity: 16,
        }
    }
}

type LoadResult = Option<Result<Arc<TextClassifier>, HfError>>;

enum Slot {
    Ready(Arc<TextClassifier>),
    Loading(watch::Receiver<LoadResult>),
}

struct Inner {
    slots: HashMap<String, Slot>,
    /// Ready models, least recently used first.
    lru: Vec<String>,
}

/// Loaded models by `model_name`.
pub struct ModelStore {
    settings: StoreSettings,
    inner: Arc<Mutex<Inner>>,
    loads: Arc<AtomicUsize>,
}

impl std::fmt::Debug for ModelStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelStore")
            .field("settings", &self.settings)
            .field("loads", &self.loads())
            .finish()
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // A panic while holding the lock leaves consistent data (every update is one statement).
    inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ModelStore {
    /// An empty store.
    pub fn new(settings: StoreSettings) -> Self {
        Self {
            settings,
            inner: Arc::new(Mutex::new(Inner {
                slots: HashMap::new(),
                lru: Vec::new(),
            })),
            loads: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The store's settings.
    pub fn settings(&self) -> &StoreSettings {
        &self.settings
    }

    /// How many model loads were started so far (cache misses).
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::Relaxed)
    }

    /// The names of the models loaded now, least recently used first.
    pub fn loaded(&self) -> Vec<String> {
        lock(&self.inner).lru.clone()
    }

    /// The model `model_name` (a directory or a Hub model id), loading it on first use.
    ///
    /// Must be called within a tokio runtime. Concurrent calls for a model that is loading
    /// wait for that one load; a failed load is not cached (the next call tries again).
    pub async fn get(&self, model_name: &str) -> Result<Arc<TextClassifier>, HfError> {
        self.get_with_token(model_name, None).await
    }

    /// As [`ModelStore::get`], with a per-request Hub token (used only by downloads).
    pub async fn get_with_token(
        &self,
        model_name: &str,
        api_token: Option<&str>,
    ) -> Result<Arc<TextClassifier>, HfError> {
        let mut rx = {
            let mut inner = lock(&self.inner);
            match inner.slots.get(model_name) {
                Some(Slot::Ready(model)) => {
                    let model = Arc::clone(model);
                    touch(&mut inner.lru, model_name);
                    return Ok(model);
                }
                Some(Slot::Loading(rx)) => rx.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    inner
                        .slots
                        .insert(model_name.to_string(), Slot::Loading(rx.clone()));
                    self.loads.fetch_add(1, Ordering::Relaxed);
                    self.spawn_load(model_name.to_string(), api_token.map(str::to_string), tx);
                    rx
                }
            }
        };
        let result = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| HfError::WorkerGone("the loading task ended without a result".into()))?;
        match &*result {
            Some(r) => r.clone(),
            None => Err(HfError::WorkerGone(
                "the loading task ended without a result".into(),
            )),
        }
    }

    /// Loads in a task of its own, so that a cancelled request does not cancel the load that
    /// other requests wait for.
    fn spawn_load(&self, name: String, token: Option<String>, tx: watch::Sender<LoadResult>) {
        let inner = Arc::clone(&self.inner);
        let mut resolve = self.settings.resolve.clone();
        if token.is_some() {
            resolve.api_token = token;
        }
        let engine = self.settings.engine.clone();
        let capacity = self.settings.capacity.max(1);
        tokio::spawn(async move {
            let n = name.clone();
            let loaded = tokio::task::spawn_blocking(move || {
                let dir = resolve_model(&n, &resolve)?;
                TextClassifier::load(&dir, &engine).map(Arc::new)
            })
            .await
            .unwrap_or_else(|e| {
                Err(HfError::WorkerGone(format!(
                    "model load panicked or was cancelled: {e}"
                )))
            });
            {
                let mut guard = lock(&inner);
                let inner = &mut *guard;
                match &loaded {
                    Ok(model) => {
                        inner
                            .slots
                            .insert(name.clone(), Slot::Ready(Arc::clone(model)));
                        touch(&mut inner.lru, &name);
                        while inner.lru.len() > capacity {
                            let old = inner.lru.remove(0);
                            inner.slots.remove(&old);
                            tracing::info!(model = %old, "model evicted from the cache");
                        }
                    }
                    Err(e) => {
                        inner.slots.remove(&name);
                        tracing::warn!(model = %name, error = %e, "model load failed");
                    }
                }
            }
            let _ = tx.send(Some(loaded));
        });
    }
}

fn touch(lru: &mut Vec<String>, name: &str) {
    if let Some(i) = lru.iter().position(|n| n == name) {
        let n = lru.remove(i);
        lru.push(n);
    } else {
        lru.push(name.to_string());
    }
}
