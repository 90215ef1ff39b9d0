// Compiled in the package `plugin-naming-harness-tests`, which is not named `otai-*`.
use otai::{AppConfig, InjectableDescriptor, Plugin, PluginError};

#[otai::plugin]
pub struct AcmePlugin;

impl Plugin for AcmePlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(AcmePlugin)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}

fn main() {}
