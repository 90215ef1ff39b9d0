// `#[otai::plugin]` on a struct in a package named `otai-*` registers it under the prefix
// derived from the package name.
use otai::plugin::naming::registry_prefix;
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin, PluginError};

#[otai::plugin]
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(UiPlugin)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}

fn main() {
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    let package = env!("CARGO_PKG_NAME");
    let plugins = registry.plugins();
    assert_eq!(plugins.len(), 1, "{plugins:?}");
    assert_eq!(plugins[0].package, package);
    assert_eq!(plugins[0].version, env!("CARGO_PKG_VERSION"));
    assert_eq!(plugins[0].core_version, otai::CORE_VERSION);
    assert_eq!(Some(plugins[0].prefix.clone()), registry_prefix(package));
}
