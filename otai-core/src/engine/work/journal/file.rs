//! The journal in a redb file (feature `journal-file`): group commit, durable on demand.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{JournalError, TicketRecord};

const TICKETS: TableDefinition<&str, &[u8]> = TableDefinition::new("tickets");
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

/// An open journal file and the changes waiting for their commit. Dropping the last handle
/// commits what is still waiting.
pub(super) struct JournalFile {
    db: redb::Database,
    path: PathBuf,
    group: Group,
}

/// A change to the journal, waiting for its commit.
type Change = Box<dyn FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error> + Send>;

/// Group commit. A durable change (an intent that must be on disk before its write is sent)
/// waits for a commit that fsyncs; redb commits one write transaction at a time, so changes
/// made while a commit is under way go into the next transaction together, and concurrent
/// items (a for-each of 32 tickets) share one fsync instead of queueing for one each. A
/// change that need not be durable is only queued: it goes to disk with the next durable
/// commit (or when the journal closes), in the order the changes were made. A crash loses a
/// suffix of the changes, never one in the middle.
#[derive(Default)]
struct Group {
    /// Changes not yet committed, oldest first.
    waiting: std::sync::Mutex<Vec<Waiting>>,
    /// Held by the task that commits.
    committer: tokio::sync::Mutex<()>,
}

struct Waiting {
    change: Change,
    /// Told the outcome; `None` for a change nobody waits for.
    done: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

impl JournalFile {
    /// Commits `batch` in one write transaction; returns the outcome and the replies that
    /// wait for it.
    fn commit_batch(&self, batch: Vec<Waiting>, durability: redb::Durability) -> Committed {
        let (changes, replies): (Vec<Change>, Vec<_>) = batch
            .into_iter()
            .map(|waiting| (waiting.change, waiting.done))
            .unzip();
        let commit = || -> Result<(), redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(durability)
                .map_err(|error| redb::Error::Corrupted(error.to_string()))?;
            for change in changes {
                change(&txn)?;
            }
            txn.commit()?;
            Ok(())
        };
        let outcome = commit().map_err(|error| error.to_string());
        if let Err(error) = &outcome {
            tracing::error!(
                journal = %self.path.display(),
                "the journal could not be written: {error}"
            );
        }
        Committed {
            outcome,
            replies: replies.into_iter().flatten().collect(),
        }
    }
}

