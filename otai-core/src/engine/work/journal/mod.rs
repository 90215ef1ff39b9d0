//! The journal: what must survive a restart about tickets a unit left unfinished, kept in one
//! embedded database file (redb: ACID, fsync on commit) — or in memory only, for dry runs,
//! tests and embedding applications that choose so.
//!
//! One record per ticket that is being worked on or was left unfinished: its state, the
//! search that found it, and every write made for it since its processing began (done, or
//! sent with an unknown outcome). A ticket whose processing completes leaves the journal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::interfaces::{TicketId, TicketWrite, UnifiedTicket, WriteReceipt};

#[cfg(any(test, feature = "journal-file"))]
mod file;
#[cfg(not(any(test, feature = "journal-file")))]
#[path = "no_file.rs"]
mod file;

use file::JournalFile;

/// A ticket of a ticket-system service: `(service id, ticket id)`.
pub(crate) type TicketKey = (String, String);

/// Milliseconds since the Unix epoch: the journal's clock (it survives restarts).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// `ms` from now.
pub(crate) fn after(duration: Duration) -> u64 {
    now_ms().saturating_add(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// Where a ticket stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum TicketState {
    /// A unit is working on it; found at start, the process that did died mid-work.
    InFlight {
        /// Since when (ms).
        since: u64,
    },
    /// A unit failed on it; it is picked up again from `next_try`.
    Unfinished {
        /// Failed attempts that count against it (not those where the system was away).
        attempts: u32,
        /// When to try again (ms).
        next_try: u64,
        /// The step that failed last.
        step: String,
        /// Why.
        cause: String,
    },
    /// It failed `attempts` times for a reason of its own; left alone until `retry_at`.
    SetAside {
        /// Failed attempts.
        attempts: u32,
        /// When to try once more (ms).
        retry_at: u64,
        /// The step that failed last.
        step: String,
        /// Why.
        cause: String,
    },
}

/// A write made for a ticket while it is being processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum WriteRecord {
    /// Sent; its outcome is not known yet (or never became known: a crash, a lost answer).
    Pending {
        /// The write (boxed: it is much larger than a receipt).
        write: Box<TicketWrite>,
        /// The highest note id seen before it was sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note_id_floor: Option<TicketId>,
    },
    /// It took effect.
    Done {
        /// What the system answered (or what reading back found).
        receipt: WriteReceipt,
    },
}

/// Everything the journal keeps about one ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TicketRecord {
    /// The ticket-system service's id in the config.
    pub service: String,
    /// The ticket.
    pub ticket: String,
    /// Where it stands.
    pub state: TicketState,
    /// The search that found it (a fingerprint of its criteria), so that the same search
    /// hands it out again when it is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<String>,
    /// The writes made for it, by idempotency key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub writes: BTreeMap<String, WriteRecord>,
    /// The ticket as read before its first write, for judging lost answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<UnifiedTicket>,
}

impl TicketRecord {
    pub(crate) fn key(&self) -> TicketKey {
        (self.service.clone(), self.ticket.clone())
    }
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Another process holds the journal file.
    #[error("the journal {} is in use by another otai process", .path.display())]
    InUse {
        /// The file.
        path: PathBuf,
    },
    /// The file or its directory cannot be created, read or written.
    #[error("the journal {} cannot be used", .path.display())]
    Storage {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The journal's storage: a file (feature `journal-file`), or nothing (memory only).
#[derive(Clone, Default)]
pub(crate) struct Journal {
    file: Option<Arc<JournalFile>>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "Journal({})", file.path().display()),
            None => f.write_str("Journal(in memory)"),
        }
    }
}

impl Journal {
    /// A journal kept in memory only: lost with the process.
    pub(crate) fn in_memory() -> Self {
        Self::default()
    }

    /// Opens (or creates) the journal file at `path`, creating its directory. Another
    /// process holding it is an error: each worker keeps its own journal.
    pub(crate) fn open(path: &Path) -> Result<Self, JournalError> {
        Ok(Self {
            file: Some(Arc::new(JournalFile::open(path)?)),
        })
    }

