//! The configuration as loaded: process settings plus what the engine builds.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::PipelineSpec;

/// Everything below the root key (`open_ticket_ai`, `otai` or `cfg`).
#[derive(Debug, Clone, PartialEq)]
pub struct OtaiConfig {
    /// Logging and other process settings.
    pub infrastructure: Infrastructure,
    /// Requirements, services and the orchestrator: what the engine builds.
    pub pipeline: PipelineSpec,
}

/// `infrastructure:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Infrastructure {
    /// `infrastructure.logging`.
    #[serde(default)]
    pub logging: LoggingConfig,
    /// `infrastructure.listen`: the HTTP listener of `otai run --listen ADDR`.
    #[serde(default)]
    pub listen: ListenConfig,
}

/// `infrastructure.listen`: settings of the listener `otai run --listen ADDR` serves
/// (`/metrics`, `/healthz`, `/readyz`, `POST /trigger/<id>`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListenConfig {
    /// The shared secret a `POST /trigger/<id>` must present (`Authorization: Bearer
    /// SECRET`, or as the password of HTTP basic auth, which OTOBO's REST requester sends).
    /// Without it, triggers cannot be fired from outside. Write it as `${VAR}` so it stays
    /// out of the file; it is never logged.
    #[serde(default, skip_serializing)]
    pub trigger_secret: Option<crate::secret::Secret>,
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
    /// File used when `log_to_file` is true; relative to the config file.
    #[serde(default)]
    pub log_file_path: Option<PathBuf>,
    /// Log to this file (shorthand for `log_to_file` + `log_file_path`); relative to the
    /// config file.
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
    /// The file to log to, if any, as written in the config (resolve it against the config's
    /// directory: [`crate::AppConfig::resolve_path`]).
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref().or(if self.log_to_file {
            self.log_file_path.as_deref()
        } else {
            None
        })
    }
}

impl LoggingConfig {
    /// Whether `level` is a level or filter `tracing` understands (`INFO`, `info,otai=debug`).
    pub fn level_is_valid(&self) -> bool {
        const LEVELS: &[&str] = &["trace", "debug", "info", "warn", "warning", "error", "off"];
        let lower = self.level.trim().to_lowercase();
        if LEVELS.contains(&lower.as_str()) {
            return true;
        }
        // A bare word would be read as a target name; a filter says `target=level` or lists.
        (lower.contains('=') || lower.contains(',')) && filter_is_valid(&lower)
    }
}

/// Whether `filter` is a filter the CLI's logging takes (`tracing-subscriber`'s `EnvFilter`).
#[cfg(feature = "cli")]
fn filter_is_valid(filter: &str) -> bool {
    tracing_subscriber::EnvFilter::try_new(filter).is_ok()
}

/// Whether `filter` is a list of `target=level` directives. Without the CLI (a plugin's test
/// build) the config loader checks the common form with `Targets`, which needs no regex engine;
/// `EnvFilter`'s span and field filters are accepted only where the CLI is built.
#[cfg(not(feature = "cli"))]
fn filter_is_valid(filter: &str) -> bool {
    filter
        .parse::<tracing_subscriber::filter::Targets>()
        .is_ok()
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

#[cfg(test)]
mod tests {
    use super::LoggingConfig;

    fn valid(level: &str) -> bool {
        LoggingConfig {
            level: level.to_owned(),
            ..LoggingConfig::default()
        }
        .level_is_valid()
    }

    #[test]
    fn levels_and_target_filters_are_valid_and_anything_else_is_not() {
        for level in [
            "INFO",
            "warning",
            "off",
            "info,otai=debug",
            "otai_core=trace",
        ] {
            assert!(valid(level), "{level}");
        }
        for level in ["verbose", "info,otai=loud", ""] {
            assert!(!valid(level), "{level}");
        }
    }
}
