//! # otai-base
//!
//! The standard library of Open Ticket AI (plugin `base`): orchestrator, runners, triggers,
//! composite and expression pipes, ticket-system pipes, the classification pipe, the Jinja
//! template renderer, an in-memory ticket system and a keyword classifier. Registry keys are
//! those of the original (`base:CompositePipe`, `base:JinjaRenderer`, …), so its
//! configurations run unchanged.
//!
//! | key | kind | |
//! |---|---|---|
//! | `base:SimpleSequentialOrchestrator` | pipe | [`pipes::SimpleSequentialOrchestrator`] |
//! | `base:SimpleSequentialRunner` | pipe | [`pipes::SimpleSequentialRunner`] |
//! | `base:IntervalTrigger` | pipe | [`pipes::IntervalTrigger`] |
//! | `base:CompositePipe` | pipe | [`pipes::CompositePipe`] |
//! | `base:ForEachPipe` | pipe | [`pipes::ForEachPipe`] |
//! | `base:ForEachTicketPipe` | pipe | [`pipes::ForEachTicketPipe`] |
//! | `base:ExpressionPipe` | pipe | [`pipes::ExpressionPipe`] |
//! | `base:ClassificationPipe` | pipe | [`pipes::ClassificationPipe`] |
//! | `base:FetchTicketsPipe` | pipe | [`otai::pipes::FetchTicketsPipe`] |
//! | `base:UpdateTicketPipe` | pipe | [`otai::pipes::UpdateTicketPipe`] |
//! | `base:AddNotePipe` | pipe | [`otai::pipes::AddNotePipe`] |
//! | `base:JinjaRenderer` | service | [`services::JinjaRenderer`] |
//! | `base:InMemoryTicketSystem` | service | [`services::InMemoryTicketSystem`] |
//! | `base:KeywordClassifier` | service | [`services::KeywordClassifier`] |

pub mod pipes;
pub mod services;

use otai::pipes::{AddNotePipe, FetchTicketsPipe, UpdateTicketPipe};
use otai::{InjectableDescriptor, Plugin};
use pipes::{
    ClassificationPipe, CompositePipe, ExpressionPipe, ForEachPipe, ForEachTicketPipe,
    IntervalTrigger, SimpleSequentialOrchestrator, SimpleSequentialRunner,
};
use services::{InMemoryTicketSystem, JinjaRenderer, KeywordClassifier};

/// The `base` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct BasePlugin;

impl Plugin for BasePlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![
            SimpleSequentialOrchestrator,
            SimpleSequentialRunner,
            IntervalTrigger,
            CompositePipe,
            ForEachPipe,
            ForEachTicketPipe,
            ExpressionPipe,
            ClassificationPipe,
            FetchTicketsPipe,
            UpdateTicketPipe,
            AddNotePipe,
            JinjaRenderer,
            InMemoryTicketSystem,
            KeywordClassifier,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_injectable_is_registered_under_its_original_name() {
        let names: Vec<String> = BasePlugin
            .injectables()
            .iter()
            .map(|d| format!("{}:{}", d.kind(), d.name()))
            .collect();
        assert_eq!(
            names,
            [
                "pipe:SimpleSequentialOrchestrator",
                "pipe:SimpleSequentialRunner",
                "pipe:IntervalTrigger",
                "pipe:CompositePipe",
                "pipe:ForEachPipe",
                "pipe:ForEachTicketPipe",
                "pipe:ExpressionPipe",
                "pipe:ClassificationPipe",
                "pipe:FetchTicketsPipe",
                "pipe:UpdateTicketPipe",
                "pipe:AddNotePipe",
                "service:JinjaRenderer",
                "service:InMemoryTicketSystem",
                "service:KeywordClassifier",
            ]
        );
    }
}
