//! # otai-otobo-znuny
//!
//! Open Ticket AI plugin `otobo-znuny`: the OTOBO / Znuny / OTRS ticket system over the
//! GenericInterface REST API. Its registry keys start with `otobo-znuny:`.
//!
//! | key | kind | |
//! |---|---|---|
//! | `otobo-znuny:OTOBOZnunyTicketSystemService` | service | [`OTOBOZnunyTicketSystemService`] (`TicketSystem`) |
//! | `otobo-znuny:FetchTicketsPipe` | pipe | [`otai::pipes::FetchTicketsPipe`] |
//! | `otobo-znuny:UpdateTicketPipe` | pipe | [`otai::pipes::UpdateTicketPipe`] |
//! | `otobo-znuny:AddNotePipe` | pipe | [`otai::pipes::AddNotePipe`] |
//!
//! * [`OTOBOZnunyTicketSystemService`] implements the core's
//!   [`TicketSystem`](otai::interfaces::TicketSystem) from [`OtoboZnunyParams`]: built
//!   offline from its params, it connects in its start step (TLS setup, credential check),
//!   before the first cycle and in `otai check --online`.
//! * The ticket pipes are the core's shared ones, registered under this plugin's prefix as
//!   the original plugin documentation uses them (`otobo-znuny:FetchTicketsPipe`).
//! * [`OtoboZnunyClient`] is the HTTP client beneath it: one connection pool, typed errors
//!   ([`OtoboError`]), retries ([`RetryPolicy`]), lenient decoding ([`wire`], [`decode`]).
//! * With the `fake-server` feature, `fake` is an in-memory OTOBO speaking the same wire
//!   format, for tests and for trying pipelines without a helpdesk (binary `fake-otobo`).
//!
//! Module by job: [`params`] (config), [`client`] (HTTP), [`wire`] (request and answer
//! types), [`decode`] (lenient field readers), [`mapping`] (unified model ↔ wire),
//! [`error`] (failure classes), [`retry`] (when to send again), [`service`] (the
//! `TicketSystem`).

pub mod client;
pub mod decode;
pub mod error;
pub mod mapping;
pub mod operation;
pub mod params;
pub mod retry;
pub mod service;
pub mod wire;

#[cfg(feature = "fake-server")]
pub mod fake;

pub use client::OtoboZnunyClient;
pub use error::{Endpoint, OtoboError, ParamsError, TlsProblem};
pub use operation::Operation;
pub use params::{OperationUrls, OtoboZnunyParams, UpdateMethod};
pub use retry::RetryPolicy;
pub use service::OTOBOZnunyTicketSystemService;

use otai::pipes::{AddNotePipe, FetchTicketsPipe, UpdateTicketPipe};
use otai::{InjectableDescriptor, Plugin};

/// The `otobo-znuny` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct OtoboZnunyPlugin;

impl Plugin for OtoboZnunyPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![
            OTOBOZnunyTicketSystemService,
            FetchTicketsPipe,
            UpdateTicketPipe,
            AddNotePipe,
        ]
    }
}
