//! Reading a config: YAML text → environment substitution → the checked [`OtaiConfig`].

use std::path::Path;
use std::sync::Arc;

use super::dotenv;
use super::error::{ConfigError, ConfigErrors};
use super::limits::{
    Exceeded, LimitExceeded, MAX_ALIAS_NODES, MAX_CONFIG_BYTES, MAX_NESTING, MAX_NODES,
};
use super::model::{Infrastructure, OtaiConfig};
use super::positions::{Position, PositionIndex};
use super::source::ConfigSource;
use super::substitute::substitute;
use crate::app_config::AppConfig;
use crate::engine::{
    known_keys_map, Issue, OrchestratorSpec, PipeSpec, Pipeline, PipelineSpec, PluginRequirement,
    ServiceSpec,
};
use crate::params;
use crate::path::ConfigPath;
use crate::pipe::PipeNode;
use crate::registry::suggest;
use crate::registry::ComponentRegistry;
use crate::value::{kind_of, Map, Number, Value};

/// Keys the root may have; the first is the canonical one, the others aliases.
pub const ROOT_KEYS: &[&str] = &["open_ticket_ai", "otai", "cfg"];

/// A config that parsed and whose structure is sound; not yet checked against the registry.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    source: Arc<ConfigSource>,
    root: ConfigPath,
    positions: PositionIndex,
    config: OtaiConfig,
    app: AppConfig,
    /// Mistakes found while loading that do not stop building, reported with its findings.
    issues: Vec<Issue>,
}

impl LoadedConfig {
    /// The settings.
    pub fn config(&self) -> &OtaiConfig {
        &self.config
    }

    /// The text it was loaded from.
    pub fn source(&self) -> &Arc<ConfigSource> {
        &self.source
    }

    /// The settings to build (and to create plugins) with: the environment including the
    /// config's `.env`, relative paths resolved against the config's directory.
    pub fn app_config(&self) -> &AppConfig {
        &self.app
    }

    /// Mistakes found while loading that are reported together with the build's.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Issues found later (by the engine) as errors located in this config.
    pub fn errors(&self, issues: Vec<Issue>) -> ConfigErrors {
        ConfigErrors::from_issues(issues, &self.source, &self.positions, &self.root)
    }

    /// Adds services declared outside the text (the stand-ins of [`crate::testing`]), except
    /// those whose id the text declares itself.
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn add_services(&mut self, services: impl IntoIterator<Item = ServiceSpec>) {
        for service in services {
            let declared = self
                .config
                .pipeline
                .services
                .iter()
                .any(|s| s.id == service.id);
            if !declared {
                self.config.pipeline.services.push(service);
            }
        }
    }

    /// Checks the config against `registry` and builds it; every mistake of loading and
    /// building comes back together. Warnings of a successful build: [`Pipeline::warnings`]
    /// (located with [`LoadedConfig::errors`]).
    pub fn build(&self, registry: &ComponentRegistry) -> Result<Pipeline, ConfigErrors> {
        let built = Pipeline::build(&self.config.pipeline, registry, &self.app);
        match built {
            Ok(pipeline) if !self.issues.iter().any(Issue::is_error) => Ok(pipeline),
            Ok(pipeline) => {
                let mut issues = self.issues.clone();
                issues.extend(pipeline.warnings().iter().cloned());
                Err(self.errors(issues))
            }
            Err(found) => {
                let mut issues = self.issues.clone();
                issues.extend(found);
                Err(self.errors(issues))
            }
        }
    }
}

