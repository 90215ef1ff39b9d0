//! `base:InMemoryTicketSystem`: a [`TicketSystem`] held in memory, for demos, tests and
//! rule development without a helpdesk.
//!
//! ```yaml
//! services:
//!   tickets:
//!     use: base:InMemoryTicketSystem
//!     params:
//!       tickets_file: demo-tickets.yaml            # or inline `tickets: [...]`
//!       save_to: ../target/demo-tickets.out.yaml   # optional; rewritten after every change
//!       queues: [Incoming, Billing, IT Support]    # optional; other queues are rejected
//! ```
//!
//! Paths are relative to the config file's directory. Seed files are JSON (a list, or
//! `{tickets: [...]}`), JSON Lines (one ticket per line) or YAML (like JSON), chosen by
//! extension. `save_to` is written in the format of its extension, atomically (a temporary
//! file renamed over it), after every change — not before the first one, so `otai check`
//! writes nothing — and can seed a later run. Every change is logged at `info`
//! (`ticket 3 "…": queue Incoming → Billing`).

mod file;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use otai::prelude::*;
use otai::ConfigPath;

pub use file::TicketFileError;

/// Params of `base:InMemoryTicketSystem`.
#[otai::params]
#[derive(Debug, Clone, Default)]
pub struct InMemoryTicketSystemParams {
    /// Seed tickets, inline. Tickets without an `id` get the next free number.
    #[serde(default)]
    pub tickets: Vec<UnifiedTicket>,
    /// A seed file (`.json`, `.jsonl`, `.ndjson`, `.yaml`, `.yml`), read after `tickets`;
    /// relative to the config file.
    #[serde(default)]
    pub tickets_file: Option<PathBuf>,
    /// Where to write all tickets after every change; relative to the config file.
    #[serde(default)]
    pub save_to: Option<PathBuf>,
    /// The queues that exist (by name); when given, moving a ticket to (or creating one in)
    /// another queue is rejected as a real helpdesk would.
    #[serde(default)]
    pub queues: Option<Vec<String>>,
}

/// Why the store could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InMemoryError {
    /// A seed file could not be read.
    #[error(transparent)]
    File(#[from] TicketFileError),
    /// Two seed tickets share an id.
    #[error("two tickets have the id `{0}`")]
    DuplicateId(String),
}

/// A ticket system held in memory, seeded inline or from a file, optionally saved after every change.
///
/// A ticket system in memory (see the [module docs](self)).
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         queues: [Incoming, Billing]
///         tickets:
///           - { id: 1, subject: Invoice twice, body: "I was charged twice.", queue: { name: Incoming } }
///   orchestrator:
///     use: base:UpdateTicketPipe
///     injects: { ticket_system: tickets }
///     params: { ticket_id: 1, updated_ticket: { queue: { name: Billing } } }
/// ```
#[otai::service(provides(TicketSystem))]
#[derive(Debug)]
pub struct InMemoryTicketSystem {
    store: Mutex<Store>,
    /// Held by a write from computing the new state to making it the store.
    writer: tokio::sync::Mutex<()>,
    save_to: Option<PathBuf>,
    queues: Option<Vec<String>>,
}

#[derive(Debug, Default)]
struct Store {
    tickets: Vec<UnifiedTicket>,
    next_id: u64,
    next_note_id: u64,
}

impl Store {
    fn position(&self, id: &str) -> Result<usize, TicketSystemError> {
        self.tickets
            .iter()
            .position(|ticket| ticket.id.as_ref().is_some_and(|own| own.as_str() == id))
            .ok_or_else(|| TicketSystemError::NotFound(id.to_owned()))
    }

    fn take_id(&mut self) -> TicketId {
        loop {
            let candidate = self.next_id.to_string();
            self.next_id += 1;
            if self.position(&candidate).is_err() {
                return TicketId(candidate);
            }
        }
    }

    fn number_notes(&mut self, notes: &mut [UnifiedNote]) {
        for note in notes.iter_mut().filter(|note| note.id.is_none()) {
            note.id = Some(TicketId(self.next_note_id.to_string()));
            self.next_note_id += 1;
        }
    }
}

