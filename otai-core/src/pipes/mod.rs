//! Pipes every ticket-system plugin shares: fetch, update, add a note.
//!
//! They depend only on the [`TicketSystem`](crate::interfaces::TicketSystem) interface, so
//! they live here, once, and each plugin that wants them registers them under its own prefix
//! (`base:FetchTicketsPipe`, `otobo-znuny:FetchTicketsPipe`):
//!
//! ```
//! use otai::pipes::{AddNotePipe, FetchTicketsPipe, UpdateTicketPipe};
//! let descriptors = otai::injectables![FetchTicketsPipe, UpdateTicketPipe, AddNotePipe];
//! assert_eq!(descriptors[0].name(), "FetchTicketsPipe");
//! ```

mod tickets;

pub use tickets::{
    ticket_to_value, AddNotePipe, AddNotePipeParams, FetchTicketsPipe, FetchTicketsPipeParams,
    UpdateTicketPipe, UpdateTicketPipeParams,
};
