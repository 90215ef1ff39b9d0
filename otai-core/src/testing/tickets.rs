//! [`TestTicketSystem`]: tickets in memory and a record of every write.

use std::sync::{Mutex, MutexGuard};

use crate::interfaces::{
    TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError, TicketUpdate, TicketWrite,
    UnifiedNote, UnifiedTicket, WriteReceipt,
};
use crate::value::Value;

/// A ticket system for tests: tickets held in memory, every [`TicketWrite`] recorded in the
/// order it arrived, and assertions on what was written.
///
/// Searches filter by queue (matched by id, else name) and honour `offset` and `limit`.
/// Updates set the fields they carry and add their note; creates get the next free numeric
/// id. [`TestTicketSystem::fail_writes`] makes every later write fail, to test error paths.
#[derive(Debug, Default)]
pub struct TestTicketSystem {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tickets: Vec<UnifiedTicket>,
    writes: Vec<TicketWrite>,
    next_note_id: u64,
    failing: Option<String>,
}

impl TestTicketSystem {
    /// A system holding `tickets` (tickets without an id are numbered from 1 on).
    pub fn new(tickets: Vec<UnifiedTicket>) -> Self {
        let mut state = State {
            next_note_id: 1,
            ..State::default()
        };
        for mut ticket in tickets {
            if ticket.id.is_none() {
                ticket.id = Some(state.free_id());
            }
            state.tickets.push(ticket);
        }
        Self {
            state: Mutex::new(state),
        }
    }

    /// A system holding the tickets of a JSON list (`json!([{"id": 1, "subject": …}])`).
    ///
    /// # Panics
    ///
    /// When `tickets` is not a list of tickets in the unified model; the message says which
    /// field is wrong. Meant for tests, where that is the right reaction.
    #[track_caller]
    pub fn from_json(tickets: Value) -> Self {
        match serde_json::from_value::<Vec<UnifiedTicket>>(tickets) {
            Ok(tickets) => Self::new(tickets),
            Err(error) => panic!("TestTicketSystem::from_json: not a list of tickets: {error}"),
        }
    }

    /// Makes every later write fail with a rejection carrying `message`.
    pub fn fail_writes(&self, message: &str) {
        self.lock().failing = Some(message.to_owned());
    }

    /// Every ticket as it is now.
    pub fn tickets(&self) -> Vec<UnifiedTicket> {
        self.lock().tickets.clone()
    }

    /// The ticket with id `id` as it is now.
    pub fn ticket(&self, id: &str) -> Option<UnifiedTicket> {
        self.lock().find(id).cloned()
    }

    /// Every write that reached the system, in order (failed ones included).
    pub fn writes(&self) -> Vec<TicketWrite> {
        self.lock().writes.clone()
    }

    /// The updates of ticket `id`, in order.
    pub fn updates_of(&self, id: &str) -> Vec<TicketUpdate> {
        self.lock()
            .writes
            .iter()
            .filter_map(|write| match write {
                TicketWrite::Update(update) if update.ticket_id == id => Some(update.clone()),
                _ => None,
            })
            .collect()
    }

    /// The notes added to ticket `id`, in order.
    pub fn notes_added_to(&self, id: &str) -> Vec<UnifiedNote> {
        self.updates_of(id)
            .into_iter()
            .filter_map(|update| update.note)
            .collect()
    }

    /// Asserts that nothing was written.
    #[track_caller]
    pub fn assert_no_writes(&self) {
        let writes = self.writes();
        assert!(writes.is_empty(), "expected no writes, got {writes:#?}");
    }

    /// Asserts that ticket `id` is in queue `queue` (by name) now.
    #[track_caller]
    pub fn assert_queue(&self, id: &str, queue: &str) {
        let ticket = self.expect_ticket(id);
        let name = ticket.queue.as_ref().and_then(|q| q.name.as_deref());
        assert_eq!(name, Some(queue), "queue of ticket {id}");
    }

