pub struct AcmePlugin;

#[otai::plugin]
impl otai::Plugin for AcmePlugin {
    fn create(_config: &otai::AppConfig) -> Result<Self, otai::PluginError> {
        Ok(AcmePlugin)
    }

    fn injectables(&self) -> Vec<otai::InjectableDescriptor> {
        Vec::new()
    }
}

fn main() {}