impl InMemoryTicketSystem {
    /// A store holding `tickets`; those without an id are numbered after the highest numeric
    /// id present.
    pub fn new(tickets: Vec<UnifiedTicket>) -> Result<Self, InMemoryError> {
        let mut store = Store {
            next_id: 1 + tickets
                .iter()
                .filter_map(|t| t.id.as_ref()?.as_str().parse::<u64>().ok())
                .max()
                .unwrap_or(0),
            next_note_id: 1,
            tickets: Vec::with_capacity(tickets.len()),
        };
        for mut ticket in tickets {
            match &ticket.id {
                Some(id) if store.position(id.as_str()).is_ok() => {
                    return Err(InMemoryError::DuplicateId(id.to_string()));
                }
                Some(_) => {}
                None => ticket.id = Some(store.take_id()),
            }
            let mut notes = std::mem::take(&mut ticket.notes);
            store.number_notes(&mut notes);
            ticket.notes = notes;
            store.tickets.push(ticket);
        }
        Ok(Self {
            store: Mutex::new(store),
            writer: tokio::sync::Mutex::new(()),
            save_to: None,
            queues: None,
        })
    }

    /// Writes every ticket to `path` after each change.
    pub fn with_save_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.save_to = Some(path.into());
        self
    }

    /// Rejects queues other than `queues`.
    pub fn with_queues(mut self, queues: Vec<String>) -> Self {
        self.queues = Some(queues);
        self
    }

    /// A copy of every ticket, in insertion order.
    pub fn snapshot(&self) -> Vec<UnifiedTicket> {
        self.lock().tickets.clone()
    }

    /// Writes the tickets to `save_to` now (it is also written after every change).
    pub fn save(&self) -> Result<(), TicketSystemError> {
        let store = self.lock();
        self.persist(&store, "save")
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // Changes are checked before they are applied and applying cannot fail, so a panic
        // while holding the lock cannot leave a ticket half-updated: a poisoned store is
        // still consistent.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn persist(&self, store: &Store, operation: &str) -> Result<(), TicketSystemError> {
        let Some(path) = &self.save_to else {
            return Ok(());
        };
        file::save(path, &store.tickets)
            .map_err(|error| TicketSystemError::backend(operation, error))
    }
}

impl Service for InMemoryTicketSystem {
    type Params = InMemoryTicketSystemParams;

    fn build(params: Self::Params, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        let mut tickets = params.tickets;
        if let Some(path) = &params.tickets_file {
            let loaded = file::load(&ctx.resolve_path(path)).map_err(|error| {
                BuildError::new("the seed file cannot be used")
                    .at_param(ConfigPath::of_key("tickets_file"))
                    .with_source(error)
            })?;
            tickets.extend(loaded);
        }
        let mut system = Self::new(tickets).map_err(|error| {
            BuildError::new(error.to_string()).at_param(ConfigPath::of_key("tickets"))
        })?;
        if let Some(queues) = params.queues {
            system = system.with_queues(queues);
        }
        if let Some(path) = params.save_to {
            // Written after the first change, not now: `otai check` builds services too.
            system = system.with_save_to(ctx.resolve_path(&path));
        }
        let count = system.lock().tickets.len();
        tracing::info!(
            tickets = count,
            save_to = system
                .save_to
                .as_deref()
                .map(Path::display)
                .map(tracing::field::display),
            "in-memory ticket system ready"
        );
        Ok(system)
    }
}

/// `name`, else `#id`, else `-`.
fn entity_label(entity: Option<&UnifiedEntity>) -> String {
    match entity {
        Some(UnifiedEntity {
            name: Some(name), ..
        }) => name.clone(),
        Some(UnifiedEntity { id: Some(id), .. }) => format!("#{id}"),
        _ => "-".to_owned(),
    }
}

fn short_subject(ticket: &UnifiedTicket) -> String {
    let subject = ticket.subject.as_deref().unwrap_or("");
    if subject.chars().count() > 40 {
        format!("{}…", subject.chars().take(40).collect::<String>())
    } else {
        subject.to_owned()
    }
}

/// Sets the fields `changes` sets on `ticket`; returns what changed, for the log.
fn change(ticket: &mut UnifiedTicket, changes: &TicketChanges) -> Vec<String> {
    let mut changed = Vec::new();
    macro_rules! entity {
        ($($field:ident),*) => {$(
            if let Some(new) = &changes.$field {
                if ticket.$field.as_ref() != Some(new) {
                    changed.push(format!(
                        "{} {} → {}",
                        stringify!($field),
                        entity_label(ticket.$field.as_ref()),
                        entity_label(Some(new))
                    ));
                    ticket.$field = Some(new.clone());
                }
            }
        )*};
    }
    entity!(queue, priority, state, customer, owner);
    if let Some(subject) = &changes.subject {
        if ticket.subject.as_ref() != Some(subject) {
            changed.push(format!("subject → {subject:?}"));
            ticket.subject = Some(subject.clone());
        }
    }
    for (key, value) in &changes.extra {
        changed.push(format!("{key} set"));
        ticket.extra.insert(key.clone(), value.clone());
    }
    changed
}

