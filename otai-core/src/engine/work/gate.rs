//! The gate: the one place every read and write of a ticket system passes. The engine wraps
//! each configured ticket system in one, so no pipe — a third party's included — reaches a
//! ticket system around it.
//!
//! * **Searches** hand out tickets: first those the same search found before and a unit left
//!   unfinished (when they are due again), then fresh ones — never one that is in work, waiting
//!   for its next try, set aside, another worker's ([`super::Partition`]) or, in a dry run,
//!   decided already.
//! * **Writes** are recorded in the journal (durably) before they are sent, under an
//!   idempotency key (service, ticket, step, content). A write the journal knows as done is not
//!   sent again; one that never reached the system is retried with backoff; one whose outcome
//!   is unknown (a lost answer) is resolved by reading the ticket back
//!   ([`TicketSystem::check_applied`]) — applied, or sent again — never by blind resending.
//!   Every write becomes [decisions](super::Decision); in a dry run nothing is sent at all.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::decision::decisions_of;
use super::journal::{TicketKey, WriteRecord};
use super::ledger::{note_outage, Intent, Ledger};
use super::unit::Unit;
use crate::interfaces::{
    TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError, TicketWrite, UnifiedTicket,
    WriteCheck, WriteReceipt, WriteStatus,
};
use crate::work::{current_step, current_unit, StepScope, UnitOfWork};

/// The most ids one search asks for while looking past excluded tickets.
const MAX_WINDOW: usize = 10_000;

/// A ticket system behind the engine's gate.
#[derive(Debug)]
pub(crate) struct TicketGate {
    service: String,
    inner: Arc<dyn TicketSystem>,
    ledger: Arc<Ledger>,
}

impl TicketGate {
    pub(crate) fn new(service: &str, inner: Arc<dyn TicketSystem>, ledger: Arc<Ledger>) -> Self {
        Self {
            service: service.to_owned(),
            inner,
            ledger,
        }
    }

