//! # otai-base
//!
//! The standard library of Open Ticket AI (plugin `base`): orchestrator, runners, triggers,
//! composite and expression pipes, ticket-system pipes, the classification pipe, the Jinja
//! template renderer, an in-memory ticket system and a keyword classifier.

use otai::{AppConfig, InjectableDescriptor, Plugin, PluginError};

/// The `base` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct BasePlugin;

impl Plugin for BasePlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(Self)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}
