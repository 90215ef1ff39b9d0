//! `--trace FILE`: one JSON line per executed pipe.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::pipe::PipeResult;
use crate::value::{Map, Value};

/// A destination for trace lines, shared by every pipe of a run.
#[derive(Clone)]
pub struct TraceSink {
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl std::fmt::Debug for TraceSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceSink").finish_non_exhaustive()
    }
}

/// One line of the trace.
#[derive(Debug, Serialize)]
pub struct TraceRecord<'a> {
    /// When the pipe finished (RFC 3339, UTC).
    pub ts: String,
    /// The pipe's id.
    pub pipe_id: &'a str,
    /// The pipe's registry key.
    #[serde(rename = "use")]
    pub use_key: &'a str,
    /// See [`PipeResult::succeeded`].
    pub succeeded: bool,
    /// See [`PipeResult::was_skipped`].
    pub was_skipped: bool,
    /// See [`PipeResult::message`].
    pub message: &'a str,
    /// See [`PipeResult::data`].
    pub data: &'a Map<String, Value>,
    /// Wall time of the pipe, params rendering included, in microseconds.
    pub duration_us: u128,
}

impl TraceSink {
    /// Creates (truncates) `path` and traces into it.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = File::create(path)?;
        Ok(Self::from_writer(BufWriter::new(file)))
    }

    /// Traces into any writer (tests use a shared buffer).
    pub fn from_writer(writer: impl Write + Send + 'static) -> Self {
        Self {
            writer: Arc::new(Mutex::new(Box::new(writer))),
        }
    }

    /// Writes the record of one executed pipe and flushes it, so a trace survives a crash.
    pub fn record(&self, pipe_id: &str, use_key: &str, result: &PipeResult, elapsed: Duration) {
        let record = TraceRecord {
            ts: humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            pipe_id,
            use_key,
            succeeded: result.succeeded,
            was_skipped: result.was_skipped,
            message: &result.message,
            data: &result.data,
            duration_us: elapsed.as_micros(),
        };
        let Ok(mut line) = serde_json::to_vec(&record) else {
            tracing::warn!(pipe_id, "could not serialize a trace record");
            return;
        };
        line.push(b'\n');
        let Ok(mut writer) = self.writer.lock() else {
            return;
        };
        if let Err(error) = writer.write_all(&line).and_then(|()| writer.flush()) {
            tracing::warn!(%error, "could not write the trace file");
        }
    }
}
