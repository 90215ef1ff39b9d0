//! `base:ForEachPipe` and `base:ForEachTicketPipe`: steps once per item of a list, or per
//! ticket of a search, several at once.

use std::num::NonZeroUsize;

use otai::prelude::*;

use items::ItemRuns;

mod items;
mod tickets;

pub use tickets::{ForEachTicketPipe, ForEachTicketPipeParams};

/// Params of `base:ForEachPipe` (`steps` are nested pipes, not params).
#[otai::params]
#[derive(Debug, Clone)]
pub struct ForEachPipeParams {
    /// The list to go through, usually `"{{ get_pipe_result('ticket_fetcher', 'fetched_tickets') }}"`.
    /// `null` counts as an empty list.
    pub items: Value,
    /// How many items run at once (default 1).
    #[serde(default = "one")]
    pub max_concurrency: NonZeroUsize,
    /// The pipe id under which each item is visible to the steps (default `item`):
    /// `get_pipe_result('item')` is the item, like the result of an expression step. Name it
    /// `ticket` and the steps of the original demo read their ticket unchanged.
    #[serde(default = "default_item_id")]
    pub item_id: String,
}

fn one() -> NonZeroUsize {
    NonZeroUsize::MIN
}

fn default_item_id() -> String {
    "item".to_owned()
}

/// Runs its steps once per item of a list, several items at once.
///
/// Runs `steps` once per element of `items`, up to `max_concurrency` items at once.
///
/// * Each item runs in its own scope: the steps see the item as the result of pipe
///   `item_id` (and its position as `get_pipe_result(item_id, 'index')`), the results of
///   the steps before the for-each, and their own results — never another item's.
/// * Within an item the steps run in order and the first failed step ends that item; other
///   items go on. Each item is a unit of work: a ticket it leaves half-done is picked up again
///   later, and one that keeps failing is set aside (see the engine's `work` module).
/// * The result lists every item (`data.items`: `index`, `id` when the item has one, `state`,
///   `message`) and counts them (`data.succeeded`, `data.failed`, `data.skipped`). It fails
///   when an item failed, naming the failed items.
/// * On a stop request no further item starts; items in flight finish.
///
/// Concurrent items that classify with the same `hf-local` model meet in its micro-batcher,
/// so a for-each over 32 tickets classifies them in batches.
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
///     use: base:CompositePipe
///     params:
///       steps:
///         - id: fetch
///           use: base:FetchTicketsPipe
///           injects: { ticket_system: tickets }
///         - id: each
///           use: base:ForEachPipe
///           params:
///             items: "{{ get_pipe_result('fetch', 'fetched_tickets') }}"
///             item_id: ticket
///             max_concurrency: 4
///             steps:
///               - id: note
///                 use: base:AddNotePipe
///                 injects: { ticket_system: tickets }
///                 params:
///                   ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
///                   note: { subject: Seen, body: "Seen by Open Ticket AI" }
/// ```
#[otai::pipe]
pub struct ForEachPipe {
    steps: Arc<[PipeNode]>,
}

impl ForEachPipe {
    /// A for-each over `steps`.
    pub fn new(steps: Vec<PipeNode>) -> Self {
        Self {
            steps: steps.into(),
        }
    }
}

/// The id of an item that is a ticket (a map with an `id`).
fn item_ticket_id(item: &Value) -> Option<String> {
    match item.get("id")? {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

#[async_trait]
impl Pipe for ForEachPipe {
    type Params = ForEachPipeParams;

    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult {
        let items = match params.items {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => {
                return PipeResult::failure(format!(
                    "`items` must be a list, not {}",
                    match other {
                        Value::Object(_) => "a map",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        _ => "a boolean",
                    }
                ))
            }
        };
        let mut runs = ItemRuns::new(&self.steps, ctx, &params.item_id);
        let mut pending = items.into_iter().enumerate();
        loop {
            while runs.running() < params.max_concurrency.get() {
                if ctx.control().is_shutdown_requested() {
                    runs.stop(pending.by_ref().count());
                    break;
                }
                let Some((index, item)) = pending.next() else {
                    break;
                };
                runs.start(index, item_ticket_id(&item), async move { Ok(item) });
            }
            if !runs.join_next().await {
                break;
            }
        }
        runs.finish().await
    }
}

#[cfg(test)]
mod tests {
    use otai::value::json;

    use super::*;

    #[test]
    fn ticket_items_are_known_by_their_id() {
        assert_eq!(item_ticket_id(&json!({"id": "17"})), Some("17".into()));
        assert_eq!(item_ticket_id(&json!({"id": 17})), Some("17".into()));
        assert_eq!(item_ticket_id(&json!("17")), None);
    }
}
