// The type does not implement `otai::Plugin`: the error points at the type's name.
#[otai::plugin]
pub struct NotAPlugin;

fn main() {}
