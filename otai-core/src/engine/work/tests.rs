//! The gate and the ledger against a ticket system that fails on cue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::gate::TicketGate;
use super::{Ledger, Partition, WorkOptions};
use crate::interfaces::{
    TicketChanges, TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError,
    TicketSystemExt, TicketUpdate, TicketWrite, UnifiedEntity, UnifiedNote, UnifiedTicket,
    WriteReceipt,
};
use crate::pipe::{PipeContext, PipeResult, RunControl};
use crate::work::{run_unit, WorkTracker};

/// What the next write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Refused before anything happened (the request never left).
    Unavailable,
    /// Lost before the server processed it.
    LostBefore,
    /// Processed, then the answer got lost.
    LostAfter,
    /// The server said no.
    Reject,
}

#[derive(Debug, Default)]
struct Desk {
    tickets: Vec<UnifiedTicket>,
    next_note: u64,
    faults: VecDeque<Option<Fault>>,
    /// Writes that reached the server (processed or not).
    sent: usize,
}

/// A ticket system in memory whose writes fail as scripted.
#[derive(Debug, Default, Clone)]
struct Flaky(Arc<Mutex<Desk>>);

impl Flaky {
    fn with_tickets(ids: &[&str]) -> Self {
        let desk = Desk {
            tickets: ids
                .iter()
                .map(|id| UnifiedTicket {
                    id: Some(TicketId::from(*id)),
                    subject: Some(format!("Ticket {id}")),
                    queue: Some(UnifiedEntity::named("Incoming")),
                    ..UnifiedTicket::default()
                })
                .collect(),
            next_note: 100,
            ..Desk::default()
        };
        Self(Arc::new(Mutex::new(desk)))
    }

    fn script(&self, faults: &[Option<Fault>]) {
        self.0.lock().unwrap().faults.extend(faults.iter().copied());
    }

    fn ticket(&self, id: &str) -> UnifiedTicket {
        let desk = self.0.lock().unwrap();
        desk.tickets
            .iter()
            .find(|t| t.id.as_ref().is_some_and(|own| own == id))
            .cloned()
            .unwrap()
    }

    fn sent(&self) -> usize {
        self.0.lock().unwrap().sent
    }
}

fn lost(operation: &str) -> TicketSystemError {
    TicketSystemError::outcome_unknown(operation.to_owned(), "connection cut")
}

#[async_trait::async_trait]
impl TicketSystem for Flaky {
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        let desk = self.0.lock().unwrap();
        Ok(desk
            .tickets
            .iter()
            .filter(|t| {
                criteria
                    .queue
                    .as_ref()
                    .is_none_or(|q| t.queue.as_ref().is_some_and(|have| q.matches(have)))
            })
            .skip(criteria.offset)
            .take(criteria.limit)
            .filter_map(|t| t.id.clone())
            .collect())
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        let desk = self.0.lock().unwrap();
        Ok(desk
            .tickets
            .iter()
            .find(|t| t.id.as_ref().is_some_and(|own| own == id))
            .cloned())
    }

    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        let TicketWrite::Update(update) = write else {
            return Err(TicketSystemError::rejected("create_ticket", "not here"));
        };
        let mut desk = self.0.lock().unwrap();
        let fault = desk.faults.pop_front().flatten();
        match fault {
            Some(Fault::Unavailable) => {
                return Err(TicketSystemError::unavailable("TicketUpdate", "refused"))
            }
            Some(Fault::LostBefore) => {
                desk.sent += 1;
                return Err(lost("TicketUpdate"));
            }
            Some(Fault::Reject) => {
                desk.sent += 1;
                return Err(TicketSystemError::rejected("TicketUpdate", "no such queue"));
            }
            _ => {}
        }
        desk.sent += 1;
        let note_id = desk.next_note;
        desk.next_note += 1;
        let ticket = desk
            .tickets
            .iter_mut()
            .find(|t| t.id.as_ref() == Some(&update.ticket_id))
            .ok_or_else(|| TicketSystemError::NotFound(update.ticket_id.to_string()))?;
        if let Some(queue) = &update.changes.queue {
            ticket.queue = Some(queue.clone());
        }
        let mut added = None;
        if let Some(note) = &update.note {
            let mut note = note.clone();
            note.id = Some(TicketId::from(note_id.to_string()));
            added = note.id.clone();
            ticket.notes.push(note);
        }
        if fault == Some(Fault::LostAfter) {
            return Err(lost("TicketUpdate"));
        }
        Ok(WriteReceipt::new(update.ticket_id.clone()).with_note_id(added))
    }
}

