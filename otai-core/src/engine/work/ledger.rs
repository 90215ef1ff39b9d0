//! The ledger: the engine's memory of every ticket in work, backed by the journal.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::Duration;

use super::decision::{read_decisions, Decision, PipeReads};
use super::journal::{
    after, now_ms, Journal, JournalError, JournalOpening, TicketKey, TicketRecord, TicketState,
    WriteRecord,
};
use super::unit::{Unit, UnitTicket};
use super::{TicketOutcome, WorkEvents, WorkOptions};
use crate::interfaces::{TicketId, TicketSystemError, TicketWrite, UnifiedTicket, WriteReceipt};
use crate::pipe::PipeResult;
use crate::work::{UnitOfWork, WorkTracker};

/// What configuring the work ([`crate::engine::Pipeline::configure_work`]) found in the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalSummary {
    /// Tickets left unfinished (or in work when a process died) that will be picked up.
    pub unfinished: usize,
    /// Tickets set aside after repeated failures.
    pub set_aside: usize,
    /// Tickets a dry run decided before (read from the decisions file): skipped.
    pub decided: usize,
    /// The journal file (`None`: kept in memory).
    pub journal: Option<std::path::PathBuf>,
}

/// Counters of what the ledger handed out and saw, for `--until-idle`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activity {
    /// Tickets handed out by searches.
    pub handed_out: u64,
    /// Searches that failed.
    pub failed_searches: u64,
    /// Tickets set aside.
    pub set_aside: u64,
    /// Tickets whose unit completed.
    pub completed: u64,
}

#[derive(Debug, Default)]
struct State {
    records: BTreeMap<TicketKey, TicketRecord>,
    /// Tickets a unit of this process holds, with the unit's id.
    live: BTreeMap<TicketKey, u64>,
    /// Tickets a dry run decided.
    decided: BTreeSet<TicketKey>,
    /// The fields a dry run proposed a value for: (service, ticket, step, field). A ticket
    /// tried again after a failure does not record the same decision twice.
    proposed: BTreeSet<(String, String, String, String)>,
    /// The highest numeric note id seen, per service.
    note_floor: BTreeMap<String, u64>,
    /// Tickets whose record was read from the journal at start and that have not completed
    /// since. Their record may miss the writes made after its last durable commit (see
    /// [`Ledger::intend`]), so a write it does not know is read back before it is sent.
    resumed: BTreeSet<TicketKey>,
}

/// A write about to be sent, as [`Ledger::intend`] records it.
pub(crate) struct Intent<'a> {
    /// The write's idempotency key.
    pub write_key: &'a str,
    pub write: &'a TicketWrite,
    /// The highest note id seen before it is sent.
    pub note_id_floor: Option<TicketId>,
    /// The search that handed the ticket out.
    pub criteria: Option<String>,
    /// The ticket before the first write of its processing.
    pub before: Option<UnifiedTicket>,
    /// On disk before it is sent: the first write of a unit to a ticket, which puts the
    /// ticket in the journal. The later ones of the same unit reach the disk with the next
    /// durable commit (anyone's): after a crash every write the record does not know is read
    /// back before it is sent (see [`Ledger::resumed_check`]). So a ticket costs one fsync,
    /// not one per write.
    pub durable: bool,
}

/// The engine's [`WorkTracker`]: which tickets are in work, unfinished or set aside, and the
/// writes made for them. One per pipeline, shared by its ticket-system gates.
#[derive(Debug)]
pub struct Ledger {
    me: Weak<Ledger>,
    options: RwLock<WorkOptions>,
    journal: RwLock<Journal>,
    state: Mutex<State>,
    reads: RwLock<PipeReads>,
    next_unit: AtomicU64,
    handed_out: AtomicU64,
    failed_searches: AtomicU64,
    set_aside: AtomicU64,
    completed: AtomicU64,
}

impl Ledger {
    /// A ledger with default options and a journal in memory.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            options: RwLock::new(WorkOptions::default()),
            journal: RwLock::new(Journal::in_memory()),
            state: Mutex::new(State::default()),
            reads: RwLock::new(PipeReads::default()),
            next_unit: AtomicU64::new(1),
            handed_out: AtomicU64::new(0),
            failed_searches: AtomicU64::new(0),
            set_aside: AtomicU64::new(0),
            completed: AtomicU64::new(0),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The options in force.
    pub(crate) fn options(&self) -> WorkOptions {
        self.options
            .read()
            .map_or_else(|p| p.into_inner().clone(), |o| o.clone())
    }

