//! The GenericInterface wire format: request bodies this plugin sends and answers it reads
//! (`/work/shared/otobo-znuny-rest.md` in the project notes). Field names on the wire are
//! OTOBO's (`TicketID`, `QueueIDs`); in Rust they are snake case.
//!
//! Requests send only the keys that are set. Answers are decoded leniently (see
//! [`crate::decode`]): unknown fields are ignored, missing and `null` fields are absent.

mod request;
mod response;

pub use request::{
    ArticleFields, DynamicFieldFilter, DynamicFieldValue, TicketCreateRequest, TicketFields,
    TicketGetRequest, TicketSearchRequest, TicketUpdateRequest, WireId,
};
pub(crate) use request::{Authenticated, Credentials};

/// The timestamp of the wire model (`Created`, `Changed`), and why one could not be read.
pub use crate::decode::{InvalidTimestamp, Timestamp};
pub use response::{
    Article, DynamicField, ErrorDetail, MutationResponse, SearchResponse, Ticket, TicketGetResponse,
};

/// `ContentType` of notes and articles when none is given.
pub const DEFAULT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";
