//! Logging through `tracing`, configured from `infrastructure.logging`.
//!
//! The subscriber itself (`init`) is part of the command line (feature `cli`); the colour rule
//! is std only, for the helper binaries (the fake OTOBO server) too.

use std::io::IsTerminal;

#[cfg(feature = "cli")]
pub use subscriber::{init, LoggingError};

/// Whether log lines to stderr get colours: only on a terminal, and never when `NO_COLOR` is
/// set (<https://no-color.org>).
pub fn colours_on_stderr() -> bool {
    colours(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Colours on a terminal unless `NO_COLOR` is set to anything but the empty string.
fn colours(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(std::ffi::OsStr::is_empty)
}

#[cfg(feature = "cli")]
mod subscriber {
    use std::fs::OpenOptions;
    use std::sync::Mutex;

    use tracing_subscriber::EnvFilter;

    use super::colours_on_stderr;
    use crate::app_config::AppConfig;
    use crate::config::model::{LogFormat, LoggingConfig};

    /// Why logging could not be set up.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum LoggingError {
        /// `RUST_LOG` is not a tracing filter (the configured level is checked when loading).
        #[error("invalid RUST_LOG `{0}`: use one of trace, debug, info, warn, error or a filter like `info,otai=debug`")]
        RustLog(String),
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
    /// level. A relative log file is resolved against the config's directory (`app`). With
    /// `to_file` false, a configured log file is ignored (`otai check` writes nothing). Calling
    /// it again is harmless (the first subscriber stays).
    pub fn init(
        config: &LoggingConfig,
        app: &AppConfig,
        json_override: bool,
        to_file: bool,
    ) -> Result<(), LoggingError> {
        let filter = match std::env::var("RUST_LOG") {
            Ok(filter) if !filter.trim().is_empty() => {
                EnvFilter::try_new(&filter).map_err(|_| LoggingError::RustLog(filter))?
            }
            // Checked when the config was loaded; fall back to `info` all the same.
            _ => EnvFilter::try_new(config.level.to_lowercase().replace("warning", "warn"))
                .unwrap_or_else(|_| EnvFilter::new("info")),
        };
        let json = json_override || config.format == LogFormat::Json;
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false);
        let result = match config.file().filter(|_| to_file) {
            Some(path) => {
                let path = &app.resolve_path(path);
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
            None => builder
                .with_ansi(colours_on_stderr())
                .with_writer(std::io::stderr)
                .try_init(),
        };
        // A subscriber installed earlier (tests, an embedding application) stays in charge.
        let _ = result;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::colours;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(colours(true, None));
        assert!(
            colours(true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!colours(true, Some(OsStr::new("1"))));
        assert!(!colours(false, None), "piped output is plain");
    }
}