/// Loads a config file. The `.env` beside it fills in variables the environment lacks (for
/// `${VAR}`, templates and plugins alike) and relative paths resolve against its directory.
pub fn load_file(path: &Path, app: &AppConfig) -> Result<LoadedConfig, ConfigErrors> {
    let shown = path.display().to_string();
    let fail = |message: String, hint: &str| {
        ConfigErrors::new(vec![ConfigError::plain(&shown, message, hint)])
    };
    // Refuse a huge file before reading it all.
    if let Ok(metadata) = std::fs::metadata(path) {
        let size = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
        if metadata.is_file() && size > MAX_CONFIG_BYTES {
            return Err(ConfigErrors::new(vec![too_large(&shown, size)]));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|error| {
        fail(
            format!("cannot read the config file: {error}"),
            "check the path given to `--config`",
        )
    })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let dotenv = dotenv::read_beside(&dir).map_err(|error| {
        fail(
            crate::report(&error),
            "fix or remove the `.env` file beside the config",
        )
    })?;
    let app = app.clone().with_env_fallback(dotenv).with_base_dir(dir);
    load_source(ConfigSource::from_file(path, text), &app)
}

/// Loads a config from text (embedding, tests); `name` is what errors call it. Relative paths
/// resolve against `app`'s base directory (the working directory if it has none).
pub fn load_str(name: &str, text: &str, app: &AppConfig) -> Result<LoadedConfig, ConfigErrors> {
    load_source(ConfigSource::from_text(name, text), app)
}

/// Loads a config from a source with explicit settings. Fatal problems (YAML syntax, no root,
/// no orchestrator) are errors; the others are kept for [`LoadedConfig::build`], so that
/// every mistake is reported at once.
pub fn load_source(source: ConfigSource, app: &AppConfig) -> Result<LoadedConfig, ConfigErrors> {
    let source = Arc::new(source);
    let positions = index_positions(&source)?;
    let yaml = parse_yaml(&source, &positions)?;

    let mut issues = Vec::new();
    let document = to_json(&yaml, &mut ConfigPath::root(), app, &mut issues);
    let Some((root, body)) = find_root(&document, &mut issues) else {
        return Err(ConfigErrors::from_issues(
            issues,
            &source,
            &positions,
            &ConfigPath::root(),
        ));
    };
    // Paths are reported relative to the root key; substitution issues below it too.
    let root_path = ConfigPath::of_key(&root);
    let (mut inner, outside): (Vec<Issue>, Vec<Issue>) = issues
        .into_iter()
        .partition(|issue| issue.path.starts_with(&root_path));
    for issue in &mut inner {
        if let Some(relative) = issue.path.strip_first(&root) {
            issue.path = relative;
        }
    }
    let config = parse_body(body, &mut inner);
    match config {
        Some(config) if outside.is_empty() => Ok(LoadedConfig {
            source,
            root: root_path,
            positions,
            config,
            app: app.clone(),
            issues: inner,
        }),
        _ => {
            let mut errors =
                ConfigErrors::from_issues(outside, &source, &positions, &ConfigPath::root());
            errors.extend(ConfigErrors::from_issues(
                inner, &source, &positions, &root_path,
            ));
            Err(errors)
        }
    }
}

/// Builds one more pipe, declared as YAML (`{id?, use, injects?, params?}`), wired to the
/// services of `pipeline`: for running single pipes from an embedding application or a
/// test. Errors point into `yaml`.
pub fn pipe_from_yaml(pipeline: &Pipeline, yaml: &str) -> Result<PipeNode, ConfigErrors> {
    let source = Arc::new(ConfigSource::from_text("<pipe>", yaml));
    let positions = index_positions(&source)?;
    let parsed = parse_yaml(&source, &positions)?;
    let root = ConfigPath::root();
    let mut issues = Vec::new();
    let value = to_json(
        &parsed,
        &mut root.clone(),
        pipeline.app_config(),
        &mut issues,
    );
    let spec = PipeSpec::parse(&value, &root, &mut issues);
    let outcome = match spec {
        Some(spec) if issues.is_empty() => pipeline.build_pipe(&spec),
        _ => Err(Vec::new()),
    };
    outcome.map_err(|found| {
        issues.extend(found);
        ConfigErrors::from_issues(issues, &source, &positions, &root)
    })
}

/// The positions of `source`'s nodes, after checking it against the limits of
/// [`super::limits`]: a config larger than [`MAX_CONFIG_BYTES`], nested deeper than
/// [`MAX_NESTING`] or whose aliases add more than [`MAX_ALIAS_NODES`] nodes is refused before
/// the value parser (whose time grows with size × nesting, and with alias expansion) reads it.
fn index_positions(source: &ConfigSource) -> Result<PositionIndex, ConfigErrors> {
    let size = source.text().len();
    if size > MAX_CONFIG_BYTES {
        return Err(ConfigErrors::new(vec![too_large(source.name(), size)]));
    }
    PositionIndex::build(source.text()).map_err(|LimitExceeded { what, at }| {
        let (message, hint) = match what {
            Exceeded::Nesting => (
                format!(
                    "the config nests maps and lists more than {MAX_NESTING} levels deep (line {}, column {})",
                    at.line, at.column
                ),
                "close the brackets that are left open, or flatten the structure: configs need far fewer levels",
            ),
            Exceeded::Nodes => (
                format!(
                    "the config has more than {MAX_NODES} keys, values and items (line {}, column {})",
                    at.line, at.column
                ),
                "split it into several configs: 40,000 ordinary steps have about 360,000",
            ),
            Exceeded::Aliases => (
                format!(
                    "the config's aliases (`*name`) repeat their anchors into more than {MAX_ALIAS_NODES} nodes (line {}, column {})",
                    at.line, at.column
                ),
                "write the repeated parts out, or use fewer aliases of large anchors: the limit keeps alias expansion (\"billion laughs\") bounded",
            ),
        };
        ConfigErrors::new(vec![ConfigError {
            position: Some(at),
            ..ConfigError::plain(source.name(), message, hint)
        }])
    })
}

/// The error for a config over [`MAX_CONFIG_BYTES`].
fn too_large(file: &str, size: usize) -> ConfigError {
    ConfigError::plain(
        file,
        format!(
            "the config is {size} bytes, more than the limit of {MAX_CONFIG_BYTES} bytes (8 MiB)"
        ),
        "split it or remove what it does not need: a config of thousands of steps stays under 1 MiB",
    )
}

/// The YAML value of `source`; a syntax error carries serde_yaml's position.
fn parse_yaml(
    source: &Arc<ConfigSource>,
    positions: &PositionIndex,
) -> Result<serde_yaml::Value, ConfigErrors> {
    serde_yaml::from_str(source.text()).map_err(|error| {
        let position = error.location().map(|l| Position {
            line: l.line(),
            column: l.column(),
        });
        let mut errors =
            ConfigErrors::from_issues(Vec::new(), source, positions, &ConfigPath::root());
        errors.push(ConfigError {
            position,
            ..ConfigError::plain(
                source.name(),
                format!("invalid YAML: {}", strip_location(&error.to_string())),
                "check indentation and quoting around the marked position",
            )
        });
        errors
    })
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Converts YAML to the JSON-like value, substituting `${VAR}` in strings. `path` is where
/// `yaml` is, extended and restored in place (copied only into issues), so deep nesting
/// costs no copy of the path per node. Substituted text
/// stays text: the param's type decides whether it is read as a number (see
/// `params::lenient`), so a password `${PIN}` keeps its leading zeros.
fn to_json(
    yaml: &serde_yaml::Value,
    path: &mut ConfigPath,
    app: &AppConfig,
    issues: &mut Vec<Issue>,
) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => number(n).unwrap_or_else(|| {
            issues.push(Issue::at(
                path.clone(),
                format!("the number {n} cannot be represented"),
            ));
            Value::Null
        }),
        Y::String(text) => match substitute(text, app.environment()) {
            Ok(value) => Value::String(value),
            Err(missing) => {
                issues.push(
                    Issue::at(path.clone(), format!("environment variable `{}` is not set", missing.0))
                        .hint(format!(
                            "set {0} in the environment or in a .env file beside the config, or give a default: `${{{0}:-value}}`",
                            missing.0
                        )),
                );
                Value::Null
            }
        },
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    path.push_index(i);
                    let value = to_json(item, path, app, issues);
                    path.pop();
                    value
                })
                .collect(),
        ),
        Y::Mapping(mapping) => {
            let mut map = Map::with_capacity(mapping.len());
            for (key, item) in mapping {
                let key = match key {
                    Y::String(key) => key.clone(),
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => {
                        issues.push(Issue::at(path.clone(), "map keys must be plain strings"));
                        continue;
                    }
                };
                path.push_key(&key);
                let value = to_json(item, path, app, issues);
                path.pop();
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Y::Tagged(tagged) => to_json(&tagged.value, path, app, issues),
    }
}