/// The outcome of a commit, for the changes that wait for it.
struct Committed {
    outcome: Result<(), String>,
    replies: Vec<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

impl Committed {
    fn tell(self) {
        for reply in self.replies {
            let _ = reply.send(self.outcome.clone());
        }
    }
}

impl Drop for JournalFile {
    fn drop(&mut self) {
        let batch = std::mem::take(&mut *lock_waiting(&self.group));
        if !batch.is_empty() {
            self.commit_batch(batch, redb::Durability::Immediate).tell();
        }
    }
}

fn lock_waiting(group: &Group) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
    group
        .waiting
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl JournalFile {
    /// Opens (or creates) the journal file at `path`, creating its directory. Another
    /// process holding it is an error: each worker keeps its own journal.
    pub(super) fn open(path: &Path) -> Result<Self, JournalError> {
        let storage = |source: Box<dyn std::error::Error + Send + Sync>| JournalError::Storage {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| storage(error.into()))?;
        }
        let db = match redb::Database::create(path) {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(JournalError::InUse {
                    path: path.to_owned(),
                })
            }
            Err(error) => return Err(storage(error.into())),
        };
        // Create the tables, so that reading an empty journal works. Not on disk before the
        // first durable commit (an intent before a write): a process that dies before it has
        // nothing to keep, and the first start spares two fsyncs.
        let create = || -> Result<(), redb::Error> {
            let mut txn = db.begin_write()?;
            txn.set_durability(redb::Durability::None)
                .map_err(|error| redb::Error::Corrupted(error.to_string()))?;
            txn.open_table(TICKETS)?;
            txn.open_table(META)?;
            txn.commit()?;
            Ok(())
        };
        create().map_err(|error| storage(error.into()))?;
        Ok(Self {
            db,
            path: path.to_owned(),
            group: Group::default(),
        })
    }

    /// The file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Every record and every meta value.
    pub(super) fn load(
        &self,
    ) -> Result<(Vec<TicketRecord>, BTreeMap<String, String>), JournalError> {
        let file = self;
        let read = || -> Result<_, redb::Error> {
            let txn = file.db.begin_read()?;
            let mut records = Vec::new();
            for entry in txn.open_table(TICKETS)?.iter()? {
                let (key, value) = entry?;
                match serde_json::from_slice::<TicketRecord>(value.value()) {
                    Ok(record) => records.push(record),
                    Err(error) => tracing::warn!(
                        key = key.value(),
                        "unreadable journal record skipped: {error}"
                    ),
                }
            }
            let mut meta = BTreeMap::new();
            for entry in txn.open_table(META)?.iter()? {
                let (key, value) = entry?;
                meta.insert(key.value().to_owned(), value.value().to_owned());
            }
            Ok((records, meta))
        };
        read().map_err(|error| JournalError::Storage {
            path: file.path.clone(),
            source: error.into(),
        })
    }

    /// Stores `value` as the record `key`; see [`JournalFile::commit`] for `durable`.
    pub(super) async fn put(
        self: &Arc<Self>,
        key: String,
        value: Vec<u8>,
        durable: bool,
    ) -> Result<(), JournalError> {
        self.commit(durable, move |txn| {
            txn.open_table(TICKETS)?
                .insert(key.as_str(), value.as_slice())?;
            Ok(())
        })
        .await
    }

    /// Removes the record `key` (with the next commit).
    pub(super) async fn remove(self: &Arc<Self>, key: String) -> Result<(), JournalError> {
        self.commit(false, move |txn| {
            txn.open_table(TICKETS)?.remove(key.as_str())?;
            Ok(())
        })
        .await
    }

    /// Stores a meta value (with the next commit).
    pub(super) async fn put_meta(
        self: &Arc<Self>,
        key: String,
        value: String,
    ) -> Result<(), JournalError> {
        self.commit(false, move |txn| {
            txn.open_table(META)?.insert(key.as_str(), value.as_str())?;
            Ok(())
        })
        .await
    }

    /// Applies `change` in a write transaction (see [`Group`]): `durable`, waits until it is
    /// on disk (with the changes made meanwhile, as one group commit; a failed commit fails
    /// every change of its group); otherwise queues it for the next commit and returns.
    async fn commit(
        self: &Arc<Self>,
        durable: bool,
        change: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error> + Send + 'static,
    ) -> Result<(), JournalError> {
        let file = self;
        if !durable {
            lock_waiting(&file.group).push(Waiting {
                change: Box::new(change),
                done: None,
            });
            return Ok(());
        }
        let (done, mut outcome) = tokio::sync::oneshot::channel();
        lock_waiting(&file.group).push(Waiting {
            change: Box::new(change),
            done: Some(done),
        });
        // Either the commit under way (or the next one) takes this change along, or this
        // task becomes the committer and commits every change waiting, its own included.
        let outcome = tokio::select! {
            biased;
            outcome = &mut outcome => outcome,
            committer = file.group.committer.lock() => {
                let batch = std::mem::take(&mut *lock_waiting(&file.group));
                if !batch.is_empty() {
                    let file = Arc::clone(file);
                    // The handle is dropped before the replies go out, so a caller that
                    // closes the journal can reopen it at once.
                    let work = move || {
                        let committed = file.commit_batch(batch, redb::Durability::Immediate);
                        drop(file);
                        committed.tell();
                    };
                    match tokio::runtime::Handle::try_current() {
                        // A panic drops the replies: the waiting changes see it below.
                        Ok(_) => drop(tokio::task::spawn_blocking(work).await),
                        Err(_) => work(),
                    }
                }
                drop(committer);
                outcome.await
            }
        };
        let outcome =
            outcome.unwrap_or_else(|_| Err("the commit of the journal was abandoned".to_owned()));
        outcome.map_err(|reason| JournalError::Storage {
            path: file.path.clone(),
            source: reason.into(),
        })
    }
}