impl Store {
    /// The store after `write`, what it answered, and a line for the log; `self` is left as
    /// it is, so that nothing changes unless the new state could be saved.
    fn after(
        &self,
        write: &TicketWrite,
        queues: Option<&[String]>,
    ) -> Result<(Store, WriteReceipt, String), TicketSystemError> {
        let mut next = Store {
            tickets: self.tickets.clone(),
            next_id: self.next_id,
            next_note_id: self.next_note_id,
        };
        match write {
            TicketWrite::Update(update) => {
                check_queue(queues, "update_ticket", update.changes.queue.as_ref())?;
                let index = next.position(update.ticket_id.as_str())?;
                let mut notes: Vec<UnifiedNote> = update.note.iter().cloned().collect();
                next.number_notes(&mut notes);
                let note_id = notes.first().and_then(|note| note.id.clone());
                let ticket = &mut next.tickets[index];
                let mut changed = change(ticket, &update.changes);
                for note in notes {
                    changed.push(format!("note {:?} added", note.subject));
                    ticket.notes.push(note);
                }
                let id = update.ticket_id.as_str();
                let line = if changed.is_empty() {
                    format!("ticket {id} {:?}: nothing to change", short_subject(ticket))
                } else {
                    format!(
                        "ticket {id} {:?}: {}",
                        short_subject(ticket),
                        changed.join(", ")
                    )
                };
                let receipt = WriteReceipt::new(id).with_note_id(note_id);
                Ok((next, receipt, line))
            }
            TicketWrite::Create(ticket) => {
                check_queue(queues, "create_ticket", ticket.queue.as_ref())?;
                let mut ticket = ticket.clone();
                let id = match &ticket.id {
                    Some(id) if next.position(id.as_str()).is_ok() => {
                        return Err(TicketSystemError::rejected(
                            "create_ticket",
                            format!("a ticket with id `{id}` exists"),
                        ))
                    }
                    Some(id) => id.clone(),
                    None => next.take_id(),
                };
                ticket.id = Some(id.clone());
                let mut notes = std::mem::take(&mut ticket.notes);
                next.number_notes(&mut notes);
                ticket.notes = notes;
                let line = format!(
                    "ticket {id} {:?} created in queue {}",
                    short_subject(&ticket),
                    entity_label(ticket.queue.as_ref())
                );
                next.tickets.push(ticket);
                Ok((next, WriteReceipt::new(id), line))
            }
            other => Err(TicketSystemError::rejected(
                other.operation(),
                "the in-memory ticket system does not know this write",
            )),
        }
    }
}

/// Rejects a queue that is not among `queues` (when the store lists its queues).
fn check_queue(
    queues: Option<&[String]>,
    operation: &str,
    queue: Option<&UnifiedEntity>,
) -> Result<(), TicketSystemError> {
    let (Some(known), Some(name)) = (queues, queue.and_then(|q| q.name.as_deref())) else {
        return Ok(());
    };
    if known.iter().any(|queue| queue == name) {
        Ok(())
    } else {
        Err(TicketSystemError::rejected(
            operation,
            format!("there is no queue `{name}` (queues: {})", known.join(", ")),
        ))
    }
}

#[async_trait]
impl TicketSystem for InMemoryTicketSystem {
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        let wanted = criteria
            .queue
            .as_ref()
            .filter(|queue| queue.id.is_some() || queue.name.is_some());
        let store = self.lock();
        Ok(store
            .tickets
            .iter()
            .filter(|ticket| match (wanted, &ticket.queue) {
                (None, _) => true,
                (Some(wanted), Some(queue)) => wanted.matches(queue),
                (Some(_), None) => false,
            })
            .skip(criteria.offset)
            .take(criteria.limit)
            .filter_map(|ticket| ticket.id.clone())
            .collect())
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        let store = self.lock();
        Ok(store
            .position(id)
            .ok()
            .map(|index| store.tickets[index].clone()))
    }

    /// Applies the write to a copy of the store, saves the copy (`save_to`), and only then
    /// makes it the store: a failed save changes nothing. Writes take turns.
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        let _turn = self.writer.lock().await;
        let (next, receipt, line) = self.lock().after(write, self.queues.as_deref())?;
        if let Some(path) = &self.save_to {
            let (path, tickets) = (path.clone(), next.tickets.clone());
            tokio::task::spawn_blocking(move || file::save(&path, &tickets))
                .await
                .map_err(|error| TicketSystemError::backend(write.operation(), error))?
                .map_err(|error| TicketSystemError::backend(write.operation(), error))?;
        }
        *self.lock() = next;
        // The engine logs every write as a decision at INFO; this is the store's own view.
        tracing::debug!(ticket = %receipt.ticket_id, "{line}");
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests;
