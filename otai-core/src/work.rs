//! Units of work: the scopes in which the engine tracks what happens to each ticket.
//!
//! A *unit* is one pass of a sub-pipeline over one piece of work: one run of a runner's `run`
//! pipe, one item of a for-each pipe. Pipes that run others open units with [`run_unit`];
//! everything inside — fetches and writes through the ticket systems, the steps that fail —
//! is attributed to the innermost open unit. When a unit ends, the engine knows which tickets
//! it finished and which it left half-done, and can pick those up again later (see the
//! engine's `work` module). Without an engine (a pipe run on its own in a test), `run_unit`
//! simply runs the work.
//!
//! Units are carried by the task (a tokio task-local), so a pipe does not pass them around:
//! the ticket-system gate finds the unit and the step it is called from by itself.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::pipe::{PipeContext, PipeResult};

/// Opens units of work; the engine's implementation keeps the journal of unfinished tickets.
pub trait WorkTracker: fmt::Debug + Send + Sync {
    /// Opens a unit inside `parent` (the unit open where this one starts). `subject` is the
    /// ticket the unit is about, when the opener knows it (a for-each item that is a ticket).
    fn begin(
        &self,
        parent: Option<&Arc<dyn UnitOfWork>>,
        subject: Option<&str>,
    ) -> Arc<dyn UnitOfWork>;
}

/// One open unit of work.
#[async_trait::async_trait]
pub trait UnitOfWork: fmt::Debug + Send + Sync {
    /// A step inside the unit finished (only steps that do work themselves are reported,
    /// not those that run nested pipes).
    fn step_finished(&self, pipe_id: &str, result: &PipeResult);

    /// The unit ended with `result`.
    async fn finish(&self, result: &PipeResult);

    /// The implementation, for the engine that made it.
    fn as_any(&self) -> &dyn Any;
}

/// The step a ticket-system call comes from: its id and the scope it runs in.
#[derive(Debug, Clone)]
pub struct StepScope {
    /// The pipe's id.
    pub pipe_id: Arc<str>,
    /// The context the pipe runs in (earlier results, params).
    pub ctx: PipeContext,
}

tokio::task_local! {
    static CURRENT_UNIT: Arc<dyn UnitOfWork>;
    static CURRENT_STEP: StepScope;
}

/// Runs `work` as one unit of work about `subject` (a ticket id, when known), opened by the
/// run's work tracker; without one, runs `work` as it is.
pub async fn run_unit<F>(ctx: &PipeContext, subject: Option<&str>, work: F) -> PipeResult
where
    F: Future<Output = PipeResult>,
{
    let Some(tracker) = ctx.control().work_tracker() else {
        return work.await;
    };
    let parent = current_unit();
    let unit = tracker.begin(parent.as_ref(), subject);
    let result = CURRENT_UNIT.scope(Arc::clone(&unit), work).await;
    unit.finish(&result).await;
    result
}

/// The innermost open unit of the current task.
pub fn current_unit() -> Option<Arc<dyn UnitOfWork>> {
    CURRENT_UNIT.try_with(Arc::clone).ok()
}

/// The step the current task is running, if the engine runs it.
pub fn current_step() -> Option<StepScope> {
    CURRENT_STEP.try_with(Clone::clone).ok()
}

/// Runs a step's work with `step` as the current step. Used by the engine for every pipe.
pub(crate) async fn in_step<F>(step: StepScope, work: F) -> PipeResult
where
    F: Future<Output = PipeResult>,
{
    CURRENT_STEP.scope(step, work).await
}

/// Tells the open unit that a step which does work itself (not one running nested pipes)
/// finished.
pub(crate) fn report_step(pipe_id: &str, result: &PipeResult) {
    if let Some(unit) = current_unit() {
        unit.step_finished(pipe_id, result);
    }
}

/// `work` with the current unit (and step) carried along: for work spawned onto another
/// task (`tokio::spawn`), which does not inherit them, so that units it opens nest in the
/// current one.
pub fn carry<F>(work: F) -> impl Future<Output = F::Output> + Send
where
    F: Future + Send,
{
    let unit = current_unit();
    let step = current_step();
    async move {
        match (unit, step) {
            (Some(unit), Some(step)) => CURRENT_UNIT.scope(unit, CURRENT_STEP.scope(step, work)).await,
            (Some(unit), None) => CURRENT_UNIT.scope(unit, work).await,
            (None, Some(step)) => CURRENT_STEP.scope(step, work).await,
            (None, None) => work.await,
        }
    }
}

/// Running work in a unit that never finishes: a process that dies mid-work.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub(crate) async fn in_unit<F: Future>(unit: Arc<dyn UnitOfWork>, work: F) -> F::Output {
        CURRENT_UNIT.scope(unit, work).await
    }
}
