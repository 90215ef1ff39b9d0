#[otai::plugin(prefix = "acme", prefix = "other")]
pub struct AcmePlugin;

fn main() {}
