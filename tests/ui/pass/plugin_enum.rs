// `#[otai::plugin]` also goes on an enum implementing `Plugin`.
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin, PluginError};

#[otai::plugin]
pub enum EnumPlugin {
    Only,
}

impl Plugin for EnumPlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(EnumPlugin::Only)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}

fn main() {
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    assert_eq!(registry.plugins().len(), 1);
    assert_eq!(registry.plugins()[0].package, env!("CARGO_PKG_NAME"));
}