fn options() -> WorkOptions {
    WorkOptions {
        retry_after: Duration::from_millis(1),
        write_backoff: Duration::from_millis(1),
        ..WorkOptions::default()
    }
}

fn gate(system: &Flaky, options: WorkOptions) -> (Arc<Ledger>, Arc<dyn TicketSystem>) {
    let ledger = Ledger::new();
    ledger.configure(options, None).unwrap();
    let gate = TicketGate::new("desk", Arc::new(system.clone()), Arc::clone(&ledger));
    (ledger, Arc::new(gate))
}

fn ctx(ledger: &Arc<Ledger>) -> PipeContext {
    PipeContext::new(
        RunControl::new().with_work_tracker(Arc::clone(ledger) as Arc<dyn WorkTracker>),
    )
}

fn note(body: &str) -> UnifiedNote {
    UnifiedNote {
        subject: "Queue".into(),
        body: body.into(),
        ..UnifiedNote::default()
    }
}

fn incoming(limit: usize) -> TicketSearchCriteria {
    TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("Incoming")),
        limit,
        offset: 0,
    }
}

/// One unit like the original demo's: fetch the first ticket, move it, note it; fails when
/// told to, after the move.
async fn route_one(
    system: &Arc<dyn TicketSystem>,
    ctx: &PipeContext,
    fail_after_move: bool,
) -> PipeResult {
    run_unit(ctx, None, async {
        let Some(ticket) = system.find_first_ticket(&incoming(1)).await.unwrap() else {
            return PipeResult::skipped("no ticket");
        };
        let id = ticket.id.unwrap();
        let moved = UnifiedTicket {
            queue: Some(UnifiedEntity::named("Billing")),
            ..UnifiedTicket::default()
        };
        if let Err(error) = system.update_ticket(id.as_str(), &moved).await {
            return PipeResult::failure(crate::report(&error));
        }
        if fail_after_move {
            return PipeResult::failure("the classifier broke");
        }
        match system
            .add_note(id.as_str(), &note("Moved to Billing."))
            .await
        {
            Ok(()) => PipeResult::success_with("ticket", id.as_str()),
            Err(error) => PipeResult::failure(crate::report(&error)),
        }
    })
    .await
}

#[tokio::test]
async fn a_lost_answer_after_processing_is_read_back_and_not_sent_again() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(&system, options());
    system.script(&[None, Some(Fault::LostAfter)]);
    let result = route_one(&gate, &ctx(&ledger), false).await;
    assert!(result.succeeded(), "{}", result.message);
    let ticket = system.ticket("1");
    assert_eq!(ticket.notes.len(), 1, "exactly one note");
    assert_eq!(system.sent(), 2, "the note was not sent twice");
}

#[tokio::test]
async fn a_lost_request_before_processing_is_sent_again_once() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(&system, options());
    system.script(&[None, Some(Fault::LostBefore), Some(Fault::Unavailable)]);
    let result = route_one(&gate, &ctx(&ledger), false).await;
    assert!(result.succeeded(), "{}", result.message);
    assert_eq!(system.ticket("1").notes.len(), 1);
}

#[tokio::test]
async fn a_rejected_write_is_not_repeated() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(&system, options());
    system.script(&[Some(Fault::Reject)]);
    let result = route_one(&gate, &ctx(&ledger), false).await;
    assert!(result.has_failed());
    assert!(
        result.message.contains("no such queue"),
        "{}",
        result.message
    );
    assert_eq!(system.sent(), 1);
}

