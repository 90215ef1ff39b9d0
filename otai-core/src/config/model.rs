//! The configuration as loaded: root settings, services and the orchestrator pipe.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::Issue;
use super::path::ConfigPath;
use crate::engine::params;
use crate::logging::redact;
use crate::value::{Map, Value};

/// Everything below the root key (`open_ticket_ai`, `otai` or `cfg`).
#[derive(Debug, Clone, PartialEq)]
pub struct OtaiConfig {
    /// Requirement on the core version (`>=1.0.0`).
    pub api_version: Option<semver::VersionReq>,
    /// Plugins the config needs, with version requirements.
    pub plugins: Vec<PluginRequirement>,
    /// Logging and other process settings.
    pub infrastructure: Infrastructure,
    /// Services in file order.
    pub services: Vec<ServiceConfig>,
    /// The top pipe.
    pub orchestrator: PipeConfig,
}

/// A plugin the config needs (`{name: otai-base, version: ">=1.0"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginRequirement {
    /// Package name (`otai-otobo-znuny`) or prefix (`otobo-znuny`).
    pub name: String,
    /// Semver requirement on the plugin's version.
    #[serde(default)]
    pub version: Option<String>,
}

/// `infrastructure:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    /// `infrastructure.logging`.
    #[serde(default)]
    pub logging: LoggingConfig,
}

/// `infrastructure.logging`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoggingConfig {
    /// `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or a tracing filter (`info,otai=debug`).
    #[serde(default = "default_level")]
    pub level: String,
    /// Log to `log_file_path` (the original's switch).
    #[serde(default)]
    pub log_to_file: bool,
    /// File used when `log_to_file` is true.
    #[serde(default)]
    pub log_file_path: Option<PathBuf>,
    /// Log to this file (shorthand for `log_to_file` + `log_file_path`).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// `plain` (human-readable) or `json` (one object per line).
    #[serde(default)]
    pub format: LogFormat,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: default_level(),
            log_to_file: false,
            log_file_path: None,
            file: None,
            format: LogFormat::Plain,
        }
    }
}

impl LoggingConfig {
    /// The file to log to, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref().or(if self.log_to_file {
            self.log_file_path.as_deref()
        } else {
            None
        })
    }
}

fn default_level() -> String {
    "INFO".to_owned()
}

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
}

/// A `services:` entry.
#[derive(Clone, PartialEq)]
pub struct ServiceConfig {
    /// The id pipes inject it by.
    pub id: String,
    /// Registry key.
    pub use_key: String,
    /// Slot → service id.
    pub injects: BTreeMap<String, String>,
    /// Params, templates not yet compiled.
    pub params: Map<String, Value>,
    /// Where it is in the config.
    pub path: ConfigPath,
}

/// A pipe config: the orchestrator or any nested step.
#[derive(Clone, PartialEq)]
pub struct PipeConfig {
    /// The id its result is stored under (defaults to the injectable's name).
    pub id: Option<String>,
    /// Registry key.
    pub use_key: String,
    /// Slot → service id.
    pub injects: BTreeMap<String, String>,
    /// Params, templates not yet compiled; nested pipe configs still raw.
    pub params: Map<String, Value>,
    /// Where it is in the config.
    pub path: ConfigPath,
}

/// `Debug` with secret-named params masked.
impl std::fmt::Debug for PipeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_entry(
            f,
            "PipeConfig",
            self.id.as_deref(),
            &self.use_key,
            &self.injects,
            &self.params,
            &self.path,
        )
    }
}

/// `Debug` with secret-named params masked.
impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_entry(
            f,
            "ServiceConfig",
            Some(&self.id),
            &self.use_key,
            &self.injects,
            &self.params,
            &self.path,
        )
    }
}

fn debug_entry(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    id: Option<&str>,
    use_key: &str,
    injects: &BTreeMap<String, String>,
    params: &Map<String, Value>,
    path: &ConfigPath,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("id", &id)
        .field("use", &use_key)
        .field("injects", injects)
        .field("params", &redact::map(params))
        .field("path", &path.to_string())
        .finish()
}

