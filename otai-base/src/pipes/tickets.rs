//! Ticket-system pipes: `base:FetchTicketsPipe`, `base:UpdateTicketPipe`, `base:AddNotePipe`.

use std::sync::Arc;

use otai::interfaces::{TicketId, TicketSearchCriteria, TicketSystem, UnifiedNote, UnifiedTicket};
use otai::value::Map;
use otai::{
    async_trait, BuildContext, BuildError, InjectSlot, Pipe, PipeContext, PipeResult, Value,
};
use serde::Deserialize;

const TICKET_SYSTEM: &[InjectSlot] = &[InjectSlot::required::<dyn TicketSystem>("ticket_system")];

fn inject(ctx: &BuildContext<'_>) -> Result<Arc<dyn TicketSystem>, BuildError> {
    ctx.inject("ticket_system")
}

/// Params of `base:FetchTicketsPipe`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchTicketsPipeParams {
    /// Which tickets: `{queue: {id?, name?}, limit: 10, offset: 0}`.
    pub ticket_search_criteria: TicketSearchCriteria,
}

/// Fetches tickets from the `ticket_system` inject; `data.fetched_tickets` is the list of
/// unified tickets as maps with every field of the unified model present: `id`, `subject`,
/// `body`, `queue`, `priority`, `state`, `customer`, `owner` (`null` when the system has no
/// value, as the original's models dump them), `notes` (a list) and `extra` (a map). So a
/// template may write `ticket['body'] or ''` for a ticket without body. Finding no ticket
/// is a success with an empty list.
pub struct FetchTicketsPipe {
    tickets: Arc<dyn TicketSystem>,
}

/// Params of `base:UpdateTicketPipe`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketPipeParams {
    /// The ticket (a string or an integer).
    pub ticket_id: TicketId,
    /// The fields to change (`queue: {name: …}`, `priority: {name: …}`, `subject`, `notes`…);
    /// unset fields stay as they are.
    pub updated_ticket: UnifiedTicket,
}

/// Applies `updated_ticket` to ticket `ticket_id` through the `ticket_system` inject.
pub struct UpdateTicketPipe {
    tickets: Arc<dyn TicketSystem>,
}

/// Params of `base:AddNotePipe`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddNotePipeParams {
    /// The ticket (a string or an integer).
    pub ticket_id: TicketId,
    /// The note: `{subject, body, content_type?}`.
    pub note: UnifiedNote,
}

/// Adds `note` to ticket `ticket_id` through the `ticket_system` inject.
pub struct AddNotePipe {
    tickets: Arc<dyn TicketSystem>,
}

/// The fields every fetched ticket map has, in this order; unset ones are `null`.
const TICKET_FIELDS: [&str; 8] = [
    "id", "subject", "body", "queue", "priority", "state", "customer", "owner",
];

/// A ticket as a map with every field of the unified model (see [`FetchTicketsPipe`]).
fn ticket_to_value(ticket: &UnifiedTicket) -> Result<Value, serde_json::Error> {
    let Value::Object(mut set) = serde_json::to_value(ticket)? else {
        return Ok(Value::Null);
    };
    let mut map = Map::with_capacity(TICKET_FIELDS.len() + 2 + set.len());
    for field in TICKET_FIELDS {
        map.insert(field.to_owned(), set.remove(field).unwrap_or(Value::Null));
    }
    map.insert(
        "notes".to_owned(),
        set.remove("notes")
            .unwrap_or_else(|| Value::Array(Vec::new())),
    );
    map.insert(
        "extra".to_owned(),
        set.remove("extra")
            .unwrap_or_else(|| Value::Object(Map::new())),
    );
    map.extend(set);
    Ok(Value::Object(map))
}

macro_rules! debug_without_service {
    ($($name:ident),*) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl $name {
            /// The pipe on a ticket system.
            pub fn new(tickets: Arc<dyn TicketSystem>) -> Self {
                Self { tickets }
            }
        }
    )*};
}

debug_without_service!(FetchTicketsPipe, UpdateTicketPipe, AddNotePipe);

