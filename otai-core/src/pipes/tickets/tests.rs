#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use serde_json::json;

use super::*;
use crate::interfaces::{TicketSystemError, TicketWrite, UnifiedEntity, WriteReceipt};
use crate::Injectable;

/// A ticket system over a list, enough to watch the pipes work.
#[derive(Debug, Default)]
struct ListedTickets(Mutex<Vec<UnifiedTicket>>);

impl ListedTickets {
    fn with(tickets: Value) -> Arc<Self> {
        Arc::new(Self(Mutex::new(serde_json::from_value(tickets).unwrap())))
    }

    fn snapshot(&self) -> Vec<UnifiedTicket> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait]
impl TicketSystem for ListedTickets {
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        Ok(self
            .0
            .lock()
            .unwrap()
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
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .find(|t| t.id.as_ref().map(TicketId::as_str) == Some(id))
            .cloned())
    }

    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        let TicketWrite::Update(update) = write else {
            return Err(TicketSystemError::rejected("create_ticket", "not in this test"));
        };
        let id = update.ticket_id.as_str();
        let mut tickets = self.0.lock().unwrap();
        let ticket = tickets
            .iter_mut()
            .find(|t| t.id.as_ref().map(TicketId::as_str) == Some(id))
            .ok_or_else(|| TicketSystemError::NotFound(id.to_owned()))?;
        if let Some(queue) = &update.changes.queue {
            ticket.queue = Some(queue.clone());
        }
        ticket.notes.extend(update.note.clone());
        Ok(WriteReceipt::new(id))
    }
}

fn system() -> Arc<ListedTickets> {
    ListedTickets::with(json!([
        {"id": 1, "subject": "Rechnung", "body": "doppelt", "queue": {"name": "Incoming"}},
        {"id": 2, "subject": "VPN", "body": "kaputt", "queue": {"name": "Incoming"}},
        {"id": 3, "subject": "Angebot", "queue": {"name": "Sales"}},
    ]))
}

fn ctx() -> PipeContext {
    PipeContext::default()
}

#[test]
fn the_pipes_declare_their_slot_once_by_field() {
    let descriptor = FetchTicketsPipe::descriptor();
    assert_eq!(descriptor.name(), "FetchTicketsPipe");
    let slots = descriptor.inject_slots();
    assert_eq!(slots.len(), 1);
    assert_eq!(
        (slots[0].name, slots[0].interface, slots[0].required),
        ("ticket_system", "TicketSystem", true)
    );
    let shown = format!("{:?}", FetchTicketsPipe::new(system()));
    assert_eq!(shown, "FetchTicketsPipe { ticket_system: <TicketSystem> }");
}

#[tokio::test]
async fn fetch_returns_tickets_as_maps() {
    let pipe = FetchTicketsPipe::new(system());
    let params = serde_json::from_value(json!({
        "ticket_search_criteria": {"queue": {"name": "Incoming"}, "limit": 1}
    }))
    .unwrap();
    let result = pipe.process(params, &ctx()).await;
    assert!(result.succeeded());
    assert_eq!(
        result.data["fetched_tickets"],
        json!([{
            "id": "1", "subject": "Rechnung", "body": "doppelt", "queue": {"name": "Incoming"},
            "priority": null, "state": null, "customer": null, "owner": null,
            "notes": [], "extra": {}
        }])
    );
}