#[tokio::test]
async fn a_half_done_ticket_is_handed_out_again_and_finished_without_repeating_writes() {
    let system = Flaky::with_tickets(&["1", "2"]);
    let (ledger, gate) = gate(&system, options());
    let ctx = ctx(&ledger);
    // Moved, then the unit failed: ticket 1 is no longer in Incoming.
    assert!(route_one(&gate, &ctx, true).await.has_failed());
    assert_eq!(
        system.ticket("1").queue,
        Some(UnifiedEntity::named("Billing"))
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    // The same search hands ticket 1 out first; the move is not sent again.
    let sent = system.sent();
    let result = route_one(&gate, &ctx, false).await;
    assert_eq!(result.data["ticket"], "1", "{}", result.message);
    assert_eq!(system.sent(), sent + 1, "only the note was sent");
    assert_eq!(system.ticket("1").notes.len(), 1);
    // Then ticket 2, and the journal is empty.
    assert_eq!(route_one(&gate, &ctx, false).await.data["ticket"], "2");
    assert_eq!(ledger.next_retry(), None);
    assert_eq!(ledger.activity().completed, 2);
}

#[tokio::test]
async fn a_ticket_failing_on_its_own_never_blocks_the_queue_and_is_set_aside() {
    let system = Flaky::with_tickets(&["1", "2", "3"]);
    let (ledger, gate) = gate(
        &system,
        WorkOptions {
            retry_after: Duration::from_secs(3600),
            ..options()
        },
    );
    let ctx = ctx(&ledger);
    let classify_fails_for_1 = || async {
        run_unit(&ctx, None, async {
            let ticket = gate.find_first_ticket(&incoming(1)).await.unwrap();
            match ticket.and_then(|t| t.id) {
                Some(id) if id == "1" => PipeResult::failure("text is not text"),
                Some(id) => {
                    let moved = UnifiedTicket {
                        queue: Some(UnifiedEntity::named("Billing")),
                        ..UnifiedTicket::default()
                    };
                    gate.update_ticket(id.as_str(), &moved).await.unwrap();
                    PipeResult::success_with("ticket", id.as_str())
                }
                None => PipeResult::skipped("empty"),
            }
        })
        .await
    };
    assert!(classify_fails_for_1().await.has_failed());
    // Ticket 1 waits for its next try; the tickets behind it go on.
    assert_eq!(classify_fails_for_1().await.data["ticket"], "2");
    assert_eq!(classify_fails_for_1().await.data["ticket"], "3");
    assert!(ledger.next_retry().is_some());
}

#[tokio::test]
async fn after_max_attempts_a_ticket_is_set_aside() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(
        &system,
        WorkOptions {
            max_attempts: 2,
            ..options()
        },
    );
    let ctx = ctx(&ledger);
    for _ in 0..2 {
        let result = run_unit(&ctx, None, async {
            gate.find_first_ticket(&incoming(1)).await.unwrap().unwrap();
            PipeResult::failure("always")
        })
        .await;
        assert!(result.has_failed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(ledger.activity().set_aside, 1);
    // Set aside: not handed out, nothing left to wait for.
    assert!(gate
        .find_first_ticket(&incoming(1))
        .await
        .unwrap()
        .is_none());
    assert_eq!(ledger.next_retry(), None);
}

#[tokio::test]
async fn the_system_being_away_does_not_count_against_a_ticket() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(
        &system,
        WorkOptions {
            max_attempts: 1,
            write_attempts: 2,
            ..options()
        },
    );
    system.script(&[Some(Fault::Unavailable), Some(Fault::Unavailable)]);
    assert!(route_one(&gate, &ctx(&ledger), false).await.has_failed());
    assert_eq!(ledger.activity().set_aside, 0);
    assert!(ledger.next_retry().is_some(), "unfinished, not set aside");
}

#[tokio::test]
async fn a_dry_run_sends_nothing_and_decides_each_ticket_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = super::DecisionsFile::open(&dir.path().join("d.jsonl")).unwrap();
    let system = Flaky::with_tickets(&["1", "2"]);
    let (ledger, gate) = gate(
        &system,
        WorkOptions {
            dry_run: true,
            decisions: Some(file),
            ..options()
        },
    );
    let ctx = ctx(&ledger);
    for expected in ["1", "2"] {
        let result = route_one(&gate, &ctx, false).await;
        assert_eq!(result.data["ticket"], expected, "{}", result.message);
    }
    assert!(
        route_one(&gate, &ctx, false).await.was_skipped(),
        "all decided"
    );
    assert_eq!(system.sent(), 0, "nothing was sent");
    assert_eq!(
        system.ticket("1").queue,
        Some(UnifiedEntity::named("Incoming"))
    );
    let decisions = super::read_decisions(&dir.path().join("d.jsonl")).unwrap();
    let fields: Vec<(&str, &str)> = decisions
        .iter()
        .map(|d| (d.ticket_id.as_deref().unwrap(), d.field.as_str()))
        .collect();
    assert_eq!(
        fields,
        [("1", "queue"), ("1", "note"), ("2", "queue"), ("2", "note")]
    );
    assert_eq!(decisions[0].before, "Incoming");
    assert!(decisions.iter().all(|d| d.dry_run));
}

