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
             `{cache_hint}` with `huggingface-cli download {model_name} --revision {rev}` \
             (HF_HUB_CACHE={cache_hint}) on a machine with network access and copy it here, or \
             set HF_HUB_CACHE/HF_HOME to the cache that holds it.{download}",
            rev = settings.revision(),
            download = if CAN_DOWNLOAD {
                ""
            } else {
                " This build cannot download models itself (build otai-hf-local with the \
                 `hub-download` feature for that)."
            }
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

/// Downloads a model id into the first cache directory (the configured one, else the one the
/// environment names), unless `HF_HUB_OFFLINE` is set or the crate is built without
/// `hub-download`. The message says why nothing was fetched.
fn download(model_id: &str, settings: &ResolveSettings) -> Result<PathBuf, String> {
    if settings.env.flag("HF_HUB_OFFLINE") {
        return Err("not downloaded: HF_HUB_OFFLINE is set".into());
    }
    #[cfg(feature = "hub-download")]
    {
        hub::download(model_id, settings)
    }
    #[cfg(not(feature = "hub-download"))]
    {
        let _ = model_id;
        Err(
            "not downloaded: this build cannot download models (it was built without the \
             `hub-download` feature; only local directories and the local cache are used)"
                .into(),
        )
    }
}

/// Whether this build can download models from the Hub (the `hub-download` feature).
pub const CAN_DOWNLOAD: bool = cfg!(feature = "hub-download");

#[cfg(feature = "hub-download")]
mod hub {
    //! The Hub download: `hf-hub`'s blocking client writes the standard cache layout
    //! (`models--org--name/blobs/<etag>`, `snapshots/<sha>/<file>` → blob, `refs/<revision>`).

    use std::collections::HashSet;
    use std::path::PathBuf;

    use hf_hub::api::sync::ApiBuilder;
    use hf_hub::{Cache, Repo, RepoType};

    use super::ResolveSettings;

    /// The files of a model directory the engine reads, by what the repository holds:
    /// `config.json`; `model.safetensors`, else `pytorch_model.bin`; `tokenizer.json`, else
    /// `vocab.txt`; and `tokenizer_config.json` / `special_tokens_map.json` when present.
    pub(super) fn wanted(files: &HashSet<&str>) -> Result<Vec<&'static str>, String> {
        let mut out = Vec::new();
        if !files.contains("config.json") {
            return Err("the repository has no config.json (not a transformers model)".into());
        }
        out.push("config.json");
        if files.contains("model.safetensors") {
            out.push("model.safetensors");
        } else if files.contains("pytorch_model.bin") {
            out.push("pytorch_model.bin");
        } else {
            return Err(
                "the repository has neither model.safetensors nor pytorch_model.bin (sharded \
                 or other checkpoints are not supported)"
                    .into(),
            );
        }
        if files.contains("tokenizer.json") {
            out.push("tokenizer.json");
        } else if files.contains("vocab.txt") {
            out.push("vocab.txt");
        } else {
            return Err("the repository has neither tokenizer.json nor vocab.txt".into());
        }
        for optional in ["tokenizer_config.json", "special_tokens_map.json"] {
            if files.contains(optional) {
                out.push(optional);
            }
        }
        Ok(out)
    }

    pub(super) fn download(model_id: &str, settings: &ResolveSettings) -> Result<PathBuf, String> {
        let Some((cache, _)) = settings.cache_dirs().into_iter().next() else {
            return Err(
                "not downloaded: no cache directory to download into (set HF_HUB_CACHE, \
                 HF_HOME or HOME, or configure the cache directory)"
                    .into(),
            );
        };
        let revision = settings.revision();
        let mut builder = ApiBuilder::from_cache(Cache::new(cache.clone()))
            .with_progress(false)
            .with_user_agent("otai-hf-local", env!("CARGO_PKG_VERSION"));
        let token = settings
            .api_token
            .clone()
            .filter(|t| !t.is_empty())
            .or_else(|| settings.env.get("HF_TOKEN"))
            .or_else(|| settings.env.get("HUGGING_FACE_HUB_TOKEN"));
        let authenticated = token.is_some();
        if token.is_some() {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = settings.env.get("HF_ENDPOINT") {
            builder = builder.with_endpoint(endpoint.trim_end_matches('/').to_string());
        }
        let api = builder
            .build()
            .map_err(|e| format!("cannot start the Hub client ({e})"))?;
        let repo = api.repo(Repo::with_revision(
            model_id.to_string(),
            RepoType::Model,
            revision.to_string(),
        ));
        let info = repo.info().map_err(|e| {
            let hint = if authenticated {
                "check the model id, the revision and that the token may read it"
            } else {
                "check the model id and the revision; a private or gated model needs the \
                 api_token (or HF_TOKEN)"
            };
            format!("cannot list `{model_id}` at revision `{revision}` ({e}); {hint}")
        })?;
        let files: HashSet<&str> = info.siblings.iter().map(|s| s.rfilename.as_str()).collect();
        let wanted = wanted(&files).map_err(|e| format!("`{model_id}`: {e}"))?;
        let mut dir = None;
        for file in wanted {
            let path = repo
                .get(file)
                .map_err(|e| format!("downloading `{file}` of `{model_id}` failed ({e})"))?;
            dir = path.parent().map(PathBuf::from);
        }
        tracing::info!(model = model_id, revision, sha = %info.sha, cache = %cache.display(), "downloaded from the Hugging Face Hub");
        dir.ok_or_else(|| format!("`{model_id}`: nothing was downloaded"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn picks_the_files_the_engine_reads() {
            let files: HashSet<&str> = [
                "config.json",
                "model.safetensors",
                "pytorch_model.bin",
                "tokenizer.json",
                "vocab.txt",
                "tokenizer_config.json",
                "README.md",
            ]
            .into();
            assert_eq!(
                wanted(&files).unwrap(),
                [
                    "config.json",
                    "model.safetensors",
                    "tokenizer.json",
                    "tokenizer_config.json"
                ]
            );
            let old: HashSet<&str> = ["config.json", "pytorch_model.bin", "vocab.txt"].into();
            assert_eq!(
                wanted(&old).unwrap(),
                ["config.json", "pytorch_model.bin", "vocab.txt"]
            );
            let sharded: HashSet<&str> = [
                "config.json",
                "model-00001-of-00002.safetensors",
                "tokenizer.json",
            ]
            .into();
            assert!(wanted(&sharded).unwrap_err().contains("sharded"));
        }
    }
}
