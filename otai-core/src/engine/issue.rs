//! A problem found in a pipeline's declarations, at a config path.

use crate::path::ConfigPath;
use crate::registry::suggest::{closest, did_you_mean};
use crate::value::{kind_of, Map, Value};

/// Where an issue points: the value at the path, or the key (for unknown keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The value at the path.
    Value,
    /// The key of the entry at the path.
    Key,
}

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Probably a mistake, but the pipeline can run (a template reads a name that does not
    /// exist).
    Warning,
    /// The pipeline cannot be built or started.
    Error,
}

/// A problem found at a config path. The config layer attaches file positions and renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where, below the config's root key.
    pub path: ConfigPath,
    /// The value or the key at the path.
    pub anchor: Anchor,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Issue {
    /// An error about the value at `path`.
    pub fn at(path: ConfigPath, message: impl Into<String>) -> Self {
        Self {
            path,
            anchor: Anchor::Value,
            severity: Severity::Error,
            message: message.into(),
            hint: None,
        }
    }

    /// An error about the key of the entry at `path` (an unknown key).
    pub fn at_key(path: ConfigPath, message: impl Into<String>) -> Self {
        Self {
            anchor: Anchor::Key,
            ..Self::at(path, message)
        }
    }

    /// A serde message about the value at `path`: an unknown field points at its key.
    pub fn from_serde(path: ConfigPath, message: String) -> Self {
        if message.starts_with("unknown field") {
            Self::at_key(path, message)
        } else {
            Self::at(path, message)
        }
    }

    /// This issue as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Adds how to fix it.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds how to fix it, if known.
    pub fn maybe_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint.or(self.hint);
        self
    }

    /// Whether it stops the pipeline.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `value` (at `path`) as a map, with an issue for each key not in `allowed` (see
/// [`unknown_keys`]). Anything else than a map is one issue, "expected {expected}, found
/// …" with `hint`, and `None`.
pub(crate) fn known_keys_map<'v>(
    value: &'v Value,
    path: &ConfigPath,
    expected: &str,
    hint: &str,
    allowed: &[&str],
    issues: &mut Vec<Issue>,
) -> Option<&'v Map<String, Value>> {
    let Some(map) = value.as_object() else {
        issues.push(
            Issue::at(
                path.clone(),
                format!("expected {expected}, found {}", kind_of(value)),
            )
            .hint(hint),
        );
        return None;
    };
    unknown_keys(map, allowed, path, issues);
    Some(map)
}

/// An issue for every key of `map` (the map at `path`) that is not in `allowed`, each with a
/// did-you-mean or the list of allowed keys.
pub(crate) fn unknown_keys(
    map: &Map<String, Value>,
    allowed: &[&str],
    path: &ConfigPath,
    issues: &mut Vec<Issue>,
) {
    for key in map.keys().filter(|key| !allowed.contains(&key.as_str())) {
        let suggestion = closest(key, allowed.iter().copied());
        issues.push(
            Issue::at_key(path.key(key), format!("unknown key `{key}`")).hint(
                did_you_mean(&suggestion)
                    .unwrap_or_else(|| format!("allowed keys: {}", allowed.join(", "))),
            ),
        );
    }
}