    fn journal(&self) -> Journal {
        self.journal
            .read()
            .map_or_else(|p| p.into_inner().clone(), |j| j.clone())
    }

    pub(crate) fn set_reads(&self, reads: PipeReads) {
        if let Ok(mut slot) = self.reads.write() {
            *slot = reads;
        }
    }

    pub(crate) fn trace_confidence(&self, step: &crate::work::StepScope) -> Option<(String, f64)> {
        self.reads.read().ok()?.trace_confidence(step)
    }

    /// Applies `options`: opens the journal (taking over what a previous process left) and,
    /// for a dry run with a decisions file, reads the tickets decided before.
    /// `opening`: the journal file, already being opened (used when it is the one
    /// `options` names).
    pub(crate) fn configure(
        &self,
        mut options: WorkOptions,
        opening: Option<JournalOpening>,
    ) -> Result<JournalSummary, JournalError> {
        if let Some(file) = &options.decisions {
            options.events.push(Arc::new(file.clone()));
        }
        let journal = match (&options.journal, opening) {
            (Some(path), Some(opening)) if opening.path() == path => opening.finish()?,
            (Some(path), _) => Journal::open(path)?,
            (None, _) => Journal::in_memory(),
        };
        let (records, meta) = journal.load()?;
        let mut summary = JournalSummary {
            journal: journal.path().map(Path::to_path_buf),
            ..JournalSummary::default()
        };
        let mut state = self.state();
        state.records.clear();
        state.resumed.clear();
        for mut record in records {
            if let TicketState::InFlight { .. } = record.state {
                record.state = TicketState::Unfinished {
                    attempts: 0,
                    next_try: now_ms(),
                    step: "(interrupted)".to_owned(),
                    cause: "the process stopped while working on it".to_owned(),
                };
            }
            match record.state {
                TicketState::SetAside { .. } => summary.set_aside += 1,
                _ => summary.unfinished += 1,
            }
            state.resumed.insert(record.key());
            state.records.insert(record.key(), record);
        }
        for (key, value) in meta {
            if let (Some(service), Ok(floor)) = (key.strip_prefix("note_floor:"), value.parse()) {
                state.note_floor.insert(service.to_owned(), floor);
            }
        }
        if options.dry_run {
            if let Some(file) = &options.decisions {
                if file.path().exists() {
                    let decided =
                        read_decisions(file.path()).map_err(|error| JournalError::Storage {
                            path: file.path().to_owned(),
                            source: error.into(),
                        })?;
                    for decision in decided.iter().filter(|d| d.dry_run) {
                        if let Some(key) = proposal(decision) {
                            state.decided.insert((key.0.clone(), key.1.clone()));
                            state.proposed.insert(key);
                        }
                    }
                    summary.decided = state.decided.len();
                }
            }
        }
        drop(state);
        if let Ok(mut slot) = self.journal.write() {
            *slot = journal;
        }
        if let Ok(mut slot) = self.options.write() {
            *slot = options;
        }
        Ok(summary)
    }

    /// What was handed out and seen so far.
    pub fn activity(&self) -> Activity {
        Activity {
            handed_out: self.handed_out.load(Ordering::Relaxed),
            failed_searches: self.failed_searches.load(Ordering::Relaxed),
            set_aside: self.set_aside.load(Ordering::Relaxed),
            completed: self.completed.load(Ordering::Relaxed),
        }
    }

    /// How many tickets are in work now (handed out to a unit that has not finished).
    pub fn in_work(&self) -> usize {
        self.state().live.len()
    }

    /// When the earliest unfinished ticket (not one set aside) is due, if any is waiting.
    pub fn next_retry(&self) -> Option<Duration> {
        let now = now_ms();
        self.state()
            .records
            .values()
            .filter_map(|record| match record.state {
                TicketState::Unfinished { next_try, .. } => Some(next_try),
                _ => None,
            })
            .min()
            .map(|at| Duration::from_millis(at.saturating_sub(now)))
    }

    pub(crate) fn events(&self) -> Vec<Arc<dyn WorkEvents>> {
        self.options().events
    }

    pub(crate) fn record_search_failure(&self) {
        self.failed_searches.fetch_add(1, Ordering::Relaxed);
    }

