//! `base:CompositePipe`: runs its steps in order, each seeing the results before it.

use otai::engine::PipeNode;
use otai::value::{Map, Value};
use otai::{async_trait, BuildContext, BuildError, NestedPipes, Pipe, PipeContext, PipeResult};
use serde::Deserialize;

/// Params of `base:CompositePipe`: `steps` is taken by the engine. Any other param is free
/// form and meant for the steps, which read it with `get_parent_param('name')` (or
/// `params.name`) — a threshold shared by several steps, say.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
pub struct CompositePipeParams {
    /// Values the steps may read.
    #[serde(flatten)]
    pub values: Map<String, Value>,
}

/// Runs `steps` in order; each step sees the results of the steps before it (by id). The first
/// failed step stops the composite. The result is the union of the results of the steps that
/// ran: it succeeded only if all of them did, and its data merges theirs.
#[derive(Debug)]
pub struct CompositePipe {
    steps: Vec<PipeNode>,
}

impl CompositePipe {
    /// A composite of `steps`.
    pub fn new(steps: Vec<PipeNode>) -> Self {
        Self { steps }
    }
}

#[async_trait]
impl Pipe for CompositePipe {
    type Params = CompositePipeParams;
    const NESTED: &'static [NestedPipes] = &[NestedPipes::many("steps")];

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self::new(ctx.take_children("steps")?))
    }

    async fn process(&self, _params: Self::Params, ctx: &PipeContext) -> PipeResult {
        run_in_order(&self.steps, ctx, true).await
    }
}

/// Runs `steps` in order, each seeing the results before it, and returns the union of their
/// results; with `stop_on_failure`, a failed step ends the run.
///
/// The last result that runs is not added to the scope (nothing reads it there), and a single
/// result is returned as it is rather than copied through a union.
pub(crate) async fn run_in_order(
    steps: &[PipeNode],
    ctx: &PipeContext,
    stop_on_failure: bool,
) -> PipeResult {
    let mut scope = ctx.clone();
    for (index, step) in steps.iter().enumerate() {
        let result = step.run(&scope).await;
        let is_last = index + 1 == steps.len() || (stop_on_failure && result.has_failed());
        if !is_last {
            scope = scope.with_result(step.id(), result);
            continue;
        }
        if index == 0 {
            return result;
        }
        // Sibling ids are unique, so each earlier step's result is the one it left in scope.
        let earlier = steps[..index]
            .iter()
            .filter_map(|step| scope.pipe_result(step.id()));
        return PipeResult::union(earlier.chain(std::iter::once(&result)));
    }
    PipeResult::union([])
}
