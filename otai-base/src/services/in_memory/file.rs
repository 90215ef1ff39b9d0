//! Reading seed tickets from, and atomically writing tickets to, JSON / JSONL / YAML files.

use std::io::Write;
use std::path::{Path, PathBuf};

use otai::interfaces::UnifiedTicket;

/// A file format, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `.json`: a list of tickets, or `{tickets: [...]}`.
    Json,
    /// `.jsonl` / `.ndjson`: one ticket per line.
    JsonLines,
    /// `.yaml` / `.yml`: a list of tickets, or `{tickets: [...]}`.
    Yaml,
}

/// Why a ticket file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TicketFileError {
    /// The extension names no known format.
    #[error("{path}: unknown ticket file format; use .json, .jsonl, .ndjson, .yaml or .yml")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The content is not a list of unified tickets.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the position where known.
        message: String,
    },
}

impl Format {
    pub(crate) fn of(path: &Path) -> Result<Self, TicketFileError> {
        let extension = path
            .extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("json") => Ok(Self::Json),
            Some("jsonl" | "ndjson") => Ok(Self::JsonLines),
            Some("yaml" | "yml") => Ok(Self::Yaml),
            _ => Err(TicketFileError::UnknownFormat {
                path: path.to_owned(),
            }),
        }
    }
}

/// Reads the tickets in `path`.
pub(crate) fn load(path: &Path) -> Result<Vec<UnifiedTicket>, TicketFileError> {
    let format = Format::of(path)?;
    let text = std::fs::read_to_string(path).map_err(|source| TicketFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let parse_error = |message: String| TicketFileError::Parse {
        path: path.to_owned(),
        message,
    };
    match format {
        Format::Json => {
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
            from_value(value).map_err(parse_error)
        }
        Format::Yaml => {
            let value: serde_json::Value =
                serde_yaml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
            from_value(value).map_err(parse_error)
        }
        Format::JsonLines => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| {
                serde_json::from_str::<UnifiedTicket>(line)
                    .map_err(|e| parse_error(format!("line {}: {e}", index + 1)))
            })
            .collect(),
    }
}

/// A list of tickets, bare or under `tickets:`; a bad ticket is named by its position.
fn from_value(value: serde_json::Value) -> Result<Vec<UnifiedTicket>, String> {
    let list = match value {
        serde_json::Value::Object(mut map) if map.len() == 1 && map.contains_key("tickets") => {
            map.remove("tickets").unwrap_or_default()
        }
        other => other,
    };
    let serde_json::Value::Array(items) = list else {
        return Err("expected a list of tickets (or `tickets: [...]`)".to_owned());
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            serde_json::from_value::<UnifiedTicket>(item)
                .map_err(|error| format!("ticket #{}: {error}", index + 1))
        })
        .collect()
}

/// Writes `tickets` to `path` atomically: a temporary file beside it is written, flushed and
/// renamed over `path`, so a reader never sees a half-written file.
pub(crate) fn save(path: &Path, tickets: &[UnifiedTicket]) -> Result<(), TicketFileError> {
    let format = Format::of(path)?;
    let io_error = |source: std::io::Error| TicketFileError::Io {
        path: path.to_owned(),
        source,
    };
    let serialize_error = |message: String| TicketFileError::Parse {
        path: path.to_owned(),
        message,
    };
    let bytes = match format {
        Format::Json => {
            serde_json::to_vec_pretty(tickets).map_err(|e| serialize_error(e.to_string()))?
        }
        Format::Yaml => serde_yaml::to_string(tickets)
            .map_err(|e| serialize_error(e.to_string()))?
            .into_bytes(),
        Format::JsonLines => {
            let mut out = Vec::new();
            for ticket in tickets {
                serde_json::to_writer(&mut out, ticket)
                    .map_err(|e| serialize_error(e.to_string()))?;
                out.push(b'\n');
            }
            out
        }
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io_error)?;
    file.write_all(&bytes).map_err(io_error)?;
    file.as_file().sync_all().map_err(io_error)?;
    file.persist(path).map_err(|error| io_error(error.error))?;
    Ok(())
}
