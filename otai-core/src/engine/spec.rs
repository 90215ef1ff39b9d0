//! What the engine builds from: declarations of services and pipes, with where they are.
//!
//! The config layer reads YAML into these; nested pipe declarations (`steps`, `on`, `run`)
//! stay raw values inside params and are read by the engine while it builds, with
//! [`PipeSpec::parse`].

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::issue::{known_keys_map, unknown_keys, Issue};
use crate::params;
use crate::path::ConfigPath;
use crate::redact;
use crate::value::{kind_of, Map, Value};

/// Everything a pipeline is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// Requirement on the core version (`>=1.0.0`).
    pub api_version: Option<semver::VersionReq>,
    /// Plugins the config needs, with version requirements.
    pub plugins: Vec<PluginRequirement>,
    /// Services in file order.
    pub services: Vec<ServiceSpec>,
    /// The top pipe.
    pub orchestrator: OrchestratorSpec,
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

/// The top of a pipeline: a pipe, or the seed documentation's short form.
#[derive(Debug, Clone, PartialEq)]
pub enum OrchestratorSpec {
    /// `orchestrator: { use: …, params: { steps: [...] } }`.
    Pipe(PipeSpec),
    /// `orchestrator: { runners: [ { on?: pipe, run: pipe } ] }`: the default orchestrator
    /// running one default runner per entry (a runner without `on` runs `run` every cycle).
    Runners {
        /// The runners in order.
        runners: Vec<RunnerSpec>,
        /// Where `orchestrator` is.
        path: ConfigPath,
    },
}

/// One entry of `orchestrator.runners`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerSpec {
    /// The condition pipe, if any.
    pub on: Option<PipeSpec>,
    /// The pipe run when `on` succeeds (or every cycle without `on`).
    pub run: PipeSpec,
    /// Where the entry is.
    pub path: ConfigPath,
}

/// A pipe declaration: the orchestrator or any nested step.
#[derive(Clone, PartialEq)]
pub struct PipeSpec {
    /// The id its result is stored under (defaults to the injectable's name).
    pub id: Option<String>,
    /// Registry key.
    pub use_key: String,
    /// Slot → service id.
    pub injects: BTreeMap<String, String>,
    /// Params, templates not yet compiled; nested pipe declarations still raw.
    pub params: Map<String, Value>,
    /// Where it is in the config.
    pub path: ConfigPath,
}

/// A `services:` entry.
#[derive(Clone, PartialEq)]
pub struct ServiceSpec {
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

/// `Debug` with secret-named params masked.
impl std::fmt::Debug for PipeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_entry(f, "PipeSpec", self.id.as_deref(), &self.fields())
    }
}

/// `Debug` with secret-named params masked.
impl std::fmt::Debug for ServiceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_entry(f, "ServiceSpec", Some(&self.id), &self.fields())
    }
}

/// The fields pipes and services share.
struct Fields<'a> {
    use_key: &'a str,
    injects: &'a BTreeMap<String, String>,
    params: &'a Map<String, Value>,
    path: &'a ConfigPath,
}

impl PipeSpec {
    fn fields(&self) -> Fields<'_> {
        Fields {
            use_key: &self.use_key,
            injects: &self.injects,
            params: &self.params,
            path: &self.path,
        }
    }
}

impl ServiceSpec {
    fn fields(&self) -> Fields<'_> {
        Fields {
            use_key: &self.use_key,
            injects: &self.injects,
            params: &self.params,
            path: &self.path,
        }
    }
}

fn debug_entry(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    id: Option<&str>,
    fields: &Fields<'_>,
) -> std::fmt::Result {
    f.debug_struct(name)
        .field("id", &id)
        .field("use", &fields.use_key)
        .field("injects", fields.injects)
        .field("params", &redact::map(fields.params))
        .field("path", &fields.path.to_string())
        .finish()
}

impl PipeSpec {
    /// Reads a pipe declaration (`{id?, use, injects?, params?}`) at `path`, recording every
    /// problem in `issues`.
    pub fn parse(value: &Value, path: &ConfigPath, issues: &mut Vec<Issue>) -> Option<Self> {
        let fields = RawFields::parse(value, path, &["id", "use", "injects", "params"], issues)?;
        Some(Self {
            id: fields.id,
            use_key: fields.use_key?,
            injects: fields.injects,
            params: fields.params,
            path: path.clone(),
        })
    }

