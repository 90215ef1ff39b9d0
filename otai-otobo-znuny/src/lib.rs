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

// The API of this crate is its root: the plugin, the service and its params, the REST client
// with its errors, and the wire model the client speaks (`wire`). The rest is internal.
mod client;
mod decode;
mod error;
mod mapping;
mod operation;
mod params;
mod retry;
mod service;
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
use otai::{Injectable, InjectableDescriptor, Plugin};

/// The `otobo-znuny` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct OtoboZnunyPlugin;

impl Plugin for OtoboZnunyPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        // The shared ticket pipes are registered under this prefix too (the original's keys);
        // their examples here use this plugin's ticket system.
        vec![
            OTOBOZnunyTicketSystemService::descriptor(),
            FetchTicketsPipe::descriptor().with_example(FETCH_EXAMPLE),
            UpdateTicketPipe::descriptor().with_example(UPDATE_EXAMPLE),
            AddNotePipe::descriptor().with_example(NOTE_EXAMPLE),
        ]
    }
}

/// The `services:` part of this plugin's examples.
macro_rules! otobo_example {
    ($orchestrator:literal) => {
        concat!(
            "open_ticket_ai:\n",
            "  services:\n",
            "    otobo:\n",
            "      use: otobo-znuny:OTOBOZnunyTicketSystemService\n",
            "      params:\n",
            "        base_url: https://helpdesk.example.com/otobo/nph-genericinterface.pl\n",
            "        password: \"${OTOBO_PASSWORD:-change-me}\"\n",
            "  orchestrator:\n",
            $orchestrator,
        )
    };
}

const FETCH_EXAMPLE: &str = otobo_example!(
    "    id: fetch\n    use: otobo-znuny:FetchTicketsPipe\n    injects: { ticket_system: otobo }\n    params: { ticket_search_criteria: { queue: { name: Incoming }, limit: 10 } }\n"
);
const UPDATE_EXAMPLE: &str = otobo_example!(
    "    use: otobo-znuny:UpdateTicketPipe\n    injects: { ticket_system: otobo }\n    params: { ticket_id: 1041, updated_ticket: { queue: { name: Billing } } }\n"
);
const NOTE_EXAMPLE: &str = otobo_example!(
    "    use: otobo-znuny:AddNotePipe\n    injects: { ticket_system: otobo }\n    params: { ticket_id: 1041, note: { subject: Open Ticket AI, body: Moved to Billing. } }\n"
);