#[async_trait]
impl Pipe for FetchTicketsPipe {
    type Params = FetchTicketsPipeParams;
    const INJECTS: &'static [InjectSlot] = TICKET_SYSTEM;

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        inject(ctx).map(Self::new)
    }

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let tickets = match self
            .tickets
            .find_tickets(&params.ticket_search_criteria)
            .await
        {
            Ok(tickets) => tickets,
            Err(error) => return PipeResult::failure(error.to_string()),
        };
        let count = tickets.len();
        let maps: Result<Vec<Value>, _> = tickets.iter().map(ticket_to_value).collect();
        match maps {
            Ok(list) => PipeResult::success_with("fetched_tickets", Value::Array(list))
                .with_message(format!("fetched {count} ticket(s)")),
            Err(error) => PipeResult::failure(format!(
                "the fetched tickets could not be represented: {error}"
            )),
        }
    }
}

#[async_trait]
impl Pipe for UpdateTicketPipe {
    type Params = UpdateTicketPipeParams;
    const INJECTS: &'static [InjectSlot] = TICKET_SYSTEM;

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        inject(ctx).map(Self::new)
    }

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let id = params.ticket_id;
        match self
            .tickets
            .update_ticket(id.as_str(), &params.updated_ticket)
            .await
        {
            Ok(()) => PipeResult::success_with("ticket_id", id.as_str())
                .with_message(format!("updated ticket {id}")),
            Err(error) => PipeResult::failure(error.to_string()),
        }
    }
}

#[async_trait]
impl Pipe for AddNotePipe {
    type Params = AddNotePipeParams;
    const INJECTS: &'static [InjectSlot] = TICKET_SYSTEM;

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        inject(ctx).map(Self::new)
    }

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let id = params.ticket_id;
        match self.tickets.add_note(id.as_str(), &params.note).await {
            Ok(()) => PipeResult::success_with("ticket_id", id.as_str())
                .with_message(format!("added a note to ticket {id}")),
            Err(error) => PipeResult::failure(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use otai::interfaces::UnifiedEntity;
    use otai::value::json;

    use super::*;
    use crate::services::InMemoryTicketSystem;

    fn system() -> Arc<InMemoryTicketSystem> {
        let tickets = serde_json::from_value(json!([
            {"id": 1, "subject": "Rechnung", "body": "doppelt", "queue": {"name": "Incoming"}},
            {"id": 2, "subject": "VPN", "body": "kaputt", "queue": {"name": "Incoming"}},
            {"id": 3, "subject": "Angebot", "queue": {"name": "Sales"}},
        ]))
        .unwrap();
        Arc::new(InMemoryTicketSystem::new(tickets).unwrap())
    }

    fn ctx() -> PipeContext {
        PipeContext::default()
    }

    #[tokio::test]
    async fn fetch_returns_tickets_as_maps() {
        let pipe = FetchTicketsPipe::new(system());
        let params = serde_json::from_value(json!({
            "ticket_search_criteria": {"queue": {"name": "Incoming"}, "limit": 1}
        }))
        .unwrap();
        let result = pipe.process(params, &ctx()).await;
        assert!(result.succeeded);
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
        assert!(result.succeeded);
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
            assert!(pipe.process(params, &ctx()).await.succeeded);
        }
        let snapshot = tickets.snapshot();
        assert_eq!(snapshot[0].queue, Some(UnifiedEntity::named("Billing")));
        assert_eq!(snapshot[1].queue, Some(UnifiedEntity::named("IT Support")));
        assert_eq!(snapshot[0].subject.as_deref(), Some("Rechnung"));
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
        assert!(pipe.process(params, &ctx()).await.succeeded);
        let notes = &tickets.snapshot()[2].notes;
        assert_eq!(notes.len(), 1);
        assert_eq!(
            (notes[0].subject.as_str(), notes[0].body.as_str()),
            ("Routing", "Queue Sales")
        );
    }

    #[test]
    fn params_are_strict() {
        assert!(serde_json::from_value::<UpdateTicketPipeParams>(json!({
            "ticket_id": 1, "updated_ticket": {"queue": {"nam": "x"}}
        }))
        .is_err());
        assert!(serde_json::from_value::<AddNotePipeParams>(json!({
            "ticket_id": 1.5, "note": {}
        }))
        .is_err());
        assert!(serde_json::from_value::<FetchTicketsPipeParams>(json!({
            "search_criteria": {}
        }))
        .is_err());
    }
}
