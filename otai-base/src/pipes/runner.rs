//! `base:SimpleSequentialRunner`: runs `run` when `on` succeeds.

use otai::engine::PipeNode;
use otai::{async_trait, BuildContext, BuildError, NestedPipes, Pipe, PipeContext, PipeResult};
use serde::Deserialize;

/// Params of `base:SimpleSequentialRunner`: none besides the nested `on` and `run`, which the
/// engine takes.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimpleSequentialRunnerParams {}

/// Runs the `on` pipe (typically a trigger) and, only if it succeeded, the `run` pipe, which
/// sees `on`'s result. Returns `run`'s result, or a skipped result with the reason when `on`
/// did not succeed (a failing `on` is also logged as a warning).
#[derive(Debug)]
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
    type Params = SimpleSequentialRunnerParams;
    const NESTED: &'static [NestedPipes] = &[NestedPipes::one("on"), NestedPipes::one("run")];

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        let on = ctx.take_child("on")?;
        let run = ctx.take_child("run")?;
        Ok(Self::new(on, run))
    }

    async fn process(&self, _params: Self::Params, ctx: &PipeContext) -> PipeResult {
        let condition = self.on.run(ctx).await;
        if !condition.succeeded {
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
            let verb = if condition.was_skipped {
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
        self.run.run(&scope).await
    }
}
