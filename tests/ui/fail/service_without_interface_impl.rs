// A service must implement every interface it lists: the error points at the interface.
use otai::prelude::*;

#[otai::service(provides(TicketSystem))]
pub struct Half;

impl Service for Half {
    type Params = NoParams;

    fn build(_: NoParams, _: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Half)
    }
}

fn main() {}