fn number(n: &serde_yaml::Number) -> Option<Value> {
    if let Some(u) = n.as_u64() {
        Some(Value::Number(u.into()))
    } else if let Some(i) = n.as_i64() {
        Some(Value::Number(i.into()))
    } else {
        n.as_f64().and_then(Number::from_f64).map(Value::Number)
    }
}

fn find_root<'a>(document: &'a Value, issues: &mut Vec<Issue>) -> Option<(String, &'a Value)> {
    let hint = "a config starts with `open_ticket_ai:` (or its aliases `otai:` / `cfg:`)";
    let Some(map) = document.as_object() else {
        issues.push(
            Issue::at(
                ConfigPath::root(),
                format!("the config is {}, not a map", kind_of(document)),
            )
            .hint(hint),
        );
        return None;
    };
    let roots: Vec<&String> = map
        .keys()
        .filter(|k| ROOT_KEYS.contains(&k.as_str()))
        .collect();
    for key in map.keys().filter(|k| !ROOT_KEYS.contains(&k.as_str())) {
        let suggestion = suggest::closest(key, ROOT_KEYS.iter().copied());
        issues.push(
            Issue::at_key(
                ConfigPath::root().key(key),
                format!("unknown top-level key `{key}`"),
            )
            .hint(suggest::did_you_mean(&suggestion).unwrap_or_else(|| hint.to_owned())),
        );
    }
    match roots.as_slice() {
        [root] => Some(((*root).clone(), &map[root.as_str()])),
        [] => {
            if map.is_empty() {
                issues.push(Issue::at(ConfigPath::root(), "the config is empty").hint(hint));
            }
            None
        }
        [first, second, ..] => {
            issues.push(
                Issue::at_key(
                    ConfigPath::root().key(second),
                    format!("`{second}` repeats the root already given as `{first}`"),
                )
                .hint("keep one root key"),
            );
            None
        }
    }
}

