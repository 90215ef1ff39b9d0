//! Turning a loaded config into running pipes.

pub(crate) mod build;
pub mod control;
pub mod node;
pub mod params;
pub mod trace;

pub use build::{Pipeline, PipelineServices};
pub use control::{RunControl, RunControlBuilder};
pub use node::PipeNode;
pub use trace::TraceSink;
