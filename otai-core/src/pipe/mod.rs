//! Pipes: the units of work a pipeline is made of.

mod context;
mod control;
pub(crate) mod node;
mod result;
mod triggers;

use std::fmt;

pub use context::PipeContext;
pub use control::{PipeObserver, RunControl, RunControlBuilder, Shutdown};
pub use node::{PipeNode, PreparedParams};
pub use result::{PipeResult, PipeState};
pub use triggers::{FireError, TriggerBus};

use crate::params::Params;
use crate::service::{StartContext, StartError};

/// A pipe: built once from its config, run many times. Declare one with `#[otai::pipe]` on
/// the struct (see there) and implement this trait.
///
/// The engine renders the pipe's params against the current [`PipeContext`] before every run
/// and hands them over typed, so a pipe never sees templates. Nested pipes (`steps`, `on`,
/// `run`) are built once, up front, and held in the pipe's fields as [`PipeNode`]s. A pipe
/// instance lives as long as the configuration, so state (a trigger's last firing) survives
/// across cycles.
///
/// ```
/// use otai::prelude::*;
///
/// /// Params of `Greet`.
/// #[otai::params]
/// pub struct GreetParams {
///     /// Who to greet.
///     pub name: String,
/// }
///
/// /// Says hello.
/// #[otai::pipe]
/// pub struct Greet;
///
/// #[async_trait]
/// impl Pipe for Greet {
///     type Params = GreetParams;
///
///     async fn process(&self, params: GreetParams, _ctx: &PipeContext) -> PipeResult {
///         PipeResult::success_with("value", format!("Hello, {}!", params.name))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Pipe: fmt::Debug + Send + Sync + 'static {
    /// The params, read from the rendered config (`#[otai::params]`; [`crate::NoParams`] for
    /// none). Nested pipe params are not part of them.
    type Params: Params;

    /// Does the work.
    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult;

    /// Prepares what the pipe will need, on the async runtime, before the first cycle and in
    /// `otai check --online`: e.g. loads a model named by a literal param. `params` holds the
    /// params known before anything runs (those without templates). The default does nothing.
    async fn prepare(
        &self,
        params: &PreparedParams<'_>,
        ctx: &StartContext<'_>,
    ) -> Result<(), StartError> {
        let _ = (params, ctx);
        Ok(())
    }

    /// Whether this pipe is a trigger that can be fired from outside the pipeline
    /// (`POST /trigger/<id>` of `otai run --listen`): such a pipe fires, whatever else it
    /// waits for, when [`TriggerBus::take`] of [`RunControl::triggers`] with its id says
    /// so. The default is `false`: the listener refuses to fire the pipe.
    fn is_trigger(&self) -> bool {
        false
    }
}