const BODY_KEYS: &[&str] = &[
    "api_version",
    "plugins",
    "infrastructure",
    "services",
    "orchestrator",
];

fn parse_body(body: &Value, issues: &mut Vec<Issue>) -> Option<OtaiConfig> {
    let root = ConfigPath::root();
    let map = known_keys_map(
        body,
        &root,
        "a map",
        "put `services:` and `orchestrator:` under the root key",
        BODY_KEYS,
        issues,
    )?;

    let api_version = match map.get("api_version") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => match semver::VersionReq::parse(text) {
            Ok(requirement) => Some(requirement),
            Err(error) => {
                issues.push(
                    Issue::at(
                        root.key("api_version"),
                        format!("`{text}` is not a version requirement: {error}"),
                    )
                    .hint("write a semver requirement such as \">=1.0.0\""),
                );
                None
            }
        },
        Some(other) => {
            issues.push(
                Issue::at(
                    root.key("api_version"),
                    format!("expected a string, found {}", kind_of(other)),
                )
                .hint("quote it: api_version: \">=1.0.0\""),
            );
            None
        }
    };

    let plugins = typed::<Vec<PluginRequirement>>(map.get("plugins"), &root.key("plugins"), issues)
        .unwrap_or_default();
    let infrastructure = typed::<Infrastructure>(
        map.get("infrastructure"),
        &root.key("infrastructure"),
        issues,
    )
    .unwrap_or_default();
    if !infrastructure.logging.level_is_valid() {
        issues.push(
            Issue::at(
                root.key("infrastructure").key("logging").key("level"),
                format!("`{}` is not a log level", infrastructure.logging.level),
            )
            .hint("use one of TRACE, DEBUG, INFO, WARN, ERROR, or a filter like `info,otai=debug`"),
        );
    }
    if infrastructure
        .listen
        .trigger_secret
        .as_ref()
        .is_some_and(|secret| secret.expose().trim().is_empty())
    {
        issues.push(
            Issue::at(
                root.key("infrastructure").key("listen").key("trigger_secret"),
                "the trigger secret is empty",
            )
            .hint("set the variable it names (e.g. `trigger_secret: ${OTAI_TRIGGER_SECRET}`) to a long random value, or remove the key to refuse every trigger request"),
        );
    }
    let services = parse_services(map.get("services"), &root.key("services"), issues);
    let orchestrator = match map.get("orchestrator") {
        Some(value) => OrchestratorSpec::parse(value, &root.key("orchestrator"), issues),
        None => {
            issues.push(
                Issue::at(root.clone(), "`orchestrator:` is missing")
                    .hint("add `orchestrator: { use: \"base:SimpleSequentialOrchestrator\", params: { steps: [...] } }` or `orchestrator: { runners: [ { run: { use: … } } ] }`"),
            );
            None
        }
    };
    Some(OtaiConfig {
        infrastructure,
        pipeline: PipelineSpec {
            api_version,
            plugins,
            services,
            orchestrator: orchestrator?,
        },
    })
}

fn typed<T: serde::de::DeserializeOwned>(
    value: Option<&Value>,
    path: &ConfigPath,
    issues: &mut Vec<Issue>,
) -> Option<T> {
    let value = value.filter(|v| !v.is_null())?;
    match params::deserialize::<T>(value) {
        Ok(typed) => Some(typed),
        Err(error) => {
            issues.push(Issue::from_serde(path.join(&error.path), error.message));
            None
        }
    }
}

fn parse_services(
    value: Option<&Value>,
    path: &ConfigPath,
    issues: &mut Vec<Issue>,
) -> Vec<ServiceSpec> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(id, service)| {
                ServiceSpec::parse(id, service, &path.key(id), false, issues)
            })
            .collect(),
        // The list form (`- id: x\n  use: …`) of the original's documentation.
        Some(Value::Array(items)) => {
            let mut services: Vec<ServiceSpec> = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let item_path = path.index(index);
                let Some(id) = item.get("id").and_then(Value::as_str) else {
                    issues.push(Issue::at(
                        item_path,
                        "a service in list form needs an `id:`",
                    ));
                    continue;
                };
                if services.iter().any(|s| s.id == id) {
                    issues.push(Issue::at(
                        item_path.key("id"),
                        format!("service id `{id}` is used twice"),
                    ));
                    continue;
                }
                services.extend(ServiceSpec::parse(id, item, &item_path, true, issues));
            }
            services
        }
        Some(other) => {
            issues.push(
                Issue::at(
                    path.clone(),
                    format!(
                        "`services` must be a map of id → service, found {}",
                        kind_of(other)
                    ),
                )
                .hint("write `services: { my_id: { use: \"prefix:Name\" } }`"),
            );
            Vec::new()
        }
    }
}
