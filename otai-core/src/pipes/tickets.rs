//! `FetchTicketsPipe`, `UpdateTicketPipe`, `AddNotePipe`.

use std::sync::Arc;

use crate::interfaces::{
    TicketId, TicketSearchCriteria, TicketSystem, TicketSystemExt, UnifiedNote, UnifiedTicket,
};
use crate::report::report;
use crate::value::{Map, Value};
use crate::{async_trait, Pipe, PipeContext, PipeResult};

/// Params of `FetchTicketsPipe`.
#[otai::params]
#[derive(Debug, Clone, Default)]
pub struct FetchTicketsPipeParams {
    /// Which tickets: `{queue: {id?, name?}, limit: 10, offset: 0}`. Without it: the first
    /// ten tickets the system lists.
    #[serde(default)]
    pub ticket_search_criteria: TicketSearchCriteria,
}

/// Fetches the tickets matching a search (`data.fetched_tickets`).
///
/// Fetches tickets from the `ticket_system` inject; `data.fetched_tickets` is the list of
/// unified tickets as maps with every field of the unified model present: `id`, `subject`,
/// `body`, `queue`, `priority`, `state`, `customer`, `owner` (`null` when the system has no
/// value, as the original's models dump them), `notes` (a list) and `extra` (a map). So a
/// template may write `ticket['body'] or ''` for a ticket without body. Finding no ticket
/// is a success with an empty list.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets:
///           - { id: 1, subject: Invoice twice, body: "I was charged twice.", queue: { name: Incoming } }
///   orchestrator:
///     id: fetch
///     use: base:FetchTicketsPipe
///     injects: { ticket_system: tickets }
///     params:
///       ticket_search_criteria: { queue: { name: Incoming }, limit: 5 }
/// ```
#[otai::pipe]
pub struct FetchTicketsPipe {
    ticket_system: Arc<dyn TicketSystem>,
}

/// Params of `UpdateTicketPipe`.
#[otai::params]
#[derive(Debug, Clone)]
pub struct UpdateTicketPipeParams {
    /// The ticket (a string or an integer).
    pub ticket_id: TicketId,
    /// The fields to change (`queue: {name: …}`, `priority: {name: …}`, `subject`, `notes`…);
    /// unset fields stay as they are.
    pub updated_ticket: UnifiedTicket,
}

/// Changes fields of one ticket (queue, priority, subject…) and adds notes.
///
/// Applies `updated_ticket` to ticket `ticket_id` through the `ticket_system` inject.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets:
///           - { id: 1, subject: Invoice twice, body: "I was charged twice.", queue: { name: Incoming } }
///   orchestrator:
///     use: base:UpdateTicketPipe
///     injects: { ticket_system: tickets }
///     params:
///       ticket_id: 1
///       updated_ticket: { queue: { name: Billing }, priority: { name: high } }
/// ```
#[otai::pipe]
pub struct UpdateTicketPipe {
    ticket_system: Arc<dyn TicketSystem>,
}

/// Params of `AddNotePipe`.
#[otai::params]
#[derive(Debug, Clone)]
pub struct AddNotePipeParams {
    /// The ticket (a string or an integer).
    pub ticket_id: TicketId,
    /// The note: `{subject, body, content_type?}`.
    pub note: UnifiedNote,
}

/// Adds an internal note to one ticket.
///
/// Adds `note` to ticket `ticket_id` through the `ticket_system` inject.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets:
///           - { id: 1, subject: Invoice twice, body: "I was charged twice.", queue: { name: Incoming } }
///   orchestrator:
///     use: base:AddNotePipe
///     injects: { ticket_system: tickets }
///     params:
///       ticket_id: 1
///       note: { subject: Open Ticket AI, body: "Moved to Billing (confidence 0.93)." }
/// ```
#[otai::pipe]
pub struct AddNotePipe {
    ticket_system: Arc<dyn TicketSystem>,
}

macro_rules! on_ticket_system {
    ($($pipe:ident),*) => {$(
        impl $pipe {
            /// The pipe on a ticket system (the engine builds it from `injects:`).
            pub fn new(ticket_system: Arc<dyn TicketSystem>) -> Self {
                Self { ticket_system }
            }
        }
    )*};
}

on_ticket_system!(FetchTicketsPipe, UpdateTicketPipe, AddNotePipe);

/// The fields every fetched ticket map has, in this order; unset ones are `null`.
const TICKET_FIELDS: [&str; 8] = [
    "id", "subject", "body", "queue", "priority", "state", "customer", "owner",
];

/// A ticket as pipes show it to templates: a map with every field of the unified model,
/// unset ones `null` (see [`FetchTicketsPipe`]). Pipes that hand tickets to other pipes use it,
/// so every ticket looks the same whichever pipe read it.
pub fn ticket_to_value(ticket: &UnifiedTicket) -> Result<Value, serde_json::Error> {
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

#[async_trait]
impl Pipe for FetchTicketsPipe {
    type Params = FetchTicketsPipeParams;

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let tickets = match self
            .ticket_system
            .find_tickets(&params.ticket_search_criteria)
            .await
        {
            Ok(tickets) => tickets,
            Err(error) => return PipeResult::failure(report(&error)),
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

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let id = params.ticket_id;
        match self
            .ticket_system
            .update_ticket(id.as_str(), &params.updated_ticket)
            .await
        {
            Ok(()) => PipeResult::success_with("ticket_id", id.as_str())
                .with_message(format!("updated ticket {id}")),
            Err(error) => PipeResult::failure(report(&error)),
        }
    }
}

#[async_trait]
impl Pipe for AddNotePipe {
    type Params = AddNotePipeParams;

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let id = params.ticket_id;
        match self.ticket_system.add_note(id.as_str(), &params.note).await {
            Ok(()) => PipeResult::success_with("ticket_id", id.as_str())
                .with_message(format!("added a note to ticket {id}")),
            Err(error) => PipeResult::failure(report(&error)),
        }
    }
}

#[cfg(test)]
mod tests;
