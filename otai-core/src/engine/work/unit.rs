//! One open unit of work: the tickets it touched, what it wrote, where it failed.

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard};

use super::journal::TicketKey;
use super::ledger::Ledger;
use crate::interfaces::UnifiedTicket;
use crate::pipe::PipeResult;
use crate::work::UnitOfWork;

/// A ticket as a unit knows it.
#[derive(Debug, Clone)]
pub(crate) struct UnitTicket {
    pub key: TicketKey,
    /// The search that handed it out.
    pub criteria: Option<String>,
    /// The ticket as read in this unit, before its first write.
    pub before: Option<UnifiedTicket>,
    /// The unit wrote to it.
    pub wrote: bool,
    /// A nested unit took it over (a for-each item about this ticket).
    pub delegated: bool,
}

#[derive(Debug, Default)]
pub(crate) struct UnitState {
    pub tickets: Vec<UnitTicket>,
    /// The first step that failed, and why.
    pub failed_step: Option<(String, String)>,
    /// A ticket-system call of this unit failed because the system was away: the failure
    /// is not the tickets' own.
    pub transient: bool,
}

/// An open unit of work (see [`crate::work`]).
#[derive(Debug)]
pub(crate) struct Unit {
    pub id: u64,
    pub ledger: Arc<Ledger>,
    pub subject: Option<String>,
    state: Mutex<UnitState>,
}

impl Unit {
    pub(crate) fn new(id: u64, ledger: Arc<Ledger>, subject: Option<String>) -> Self {
        Self {
            id,
            ledger,
            subject,
            state: Mutex::new(UnitState::default()),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, UnitState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records that the unit holds `key` (found by `criteria`), keeping what it knew.
    pub(crate) fn touch(&self, key: &TicketKey, criteria: Option<&str>) {
        let mut state = self.state();
        if let Some(known) = state.tickets.iter_mut().find(|t| &t.key == key) {
            if known.criteria.is_none() {
                known.criteria = criteria.map(str::to_owned);
            }
            return;
        }
        state.tickets.push(UnitTicket {
            key: key.clone(),
            criteria: criteria.map(str::to_owned),
            before: None,
            wrote: false,
            delegated: false,
        });
    }

    /// Keeps `ticket` as read, unless the unit has written to it already.
    pub(crate) fn saw(&self, service: &str, ticket: &UnifiedTicket) {
        let Some(id) = &ticket.id else {
            return;
        };
        let key = (service.to_owned(), id.to_string());
        self.touch(&key, None);
        let mut state = self.state();
        if let Some(known) = state.tickets.iter_mut().find(|t| t.key == key) {
            if !known.wrote {
                known.before = Some(ticket.clone());
            }
        }
    }

    /// The ticket as read before the unit's first write to it.
    pub(crate) fn before(&self, key: &TicketKey) -> Option<UnifiedTicket> {
        self.state()
            .tickets
            .iter()
            .find(|t| &t.key == key)
            .and_then(|t| t.before.clone())
    }

    /// The search that handed `key` out to this unit.
    pub(crate) fn criteria(&self, key: &TicketKey) -> Option<String> {
        self.state()
            .tickets
            .iter()
            .find(|t| &t.key == key)
            .and_then(|t| t.criteria.clone())
    }

    /// Whether the unit wrote to `key` already.
    pub(crate) fn has_written(&self, key: &TicketKey) -> bool {
        self.state()
            .tickets
            .iter()
            .any(|t| &t.key == key && t.wrote)
    }

    /// Records a write to `key`.
    pub(crate) fn wrote(&self, key: &TicketKey) {
        self.touch(key, None);
        let mut state = self.state();
        if let Some(known) = state.tickets.iter_mut().find(|t| &t.key == key) {
            known.wrote = true;
        }
    }

    /// Records that a ticket-system call failed because the system was away.
    pub(crate) fn saw_outage(&self) {
        self.state().transient = true;
    }

    /// Hands the ticket with id `subject` over to a nested unit: the parent no longer settles
    /// it. Returns what the parent knew.
    pub(crate) fn delegate(&self, subject: &str) -> Vec<UnitTicket> {
        let mut state = self.state();
        let mut handed = Vec::new();
        for ticket in state
            .tickets
            .iter_mut()
            .filter(|t| t.key.1 == subject && !t.delegated)
        {
            ticket.delegated = true;
            handed.push(UnitTicket {
                delegated: false,
                ..ticket.clone()
            });
        }
        handed
    }

    /// Takes over tickets from the parent.
    pub(crate) fn adopt(&self, tickets: Vec<UnitTicket>) {
        self.state().tickets.extend(tickets);
    }
}

#[async_trait::async_trait]
impl UnitOfWork for Unit {
    fn step_finished(&self, pipe_id: &str, result: &PipeResult) {
        if result.has_failed() {
            let mut state = self.state();
            if state.failed_step.is_none() {
                state.failed_step = Some((pipe_id.to_owned(), result.message.clone()));
            }
        }
    }

    async fn finish(&self, result: &PipeResult) {
        self.ledger.settle(self, result).await;
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
