//! Pipes: the units of work a pipeline is made of.

mod context;
mod result;

pub use context::PipeContext;
pub use result::PipeResult;

use serde::de::DeserializeOwned;

use crate::injectable::{BuildContext, BuildError, InjectSlot};

/// A pipe: built once from its config, run many times.
///
/// The engine renders the pipe's params against the current [`PipeContext`] before every run
/// and hands them over typed, so a pipe never sees templates. Params listed in
/// [`Pipe::NESTED`] hold nested pipe configs: they are not rendered; the engine builds the
/// nested pipes once, up front, and the pipe takes them in [`Pipe::build`] through
/// [`BuildContext::take_child`] / [`BuildContext::take_children`]. A pipe instance lives as
/// long as the configuration, so state (a trigger's last firing) survives across cycles.
///
/// ```
/// use otai::{async_trait, BuildContext, BuildError, Pipe, PipeContext, PipeResult};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// pub struct GreetParams {
///     name: String,
/// }
///
/// pub struct Greet;
///
/// #[async_trait]
/// impl Pipe for Greet {
///     type Params = GreetParams;
///
///     fn build(_ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
///         Ok(Greet)
///     }
///
///     async fn process(&self, params: GreetParams, _ctx: &PipeContext) -> PipeResult {
///         PipeResult::success_with("value", format!("Hello, {}!", params.name))
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait Pipe: Send + Sync + Sized + 'static {
    /// The params, deserialized from the rendered config. Reject unknown fields
    /// (`#[serde(deny_unknown_fields)]`); leave [`Pipe::NESTED`] fields out of it.
    type Params: DeserializeOwned + schemars::JsonSchema + Send;

    /// The services this pipe needs, by slot name.
    const INJECTS: &'static [InjectSlot] = &[];

    /// Params that hold nested pipe configs, built by the engine and never rendered.
    const NESTED: &'static [NestedPipes] = &[];

    /// Builds the pipe: takes injected services and nested pipes from `ctx`.
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError>;

    /// Does the work.
    async fn process(&self, params: Self::Params, ctx: &PipeContext) -> PipeResult;
}

/// A param that holds nested pipe configuration (`steps`, `on`, `run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NestedPipes {
    /// The param's name.
    pub field: &'static str,
    /// A list of pipes (`steps`) rather than a single one (`run`).
    pub many: bool,
    /// The param must be present.
    pub required: bool,
}

impl NestedPipes {
    /// A required single nested pipe (`run: {use: …}`).
    pub const fn one(field: &'static str) -> Self {
        Self {
            field,
            many: false,
            required: true,
        }
    }

    /// A required list of nested pipes (`steps: [{use: …}, …]`).
    pub const fn many(field: &'static str) -> Self {
        Self {
            field,
            many: true,
            required: true,
        }
    }

    /// Makes the nested param optional.
    pub const fn optional(self) -> Self {
        Self {
            required: false,
            ..self
        }
    }
}
