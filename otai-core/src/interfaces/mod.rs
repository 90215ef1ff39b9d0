//! Interfaces that services provide and pipes inject, shared by every plugin.

pub mod classification;
pub mod template;
pub mod ticket_system;

pub use classification::{
    ClassificationError, ClassificationRequest, ClassificationResult, ClassificationService,
};
pub use template::{CompiledTemplate, TemplateError, TemplateRenderer};
pub use ticket_system::{
    TicketChanges, TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError,
    TicketSystemExt, TicketUpdate, TicketWrite, UnifiedEntity, UnifiedNote, UnifiedTicket,
    WriteCheck, WriteReceipt, WriteStatus,
};
