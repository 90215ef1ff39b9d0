#[otai::plugin(name = "acme")]
pub struct AcmePlugin;

fn main() {}