    /// Asserts that ticket `id` has priority `priority` (by name) now.
    #[track_caller]
    pub fn assert_priority(&self, id: &str, priority: &str) {
        let ticket = self.expect_ticket(id);
        let name = ticket.priority.as_ref().and_then(|p| p.name.as_deref());
        assert_eq!(name, Some(priority), "priority of ticket {id}");
    }

    /// Asserts that a note whose subject or body contains `text` was added to ticket `id`.
    #[track_caller]
    pub fn assert_note_contains(&self, id: &str, text: &str) {
        let notes = self.notes_added_to(id);
        assert!(
            notes
                .iter()
                .any(|note| note.body.contains(text) || note.subject.contains(text)),
            "no note added to ticket {id} contains {text:?}; notes added: {notes:#?}"
        );
    }

    #[track_caller]
    fn expect_ticket(&self, id: &str) -> UnifiedTicket {
        match self.ticket(id) {
            Some(ticket) => ticket,
            None => panic!("there is no ticket {id}; ids: {:?}", self.ids()),
        }
    }

    fn ids(&self) -> Vec<String> {
        self.lock()
            .tickets
            .iter()
            .filter_map(|t| t.id.as_ref().map(ToString::to_string))
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is made in one step under the lock: a panic elsewhere cannot leave
        // the state half-changed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn find(&self, id: &str) -> Option<&UnifiedTicket> {
        self.tickets
            .iter()
            .find(|ticket| ticket.id.as_ref().is_some_and(|own| own == id))
    }

    fn free_id(&self) -> TicketId {
        let highest = self
            .tickets
            .iter()
            .filter_map(|t| t.id.as_ref()?.as_str().parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        TicketId((highest + 1).to_string())
    }

    fn apply(&mut self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        match write {
            TicketWrite::Update(update) => {
                let note_id = update.note.as_ref().map(|_| {
                    let id = TicketId(self.next_note_id.to_string());
                    self.next_note_id += 1;
                    id
                });
                let id = update.ticket_id.as_str();
                let ticket = self
                    .tickets
                    .iter_mut()
                    .find(|ticket| ticket.id.as_ref().is_some_and(|own| own == id))
                    .ok_or_else(|| TicketSystemError::NotFound(id.to_owned()))?;
                let changes = &update.changes;
                macro_rules! set {
                    ($($field:ident),*) => {$(
                        if let Some(value) = &changes.$field {
                            ticket.$field = Some(value.clone());
                        }
                    )*};
                }
                set!(subject, queue, priority, state, customer, owner);
                for (key, value) in &changes.extra {
                    ticket.extra.insert(key.clone(), value.clone());
                }
                if let Some(note) = &update.note {
                    let mut note = note.clone();
                    note.id = note_id.clone();
                    ticket.notes.push(note);
                }
                Ok(WriteReceipt::new(id).with_note_id(note_id))
            }
            TicketWrite::Create(ticket) => {
                let mut ticket = ticket.clone();
                let id = match &ticket.id {
                    Some(id) if self.find(id.as_str()).is_some() => {
                        return Err(TicketSystemError::rejected(
                            "create_ticket",
                            format!("a ticket with id `{id}` exists"),
                        ))
                    }
                    Some(id) => id.clone(),
                    None => self.free_id(),
                };
                ticket.id = Some(id.clone());
                self.tickets.push(ticket);
                Ok(WriteReceipt::new(id))
            }
        }
    }
}

#[async_trait::async_trait]
impl TicketSystem for TestTicketSystem {
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        Ok(self
            .lock()
            .tickets
            .iter()
            .filter(|ticket| match (&criteria.queue, &ticket.queue) {
                (Some(wanted), Some(queue)) => wanted.matches(queue),
                (Some(_), None) => false,
                (None, _) => true,
            })
            .skip(criteria.offset)
            .take(criteria.limit)
            .filter_map(|ticket| ticket.id.clone())
            .collect())
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(self.ticket(id))
    }

    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        let mut state = self.lock();
        state.writes.push(write.clone());
        if let Some(message) = &state.failing {
            return Err(TicketSystemError::rejected(
                write.operation(),
                message.clone(),
            ));
        }
        state.apply(write)
    }
}