    /// The file, when there is one.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.file.as_deref().map(JournalFile::path)
    }

    /// Every record and every meta value.
    pub(crate) fn load(
        &self,
    ) -> Result<(Vec<TicketRecord>, BTreeMap<String, String>), JournalError> {
        match &self.file {
            Some(file) => file.load(),
            None => Ok(Default::default()),
        }
    }

    /// Stores `record` (replacing the one of its ticket). `durable`: on disk when this
    /// returns (an intent that must survive a crash); otherwise with the next durable commit.
    pub(crate) async fn put(
        &self,
        record: &TicketRecord,
        durable: bool,
    ) -> Result<(), JournalError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let Ok(value) = serde_json::to_vec(record) else {
            return Ok(());
        };
        file.put(record_key(&record.service, &record.ticket), value, durable)
            .await
    }

    /// Removes the record of a ticket.
    pub(crate) async fn remove(&self, ticket: &TicketKey) -> Result<(), JournalError> {
        match &self.file {
            Some(file) => file.remove(record_key(&ticket.0, &ticket.1)).await,
            None => Ok(()),
        }
    }

    /// Stores a meta value.
    pub(crate) async fn put_meta(&self, key: &str, value: &str) -> Result<(), JournalError> {
        match &self.file {
            Some(file) => file.put_meta(key.to_owned(), value.to_owned()).await,
            None => Ok(()),
        }
    }
}

/// A journal file being opened on another thread: creating a redb file takes several
/// fsyncs, which `otai run` overlaps with loading and building the config. Dropped unused
/// (the config had errors), it waits for the thread, so no half-created file is left.
pub(crate) struct JournalOpening {
    path: PathBuf,
    thread: Option<std::thread::JoinHandle<Result<Journal, JournalError>>>,
}

impl JournalOpening {
    /// Starts opening the journal at `path`.
    #[cfg(feature = "cli")]
    pub(crate) fn start(path: PathBuf) -> Self {
        let opened = path.clone();
        Self {
            path,
            thread: Some(std::thread::spawn(move || Journal::open(&opened))),
        }
    }

    /// The file being opened.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Waits for the journal.
    pub(crate) fn finish(mut self) -> Result<Journal, JournalError> {
        let joined = self.thread.take().map(std::thread::JoinHandle::join);
        match joined {
            Some(Ok(opened)) => opened,
            Some(Err(_)) | None => Err(JournalError::Storage {
                path: self.path.clone(),
                source: "opening the journal failed unexpectedly".into(),
            }),
        }
    }
}

impl Drop for JournalOpening {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn record_key(service: &str, ticket: &str) -> String {
    format!("{service}\u{1f}{ticket}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn record(ticket: &str) -> TicketRecord {
        TicketRecord {
            service: "otobo".into(),
            ticket: ticket.into(),
            state: TicketState::Unfinished {
                attempts: 1,
                next_try: 5,
                step: "note".into(),
                cause: "cut".into(),
            },
            criteria: Some("q".into()),
            writes: BTreeMap::new(),
            before: None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_changes_are_committed_in_groups_and_each_survives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.redb");
        {
            let journal = Journal::open(&path).unwrap();
            let mut tasks = tokio::task::JoinSet::new();
            for n in 0..64 {
                let journal = journal.clone();
                tasks.spawn(async move {
                    journal.put(&record(&n.to_string()), n % 2 == 0).await?;
                    if n % 4 == 0 {
                        journal.remove(&("otobo".into(), n.to_string())).await?;
                    }
                    Ok::<_, JournalError>(())
                });
            }
            while let Some(done) = tasks.join_next().await {
                done.unwrap().unwrap();
            }
            // Every change waiting went with a durable commit or waits for the next one.
        }
        let journal = Journal::open(&path).unwrap();
        let (records, _) = journal.load().unwrap();
        let mut tickets: Vec<u32> = records.iter().map(|r| r.ticket.parse().unwrap()).collect();
        tickets.sort_unstable();
        let expected: Vec<u32> = (0..64).filter(|n| n % 4 != 0).collect();
        assert_eq!(tickets, expected);
    }

    #[tokio::test]
    async fn records_survive_reopening_and_removal_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/journal.redb");
        {
            let journal = Journal::open(&path).unwrap();
            journal.put(&record("1"), true).await.unwrap();
            journal.put(&record("2"), false).await.unwrap();
            journal.remove(&("otobo".into(), "1".into())).await.unwrap();
            journal.put_meta("note_floor:otobo", "42").await.unwrap();
        }
        let journal = Journal::open(&path).unwrap();
        let (records, meta) = journal.load().unwrap();
        assert_eq!(records, vec![record("2")]);
        assert_eq!(meta.get("note_floor:otobo").map(String::as_str), Some("42"));
    }

    #[test]
    fn a_second_opener_is_refused_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.redb");
        let _first = Journal::open(&path).unwrap();
        let error = Journal::open(&path).unwrap_err();
        assert!(matches!(error, JournalError::InUse { .. }), "{error:?}");
        assert!(error.to_string().contains("journal.redb"), "{error}");
    }

    #[tokio::test]
    async fn memory_journals_store_nothing() {
        let journal = Journal::in_memory();
        journal.put(&record("1"), true).await.unwrap();
        assert!(journal.load().unwrap().0.is_empty());
        assert!(journal.path().is_none());
    }
}
