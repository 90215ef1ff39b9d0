// Unknown arguments of `#[otai::pipe]` are named, with the accepted ones.
#[otai::pipe(provides(TicketSystem))]
pub struct Wrong;

fn main() {}