#[tokio::test]
async fn criteria_are_optional() {
    let pipe = FetchTicketsPipe::new(system());
    let params: FetchTicketsPipeParams = serde_json::from_value(json!({})).unwrap();
    assert_eq!(
        params.ticket_search_criteria,
        TicketSearchCriteria::default()
    );
    let result = pipe.process(params, &ctx()).await;
    assert_eq!(result.data["fetched_tickets"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn unset_fields_are_null_so_templates_can_test_them() {
    let pipe = FetchTicketsPipe::new(system());
    let params = serde_json::from_value(json!({
        "ticket_search_criteria": {"queue": {"name": "Sales"}}
    }))
    .unwrap();
    let result = pipe.process(params, &ctx()).await;
    let ticket = &result.data["fetched_tickets"][0];
    assert_eq!(ticket["body"], Value::Null);
    assert_eq!(ticket["subject"], json!("Angebot"));
    let back: UnifiedTicket = serde_json::from_value(ticket.clone()).unwrap();
    assert_eq!(back.body, None, "the map reads back as the same ticket");
}

#[tokio::test]
async fn fetching_nothing_is_an_empty_list() {
    let pipe = FetchTicketsPipe::new(system());
    let params = serde_json::from_value(json!({
        "ticket_search_criteria": {"queue": {"name": "Nowhere"}}
    }))
    .unwrap();
    let result = pipe.process(params, &ctx()).await;
    assert!(result.succeeded());
    assert_eq!(result.data["fetched_tickets"], json!([]));
}

#[tokio::test]
async fn update_accepts_numeric_and_string_ids() {
    let tickets = system();
    let pipe = UpdateTicketPipe::new(tickets.clone());
    for (id, queue) in [(json!(1), "Billing"), (json!("2"), "IT Support")] {
        let params = serde_json::from_value(json!({
            "ticket_id": id, "updated_ticket": {"queue": {"name": queue}}
        }))
        .unwrap();
        assert!(pipe.process(params, &ctx()).await.succeeded());
    }
    let snapshot = tickets.snapshot();
    assert_eq!(snapshot[0].queue, Some(UnifiedEntity::named("Billing")));
    assert_eq!(snapshot[1].queue, Some(UnifiedEntity::named("IT Support")));
}

#[tokio::test]
async fn update_and_note_fail_for_unknown_tickets() {
    let tickets = system();
    let update = UpdateTicketPipe::new(tickets.clone());
    let params = serde_json::from_value(json!({
        "ticket_id": 99, "updated_ticket": {"priority": {"name": "high"}}
    }))
    .unwrap();
    let result = update.process(params, &ctx()).await;
    assert!(result.has_failed() && result.message.contains("`99` does not exist"));
    let note = AddNotePipe::new(tickets);
    let params = serde_json::from_value(json!({
        "ticket_id": "99", "note": {"subject": "s", "body": "b"}
    }))
    .unwrap();
    assert!(note.process(params, &ctx()).await.has_failed());
}

#[tokio::test]
async fn add_note_appends_the_note() {
    let tickets = system();
    let pipe = AddNotePipe::new(tickets.clone());
    let params = serde_json::from_value(json!({
        "ticket_id": 3,
        "note": {"subject": "Routing", "body": "Queue Sales", "content_type": "text/plain"}
    }))
    .unwrap();
    assert!(pipe.process(params, &ctx()).await.succeeded());
    let notes = &tickets.snapshot()[2].notes;
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].subject.as_str(), notes[0].body.as_str()),
        ("Routing", "Queue Sales")
    );
}

#[test]
fn params_are_strict() {
    // Each object is valid but for one extra key, so only strictness can reject it.
    let cases = [
        (
            serde_json::from_value::<UpdateTicketPipeParams>(json!({
                "ticket_id": 1, "updated_ticket": {"queue": {"name": "x"}}, "extra": 1
            }))
            .map(drop),
            "extra",
        ),
        (
            serde_json::from_value::<AddNotePipeParams>(json!({
                "ticket_id": 1, "note": {"subject": "s", "body": "b"}, "nte": {}
            }))
            .map(drop),
            "nte",
        ),
        (
            serde_json::from_value::<FetchTicketsPipeParams>(json!({
                "ticket_search_criteria": {}, "search_criteria": {}
            }))
            .map(drop),
            "search_criteria",
        ),
    ];
    for (outcome, field) in cases {
        let error = outcome.unwrap_err().to_string();
        assert!(
            error.contains(&format!("unknown field `{field}`")),
            "{error}"
        );
    }
}
