// A factory function must be `fn(&AppConfig) -> Result<Box<dyn Plugin>, PluginError>`.
#[otai::plugin]
fn create_plugin() -> u32 {
    0
}

fn main() {}
