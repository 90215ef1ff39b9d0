// `#[otai::plugin]` also goes on an enum implementing `Plugin`; `create` sets it up.
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin, PluginError};

#[otai::plugin]
#[derive(Default)]
pub enum EnumPlugin {
    #[default]
    Unlicensed,
    Licensed,
}

impl Plugin for EnumPlugin {
    fn create(config: &AppConfig) -> Result<Self, PluginError> {
        match config.env("UI_LICENCE") {
            Some(_) => Ok(EnumPlugin::Licensed),
            None => Ok(EnumPlugin::Unlicensed),
        }
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
