// A pipe's fields are its slots and nested pipes, named after them: a tuple struct has none.
use otai::prelude::*;

#[otai::pipe]
pub struct Tuple(Arc<dyn TicketSystem>);

fn main() {}
