//! Every ticket completed exactly once: the write gate, the journal and units of work.
//!
//! The engine wraps every configured ticket system in a gate (`gate.rs`) — the one place all
//! reads and writes pass — and keeps a [`Ledger`] of the tickets in work. Pipes that run
//! others open *units of work* ([`crate::work::run_unit`]: a runner's run, a for-each item),
//! and the ledger attributes what happens inside to the unit's tickets:
//!
//! * a write is recorded in the journal (`journal.rs`) before it is sent — a unit's first
//!   write to a ticket on disk before it leaves, the later ones with the next durable commit —
//!   so a write done is never sent again and one whose outcome got lost is resolved by reading
//!   the ticket back, also after `kill -9` and a restart (where a ticket resumed from the
//!   journal reads back any write its record does not know, since a crash loses the last
//!   changes);
//! * when a unit fails, its ticket (the one it wrote to, else the one it is about, else the
//!   only one it fetched) is *unfinished*: the search that found it hands it out again first
//!   when it is due (after `retry_after`, doubling per attempt), and meanwhile hands out the
//!   tickets behind it. Failures while the ticket system was away do not count against the
//!   ticket; after `max_attempts` failures of its own the ticket is *set aside* — reported
//!   once, at ERROR, with the failed step and its cause — and tried again after
//!   `set_aside_for`;
//! * every write is a [`Decision`]: logged in one line and given to [`WorkEvents`] listeners
//!   (`--decisions FILE`, metrics). In a dry run the gate sends nothing and records the
//!   decisions it would have made; a ticket decided is not handed out again in that run (nor
//!   after a restart with the same decisions file);
//! * with several workers, each hands out only its [`Partition`] of the tickets.

mod classify;
mod decision;
mod gate;
mod journal;
mod ledger;
mod partition;
mod unit;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use classify::ObservedClassifier;
pub(crate) use decision::PipeReads;
pub use decision::{
    field_value, load_decisions, read_decisions, Decision, DecisionsError, DecisionsFile,
};
pub(crate) use gate::TicketGate;
pub use journal::JournalError;
#[cfg(feature = "cli")]
pub(crate) use journal::JournalOpening;
pub use ledger::{Activity, JournalSummary, Ledger};
pub use partition::{Partition, PartitionError};

use crate::interfaces::{ClassificationError, TicketSystemError};

/// How a pipeline works through tickets; see the [module docs](self).
#[derive(Clone)]
#[non_exhaustive]
pub struct WorkOptions {
    /// Send no write; record what would have been written.
    pub dry_run: bool,
    /// The journal file (needs feature `journal-file`, which `cli` includes: without it,
    /// configuring one is an error); `None` keeps it in memory (lost with the process).
    pub journal: Option<PathBuf>,
    /// Where decisions go, besides the log (read back by a dry run to skip decided tickets).
    pub decisions: Option<DecisionsFile>,
    /// This worker's share of the tickets.
    pub partition: Partition,
    /// Failed attempts of a ticket's own before it is set aside (default 3).
    pub max_attempts: u32,
    /// Wait before an unfinished ticket is tried again; doubled per attempt, at most five
    /// minutes (default 1 s).
    pub retry_after: Duration,
    /// How long a set-aside ticket is left alone (default 6 h).
    pub set_aside_for: Duration,
    /// Attempts of one write while the system is away or its answers get lost (default 5).
    pub write_attempts: u32,
    /// Wait after a write's first failed attempt; doubled per attempt (default 100 ms).
    pub write_backoff: Duration,
    /// Listeners to what the gates see and decide (metrics).
    pub events: Vec<Arc<dyn WorkEvents>>,
}

impl Default for WorkOptions {
    fn default() -> Self {
        Self {
            dry_run: false,
            journal: None,
            decisions: None,
            partition: Partition::default(),
            max_attempts: 3,
            retry_after: Duration::from_secs(1),
            set_aside_for: Duration::from_secs(6 * 3600),
            write_attempts: 5,
            write_backoff: Duration::from_millis(100),
            events: Vec::new(),
        }
    }
}

impl fmt::Debug for WorkOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkOptions")
            .field("dry_run", &self.dry_run)
            .field("journal", &self.journal)
            .field("decisions", &self.decisions)
            .field("partition", &self.partition)
            .field("max_attempts", &self.max_attempts)
            .field("retry_after", &self.retry_after)
            .field("set_aside_for", &self.set_aside_for)
            .field("write_attempts", &self.write_attempts)
            .field("write_backoff", &self.write_backoff)
            .field("events", &self.events.len())
            .finish()
    }
}

/// How a ticket's processing ended in a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TicketOutcome {
    /// Done.
    Completed,
    /// Left unfinished; it is picked up again.
    Unfinished,
    /// Failed too often; left alone for a while.
    SetAside,
}

/// Listens to what the gates see and decide: metrics, the decisions file.
pub trait WorkEvents: fmt::Debug + Send + Sync {
    /// A call to ticket-system service `service` (`find_ticket_ids`, `get_tickets`,
    /// `update_ticket`, `add_note`, …) took `elapsed` and failed with `error`, if it did.
    fn ticket_call(
        &self,
        service: &str,
        operation: &'static str,
        elapsed: Duration,
        error: Option<&TicketSystemError>,
    ) {
        let _ = (service, operation, elapsed, error);
    }

    /// A change was made or, in a dry run, proposed.
    fn decision(&self, decision: &Decision) {
        let _ = decision;
    }

    /// A unit finished with one of its tickets.
    fn ticket_settled(&self, service: &str, ticket: &str, outcome: TicketOutcome) {
        let _ = (service, ticket, outcome);
    }

    /// Classification service `service` classified a text with `model` in `elapsed`, or
    /// failed with `error`.
    fn classification(
        &self,
        service: &str,
        model: &str,
        elapsed: Duration,
        error: Option<&ClassificationError>,
    ) {
        let _ = (service, model, elapsed, error);
    }
}

impl WorkEvents for DecisionsFile {
    fn decision(&self, decision: &Decision) {
        self.append(decision);
    }
}
