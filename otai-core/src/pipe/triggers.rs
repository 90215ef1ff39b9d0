//! The trigger bus: fires trigger pipes from outside the pipeline (`POST /trigger/<id>` of
//! `otai run --listen`), so that an event in the ticket system (OTOBO's invoker on
//! `TicketCreate`) starts a cycle at once instead of at the next poll.
//!
//! The listener [fires](TriggerBus::fire) a trigger by its pipe id; the orchestrator, which
//! sleeps between cycles, [wakes up](TriggerBus::requested) and runs the next cycle; the
//! trigger pipe with that id [takes](TriggerBus::take) the request and fires although its
//! interval has not elapsed. Requests for one trigger that arrive before it runs again count
//! as one: the trigger runs once for all of them, as a poll would.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

/// Requests to fire trigger pipes from outside the pipeline (`POST /trigger/<id>` of `otai run
/// --listen`), shared by the listener and the run.
///
/// The listener [fires](TriggerBus::fire) a trigger by its pipe id; the orchestrator, which
/// sleeps between cycles, [wakes up](TriggerBus::requested) and runs the next cycle; the
/// trigger pipe with that id [takes](TriggerBus::take) the request and fires although its
/// interval has not elapsed. Requests for one trigger that arrive before it runs again count
/// as one.
#[derive(Debug, Default)]
pub struct TriggerBus {
    /// The ids of the pipes that can be fired (those whose [`crate::Pipe::is_trigger`] says
    /// so).
    known: BTreeSet<String>,
    pending: Mutex<BTreeSet<String>>,
    wake: Notify,
}

/// Why a trigger could not be fired.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FireError {
    /// No trigger pipe has this id.
    #[error("no trigger pipe has the id `{id}`{}", known_list(.known))]
    Unknown {
        /// The id asked for.
        id: String,
        /// The ids of the trigger pipes there are.
        known: Vec<String>,
    },
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (this configuration has no trigger that can be fired)".to_owned()
    } else {
        format!(" (triggers: {})", known.join(", "))
    }
}

impl TriggerBus {
    /// A bus for the trigger pipes `ids`.
    pub fn new(ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            known: ids.into_iter().map(Into::into).collect(),
            pending: Mutex::default(),
            wake: Notify::new(),
        }
    }

    fn pending(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The ids of the triggers this bus can fire.
    pub fn known(&self) -> impl Iterator<Item = &str> {
        self.known.iter().map(String::as_str)
    }

    /// Asks trigger `id` to fire at its next run, and wakes the orchestrator.
    pub fn fire(&self, id: &str) -> Result<(), FireError> {
        if !self.known.contains(id) {
            return Err(FireError::Unknown {
                id: id.to_owned(),
                known: self.known.iter().cloned().collect(),
            });
        }
        self.pending().insert(id.to_owned());
        self.wake.notify_waiters();
        Ok(())
    }

    /// Whether trigger `id` was asked to fire; the request is consumed. Called by trigger
    /// pipes each time they run.
    pub fn take(&self, id: &str) -> bool {
        self.pending().remove(id)
    }

    /// Whether some trigger was asked to fire and has not run since.
    pub fn has_pending(&self) -> bool {
        !self.pending().is_empty()
    }

    /// Completes when some trigger was asked to fire (at once when a request is pending).
    pub async fn requested(&self) {
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            // Registered before the check, so a request between the check and the wait is
            // not missed.
            notified.as_mut().enable();
            if self.has_pending() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn fires_known_triggers_once_per_run() {
        let bus = TriggerBus::new(["routing"]);
        assert!(!bus.take("routing"));
        bus.fire("routing").unwrap();
        bus.fire("routing").unwrap();
        assert!(bus.has_pending());
        assert!(bus.take("routing"));
        assert!(
            !bus.take("routing"),
            "two requests before a run fire it once"
        );
        assert!(!bus.has_pending());
    }

    #[test]
    fn unknown_ids_are_refused_with_the_known_ones() {
        let bus = TriggerBus::new(["a", "b"]);
        let error = bus.fire("c").unwrap_err();
        assert_eq!(
            error.to_string(),
            "no trigger pipe has the id `c` (triggers: a, b)"
        );
        assert!(!bus.has_pending());
        let none = TriggerBus::default().fire("x").unwrap_err().to_string();
        assert!(none.contains("has no trigger"), "{none}");
    }

    #[tokio::test]
    async fn a_request_wakes_a_waiter_also_one_made_before_it_waits() {
        let bus = Arc::new(TriggerBus::new(["t"]));
        bus.fire("t").unwrap();
        tokio::time::timeout(Duration::from_secs(5), bus.requested())
            .await
            .expect("a pending request completes the wait at once");
        assert!(bus.take("t"));
        let waiter = tokio::spawn({
            let bus = Arc::clone(&bus);
            async move { bus.requested().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        bus.fire("t").unwrap();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the request wakes the waiter")
            .unwrap();
    }
}