    /// The open unit of this gate's pipeline, if any.
    fn unit<'u>(&self, unit: &'u Option<Arc<dyn UnitOfWork>>) -> Option<&'u Unit> {
        let unit = unit.as_ref()?.as_any().downcast_ref::<Unit>()?;
        Arc::ptr_eq(&unit.ledger, &self.ledger).then_some(unit)
    }

    fn key(&self, id: &str) -> TicketKey {
        (self.service.clone(), id.to_owned())
    }

    /// Runs a read, once more after a failure that says the system was away.
    async fn read<T, F, Fut>(
        &self,
        operation: &'static str,
        unit: Option<&Unit>,
        call: F,
    ) -> Result<T, TicketSystemError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, TicketSystemError>>,
    {
        let backoff = self.ledger.options().write_backoff;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = call().await;
            self.observe(operation, started.elapsed(), outcome.as_ref().err());
            match outcome {
                Err(error) if error.is_transient() && attempt < 2 => {
                    tokio::time::sleep(backoff).await;
                }
                Err(error) => {
                    note_outage(unit, &error);
                    return Err(error);
                }
                ok => return ok,
            }
        }
    }

    fn observe(
        &self,
        operation: &'static str,
        elapsed: Duration,
        error: Option<&TicketSystemError>,
    ) {
        for events in self.ledger.events() {
            events.ticket_call(&self.service, operation, elapsed, error);
        }
    }

    fn saw(&self, unit: Option<&Unit>, tickets: &[UnifiedTicket]) {
        self.ledger.saw_notes(&self.service, tickets);
        if let Some(unit) = unit {
            for ticket in tickets {
                unit.saw(&self.service, ticket);
                if let Some(id) = &ticket.id {
                    self.ledger.hold(unit, &self.key(id.as_str()));
                }
            }
        }
    }

    /// Records that `write` took effect (journal and decision) and hands its receipt back.
    async fn took_effect(
        &self,
        ticket: &TicketKey,
        write_key: &str,
        receipt: WriteReceipt,
        write: &TicketWrite,
        before: Option<&UnifiedTicket>,
        step: Option<&StepScope>,
    ) -> WriteReceipt {
        self.ledger.done(ticket, write_key, &receipt).await;
        self.decide(write, before, step, Some(ticket.1.clone()), false);
        receipt
    }

    fn decide(
        &self,
        write: &TicketWrite,
        before: Option<&UnifiedTicket>,
        step: Option<&StepScope>,
        ticket_id: Option<String>,
        dry_run: bool,
    ) {
        let confidence = step.and_then(|step| self.ledger.trace_confidence(step));
        for decision in decisions_of(
            &self.service,
            write,
            before,
            step,
            confidence,
            dry_run,
            ticket_id,
        ) {
            self.ledger.decide(&decision);
        }
    }

    /// Reads the ticket back to tell whether `write` took effect; repeats the read while the
    /// system is away, within the write attempts.
    async fn resolve(
        &self,
        write: &TicketWrite,
        before: Option<&UnifiedTicket>,
        floor: Option<&TicketId>,
    ) -> Result<WriteStatus, TicketSystemError> {
        let options = self.ledger.options();
        let check = WriteCheck::new(write)
            .with_before(before)
            .with_note_id_floor(floor);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.inner.check_applied(&check).await;
            self.observe("check_applied", started.elapsed(), outcome.as_ref().err());
            match outcome {
                Err(error) if error.is_transient() && attempt < options.write_attempts => {
                    tokio::time::sleep(backoff(options.write_backoff, attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// A create: not journaled (it has no ticket yet); sent again only when it certainly did
    /// not reach the system.
    async fn create(
        &self,
        write: &TicketWrite,
        step: Option<&StepScope>,
        unit: Option<&Unit>,
    ) -> Result<WriteReceipt, TicketSystemError> {
        let options = self.ledger.options();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.inner.apply(write).await;
            self.observe(write.operation(), started.elapsed(), outcome.as_ref().err());
            match outcome {
                Ok(receipt) => {
                    if let Some(unit) = unit {
                        unit.wrote(&self.key(receipt.ticket_id.as_str()));
                    }
                    self.decide(
                        write,
                        None,
                        step,
                        Some(receipt.ticket_id.to_string()),
                        false,
                    );
                    return Ok(receipt);
                }
                Err(error @ TicketSystemError::Unavailable { .. })
                    if attempt < options.write_attempts =>
                {
                    tracing::debug!("{}; sent again", crate::report(&error));
                    tokio::time::sleep(backoff(options.write_backoff, attempt)).await;
                }
                Err(error) => {
                    note_outage(unit, &error);
                    return Err(error);
                }
            }
        }
    }
}

/// `base` doubled for every attempt after the first.
fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1 << attempt.saturating_sub(1).min(10))
}

/// What identifies one search across cycles: its criteria without the page.
fn fingerprint(criteria: &TicketSearchCriteria) -> String {
    let mut unpaged = criteria.clone();
    unpaged.limit = 0;
    unpaged.offset = 0;
    serde_json::to_string(&unpaged).unwrap_or_default()
}

/// The idempotency key of a write: its service, ticket, step and content.
fn idempotency_key(
    service: &str,
    ticket: &str,
    step: Option<&StepScope>,
    write: &TicketWrite,
) -> String {
    let content = serde_json::to_string(write).unwrap_or_default();
    let step = step.map_or("", |s| &*s.pipe_id);
    let hash = [service, ticket, step, content.as_str()]
        .iter()
        .flat_map(|part| part.bytes().chain([0xff]))
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{step}:{hash:016x}")
}

#[async_trait::async_trait]
impl TicketSystem for TicketGate {
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        let current = current_unit();
        let unit = self.unit(&current);
        let partition = self.ledger.options().partition;
        let fingerprint = fingerprint(criteria);
        let due = self.ledger.due(&self.service, &fingerprint);
        let excluded = self.ledger.excluded(&self.service);
        let wanted = criteria.offset + criteria.limit;
        let spread = if partition.is_shared() {
            partition.count() as usize * 2
        } else {
            1
        };
        let mut window = (wanted * spread + excluded.len()).clamp(1, MAX_WINDOW);
        let fresh = loop {
            let ask = TicketSearchCriteria {
                limit: window,
                offset: 0,
                ..criteria.clone()
            };
            let ids = match self
                .read("find_ticket_ids", unit, || self.inner.find_ticket_ids(&ask))
                .await
            {
                Ok(ids) => ids,
                Err(error) => {
                    self.ledger.record_search_failure();
                    return Err(error);
                }
            };
            let exhausted = ids.len() < window || window >= MAX_WINDOW;
            let fresh: Vec<TicketId> = ids
                .into_iter()
                .filter(|id| {
                    !excluded.contains(id.as_str())
                        && !due.contains(id)
                        && partition.owns(id.as_str())
                })
                .collect();
            if due.len() + fresh.len() >= wanted || exhausted {
                break fresh;
            }
            window = (window * 4).min(MAX_WINDOW);
        };
        let chosen: Vec<TicketId> = due
            .into_iter()
            .chain(fresh)
            .skip(criteria.offset)
            .take(criteria.limit)
            .collect();
        self.ledger
            .hand_out(unit, &self.service, &fingerprint, &chosen);
        Ok(chosen)
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        let current = current_unit();
        let unit = self.unit(&current);
        let ticket = self
            .read("get_ticket", unit, || self.inner.get_ticket(id))
            .await?;
        if let Some(ticket) = &ticket {
            self.saw(unit, std::slice::from_ref(ticket));
        }
        Ok(ticket)
    }

    async fn get_tickets(&self, ids: &[TicketId]) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        let current = current_unit();
        let unit = self.unit(&current);
        let tickets = self
            .read("get_tickets", unit, || self.inner.get_tickets(ids))
            .await?;
        self.saw(unit, &tickets);
        Ok(tickets)
    }

    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        let current = current_unit();
        let unit = self.unit(&current);
        let step = current_step();
        let options = self.ledger.options();
        let ticket = write.ticket_id().map(|id| self.key(id.as_str()));
        let before = ticket.as_ref().and_then(|key| {
            unit.and_then(|unit| unit.before(key))
                .or_else(|| self.ledger.before(key))
        });
        // The unit's first write to the ticket puts it in the journal durably.
        let first_of_unit = match (unit, &ticket) {
            (Some(unit), Some(key)) => !unit.has_written(key),
            _ => true,
        };
        if let (Some(unit), Some(key)) = (unit, &ticket) {
            unit.wrote(key);
            self.ledger.hold(unit, key);
        }
        if options.dry_run {
            let id = ticket.as_ref().map(|key| key.1.clone());
            self.decide(write, before.as_ref(), step.as_ref(), id.clone(), true);
            return Ok(WriteReceipt::new(id.unwrap_or_default()));
        }
        let Some(ticket) = ticket else {
            return self.create(write, step.as_ref(), unit).await;
        };
        let write_key = idempotency_key(&self.service, &ticket.1, step.as_ref(), write);
        // Every way a write can end in success records it the same way.
        let took_effect = |receipt: WriteReceipt| {
            self.took_effect(
                &ticket,
                &write_key,
                receipt,
                write,
                before.as_ref(),
                step.as_ref(),
            )
        };
        let mut floor = self.ledger.note_floor(&self.service);
        match self.ledger.write_record(&ticket, &write_key) {
            Some(WriteRecord::Done { receipt }) => {
                tracing::debug!(ticket = %ticket.1, "{} was done before; not sent again", write.operation());
                return Ok(receipt);
            }
            Some(WriteRecord::Pending { note_id_floor, .. }) => {
                tracing::info!(ticket = %ticket.1, "the outcome of an earlier {} is unknown; reading the ticket back", write.operation());
                match self
                    .resolve(write, before.as_ref(), note_id_floor.as_ref())
                    .await
                {
                    Ok(WriteStatus::Applied { note_id }) => {
                        let receipt = WriteReceipt::new(ticket.1.as_str()).with_note_id(note_id);
                        return Ok(took_effect(receipt).await);
                    }
                    Ok(WriteStatus::NotApplied) => floor = note_id_floor,
                    Ok(_) => {
                        return Err(TicketSystemError::outcome_unknown(
                            write.operation(),
                            "the earlier attempt cannot be judged by reading the ticket",
                        ))
                    }
                    Err(error) => {
                        note_outage(unit, &error);
                        return Err(error);
                    }
                }
            }
            None => {
                if let Some((before, resumed_floor)) = self.ledger.resumed_check(&ticket) {
                    // Resumed after a crash: the journal may have lost this write's record.
                    match self
                        .resolve(write, before.as_ref(), resumed_floor.as_ref())
                        .await
                    {
                        Ok(WriteStatus::Applied { note_id }) => {
                            tracing::info!(ticket = %ticket.1, "the {} had taken effect before the restart; not sent again", write.operation());
                            let receipt =
                                WriteReceipt::new(ticket.1.as_str()).with_note_id(note_id);
                            return Ok(took_effect(receipt).await);
                        }
                        Ok(_) => {}
                        Err(error) => {
                            note_outage(unit, &error);
                            return Err(error);
                        }
                    }
                }
            }
        }
        let criteria = unit.and_then(|unit| unit.criteria(&ticket));
        self.ledger
            .intend(
                &ticket,
                Intent {
                    write_key: &write_key,
                    write,
                    note_id_floor: floor.clone(),
                    criteria,
                    before: before.clone(),
                    durable: first_of_unit,
                },
            )
            .await
            .map_err(|error| TicketSystemError::backend("journal", error))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.inner.apply(write).await;
            self.observe(write.operation(), started.elapsed(), outcome.as_ref().err());
            let error = match outcome {
                Ok(receipt) => {
                    return Ok(took_effect(receipt).await);
                }
                Err(error) => error,
            };
            let retry = attempt < options.write_attempts;
            match &error {
                TicketSystemError::OutcomeUnknown { .. } => {
                    tracing::warn!(ticket = %ticket.1, "{}; reading the ticket back", crate::report(&error));
                    match self.resolve(write, before.as_ref(), floor.as_ref()).await {
                        Ok(WriteStatus::Applied { note_id }) => {
                            let receipt =
                                WriteReceipt::new(ticket.1.as_str()).with_note_id(note_id);
                            tracing::info!(ticket = %ticket.1, "the {} had taken effect; not sent again", write.operation());
                            return Ok(took_effect(receipt).await);
                        }
                        Ok(WriteStatus::NotApplied) if retry => {
                            tracing::info!(ticket = %ticket.1, "the {} had not taken effect; sent again", write.operation());
                        }
                        Ok(WriteStatus::NotApplied) => {
                            self.ledger.not_done(&ticket, &write_key).await;
                            note_outage(unit, &error);
                            return Err(error);
                        }
                        Ok(_) | Err(_) => {
                            // Still unknown: the journal keeps it pending for the next attempt.
                            note_outage(unit, &error);
                            return Err(error);
                        }
                    }
                }
                TicketSystemError::Unavailable { .. } if retry => {
                    tracing::info!(ticket = %ticket.1, "{}; sent again", crate::report(&error));
                }
                _ => {
                    self.ledger.not_done(&ticket, &write_key).await;
                    note_outage(unit, &error);
                    return Err(error);
                }
            }
            tokio::time::sleep(backoff(options.write_backoff, attempt)).await;
        }
    }

    async fn check_applied(
        &self,
        check: &WriteCheck<'_>,
    ) -> Result<WriteStatus, TicketSystemError> {
        self.inner.check_applied(check).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interfaces::{TicketChanges, TicketUpdate, UnifiedEntity};

    #[test]
    fn a_search_is_known_by_its_criteria_not_its_page() {
        let a = TicketSearchCriteria {
            queue: Some(UnifiedEntity::named("Incoming")),
            limit: 1,
            offset: 0,
        };
        let b = TicketSearchCriteria {
            limit: 32,
            offset: 3,
            ..a.clone()
        };
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(
            fingerprint(&a),
            fingerprint(&TicketSearchCriteria::default())
        );
    }

    #[test]
    fn writes_differ_by_step_and_content() {
        let write = |queue: &str| {
            TicketWrite::Update(TicketUpdate::new("7").with_changes(TicketChanges {
                queue: Some(UnifiedEntity::named(queue)),
                ..TicketChanges::default()
            }))
        };
        let a = idempotency_key("s", "7", None, &write("Billing"));
        assert_eq!(a, idempotency_key("s", "7", None, &write("Billing")));
        assert_ne!(a, idempotency_key("s", "7", None, &write("Sales")));
        assert_ne!(a, idempotency_key("s", "8", None, &write("Billing")));
    }
}
