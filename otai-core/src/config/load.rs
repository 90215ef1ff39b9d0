//! Reading a config: YAML text → environment substitution → the checked [`OtaiConfig`].

use std::path::Path;
use std::sync::Arc;

use super::env::{is_single_reference, substitute, EnvSource};
use super::error::{ConfigError, ConfigErrors, Issue};
use super::model::{
    kind_of, Infrastructure, OtaiConfig, PipeConfig, PluginRequirement, ServiceConfig,
};
use super::path::ConfigPath;
use super::positions::{Position, PositionIndex};
use super::source::ConfigSource;
use crate::engine::params;
use crate::logging::redact;
use crate::registry::suggest;
use crate::value::{Map, Number, Value};

/// Keys the root may have; the first is the canonical one, the others aliases.
pub const ROOT_KEYS: &[&str] = &["open_ticket_ai", "otai", "cfg"];

/// A config that parsed and whose structure is sound; not yet checked against the registry.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    source: Arc<ConfigSource>,
    root: ConfigPath,
    positions: PositionIndex,
    config: OtaiConfig,
    env: EnvSource,
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

    /// The environment the config was loaded with (its `.env` included).
    pub fn env(&self) -> &EnvSource {
        &self.env
    }

    /// Turns issues found later (by the engine) into located errors.
    pub(crate) fn errors(&self, issues: Vec<Issue>) -> ConfigErrors {
        ConfigErrors::from_issues(issues, &self.source, &self.positions, &self.root)
    }
}

/// Loads a config file; `.env` beside it fills in variables the environment lacks.
pub fn load_file(path: &Path) -> Result<LoadedConfig, ConfigErrors> {
    let (loaded, issues) = load_file_lenient(path)?;
    if issues.is_empty() {
        Ok(loaded)
    } else {
        Err(loaded.errors(issues))
    }
}

/// [`load_file`] that returns the non-fatal issues beside the config.
pub(crate) fn load_file_lenient(path: &Path) -> Result<(LoadedConfig, Vec<Issue>), ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        ConfigErrors::new(vec![ConfigError {
            file: path.display().to_string(),
            path: String::new(),
            position: None,
            message: format!("cannot read the config file: {error}"),
            hint: Some("check the path given to `--config`".to_owned()),
        }])
    })?;
    let source = ConfigSource::from_file(path, text);
    let env = EnvSource::beside(source.dir()).map_err(|message| {
        ConfigErrors::new(vec![ConfigError {
            file: path.display().to_string(),
            path: String::new(),
            position: None,
            message,
            hint: Some("fix or remove the `.env` file beside the config".to_owned()),
        }])
    })?;
    load_lenient(source, &env)
}

/// Loads a config from text (embedding, tests); `name` is what errors call it.
pub fn load_str(name: &str, text: &str) -> Result<LoadedConfig, ConfigErrors> {
    load_source(ConfigSource::from_text(name, text), &EnvSource::default())
}

/// Loads a config from a source with an explicit environment.
pub fn load_source(source: ConfigSource, env: &EnvSource) -> Result<LoadedConfig, ConfigErrors> {
    let (loaded, issues) = load_lenient(source, env)?;
    if issues.is_empty() {
        Ok(loaded)
    } else {
        Err(loaded.errors(issues))
    }
}

/// Loads as far as possible: fatal problems (YAML syntax, no root, no orchestrator) are
/// errors; the rest come back as issues beside the config, so that validation can go on and
/// report everything at once.
pub(crate) fn load_lenient(
    source: ConfigSource,
    env: &EnvSource,
) -> Result<(LoadedConfig, Vec<Issue>), ConfigErrors> {
    let source = Arc::new(source);
    let positions = PositionIndex::build(source.text());
    let yaml = parse_yaml(&source, &positions)?;

    let mut issues = Vec::new();
    let document = to_json(&yaml, &ConfigPath::root(), env, &positions, &mut issues);
    let (root, body) = match find_root(&document, &mut issues) {
        Some(found) => found,
        None => {
            return Err(ConfigErrors::from_issues(
                issues,
                &source,
                &positions,
                &ConfigPath::root(),
            ))
        }
    };
    // Paths are reported relative to the root key; substitution issues below it too.
    let root_path = ConfigPath::root().key(&root);
    let (mut inner, outside): (Vec<Issue>, Vec<Issue>) = issues
        .into_iter()
        .map(|issue| match issue.path.strip_first(&root) {
            Some(relative) => Ok(Issue {
                path: relative,
                ..issue
            }),
            None => Err(issue),
        })
        .fold(
            (Vec::new(), Vec::new()),
            |(mut inner, mut outside), issue| {
                match issue {
                    Ok(issue) => inner.push(issue),
                    Err(issue) => outside.push(issue),
                }
                (inner, outside)
            },
        );
    let config = parse_body(body, &mut inner);
    match config {
        Some(config) if outside.is_empty() => Ok((
            LoadedConfig {
                source,
                root: root_path,
                positions,
                config,
                env: env.clone(),
            },
            inner,
        )),
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
        ConfigErrors::from_issues(Vec::new(), source, positions, &ConfigPath::root()).with(
            ConfigError {
                file: source.name().to_owned(),
                path: String::new(),
                position,
                message: format!("invalid YAML: {}", strip_location(&error.to_string())),
                hint: Some("check indentation and quoting around the marked position".to_owned()),
            },
        )
    })
}