    // ----- handing out tickets -------------------------------------------------------------

    /// Tickets of `service` found by the search `criteria` before that are due again.
    pub(crate) fn due(&self, service: &str, criteria: &str) -> Vec<TicketId> {
        let now = now_ms();
        let partition = self.options().partition;
        let state = self.state();
        let mut due: Vec<(u64, &TicketRecord)> = state
            .records
            .values()
            .filter(|r| r.service == service && r.criteria.as_deref() == Some(criteria))
            .filter(|r| !state.live.contains_key(&r.key()) && partition.owns(&r.ticket))
            .filter_map(|r| match r.state {
                TicketState::Unfinished { next_try, .. } if next_try <= now => Some((next_try, r)),
                TicketState::SetAside { retry_at, .. } if retry_at <= now => Some((retry_at, r)),
                _ => None,
            })
            .collect();
        due.sort_by_key(|(at, _)| *at);
        due.into_iter()
            .map(|(_, r)| TicketId::from(r.ticket.as_str()))
            .collect()
    }

    /// Tickets of `service` a search must not hand out now: in work, waiting for their next
    /// try, set aside, or (dry run) decided.
    pub(crate) fn excluded(&self, service: &str) -> BTreeSet<String> {
        let now = now_ms();
        let state = self.state();
        let mut excluded: BTreeSet<String> = state
            .records
            .values()
            .filter(|r| r.service == service)
            .filter(|r| match r.state {
                TicketState::Unfinished { next_try, .. } => next_try > now,
                TicketState::SetAside { retry_at, .. } => retry_at > now,
                TicketState::InFlight { .. } => false,
            })
            .map(|r| r.ticket.clone())
            .collect();
        for (s, ticket) in state.live.keys().chain(state.decided.iter()) {
            if s == service {
                excluded.insert(ticket.clone());
            }
        }
        excluded
    }

    /// Hands `ids` out to `unit` (marks them in work).
    pub(crate) fn hand_out(
        &self,
        unit: Option<&Unit>,
        service: &str,
        criteria: &str,
        ids: &[TicketId],
    ) {
        self.handed_out
            .fetch_add(ids.len() as u64, Ordering::Relaxed);
        let Some(unit) = unit else {
            return;
        };
        let mut state = self.state();
        for id in ids {
            let key = (service.to_owned(), id.to_string());
            state.live.insert(key.clone(), unit.id);
            unit.touch(&key, Some(criteria));
        }
    }

    /// Marks `key` in work for `unit` (a ticket it reached without a search).
    pub(crate) fn hold(&self, unit: &Unit, key: &TicketKey) {
        self.state().live.entry(key.clone()).or_insert(unit.id);
    }

    // ----- notes ids -----------------------------------------------------------------------

