//! What a plugin author needs, in one import: `use otai::prelude::*;`.
//!
//! The traits to implement ([`Plugin`], [`Pipe`], [`Service`]), what they receive and return,
//! the shared interfaces and the unified ticket model, and the values configs hold. The
//! attributes are used by path (`#[otai::pipe]`), so they are not in here.

pub use std::sync::Arc;

pub use crate::interfaces::{
    ClassificationError, ClassificationRequest, ClassificationResult, ClassificationService,
    TicketChanges, TicketId, TicketSearchCriteria, TicketSystem, TicketSystemError,
    TicketSystemExt, TicketUpdate, TicketWrite, UnifiedEntity, UnifiedNote, UnifiedTicket,
    WriteReceipt,
};
pub use crate::{
    async_trait, AppConfig, BuildContext, BuildError, Duration, InjectableDescriptor, NoParams,
    Pipe, PipeContext, PipeNode, PipeResult, Plugin, PluginError, PreparedParams, Secret, Service,
    StartContext, StartError, Value,
};