#[tokio::test]
async fn a_dry_run_ticket_tried_again_after_a_failure_is_not_decided_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.jsonl");
    let file = super::DecisionsFile::open(&path).unwrap();
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(
        &system,
        WorkOptions {
            dry_run: true,
            decisions: Some(file),
            ..options()
        },
    );
    let ctx = ctx(&ledger);
    assert!(route_one(&gate, &ctx, true).await.has_failed());
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = route_one(&gate, &ctx, false).await;
    assert_eq!(again.data["ticket"], "1", "{}", again.message);
    let decisions = super::read_decisions(&path).unwrap();
    let fields: Vec<&str> = decisions.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["queue", "note"], "the move is recorded once");
    assert_eq!(system.sent(), 0);
}

/// A process that finds the first incoming ticket, moves it, notes it (the note's outcome is
/// returned) and dies: its unit never finishes and its ledger is dropped.
async fn move_and_note_then_die(
    system: &Flaky,
    options: WorkOptions,
) -> Result<(), TicketSystemError> {
    let (ledger, gate) = gate(system, options);
    let unit = ledger.begin(None, None);
    crate::work::tests_support::in_unit(unit, async {
        let ticket = gate.find_first_ticket(&incoming(1)).await.unwrap().unwrap();
        let id = ticket.id.unwrap();
        let moved = UnifiedTicket {
            queue: Some(UnifiedEntity::named("Billing")),
            ..UnifiedTicket::default()
        };
        gate.update_ticket(id.as_str(), &moved).await.unwrap();
        gate.add_note(id.as_str(), &note("Moved to Billing.")).await
    })
    .await
}

/// A new process on the journal at `path` routes ticket 1 (left half-done by a dead one)
/// without sending anything: what it finds done on the ticket is not sent again (`why`).
async fn restart_and_route_one(
    system: &Flaky,
    path: std::path::PathBuf,
    why: &str,
) -> (Arc<Ledger>, Arc<dyn TicketSystem>) {
    let sent = system.sent();
    let (ledger, gate) = gate(
        system,
        WorkOptions {
            journal: Some(path),
            ..options()
        },
    );
    let result = route_one(&gate, &ctx(&ledger), false).await;
    assert_eq!(result.data["ticket"], "1", "{}", result.message);
    assert_eq!(system.sent(), sent, "{why}");
    assert_eq!(system.ticket("1").notes.len(), 1);
    (ledger, gate)
}

