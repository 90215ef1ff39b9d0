//! # otai-otobo-znuny
//!
//! Open Ticket AI plugin `otobo-znuny`: the OTOBO / Znuny / OTRS ticket system over the
//! GenericInterface REST API. Its registry keys start with `otobo-znuny:`.
//!
//! * [`OTOBOZnunyTicketSystemService`] implements the core's
//!   [`TicketSystem`](otai::interfaces::TicketSystem) from [`OtoboZnunyParams`]:
//!   `OTOBOZnunyTicketSystemService::new(&params)?` (offline), then `.connect().await?` in
//!   the start step (TLS setup, credential check).
//! * [`OtoboZnunyClient`] is the HTTP client beneath it: one connection pool, typed errors
//!   ([`OtoboError`]), retries ([`RetryPolicy`]), lenient decoding ([`wire`], [`decode`]).
//! * With the `fake-server` feature, [`fake`] is an in-memory OTOBO speaking the same wire
//!   format, for tests and for trying pipelines without a helpdesk (binary `fake-otobo`).
//!
//! Module by job: [`params`] (config), [`client`] (HTTP), [`wire`] (request and answer
//! types), [`decode`] (lenient field readers), [`mapping`] (unified model ↔ wire),
//! [`error`] (failure classes), [`retry`] (when to send again), [`service`] (the
//! `TicketSystem`).
//!
//! The service is not registered as an injectable yet: the plugin API it plugs into is
//! being redesigned.

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
pub use error::{Endpoint, OtoboError, ParamsError};
pub use operation::Operation;
pub use params::{OperationUrls, OtoboZnunyParams, UpdateMethod};
pub use retry::RetryPolicy;
pub use service::OTOBOZnunyTicketSystemService;

use otai::{AppConfig, InjectableDescriptor, Plugin, PluginError};

/// The `otobo-znuny` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct OtoboZnunyPlugin;

impl Plugin for OtoboZnunyPlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(Self)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}
