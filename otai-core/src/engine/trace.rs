//! `--trace FILE`: one JSON line per executed pipe.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::pipe::{PipeObserver, PipeResult};
use crate::redact;
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
    /// Entries of `data` whose key names a secret are masked.
    pub fn record(&self, pipe_id: &str, use_key: &str, result: &PipeResult, elapsed: Duration) {
        let data = redact::map(&result.data);
        let record = TraceRecord {
            ts: humantime::format_rfc3339_micros(SystemTime::now()).to_string(),
            pipe_id,
            use_key,
            succeeded: result.succeeded(),
            was_skipped: result.was_skipped(),
            message: &result.message,
            data: &data,
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

impl PipeObserver for TraceSink {
    fn pipe_finished(&self, pipe_id: &str, use_key: &str, result: &PipeResult, elapsed: Duration) {
        self.record(pipe_id, use_key, result, elapsed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn records_are_json_lines_with_secrets_masked() {
        let buffer = Shared::default();
        let sink = TraceSink::from_writer(buffer.clone());
        let mut result = PipeResult::success_with("label", "Billing");
        result.data.insert("api_token".into(), json!("hunter2"));
        sink.record(
            "classify",
            "base:ClassificationPipe",
            &result,
            Duration::from_micros(42),
        );
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["pipe_id"], "classify");
        assert_eq!(line["use"], "base:ClassificationPipe");
        assert_eq!(line["duration_us"], 42);
        assert_eq!(
            line["data"],
            json!({"label": "Billing", "api_token": "***"})
        );
        assert!(text.ends_with('\n'));
    }
}
