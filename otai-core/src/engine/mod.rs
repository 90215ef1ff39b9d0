//! Checking and building a pipeline from its declarations, starting it, running it.
//!
//! * [`PipelineSpec`] and friends: what a pipeline is built from (the config layer reads them
//!   from YAML);
//! * [`Pipeline::build`]: every check, then construction — offline and fast;
//! * [`Pipeline::start`]: services start and pipes prepare, on the async runtime;
//! * [`Pipeline::run`]: the orchestrator runs, observed by a [`TraceSink`] if asked.

mod build;
mod issue;
mod lifecycle;
mod pipeline;
mod spec;
pub mod trace;
pub mod work;

pub use build::DEFAULT_RENDERER_ID;
pub(crate) use issue::known_keys_map;
pub use issue::{Anchor, Issue, Severity};
pub use pipeline::{Pipeline, PipelineServices};
pub use spec::{
    OrchestratorSpec, PipeSpec, PipelineSpec, PluginRequirement, RunnerSpec, ServiceSpec,
};
pub use trace::TraceSink;

pub use crate::pipe::{RunControl, RunControlBuilder, Shutdown};
