//! Logging through `tracing`, configured from `infrastructure.logging`.

pub mod redact;

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::config::model::{LogFormat, LoggingConfig};

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The level is not a tracing level or filter.
    #[error("invalid log level `{0}`: use one of TRACE, DEBUG, INFO, WARN, ERROR or a filter like `info,otai=debug`")]
    Level(String),
    /// The log file could not be opened.
    #[error("cannot open log file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Installs the global `tracing` subscriber. `RUST_LOG`, when set, wins over the configured
/// level. Calling it again is harmless (the first subscriber stays).
pub fn init(config: &LoggingConfig, json_override: bool) -> Result<(), LoggingError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if !filter.trim().is_empty() => EnvFilter::try_new(filter),
        _ => EnvFilter::try_new(config.level.to_lowercase()),
    }
    .map_err(|_| LoggingError::Level(config.level.clone()))?;
    let json = json_override || config.format == LogFormat::Json;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match config.file() {
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| LoggingError::File {
                    path: path.display().to_string(),
                    source,
                })?;
            let writer = Mutex::new(file);
            if json {
                builder.json().with_writer(writer).try_init()
            } else {
                builder.with_ansi(false).with_writer(writer).try_init()
            }
        }
        None if json => builder.json().with_writer(std::io::stderr).try_init(),
        None => builder.with_writer(std::io::stderr).try_init(),
    };
    // A subscriber installed earlier (tests, an embedding application) stays in charge.
    let _ = result;
    Ok(())
}
