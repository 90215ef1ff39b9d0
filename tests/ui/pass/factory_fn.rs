// `#[otai::plugin]` on a factory function: the function is the plugin's factory.
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin, PluginError};

pub struct Built;

impl Plugin for Built {
    fn create(config: &AppConfig) -> Result<Self, PluginError> {
        let _ = config;
        Ok(Built)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}

#[otai::plugin]
fn create_plugin(config: &AppConfig) -> Result<Box<dyn Plugin>, PluginError> {
    Built::create(config).map(|plugin| Box::new(plugin) as Box<dyn Plugin>)
}

fn main() {
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    assert_eq!(registry.plugins().len(), 1);
    assert_eq!(registry.plugins()[0].package, env!("CARGO_PKG_NAME"));
}
