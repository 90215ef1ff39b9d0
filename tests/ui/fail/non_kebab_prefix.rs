#[otai::plugin(prefix = "Acme_Tools")]
pub struct AcmePlugin;

fn main() {}