impl PipeConfig {
    /// Reads a pipe config (`{id?, use, injects?, params?}`) at `path`, recording every
    /// problem in `issues`.
    pub(crate) fn parse(value: &Value, path: &ConfigPath, issues: &mut Vec<Issue>) -> Option<Self> {
        let fields = Fields::parse(value, path, &["id", "use", "injects", "params"], issues)?;
        Some(Self {
            id: fields.id,
            use_key: fields.use_key?,
            injects: fields.injects,
            params: fields.params,
            path: path.clone(),
        })
    }
}

impl ServiceConfig {
    /// Reads a service config (`{use, injects?, params?}`) with id `id` at `path`.
    pub(crate) fn parse(
        id: &str,
        value: &Value,
        path: &ConfigPath,
        allow_id: bool,
        issues: &mut Vec<Issue>,
    ) -> Option<Self> {
        let allowed: &[&str] = if allow_id {
            &["id", "use", "injects", "params"]
        } else {
            &["use", "injects", "params"]
        };
        let fields = Fields::parse(value, path, allowed, issues)?;
        Some(Self {
            id: id.to_owned(),
            use_key: fields.use_key?,
            injects: fields.injects,
            params: fields.params,
            path: path.clone(),
        })
    }
}

/// The fields pipes and services share.
struct Fields {
    id: Option<String>,
    use_key: Option<String>,
    injects: BTreeMap<String, String>,
    params: Map<String, Value>,
}

impl Fields {
    fn parse(
        value: &Value,
        path: &ConfigPath,
        allowed: &[&str],
        issues: &mut Vec<Issue>,
    ) -> Option<Self> {
        let Some(map) = value.as_object() else {
            issues.push(
                Issue::at(
                    path.clone(),
                    format!("expected a map with `use:`, found {}", kind_of(value)),
                )
                .hint("write `{ use: \"prefix:Name\", params: { … } }`"),
            );
            return None;
        };
        for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            let suggestion = crate::registry::suggest::closest(key, allowed.iter().copied());
            issues.push(
                Issue::at_key(path.key(key), format!("unknown key `{key}`")).hint(
                    crate::registry::suggest::did_you_mean(&suggestion)
                        .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", "))),
                ),
            );
        }
        let id = match map.get("id") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
            Some(other) => {
                issues.push(Issue::at(
                    path.key("id"),
                    format!("`id` must be a non-empty string, found {}", kind_of(other)),
                ));
                None
            }
        };
        let use_key = match map.get("use") {
            Some(Value::String(key)) if !key.trim().is_empty() => Some(key.trim().to_owned()),
            None => {
                issues.push(
                    Issue::at(path.clone(), "`use:` is missing")
                        .hint("name the registry key, e.g. `use: \"base:CompositePipe\"`; `otai plugins` lists them"),
                );
                None
            }
            Some(other) => {
                issues.push(Issue::at(
                    path.key("use"),
                    format!(
                        "`use` must be a registry key string, found {}",
                        kind_of(other)
                    ),
                ));
                None
            }
        };
        let injects = match map.get("injects") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(value) => match params::deserialize::<BTreeMap<String, String>>(value.clone()) {
                Ok(injects) => injects,
                Err(error) => {
                    issues.push(
                        Issue::at(path.key("injects").join_dotted(&error.path), error.message)
                            .hint("write `injects: { slot: service_id }`"),
                    );
                    BTreeMap::new()
                }
            },
        };
        let params = match map.get("params") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(params)) => params.clone(),
            Some(other) => {
                issues.push(Issue::at(
                    path.key("params"),
                    format!("`params` must be a map, found {}", kind_of(other)),
                ));
                Map::new()
            }
        };
        Some(Self {
            id,
            use_key,
            injects,
            params,
        })
    }
}

/// "a list", "a string"… for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
