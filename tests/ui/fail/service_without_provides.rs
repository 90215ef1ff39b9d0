// A service provides at least one interface.
#[otai::service]
pub struct Nothing;

fn main() {}
