// `#[otai::plugin]` on a struct in a package named `otai-*` registers it under the prefix
// derived from the package name; a plugin with nothing to set up writes only `injectables`.
use otai::plugin::naming::registry_prefix;
use otai::{AppConfig, ComponentRegistry, InjectableDescriptor, Plugin};

#[otai::plugin]
#[derive(Default)]
pub struct UiPlugin;

impl Plugin for UiPlugin {
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
    assert_eq!(Some(plugins[0].prefix.clone()), registry_prefix(package));
}
