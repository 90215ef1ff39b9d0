//! `base:SimpleSequentialOrchestrator`: runs its steps over and over until the process stops.

use std::any::Any;

use otai::prelude::*;

use super::composite::run_in_order;

/// Params of `base:SimpleSequentialOrchestrator` (`steps` are nested pipes, not params).
#[otai::params]
#[derive(Debug, Clone)]
pub struct SimpleSequentialOrchestratorParams {
    /// Pause between two cycles (default 10 ms).
    #[serde(default = "default_orchestrator_sleep")]
    pub orchestrator_sleep: Duration,
    /// Pause after a cycle that raised an exception (a panicking step), before retrying
    /// (default 5 s).
    #[serde(default = "default_exception_sleep")]
    pub exception_sleep: Duration,
    /// Retry after an exception (default); with `false` the orchestrator stops and fails.
    #[serde(default = "default_always_retry")]
    pub always_retry: bool,
}

fn default_orchestrator_sleep() -> Duration {
    Duration::from_millis(10)
}

fn default_exception_sleep() -> Duration {
    Duration::from_secs(5)
}

fn default_always_retry() -> bool {
    true
}

/// Runs its steps cycle after cycle, pausing between cycles, until shutdown.
///
/// Runs `steps` in order, cycle after cycle, with `orchestrator_sleep` between cycles, until
/// shutdown is requested (the cycle in flight finishes first). A trigger fired from outside
/// (`POST /trigger/<id>` of `otai run --listen`) ends the sleep at once, so the next cycle
/// runs it without waiting. Every cycle's duration and result go to the run's observers
/// (metrics).
///
/// * A cycle whose steps failed is logged as a warning and the next cycle runs (in once mode
///   the result goes to the caller instead, which reports it).
/// * A step that panics is an *exception*: it is logged as an error and, with
///   `always_retry`, the cycle is retried after `exception_sleep`; otherwise the orchestrator
///   returns a failure.
/// * In once mode ([`otai::pipe::RunControl::is_once`]) exactly one cycle runs and its result
///   (the union of the step results) is returned.
///
/// Within a cycle each step sees the results of the steps before it and the orchestrator's
/// params as `parent_params`; a new cycle starts from the orchestrator's own scope again.
/// Each cycle runs as its own tokio task (that is how a panic is caught), so the orchestrator
/// needs a tokio runtime, as the engine does anyway.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   orchestrator:
///     use: base:SimpleSequentialOrchestrator
///     params:
///       orchestrator_sleep: PT10S
///       always_retry: true
///       exception_sleep: PT1M
///       steps:
///         - id: hello
///           use: base:ExpressionPipe
///           params: { expression: "one cycle done" }
/// ```
#[otai::pipe(default_for = "orchestrator")]
pub struct SimpleSequentialOrchestrator {
    steps: Arc<[PipeNode]>,
}

impl SimpleSequentialOrchestrator {
    /// An orchestrator over `steps` (the engine builds it from the config).
    pub fn new(steps: Vec<PipeNode>) -> Self {
        Self {
            steps: steps.into(),
        }
    }

    /// Runs one cycle on its own task, so that a panicking step is caught and reported as
    /// `Err` with the panic message instead of tearing down the process.
    async fn run_cycle(&self, ctx: &PipeContext) -> Result<PipeResult, String> {
        let steps = Arc::clone(&self.steps);
        let ctx = ctx.nested();
        let cycle = tokio::spawn(async move {
            let steps = run_in_order(&steps, &ctx, false);
            otai::work::run_unit(&ctx, None, steps).await
        });
        cycle.await.map_err(|error| {
            if error.is_panic() {
                panic_message(error.into_panic())
            } else {
                "the cycle was cancelled".to_owned()
            }
        })
    }
}

/// The text of a panic payload.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a step panicked".to_owned()
    }
}

#[async_trait]
impl Pipe for SimpleSequentialOrchestrator {
    type Params = SimpleSequentialOrchestratorParams;

    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult {
        let control = ctx.control();
        let mut cycles: u64 = 0;
        let mut last = PipeResult::success(Default::default());
        while !control.is_shutdown_requested() {
            cycles += 1;
            let started = std::time::Instant::now();
            let outcome = self.run_cycle(ctx).await;
            control.cycle_finished(outcome.as_ref().ok(), started.elapsed());
            match outcome {
                Ok(result) => {
                    if control.is_once() {
                        return result;
                    }
                    if result.has_failed() {
                        tracing::warn!(
                            cycle = cycles,
                            "orchestrator cycle failed: {}",
                            result.message
                        );
                    }
                    last = result;
                    if !control
                        .sleep_between_cycles(params.orchestrator_sleep.get())
                        .await
                    {
                        break;
                    }
                }
                Err(panic) => {
                    tracing::error!(
                        cycle = cycles,
                        "orchestrator cycle raised an exception: {panic}"
                    );
                    let failure =
                        PipeResult::failure(format!("cycle {cycles} raised an exception: {panic}"));
                    if !params.always_retry || control.is_once() {
                        return failure;
                    }
                    last = failure;
                    if !control.sleep(params.exception_sleep.get()).await {
                        break;
                    }
                }
            }
        }
        tracing::info!(cycles, "orchestrator stopped");
        let message = format!("stopped after {cycles} cycle(s)");
        if last.message.is_empty() {
            last.with_message(message)
        } else {
            let combined = format!("{message}; last cycle: {}", last.message);
            last.with_message(combined)
        }
    }
}
