//! The pipes of the `base` plugin.
//!
//! * Control flow: [`SimpleSequentialOrchestrator`], [`SimpleSequentialRunner`],
//!   [`IntervalTrigger`], [`CompositePipe`], [`ForEachPipe`], [`ForEachTicketPipe`], [`ExpressionPipe`].
//! * Work: [`ClassificationPipe`]; the ticket pipes (`FetchTicketsPipe`, `UpdateTicketPipe`,
//!   `AddNotePipe`) are the core's [`otai::pipes`], registered under `base:` too.

mod classification;
mod composite;
mod expression;
mod for_each;
mod orchestrator;
mod runner;
mod trigger;

pub use classification::{ClassificationPipe, ClassificationPipeParams};
pub use composite::{CompositePipe, CompositePipeParams};
pub use expression::{ExpressionPipe, ExpressionPipeParams};
pub use for_each::{ForEachPipe, ForEachPipeParams, ForEachTicketPipe, ForEachTicketPipeParams};
pub use orchestrator::{SimpleSequentialOrchestrator, SimpleSequentialOrchestratorParams};
pub use runner::SimpleSequentialRunner;
pub use trigger::{IntervalTrigger, IntervalTriggerParams};
