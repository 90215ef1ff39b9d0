//! The `TicketSystem` interface: reads, one write method, and the unified ticket model every
//! ticket system maps to.
//!
//! A backend implements four reads and [`TicketSystem::apply`], which carries out one
//! [`TicketWrite`] — one request to the system. Pipes call the conveniences of
//! [`TicketSystemExt`] (`find_tickets`, `update_ticket`, `add_note`, `create_ticket`), which
//! are built on those methods and cannot be overridden. The engine wraps every configured
//! ticket system once, so every write of every pipe passes one gate: there a dry run holds it
//! back, it is recorded as a decision, a failed write is retried, and a write whose outcome is
//! unknown is resolved by reading the ticket back ([`TicketSystem::check_applied`]).

mod error;
mod model;
mod write;

use std::fmt;

pub use error::{BoxError, TicketSystemError};
pub use model::{TicketId, TicketSearchCriteria, UnifiedEntity, UnifiedNote, UnifiedTicket};
pub use write::{
    TicketChanges, TicketUpdate, TicketWrite, WriteCheck, WriteReceipt, WriteStatus,
};

use crate::service::Interface;

/// A helpdesk backend (OTOBO, Znuny, OTRS, an in-memory store…).
///
/// Implement the reads and [`apply`](Self::apply); override
/// [`check_applied`](Self::check_applied) when the system can tell more precisely than the
/// default, and [`get_tickets`](Self::get_tickets) when it can read several tickets at once.
#[async_trait::async_trait]
pub trait TicketSystem: fmt::Debug + Send + Sync {
    /// Ids of the tickets matching `criteria`, in the system's order, skipping
    /// `criteria.offset` and at most `criteria.limit` of them.
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError>;

    /// One ticket by id; `None` when it does not exist.
    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError>;

    /// The tickets with these ids, in this order; ids that do not exist (any more) are left
    /// out. The default reads them one after the other.
    async fn get_tickets(&self, ids: &[TicketId]) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        let mut tickets = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(ticket) = self.get_ticket(id.as_str()).await? {
                tickets.push(ticket);
            }
        }
        Ok(tickets)
    }

    /// Carries out one write: one request to the system.
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError>;

    /// Whether a write whose answer got lost took effect. The default reads the ticket and
    /// judges it with [`WriteCheck::judge`]; a create cannot be judged from a ticket and is
    /// [`WriteStatus::Unknowable`].
    async fn check_applied(&self, check: &WriteCheck<'_>) -> Result<WriteStatus, TicketSystemError> {
        let Some(id) = check.write.ticket_id() else {
            return Ok(WriteStatus::Unknowable);
        };
        match self.get_ticket(id.as_str()).await? {
            Some(ticket) => Ok(check.judge(&ticket)),
            None => Err(TicketSystemError::NotFound(id.to_string())),
        }
    }
}

impl Interface for dyn TicketSystem {
    const NAME: &'static str = "TicketSystem";
}

/// What pipes call on a ticket system: searches and writes in the unified model, each
/// built on [`TicketSystem`]'s methods (and so passing the engine's gate). Implemented for
/// every ticket system; it cannot be overridden. In the prelude.
#[async_trait::async_trait]
pub trait TicketSystemExt: TicketSystem {
    /// The tickets matching `criteria`: their ids, then the tickets.
    async fn find_tickets(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        if criteria.limit == 0 {
            return Ok(Vec::new());
        }
        let ids = self.find_ticket_ids(criteria).await?;
        self.get_tickets(&ids).await
    }

    /// The first ticket matching `criteria`, if any.
    async fn find_first_ticket(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        let mut first = criteria.clone();
        first.limit = 1;
        Ok(self.find_tickets(&first).await?.into_iter().next())
    }

    /// Applies the fields set in `updates` (unset fields stay as they are) and adds its
    /// notes: one write with the fields and the first note, then one write per further
    /// note. An update that sets nothing writes nothing.
    async fn update_ticket(
        &self,
        id: &str,
        updates: &UnifiedTicket,
    ) -> Result<(), TicketSystemError> {
        let changes = TicketChanges::from_ticket(updates);
        let mut notes = updates.notes.iter();
        let first = TicketUpdate::new(id)
            .with_changes(changes)
            .with_optional_note(notes.next().cloned());
        if !first.is_empty() {
            self.apply(&TicketWrite::Update(first)).await?;
        }
        for note in notes {
            self.add_note(id, note).await?;
        }
        Ok(())
    }

    /// Adds a note (an internal article), as one write.
    async fn add_note(&self, id: &str, note: &UnifiedNote) -> Result<(), TicketSystemError> {
        let write = TicketWrite::Update(TicketUpdate::new(id).with_note(note.clone()));
        self.apply(&write).await.map(drop)
    }

    /// Creates a ticket (subject and body as its first article) and then adds its notes;
    /// returns the new ticket's id. Should adding a note fail, the error names the ticket
    /// that was created, so nothing retries the creation.
    async fn create_ticket(&self, ticket: &UnifiedTicket) -> Result<TicketId, TicketSystemError> {
        let mut bare = ticket.clone();
        let notes = std::mem::take(&mut bare.notes);
        let receipt = self.apply(&TicketWrite::Create(bare)).await?;
        let id = receipt.ticket_id;
        for note in &notes {
            if let Err(error) = self.add_note(id.as_str(), note).await {
                return Err(TicketSystemError::backend(
                    "create_ticket",
                    CreatedWithoutNotes {
                        ticket_id: id.clone(),
                        source: error,
                    },
                ));
            }
        }
        Ok(id)
    }
}

impl<T: TicketSystem + ?Sized> TicketSystemExt for T {}

/// A ticket was created but one of its notes could not be added.
#[derive(Debug, thiserror::Error)]
#[error("ticket {ticket_id} was created, but a note could not be added to it")]
pub struct CreatedWithoutNotes {
    /// The ticket that exists now.
    pub ticket_id: TicketId,
    /// Why the note failed.
    #[source]
    pub source: TicketSystemError,
}

impl TicketUpdate {
    fn with_optional_note(mut self, note: Option<UnifiedNote>) -> Self {
        self.note = note;
        self
    }
}
