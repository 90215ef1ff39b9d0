#[otai::plugin]
pub trait AcmePlugin {}

fn main() {}