#[tokio::test]
async fn the_journal_resumes_what_a_dead_process_left_and_judges_its_lost_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    let system = Flaky::with_tickets(&["1", "2"]);
    // The move is done; the note is processed but its answer lost, and the process dies.
    system.script(&[None, Some(Fault::LostAfter)]);
    let _ = move_and_note_then_die(
        &system,
        WorkOptions {
            journal: Some(path.clone()),
            write_attempts: 1,
            ..options()
        },
    )
    .await;
    let (ledger, gate) = restart_and_route_one(
        &system,
        path,
        "neither the move nor the note was sent again",
    )
    .await;
    assert_eq!(
        route_one(&gate, &ctx(&ledger), false).await.data["ticket"],
        "2"
    );
}

#[tokio::test]
async fn a_write_whose_record_a_crash_lost_is_read_back_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal");
    let system = Flaky::with_tickets(&["1", "2"]);
    // The move and the note both take effect; the process dies before the unit ends.
    move_and_note_then_die(
        &system,
        WorkOptions {
            journal: Some(path.clone()),
            ..options()
        },
    )
    .await
    .unwrap();
    // Only the unit's first write reaches the disk before it is sent; what a crash loses of
    // the later ones, here the note's record, is taken from the file.
    {
        let journal = super::journal::Journal::open(&path).unwrap();
        let (records, _) = journal.load().unwrap();
        let mut record = records.into_iter().next().unwrap();
        let before = record.writes.len();
        record.writes.retain(|_, write| {
            !matches!(write, super::journal::WriteRecord::Done { receipt } if receipt.note_id.is_some())
        });
        assert_eq!(record.writes.len(), before - 1, "{record:?}");
        journal.put(&record, true).await.unwrap();
    }
    restart_and_route_one(
        &system,
        path,
        "the note was found on the ticket, not sent again",
    )
    .await;
}

#[tokio::test]
async fn a_failed_unit_that_wrote_nothing_blames_its_one_ticket_and_never_one_of_several() {
    for (fetched, blamed) in [(1, true), (3, false)] {
        let system = Flaky::with_tickets(&["1", "2", "3"]);
        let (ledger, gate) = gate(&system, options());
        run_unit(&ctx(&ledger), None, async {
            let tickets = gate.find_tickets(&incoming(fetched)).await.unwrap();
            assert_eq!(tickets.len(), fetched);
            PipeResult::failure("the classifier broke")
        })
        .await;
        assert_eq!(
            ledger.next_retry().is_some(),
            blamed,
            "{fetched} ticket(s) fetched"
        );
    }
}

#[tokio::test]
async fn workers_hand_out_only_their_share() {
    let ids: Vec<String> = (1..=10).map(|n| n.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let system = Flaky::with_tickets(&refs);
    let mut seen = Vec::new();
    for index in 0..2 {
        let (_, gate) = gate(
            &system,
            WorkOptions {
                partition: Partition::new(index, 2).unwrap(),
                ..options()
            },
        );
        let found = gate.find_ticket_ids(&incoming(3)).await.unwrap();
        assert_eq!(found.len(), 3);
        seen.push(found);
    }
    assert_eq!(seen[0], ["2", "4", "6"]);
    assert_eq!(seen[1], ["1", "3", "5"]);
}

#[tokio::test]
async fn a_field_write_goes_through_the_gate() {
    let system = Flaky::with_tickets(&["1"]);
    let (ledger, gate) = gate(&system, options());
    let update = TicketWrite::Update(TicketUpdate::new("1").with_changes(TicketChanges {
        queue: Some(UnifiedEntity::named("Sales")),
        ..TicketChanges::default()
    }));
    run_unit(&ctx(&ledger), None, async {
        gate.get_ticket("1").await.unwrap();
        gate.apply(&update).await.unwrap();
        PipeResult::success(Default::default())
    })
    .await;
    assert_eq!(
        system.ticket("1").queue,
        Some(UnifiedEntity::named("Sales"))
    );
}
