// The escape hatch: an application not named `otai-*` states its prefix explicitly.
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin};

#[otai::plugin(prefix = "acme")]
#[derive(Default)]
pub struct AcmePlugin;

impl Plugin for AcmePlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}

fn main() {
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    let plugins = registry.plugins();
    assert_eq!(plugins.len(), 1, "{plugins:?}");
    assert_eq!(plugins[0].package, env!("CARGO_PKG_NAME"));
    assert_eq!(plugins[0].prefix, "acme");
}