    /// Remembers the note ids of `tickets` as seen.
    pub(crate) fn saw_notes<'t>(
        &self,
        service: &str,
        tickets: impl IntoIterator<Item = &'t UnifiedTicket>,
    ) {
        let highest = tickets
            .into_iter()
            .flat_map(|t| t.notes.iter())
            .filter_map(|n| n.id.as_ref()?.as_str().parse::<u64>().ok())
            .max();
        if let Some(highest) = highest {
            self.raise_note_floor(service, highest);
        }
    }

    fn raise_note_floor(&self, service: &str, id: u64) {
        let mut state = self.state();
        let floor = state.note_floor.entry(service.to_owned()).or_insert(0);
        if id > *floor {
            *floor = id;
        }
    }

    /// The highest note id seen in `service`.
    pub(crate) fn note_floor(&self, service: &str) -> Option<TicketId> {
        self.state()
            .note_floor
            .get(service)
            .map(|id| TicketId::from(id.to_string()))
    }

    // ----- writes --------------------------------------------------------------------------

    /// What the journal knows about write `write_key` to `ticket`.
    pub(crate) fn write_record(&self, ticket: &TicketKey, write_key: &str) -> Option<WriteRecord> {
        self.state()
            .records
            .get(ticket)
            .and_then(|record| record.writes.get(write_key).cloned())
    }

    /// The ticket as it was before the first write of its current processing.
    pub(crate) fn before(&self, ticket: &TicketKey) -> Option<UnifiedTicket> {
        self.state()
            .records
            .get(ticket)
            .and_then(|record| record.before.clone())
    }

    /// For a ticket resumed from the journal: the ticket as it was before its processing
    /// began and the highest note id known to precede the writes the record may miss (the
    /// floors of its writes and the notes they added), to judge such a write by reading the
    /// ticket back. `None` for any other ticket.
    pub(crate) fn resumed_check(
        &self,
        ticket: &TicketKey,
    ) -> Option<(Option<UnifiedTicket>, Option<TicketId>)> {
        let state = self.state();
        if !state.resumed.contains(ticket) {
            return None;
        }
        let record = state.records.get(ticket)?;
        let floor = record
            .writes
            .values()
            .filter_map(|write| match write {
                WriteRecord::Pending { note_id_floor, .. } => note_id_floor.as_ref(),
                WriteRecord::Done { receipt } => receipt.note_id.as_ref(),
            })
            .filter_map(|id| id.as_str().parse::<u64>().ok())
            .max();
        Some((
            record.before.clone(),
            floor.map(|id| TicketId::from(id.to_string())),
        ))
    }

    /// Records that a write is about to be sent (see [`Intent`]).
    pub(crate) async fn intend(
        &self,
        ticket: &TicketKey,
        intent: Intent<'_>,
    ) -> Result<(), JournalError> {
        let Intent {
            write_key,
            write,
            note_id_floor,
            criteria,
            before,
            durable,
        } = intent;
        let record = {
            let mut state = self.state();
            let record = state
                .records
                .entry(ticket.clone())
                .or_insert_with(|| TicketRecord {
                    service: ticket.0.clone(),
                    ticket: ticket.1.clone(),
                    state: TicketState::InFlight { since: now_ms() },
                    criteria: None,
                    writes: BTreeMap::new(),
                    before: None,
                });
            if record.criteria.is_none() {
                record.criteria = criteria;
            }
            if record.before.is_none() {
                record.before = before;
            }
            record.writes.insert(
                write_key.to_owned(),
                WriteRecord::Pending {
                    write: Box::new(write.clone()),
                    note_id_floor,
                },
            );
            record.clone()
        };
        self.journal().put(&record, durable).await
    }

    /// Records that write `write_key` took effect.
    pub(crate) async fn done(&self, ticket: &TicketKey, write_key: &str, receipt: &WriteReceipt) {
        if let Some(note) = receipt
            .note_id
            .as_ref()
            .and_then(|id| id.as_str().parse::<u64>().ok())
        {
            self.raise_note_floor(&ticket.0, note);
        }
        let record = {
            let mut state = self.state();
            let Some(record) = state.records.get_mut(ticket) else {
                return;
            };
            record.writes.insert(
                write_key.to_owned(),
                WriteRecord::Done {
                    receipt: receipt.clone(),
                },
            );
            record.clone()
        };
        self.persist(&record).await;
        let floor = self.state().note_floor.get(&ticket.0).copied();
        if let Some(floor) = floor {
            let journal = self.journal();
            if let Err(error) = journal
                .put_meta(&format!("note_floor:{}", ticket.0), &floor.to_string())
                .await
            {
                tracing::warn!("{}", crate::report(&error));
            }
        }
    }

    /// Records that write `write_key` certainly did not take effect.
    pub(crate) async fn not_done(&self, ticket: &TicketKey, write_key: &str) {
        let record = {
            let mut state = self.state();
            let Some(record) = state.records.get_mut(ticket) else {
                return;
            };
            record.writes.remove(write_key);
            record.clone()
        };
        self.persist(&record).await;
    }

    async fn persist(&self, record: &TicketRecord) {
        if let Err(error) = self.journal().put(record, false).await {
            tracing::error!("{}", crate::report(&error));
        }
    }

    /// Tells every listener about `decision` and logs it in one line.
    pub(crate) fn decide(&self, decision: &Decision) {
        if let Some(key) = proposal(decision) {
            if !self.state().proposed.insert(key) {
                tracing::debug!(
                    "{} (decided before; not recorded again)",
                    decision.log_line()
                );
                return;
            }
        }
        // The line alone, as the docs show it; the structured record is the decisions file.
        tracing::info!("{}", decision.log_line());
        for events in self.events() {
            events.decision(decision);
        }
    }

    // ----- ending units --------------------------------------------------------------------

    /// Settles the tickets `unit` held: completed, or left unfinished (attempt counted when
    /// the failure was the ticket's own), or set aside after too many attempts.
    pub(crate) async fn settle(&self, unit: &Unit, result: &PipeResult) {
        let (owned, failed_step, transient) = {
            let state = unit.state();
            let owned: Vec<UnitTicket> = state
                .tickets
                .iter()
                .filter(|t| !t.delegated)
                .cloned()
                .collect();
            (owned, state.failed_step.clone(), state.transient)
        };
        if owned.is_empty() {
            return;
        }
        let mut attributable: Vec<&UnitTicket> = owned
            .iter()
            .filter(|t| t.wrote || unit.subject.as_deref() == Some(t.key.1.as_str()))
            .collect();
        // A unit that wrote nothing and is about no ticket: the one ticket it fetched is the
        // one it failed on. With several (a search whose tickets never started, a stop
        // request) none is to blame; they stay in the queue for the next search.
        if attributable.is_empty() && owned.len() == 1 {
            attributable.extend(owned.first());
        }
        let options = self.options();
        let mut changed = Vec::new();
        let mut completed = Vec::new();
        let mut finished = Vec::new();
        {
            let mut state = self.state();
            for ticket in &owned {
                if state.live.get(&ticket.key) == Some(&unit.id) {
                    state.live.remove(&ticket.key);
                }
            }
            for ticket in attributable {
                if result.has_failed() {
                    let (step, cause) = failed_step
                        .clone()
                        .unwrap_or_else(|| ("-".to_owned(), result.message.clone()));
                    let record =
                        state
                            .records
                            .entry(ticket.key.clone())
                            .or_insert_with(|| TicketRecord {
                                service: ticket.key.0.clone(),
                                ticket: ticket.key.1.clone(),
                                state: TicketState::InFlight { since: now_ms() },
                                criteria: None,
                                writes: BTreeMap::new(),
                                before: None,
                            });
                    if record.criteria.is_none() {
                        record.criteria = ticket.criteria.clone();
                    }
                    let outcome = failed(record, &step, &cause, transient, &options);
                    if outcome == TicketOutcome::SetAside {
                        self.set_aside.fetch_add(1, Ordering::Relaxed);
                    }
                    changed.push((record.clone(), outcome));
                } else {
                    finished.push(ticket.key.clone());
                    if options.dry_run {
                        state.decided.insert(ticket.key.clone());
                    }
                    state.resumed.remove(&ticket.key);
                    if let Some(record) = state.records.remove(&ticket.key) {
                        if let TicketState::Unfinished { attempts, .. }
                        | TicketState::SetAside { attempts, .. } = record.state
                        {
                            tracing::info!(
                                ticket = %record.ticket,
                                "ticket {} completed after {} failed attempt(s)",
                                record.ticket,
                                attempts
                            );
                        }
                        completed.push(ticket.key.clone());
                    }
                }
            }
        }
        self.completed
            .fetch_add(finished.len() as u64, Ordering::Relaxed);
        let journal = self.journal();
        for key in &completed {
            if let Err(error) = journal.remove(key).await {
                tracing::error!("{}", crate::report(&error));
            }
        }
        let events = self.events();
        for key in &finished {
            for listener in &events {
                listener.ticket_settled(&key.0, &key.1, TicketOutcome::Completed);
            }
        }
        for (record, outcome) in changed {
            self.persist(&record).await;
            for listener in &events {
                listener.ticket_settled(&record.service, &record.ticket, outcome);
            }
        }
    }
}

