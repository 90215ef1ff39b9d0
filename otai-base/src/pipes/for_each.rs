//! `base:ForEachPipe`: runs its steps once per item of a list, several items at once.

use std::num::NonZeroUsize;

use otai::prelude::*;
use otai::value::Map;
use tokio::task::JoinSet;

use super::composite::run_in_order;

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

/// What became of one item.
struct ItemOutcome {
    index: usize,
    id: Option<String>,
    result: PipeResult,
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
        let total = items.len();
        let scope = ctx.nested();
        let mut running = JoinSet::new();
        let mut outcomes: Vec<ItemOutcome> = Vec::with_capacity(total);
        let mut pending = items.into_iter().enumerate();
        let mut stopped = 0usize;
        loop {
            while running.len() < params.max_concurrency.get() {
                if ctx.control().is_shutdown_requested() {
                    stopped += pending.by_ref().count();
                    break;
                }
                let Some((index, item)) = pending.next() else {
                    break;
                };
                let id = item_ticket_id(&item);
                let mut seen = Map::new();
                seen.insert("value".to_owned(), item);
                seen.insert("index".to_owned(), Value::from(index));
                let item_scope = scope.with_result(&params.item_id, PipeResult::success(seen));
                let steps = Arc::clone(&self.steps);
                let work = async move {
                    let result = otai::work::run_unit(
                        &item_scope,
                        id.as_deref(),
                        run_in_order(&steps, &item_scope, true),
                    )
                    .await;
                    ItemOutcome { index, id, result }
                };
                running.spawn(otai::work::carry(work));
            }
            match running.join_next().await {
                Some(Ok(outcome)) => outcomes.push(outcome),
                Some(Err(error)) => {
                    let reason = if error.is_panic() { "panicked" } else { "was cancelled" };
                    tracing::error!("a for-each item {reason}");
                    outcomes.push(ItemOutcome {
                        index: usize::MAX,
                        id: None,
                        result: PipeResult::failure(format!("an item {reason}")),
                    });
                }
                None => break,
            }
        }
        outcomes.sort_by_key(|outcome| outcome.index);
        summarize(outcomes, total, stopped)
    }
}

/// The for-each's result from its items' outcomes.
fn summarize(outcomes: Vec<ItemOutcome>, total: usize, stopped: usize) -> PipeResult {
    let mut listed = Vec::with_capacity(outcomes.len());
    let (mut succeeded, mut failed, mut skipped) = (0usize, 0usize, stopped);
    let mut failures = Vec::new();
    for outcome in outcomes {
        let state = if outcome.result.has_failed() {
            failed += 1;
            let name = outcome
                .id
                .as_ref()
                .map_or_else(|| format!("item {}", outcome.index), |id| format!("item {id}"));
            failures.push(format!("{name}: {}", outcome.result.message));
            "failed"
        } else if outcome.result.was_skipped() {
            skipped += 1;
            "skipped"
        } else {
            succeeded += 1;
            "succeeded"
        };
        let mut entry = Map::new();
        if outcome.index != usize::MAX {
            entry.insert("index".to_owned(), Value::from(outcome.index));
        }
        if let Some(id) = outcome.id {
            entry.insert("id".to_owned(), Value::from(id));
        }
        entry.insert("state".to_owned(), Value::from(state));
        entry.insert("message".to_owned(), Value::from(outcome.result.message));
        listed.push(Value::Object(entry));
    }
    let mut data = Map::new();
    data.insert("items".to_owned(), Value::Array(listed));
    data.insert("succeeded".to_owned(), Value::from(succeeded));
    data.insert("failed".to_owned(), Value::from(failed));
    data.insert("skipped".to_owned(), Value::from(skipped));
    let summary = format!("{succeeded} of {total} item(s) succeeded, {failed} failed, {skipped} skipped");
    if failed > 0 {
        let mut result = PipeResult::success(data).with_message(format!(
            "{summary}: {}",
            failures.join("; ")
        ));
        result.state = otai::PipeState::Failed;
        result
    } else {
        PipeResult::success(data).with_message(summary)
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

    #[test]
    fn a_failed_item_fails_the_whole_and_is_named() {
        let outcomes = vec![
            ItemOutcome {
                index: 0,
                id: Some("1".into()),
                result: PipeResult::success(Map::new()),
            },
            ItemOutcome {
                index: 1,
                id: Some("2".into()),
                result: PipeResult::failure("pipe `classify`: bad"),
            },
        ];
        let result = summarize(outcomes, 3, 1);
        assert!(result.has_failed());
        assert_eq!(
            result.message,
            "1 of 3 item(s) succeeded, 1 failed, 1 skipped: item 2: pipe `classify`: bad"
        );
        assert_eq!(result.data["failed"], json!(1));
        assert_eq!(result.data["items"][1]["state"], json!("failed"));
    }
}
