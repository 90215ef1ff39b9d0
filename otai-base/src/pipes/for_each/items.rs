//! The items of a for-each in flight: each runs the steps in its own scope and unit of work;
//! their outcomes make the for-each's result.

use std::future::Future;

use otai::prelude::*;
use otai::value::Map;
use tokio::task::JoinSet;

use crate::pipes::composite::run_in_order;

/// What became of one item.
pub(super) struct ItemOutcome {
    pub index: usize,
    pub id: Option<String>,
    pub result: PipeResult,
}

/// The items of one for-each run: those running and those that ended.
pub(super) struct ItemRuns {
    steps: Arc<[PipeNode]>,
    /// The scope every item starts from (the for-each's, nested).
    scope: PipeContext,
    item_id: String,
    running: JoinSet<ItemOutcome>,
    ended: Vec<ItemOutcome>,
    /// Items never started (a stop request came first).
    stopped: usize,
}

impl ItemRuns {
    pub(super) fn new(steps: &Arc<[PipeNode]>, ctx: &PipeContext, item_id: &str) -> Self {
        Self {
            steps: Arc::clone(steps),
            scope: ctx.nested(),
            item_id: item_id.to_owned(),
            running: JoinSet::new(),
            ended: Vec::new(),
            stopped: 0,
        }
    }

    /// How many items are running.
    pub(super) fn running(&self) -> usize {
        self.running.len()
    }

    /// How many items were started, running or ended.
    pub(super) fn started(&self) -> usize {
        self.running.len() + self.ended.len()
    }

    /// Counts `count` items that will not start.
    pub(super) fn stop(&mut self, count: usize) {
        self.stopped += count;
    }

    /// Starts item `index` (`id` when it is a ticket): a unit of work that first produces
    /// the item's value with `item` (a failed or skipped result ends the item there), then
    /// runs the steps with the value as the result of pipe `item_id`.
    pub(super) fn start<F>(&mut self, index: usize, id: Option<String>, item: F)
    where
        F: Future<Output = Result<Value, PipeResult>> + Send + 'static,
    {
        let steps = Arc::clone(&self.steps);
        let scope = self.scope.clone();
        let item_id = self.item_id.clone();
        let work = async move {
            let unit_scope = scope.clone();
            let result = otai::work::run_unit(&unit_scope, id.as_deref(), async move {
                let value = match item.await {
                    Ok(value) => value,
                    Err(ended) => return ended,
                };
                let mut seen = Map::new();
                seen.insert("value".to_owned(), value);
                seen.insert("index".to_owned(), Value::from(index));
                let item_scope = scope.with_result(&item_id, PipeResult::success(seen));
                run_in_order(&steps, &item_scope, true).await
            })
            .await;
            ItemOutcome { index, id, result }
        };
        self.running.spawn(otai::work::carry(work));
    }

    /// Waits for the next item to end and keeps its outcome; `false` when none is running.
    pub(super) async fn join_next(&mut self) -> bool {
        let outcome = match self.running.join_next().await {
            Some(Ok(outcome)) => outcome,
            Some(Err(error)) => {
                let reason = if error.is_panic() {
                    "panicked"
                } else {
                    "was cancelled"
                };
                tracing::error!("a for-each item {reason}");
                ItemOutcome {
                    index: usize::MAX,
                    id: None,
                    result: PipeResult::failure(format!("an item {reason}")),
                }
            }
            None => return false,
        };
        self.ended.push(outcome);
        true
    }

    /// Waits for every running item, then the for-each's result.
    pub(super) async fn finish(mut self) -> PipeResult {
        while self.join_next().await {}
        let total = self.ended.len() + self.stopped;
        let mut ended = std::mem::take(&mut self.ended);
        ended.sort_by_key(|outcome| outcome.index);
        summarize(ended, total, self.stopped)
    }
}

/// The for-each's result from its items' outcomes.
pub(super) fn summarize(outcomes: Vec<ItemOutcome>, total: usize, stopped: usize) -> PipeResult {
    let mut listed = Vec::with_capacity(outcomes.len());
    let (mut succeeded, mut failed, mut skipped) = (0usize, 0usize, stopped);
    let mut failures = Vec::new();
    for outcome in outcomes {
        let state = if outcome.result.has_failed() {
            failed += 1;
            let name = outcome.id.as_ref().map_or_else(
                || format!("item {}", outcome.index),
                |id| format!("item {id}"),
            );
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
    let summary =
        format!("{succeeded} of {total} item(s) succeeded, {failed} failed, {skipped} skipped");
    if failed > 0 {
        let mut result =
            PipeResult::success(data).with_message(format!("{summary}: {}", failures.join("; ")));
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