/// What identifies a dry run's proposal: (service, ticket, step, field — for a note, with
/// its content, since one step may add several); `None` for a live decision or one without
/// a ticket.
fn proposal(decision: &Decision) -> Option<(String, String, String, String)> {
    let ticket = decision.ticket_id.as_ref().filter(|_| decision.dry_run)?;
    let field = if decision.field == "note" {
        format!("note {}", decision.value)
    } else {
        decision.field.clone()
    };
    Some((
        decision.service.clone(),
        ticket.clone(),
        decision.step.clone().unwrap_or_default(),
        field,
    ))
}

/// Counts a failed attempt on `record` and logs it; returns where the ticket stands.
fn failed(
    record: &mut TicketRecord,
    step: &str,
    cause: &str,
    transient: bool,
    options: &WorkOptions,
) -> TicketOutcome {
    let (previous, was_set_aside) = match record.state {
        TicketState::Unfinished { attempts, .. } => (attempts, false),
        TicketState::SetAside { attempts, .. } => (attempts, true),
        TicketState::InFlight { .. } => (0, false),
    };
    let ticket = record.ticket.clone();
    if transient {
        let wait = backoff(options.retry_after, previous.max(1));
        record.state = TicketState::Unfinished {
            attempts: previous,
            next_try: after(wait),
            step: step.to_owned(),
            cause: cause.to_owned(),
        };
        tracing::warn!(
            ticket = %ticket,
            step,
            "ticket {ticket} unfinished: step `{step}` failed while the ticket system was unavailable: {cause}; tried again in {}",
            humantime::format_duration(wait)
        );
        return TicketOutcome::Unfinished;
    }
    let attempts = previous + 1;
    if attempts >= options.max_attempts.max(1) {
        record.state = TicketState::SetAside {
            attempts,
            retry_at: after(options.set_aside_for),
            step: step.to_owned(),
            cause: cause.to_owned(),
        };
        let again = humantime::format_duration(options.set_aside_for);
        if was_set_aside {
            tracing::warn!(ticket = %ticket, step, "ticket {ticket} still fails at step `{step}`: {cause}; set aside again for {again}");
        } else {
            tracing::error!(ticket = %ticket, step, "ticket {ticket} set aside after {attempts} failed attempt(s): step `{step}` failed: {cause}; the tickets behind it go on, and it is tried again in {again}");
        }
        return TicketOutcome::SetAside;
    }
    let wait = backoff(options.retry_after, attempts);
    record.state = TicketState::Unfinished {
        attempts,
        next_try: after(wait),
        step: step.to_owned(),
        cause: cause.to_owned(),
    };
    tracing::warn!(
        ticket = %ticket,
        step,
        "ticket {ticket} unfinished (attempt {attempts} of {}): step `{step}` failed: {cause}; tried again in {}",
        options.max_attempts,
        humantime::format_duration(wait)
    );
    TicketOutcome::Unfinished
}

