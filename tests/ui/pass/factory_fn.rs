// `#[otai::plugin]` on a factory function: the function is the plugin's factory (for a
// plugin type that cannot be `Default`).
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin, PluginError};

pub struct Built {
    greeting: String,
}

impl Plugin for Built {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        assert!(!self.greeting.is_empty());
        Vec::new()
    }
}

#[otai::plugin]
fn create_plugin(config: &AppConfig) -> Result<Box<dyn Plugin>, PluginError> {
    let greeting = config.env("UI_GREETING").unwrap_or_else(|| "hello".to_owned());
    Ok(Box::new(Built { greeting }))
}

fn main() {
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    assert_eq!(registry.plugins().len(), 1);
    assert_eq!(registry.plugins()[0].package, env!("CARGO_PKG_NAME"));
}
