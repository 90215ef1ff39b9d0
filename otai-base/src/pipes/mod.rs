//! The pipes of the `base` plugin.
//!
//! * Control flow: [`SimpleSequentialOrchestrator`], [`SimpleSequentialRunner`],
//!   [`IntervalTrigger`], [`CompositePipe`], [`ExpressionPipe`].
//! * Work: [`ClassificationPipe`], [`FetchTicketsPipe`], [`UpdateTicketPipe`], [`AddNotePipe`].

mod classification;
mod composite;
mod expression;
mod orchestrator;
mod runner;
mod tickets;
mod trigger;

pub use classification::{ClassificationPipe, ClassificationPipeParams};
pub use composite::{CompositePipe, CompositePipeParams};
pub use expression::{ExpressionPipe, ExpressionPipeParams};
pub use orchestrator::{SimpleSequentialOrchestrator, SimpleSequentialOrchestratorParams};
pub use runner::{SimpleSequentialRunner, SimpleSequentialRunnerParams};
pub use tickets::{
    AddNotePipe, AddNotePipeParams, FetchTicketsPipe, FetchTicketsPipeParams, UpdateTicketPipe,
    UpdateTicketPipeParams,
};
pub use trigger::{IntervalTrigger, IntervalTriggerParams};
