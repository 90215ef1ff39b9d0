//! `base:SimpleSequentialRunner`: runs `run` when `on` succeeds.

use otai::prelude::*;

/// Runs `run` only when its `on` pipe (usually a trigger) succeeds.
///
/// Runs the `on` pipe (typically a trigger) and, only if it succeeded, the `run` pipe, which
/// sees `on`'s result. Returns `run`'s result, or a skipped result with the reason when `on`
/// did not succeed (a failing `on` is also logged as a warning). Both see the runner's own
/// scope: a runner adds no `parent_params` level, as in the original.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   orchestrator:
///     use: base:SimpleSequentialOrchestrator
///     params:
///       steps:
///         - id: every-minute
///           use: base:SimpleSequentialRunner
///           params:
///             "on": { use: base:IntervalTrigger, params: { interval: PT1M } }
///             run: { id: work, use: base:ExpressionPipe, params: { expression: "triggered" } }
/// ```
#[otai::pipe(default_for = "runner")]
pub struct SimpleSequentialRunner {
    on: PipeNode,
    run: PipeNode,
}

impl SimpleSequentialRunner {
    /// A runner of `run` guarded by `on`.
    pub fn new(on: PipeNode, run: PipeNode) -> Self {
        Self { on, run }
    }
}

#[async_trait]
impl Pipe for SimpleSequentialRunner {
    type Params = NoParams;

    async fn process(&self, _params: NoParams, ctx: &PipeContext) -> PipeResult {
        let condition = self.on.run(ctx).await;
        if !condition.succeeded() {
            if condition.has_failed() {
                tracing::warn!(
                    on = self.on.id(),
                    "runner condition failed: {}",
                    condition.message
                );
            }
            let reason = if condition.message.is_empty() {
                String::new()
            } else {
                format!(": {}", condition.message)
            };
            let verb = if condition.was_skipped() {
                "was skipped"
            } else {
                "failed"
            };
            return PipeResult::skipped(format!(
                "`{}` not run because `{}` {verb}{reason}",
                self.run.id(),
                self.on.id()
            ));
        }
        let scope = ctx.with_result(self.on.id(), condition);
        // One run is one unit of work: the tickets it leaves half-done are picked up again.
        otai::work::run_unit(&scope, None, self.run.run(&scope)).await
    }
}