    /// The id its result is stored under: the given one, or the injectable's name
    /// (`FetchTicketsPipe`).
    pub fn id_or_default(&self) -> String {
        self.id.clone().unwrap_or_else(|| default_id(&self.use_key))
    }
}

/// The id of a pipe declared without one: the injectable's name (`FetchTicketsPipe`).
pub(crate) fn default_id(use_key: &str) -> String {
    crate::plugin::naming::split_key(use_key)
        .map_or(use_key, |(_, name)| name)
        .to_owned()
}

impl ServiceSpec {
    /// Reads a service declaration (`{use, injects?, params?}`, plus `id` in the list form)
    /// with id `id` at `path`.
    pub fn parse(
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
        let fields = RawFields::parse(value, path, allowed, issues)?;
        Some(Self {
            id: id.to_owned(),
            use_key: fields.use_key?,
            injects: fields.injects,
            params: fields.params,
            path: path.clone(),
        })
    }
}

impl OrchestratorSpec {
    /// Reads `orchestrator:`: a pipe declaration, or `{runners: [{on?, run}]}`.
    pub fn parse(value: &Value, path: &ConfigPath, issues: &mut Vec<Issue>) -> Option<Self> {
        let map = match value.as_object() {
            Some(map) if map.contains_key("runners") && !map.contains_key("use") => map,
            _ => return PipeSpec::parse(value, path, issues).map(Self::Pipe),
        };
        unknown_keys(map, &["runners"], path, issues);
        let runners = map.get("runners");
        let runners_path = path.key("runners");
        let Some(items) = runners.and_then(Value::as_array) else {
            issues.push(
                Issue::at(
                    runners_path,
                    format!(
                        "`runners` must be a list, found {}",
                        kind_of(runners.unwrap_or(&Value::Null))
                    ),
                )
                .hint("write `runners: [ { run: { use: … } } ]`"),
            );
            return None;
        };
        let mut parsed = Vec::with_capacity(items.len());
        let mut complete = true;
        for (index, item) in items.iter().enumerate() {
            let item_path = runners_path.index(index);
            match RunnerSpec::parse(item, &item_path, issues) {
                Some(runner) => parsed.push(runner),
                None => complete = false,
            }
        }
        complete.then(|| Self::Runners {
            runners: parsed,
            path: path.clone(),
        })
    }

    /// Where the orchestrator is declared.
    pub fn path(&self) -> &ConfigPath {
        match self {
            Self::Pipe(spec) => &spec.path,
            Self::Runners { path, .. } => path,
        }
    }
}

impl RunnerSpec {
    fn parse(value: &Value, path: &ConfigPath, issues: &mut Vec<Issue>) -> Option<Self> {
        let map = known_keys_map(
            value,
            path,
            "`{ on?, run }`",
            "write `- { run: { use: … } }`",
            &["on", "run"],
            issues,
        )?;
        let on = match map.get("on") {
            None | Some(Value::Null) => None,
            Some(on) => Some(PipeSpec::parse(on, &path.key("on"), issues)?),
        };
        let Some(run) = map.get("run") else {
            issues.push(
                Issue::at(path.clone(), "`run:` is missing")
                    .hint("add `run: { use: \"prefix:Name\" }`: the pipe this runner runs"),
            );
            return None;
        };
        let run = PipeSpec::parse(run, &path.key("run"), issues)?;
        Some(Self {
            on,
            run,
            path: path.clone(),
        })
    }
}

/// The fields pipes and services share, as read.
struct RawFields {
    id: Option<String>,
    use_key: Option<String>,
    injects: BTreeMap<String, String>,
    params: Map<String, Value>,
}

impl RawFields {
    fn parse(
        value: &Value,
        path: &ConfigPath,
        allowed: &[&str],
        issues: &mut Vec<Issue>,
    ) -> Option<Self> {
        let map = known_keys_map(
            value,
            path,
            "a map with `use:`",
            "write `{ use: \"prefix:Name\", params: { … } }`",
            allowed,
            issues,
        )?;
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
            Some(value) => match params::deserialize::<BTreeMap<String, String>>(value) {
                Ok(injects) => injects,
                Err(error) => {
                    issues.push(
                        Issue::at(path.key("injects").join(&error.path), error.message)
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
