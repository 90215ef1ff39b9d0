#[otai::plugin]
pub const ACME_PLUGIN: u8 = 0;

fn main() {}
