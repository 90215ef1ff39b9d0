// `#[otai::pipe]` on a type that does not implement `otai::Pipe`: the error points at it.
#[otai::pipe]
pub struct NotAPipe;

fn main() {}
