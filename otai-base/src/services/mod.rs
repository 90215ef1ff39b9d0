//! The services of the `base` plugin: [`JinjaRenderer`] (`TemplateRenderer`),
//! [`InMemoryTicketSystem`] (`TicketSystem`) and [`KeywordClassifier`]
//! (`ClassificationService`).

pub mod in_memory;
pub mod jinja;
pub mod keyword;

pub use in_memory::{InMemoryTicketSystem, InMemoryTicketSystemParams};
pub use jinja::{JinjaRenderer, JinjaRendererParams};
pub use keyword::{KeywordClassifier, KeywordClassifierParams};
