//! Model resolution: which directory holds the files of a `model_name`.
//!
//! Order, as `transformers.AutoModel.from_pretrained` does it: an existing local directory
//! wins; otherwise the name is a Hub model id (`org/name`) looked up in the local Hugging Face
//! cache (`models--org--name/refs/<revision>` → `snapshots/<sha>/`); otherwise, only when the
//! crate is built with the `hub-download` feature and `HF_HUB_OFFLINE` is not set, it is
//! downloaded into that cache. A miss lists every place looked in.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::HfError;

/// A read-only view of environment variables.
///
/// The engine never reads `std::env` deep inside: the caller passes the environment it wants
/// honoured (the process environment, or the service's own view with its `.env` file), and
/// tests pass a map instead of mutating the process environment.
#[derive(Clone)]
pub struct EnvView(Arc<EnvLookup>);

/// The lookup function behind an [`EnvView`].
type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl EnvView {
    /// The process environment.
    pub fn process() -> Self {
        Self(Arc::new(|key| std::env::var(key).ok()))
    }

    /// A fixed map (for tests and embedding applications).
    pub fn from_map<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self(Arc::new(move |key| map.get(key).cloned()))
    }

    /// Any lookup function.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self(Arc::new(lookup))
    }

    /// The value of `key`, if set and not empty.
    pub fn get(&self, key: &str) -> Option<String> {
        (self.0)(key).filter(|v| !v.is_empty())
    }

    fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    }
}

impl Default for EnvView {
    fn default() -> Self {
        Self::process()
    }
}

impl fmt::Debug for EnvView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvView(..)")
    }
}

/// Where and how models are looked up.
#[derive(Debug, Clone, Default)]
pub struct ResolveSettings {
    /// A Hugging Face cache directory searched before the one named by the environment
    /// (`HF_HUB_CACHE`, `HF_HOME`). The layout is the Hub cache's (`models--org--name/...`).
    pub cache_dir: Option<PathBuf>,
    /// The revision (branch, tag or commit sha) of Hub model ids; `main` when unset.
    pub revision: Option<String>,
    /// Hub token for private models (used by the `hub-download` feature only); falls back to
    /// `HF_TOKEN` / `HUGGING_FACE_HUB_TOKEN` of [`ResolveSettings::env`].
    pub api_token: Option<String>,
    /// The environment to honour (`HF_HUB_CACHE`, `HF_HOME`, `XDG_CACHE_HOME`, `HOME`,
    /// `HF_HUB_OFFLINE`, `HF_TOKEN`).
    pub env: EnvView,
}

impl ResolveSettings {
    fn revision(&self) -> &str {
        self.revision.as_deref().unwrap_or("main")
    }

    /// The cache directories searched, in order, each with where its path came from.
    pub fn cache_dirs(&self) -> Vec<(PathBuf, &'static str)> {
        let mut dirs = Vec::new();
        if let Some(dir) = &self.cache_dir {
            dirs.push((dir.clone(), "the configured cache directory"));
        }
        let env = &self.env;
        let from_env = if let Some(dir) = env.get("HF_HUB_CACHE") {
            Some((PathBuf::from(dir), "$HF_HUB_CACHE"))
        } else if let Some(home) = env.get("HF_HOME") {
            Some((Path::new(&home).join("hub"), "$HF_HOME/hub"))
        } else if let Some(xdg) = env.get("XDG_CACHE_HOME") {
            Some((
                Path::new(&xdg).join("huggingface").join("hub"),
                "$XDG_CACHE_HOME/huggingface/hub",
            ))
        } else {
            env.get("HOME").map(|home| {
                (
                    Path::new(&home).join(".cache/huggingface/hub"),
                    "~/.cache/huggingface/hub",
                )
            })
        };
        if let Some(entry) = from_env {
            if !dirs.iter().any(|(d, _)| *d == entry.0) {
                dirs.push(entry);
            }
        }
        dirs
    }
}

/// Finds the directory of `model_name` (see the module docs for the order).
pub fn resolve_model(model_name: &str, settings: &ResolveSettings) -> Result<PathBuf, HfError> {
    let mut looked_in = Vec::new();
    let as_path = Path::new(model_name);
    if as_path.is_dir() {
        return Ok(as_path.to_path_buf());
    }
    looked_in.push(format!("local directory `{model_name}`: does not exist"));

    let looks_like_id = !model_name.is_empty()
        && !model_name.starts_with(['/', '.', '~'])
        && model_name.split('/').count() <= 2
        && !model_name.contains('\\');
    if looks_like_id {
        let revision = settings.revision();
        for (cache, origin) in settings.cache_dirs() {
            match lookup_cache(&cache, model_name, revision) {
                Ok(dir) => return Ok(dir),
                Err(why) => looked_in.push(format!(
                    "Hugging Face cache `{}` ({origin}): {why}",
                    cache.display()
                )),
            }
        }
        if settings.cache_dirs().is_empty() {
            looked_in
                .push("Hugging Face cache: none known (set HF_HUB_CACHE, HF_HOME or HOME)".into());
        }
        match download(model_name, settings) {
            Ok(dir) => return Ok(dir),
            Err(why) => looked_in.push(format!("Hugging Face Hub: {why}")),
        }
    } else {
        looked_in.push("not a Hub model id (`org/name`), so no cache was searched".into());
    }

    let cache_hint = settings
        .cache_dirs()
        .first()
        .map(|(d, _)| d.display().to_string())
        .unwrap_or_else(|| "$HF_HOME/hub".into());
    Err(HfError::NotFound {
        model: model_name.to_string(),
        looked_in,
        hint: format!(
            "either pass the path of a directory holding config.json, the weights \
             (model.safetensors or pytorch_model.bin) and the tokenizer files; or fill the cache \
             `{cache_hint}` with `huggingface-cli download {model_name}` (revision `{rev}`) on a \
             machine with network access and copy it here, or set HF_HUB_CACHE/HF_HOME to the \
             cache that holds it.",
            rev = settings.revision()
        ),
    })
}

/// `cache/models--org--name/refs/<revision>` → `cache/models--org--name/snapshots/<sha>/`.
fn lookup_cache(cache: &Path, model_id: &str, revision: &str) -> Result<PathBuf, String> {
    let repo = cache.join(format!("models--{}", model_id.replace('/', "--")));
    if !repo.is_dir() {
        return Err(format!("no `{}`", repo.display()));
    }
    let snapshots = repo.join("snapshots");
    let is_sha = revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit());
    let commit = if is_sha {
        revision.to_string()
    } else {
        let ref_file = repo.join("refs").join(revision);
        match std::fs::read_to_string(&ref_file) {
            Ok(sha) => sha.trim().to_string(),
            Err(_) => {
                return Err(format!(
                    "no revision `{revision}` (`{}` missing)",
                    ref_file.display()
                ))
            }
        }
    };
    let dir = snapshots.join(&commit);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "revision `{revision}` points to commit `{commit}`, but `{}` is missing",
            dir.display()
        ))
    }
}

/// Downloading from the Hub is not built in (no network access in this deployment); the
/// message says why nothing was fetched.
fn download(_model_id: &str, settings: &ResolveSettings) -> Result<PathBuf, String> {
    if settings.env.flag("HF_HUB_OFFLINE") {
        return Err("not downloaded: HF_HUB_OFFLINE is set".into());
    }
    Err("not downloaded: this build cannot download models (only local directories and the local cache are used)".into())
}