/// Loads a single pipe config (`{id?, use, injects?, params?}`) from text, as the
/// orchestrator of an otherwise empty config; errors point into that text.
pub(crate) fn load_pipe_str(name: &str, text: &str) -> Result<LoadedConfig, ConfigErrors> {
    let source = Arc::new(ConfigSource::from_text(name, text));
    let positions = PositionIndex::build(text);
    let yaml = parse_yaml(&source, &positions)?;
    let root = ConfigPath::root();
    let mut issues = Vec::new();
    let value = to_json(&yaml, &root, &EnvSource::default(), &positions, &mut issues);
    match PipeConfig::parse(&value, &root, &mut issues) {
        Some(orchestrator) if issues.is_empty() => Ok(LoadedConfig {
            source,
            root,
            positions,
            config: OtaiConfig {
                api_version: None,
                plugins: Vec::new(),
                infrastructure: Infrastructure::default(),
                services: Vec::new(),
                orchestrator,
            },
            env: EnvSource::default(),
        }),
        _ => Err(ConfigErrors::from_issues(
            issues, &source, &positions, &root,
        )),
    }
}

impl ConfigErrors {
    fn with(mut self, error: ConfigError) -> Self {
        self.extend(ConfigErrors::new(vec![error]));
        self
    }
}

fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Converts YAML to the JSON-like value, substituting `${VAR}` in strings. An unquoted string
/// that is exactly one reference is re-read as a YAML scalar (so `port: ${PORT}` is a number).
fn to_json(
    yaml: &serde_yaml::Value,
    path: &ConfigPath,
    env: &EnvSource,
    positions: &PositionIndex,
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
        Y::String(text) => match substitute(text, env) {
            // A secret stays a string even when it looks like a number.
            Ok(value)
                if is_single_reference(text)
                    && positions.is_plain_scalar(path)
                    && !path.last_key().is_some_and(redact::is_secret_key) =>
            {
                retype_scalar(value)
            }
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
                .map(|(i, item)| to_json(item, &path.index(i), env, positions, issues))
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
                let value = to_json(item, &path.key(&key), env, positions, issues);
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Y::Tagged(tagged) => to_json(&tagged.value, path, env, positions, issues),
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

fn retype_scalar(text: String) -> Value {
    match serde_yaml::from_str::<serde_yaml::Value>(&text) {
        Ok(serde_yaml::Value::Number(n)) => number(&n).unwrap_or(Value::String(text)),
        Ok(serde_yaml::Value::Bool(b)) => Value::Bool(b),
        _ => Value::String(text),
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
    let Some(map) = body.as_object() else {
        issues.push(
            Issue::at(root, format!("expected a map, found {}", kind_of(body)))
                .hint("put `services:` and `orchestrator:` under the root key"),
        );
        return None;
    };
    for key in map.keys().filter(|k| !BODY_KEYS.contains(&k.as_str())) {
        let suggestion = suggest::closest(key, BODY_KEYS.iter().copied());
        issues.push(
            Issue::at_key(root.key(key), format!("unknown key `{key}`")).hint(
                suggest::did_you_mean(&suggestion)
                    .unwrap_or_else(|| format!("allowed keys: {}", BODY_KEYS.join(", "))),
            ),
        );
    }

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
    if !crate::logging::is_valid_level(&infrastructure.logging.level) {
        issues.push(
            Issue::at(
                root.key("infrastructure").key("logging").key("level"),
                format!("`{}` is not a log level", infrastructure.logging.level),
            )
            .hint("use one of TRACE, DEBUG, INFO, WARN, ERROR, or a filter like `info,otai=debug`"),
        );
    }
    let services = parse_services(map.get("services"), &root.key("services"), issues);
    let orchestrator = match map.get("orchestrator") {
        Some(value) => PipeConfig::parse(value, &root.key("orchestrator"), issues),
        None => {
            issues.push(
                Issue::at(root.clone(), "`orchestrator:` is missing")
                    .hint("add `orchestrator: { use: \"base:SimpleSequentialOrchestrator\", params: { steps: [...] } }`"),
            );
            None
        }
    };
    Some(OtaiConfig {
        api_version,
        plugins,
        infrastructure,
        services,
        orchestrator: orchestrator?,
    })
}

fn typed<T: serde::de::DeserializeOwned>(
    value: Option<&Value>,
    path: &ConfigPath,
    issues: &mut Vec<Issue>,
) -> Option<T> {
    let value = value.filter(|v| !v.is_null())?;
    match params::deserialize::<T>(value.clone()) {
        Ok(typed) => Some(typed),
        Err(error) => {
            issues.push(Issue::from_serde(
                path.join_dotted(&error.path),
                error.message,
            ));
            None
        }
    }
}

fn parse_services(
    value: Option<&Value>,
    path: &ConfigPath,
    issues: &mut Vec<Issue>,
) -> Vec<ServiceConfig> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(id, service)| {
                ServiceConfig::parse(id, service, &path.key(id), false, issues)
            })
            .collect(),
        // The list form (`- id: x\n  use: …`) of the original's documentation.
        Some(Value::Array(items)) => {
            let mut services: Vec<ServiceConfig> = Vec::new();
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
                services.extend(ServiceConfig::parse(id, item, &item_path, true, issues));
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
