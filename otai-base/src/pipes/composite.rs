//! `base:CompositePipe`: runs its steps in order, each seeing the results before it.

use otai::prelude::*;
use otai::value::Map;

/// Params of `base:CompositePipe`: `steps` are nested pipes, not params. Any other param is
/// free form and meant for the steps, which read it as `parent_params.name` (or
/// `get_parent_param('name')`) — a threshold shared by several steps, say.
#[otai::params]
#[derive(Debug, Clone, Default)]
pub struct CompositePipeParams {
    /// Values the steps may read.
    #[serde(flatten)]
    pub values: Map<String, Value>,
}

/// Runs its steps in order, each seeing the results before it; the first failure stops it.
///
/// Runs `steps` in order; each step sees the results of the steps before it (by id) and the
/// composite's params as `parent_params`. The first failed step stops the composite. The
/// result is the union of the results of the steps that ran: it succeeded only if all of
/// them did, and its data merges theirs.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   orchestrator:
///     use: base:CompositePipe
///     params:
///       threshold: 0.8          # free-form: the steps read it as parent_params.threshold
///       steps:
///         - id: score
///           use: base:ExpressionPipe
///           params: { expression: "{{ 0.9 }}" }
///         - id: decide
///           use: base:ExpressionPipe
///           params:
///             expression: "{{ 'keep' if get_pipe_result('score') >= parent_params.threshold else 'drop' }}"
/// ```
#[otai::pipe]
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

    async fn process(&self, _params: Self::Params, ctx: &PipeContext) -> PipeResult {
        run_in_order(&self.steps, &ctx.nested(), true).await
    }
}

/// Runs `steps` in order in `scope`, each seeing the results before it, and returns the union
/// of their results; with `stop_on_failure`, a failed step ends the run.
///
/// Results are shared with the scope while the steps run; once the scope is gone they are
/// this function's alone again, so the union moves their data instead of copying it.
pub(crate) async fn run_in_order(
    steps: &[PipeNode],
    scope: &PipeContext,
    stop_on_failure: bool,
) -> PipeResult {
    let mut scope = scope.clone();
    let mut ran: Vec<Arc<PipeResult>> = Vec::with_capacity(steps.len());
    for step in steps {
        let result = Arc::new(step.run(&scope).await);
        let failed = result.has_failed();
        scope = scope.with_shared_result(step.id(), Arc::clone(&result));
        ran.push(result);
        if stop_on_failure && failed {
            break;
        }
    }
    drop(scope);
    PipeResult::merge(
        ran.into_iter()
            .map(|result| Arc::try_unwrap(result).unwrap_or_else(|shared| (*shared).clone())),
    )
}