/// `base` doubled for every attempt after the first, at most five minutes.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(Duration::from_secs(300))
}

impl WorkTracker for Ledger {
    fn begin(
        &self,
        parent: Option<&Arc<dyn UnitOfWork>>,
        subject: Option<&str>,
    ) -> Arc<dyn UnitOfWork> {
        let id = self.next_unit.fetch_add(1, Ordering::Relaxed);
        let Some(me) = self.me.upgrade() else {
            return Arc::new(Unit::new(id, Ledger::new(), subject.map(str::to_owned)));
        };
        let unit = Unit::new(id, me, subject.map(str::to_owned));
        if let (Some(parent), Some(subject)) = (parent, subject) {
            if let Some(parent) = parent.as_any().downcast_ref::<Unit>() {
                let handed = parent.delegate(subject);
                let mut state = self.state();
                for ticket in &handed {
                    if let Some(holder) = state.live.get_mut(&ticket.key) {
                        *holder = id;
                    }
                }
                drop(state);
                unit.adopt(handed);
            }
        }
        Arc::new(unit)
    }
}

/// Records whether `error` means the system was away, for `unit`.
pub(crate) fn note_outage(unit: Option<&Unit>, error: &TicketSystemError) {
    if error.is_transient() {
        if let Some(unit) = unit {
            unit.saw_outage();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 1), Duration::from_secs(1));
        assert_eq!(backoff(base, 3), Duration::from_secs(4));
        assert_eq!(backoff(base, 40), Duration::from_secs(300));
    }

    #[test]
    fn a_ticket_is_set_aside_after_max_attempts_and_logged_once_as_error() {
        let options = WorkOptions::default();
        let mut record = TicketRecord {
            service: "s".into(),
            ticket: "7".into(),
            state: TicketState::InFlight { since: 0 },
            criteria: None,
            writes: BTreeMap::new(),
            before: None,
        };
        for attempt in 1..options.max_attempts {
            assert_eq!(
                failed(&mut record, "classify", "bad text", false, &options),
                TicketOutcome::Unfinished,
                "attempt {attempt}"
            );
        }
        // The system being away does not count against the ticket.
        assert_eq!(
            failed(&mut record, "note", "refused", true, &options),
            TicketOutcome::Unfinished
        );
        assert_eq!(
            failed(&mut record, "classify", "bad text", false, &options),
            TicketOutcome::SetAside
        );
        assert!(matches!(
            record.state,
            TicketState::SetAside { attempts, .. } if attempts == options.max_attempts
        ));
    }
}
