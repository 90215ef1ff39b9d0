//! What outlives a fake server process: its tickets (the state file, so that a server
//! started again — after a `crash` fault or a `kill` — has the same tickets, as a real OTOBO
//! keeps them in its database) and the record of every write request it received (to check
//! afterwards that no note was added twice and that every ticket was written once).
//!
//! The state file is JSON, replaced atomically (written beside, then renamed) after every
//! change and before the answer goes out. The write record is JSON Lines, appended and
//! flushed per request; a server started with an existing record carries it on.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::helpdesk::SavedState;

/// A file that cannot be used as a state file or write record.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct PersistError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

impl PersistError {
    pub(crate) fn new(path: &Path, reason: impl ToString) -> Self {
        Self {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// The state file of a server.
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state, `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<SavedState>, PersistError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(PersistError::new(&self.path, error)),
        };
        serde_json::from_str(&text).map(Some).map_err(|error| {
            PersistError::new(
                &self.path,
                format!("not a fake OTOBO state file ({error}); delete it to start from the seed"),
            )
        })
    }

    /// Replaces the file by `state`, atomically.
    pub fn save(&self, state: &SavedState) -> Result<(), PersistError> {
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let write = || -> io::Result<()> {
            let mut file = File::create(&temporary)?;
            serde_json::to_writer(&mut file, state)?;
            file.flush()?;
            std::fs::rename(&temporary, &self.path)
        };
        write().map_err(|error| PersistError::new(&self.path, error))
    }
}

/// A write request (`TicketUpdate`, `TicketCreate`) the server received, and what became of
/// it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteEntry {
    /// Its position among the writes of this server (and of the servers before it with the
    /// same record file), from 1.
    pub seq: u64,
    /// `TicketUpdate` or `TicketCreate`.
    pub operation: String,
    /// The ticket written to: the request's `TicketID` (`TicketNumber` is not resolved), or
    /// the created ticket's id.
    pub ticket_id: Option<String>,
    /// The `Ticket` fields sent (`null` when none).
    pub ticket: Value,
    /// The note's subject, when the request adds one.
    pub note_subject: Option<String>,
    /// The note's text.
    pub note_body: Option<String>,
    /// Whether the server carried it out (changed a ticket or added a note); false when a
    /// fault stopped it before processing or the server refused it.
    pub applied: bool,
    /// The id of the article it added.
    pub article_id: Option<String>,
    /// The fault rule that fired on it, in the `--fault` syntax.
    pub fault: Option<String>,
}

/// The record of write requests: in memory, and appended to a file when one is given.
#[derive(Debug, Default)]
pub(crate) struct WriteRecord {
    entries: Vec<WriteEntry>,
    file: Option<(PathBuf, File)>,
}

impl WriteRecord {
    /// A record kept in memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// A record appended to `path`, starting with what the file holds already.
    pub fn open(path: &Path) -> Result<Self, PersistError> {
        let entries = read_write_record(path).or_else(|error| match std::fs::metadata(path) {
            Err(missing) if missing.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            _ => Err(error),
        })?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|error| PersistError::new(path, error))?;
        Ok(Self {
            entries,
            file: Some((path.to_owned(), file)),
        })
    }

    /// Adds `entry` (its `seq` is set here).
    pub fn push(&mut self, mut entry: WriteEntry) {
        entry.seq = self.entries.last().map_or(0, |last| last.seq) + 1;
        if let Some((path, file)) = &mut self.file {
            let line = serde_json::to_string(&entry).unwrap_or_default();
            if let Err(error) = writeln!(file, "{line}").and_then(|()| file.flush()) {
                tracing::error!(path = %path.display(), %error, "fake OTOBO: cannot append to the write record");
            }
        }
        self.entries.push(entry);
    }

    pub fn entries(&self) -> &[WriteEntry] {
        &self.entries
    }
}

/// Reads a write record file (`--record`), oldest first.
pub fn read_write_record(path: &Path) -> Result<Vec<WriteEntry>, PersistError> {
    let file = File::open(path).map_err(|error| PersistError::new(path, error))?;
    let mut entries = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|error| PersistError::new(path, error))?;
        if line.trim().is_empty() {
            continue;
        }
        // A line cut short by a killed server is the last one: it is skipped.
        match serde_json::from_str(&line) {
            Ok(entry) => entries.push(entry),
            Err(error) => {
                tracing::warn!(path = %path.display(), line = number + 1, %error, "fake OTOBO: unreadable line in the write record skipped");
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(subject: &str) -> WriteEntry {
        WriteEntry {
            seq: 0,
            operation: "TicketUpdate".into(),
            ticket_id: Some("7".into()),
            ticket: Value::Null,
            note_subject: Some(subject.into()),
            note_body: Some("text".into()),
            applied: true,
            article_id: Some("9".into()),
            fault: None,
        }
    }

    #[test]
    fn the_write_record_carries_on_across_servers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("writes.jsonl");
        let mut first = WriteRecord::open(&path).unwrap();
        first.push(entry("a"));
        first.push(entry("b"));
        drop(first);
        let mut second = WriteRecord::open(&path).unwrap();
        second.push(entry("c"));
        let seqs: Vec<u64> = read_write_record(&path)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(second.entries().len(), 3);
    }

    #[test]
    fn a_broken_state_file_says_how_to_start_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let state = StateFile::new(path.clone());
        assert!(state.load().unwrap().is_none());
        std::fs::write(&path, "{").unwrap();
        let error = state.load().unwrap_err().to_string();
        assert!(
            error.contains("state.json: not a fake OTOBO state file"),
            "{error}"
        );
        assert!(
            error.contains("delete it to start from the seed"),
            "{error}"
        );
    }
}
