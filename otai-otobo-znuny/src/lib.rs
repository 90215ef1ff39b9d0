//! # otai-otobo-znuny
//!
//! Open Ticket AI plugin `otobo-znuny`: the OTOBO / Znuny / OTRS ticket system over the
//! GenericInterface REST API. Its registry keys start with `otobo-znuny:`.
//!
//! The ticket system service (`otobo-znuny:OTOBOZnunyTicketSystemService`) arrives with its
//! own issue; until then the plugin is registered and contributes no injectables.

use otai::{InjectableDescriptor, Plugin};

/// The `otobo-znuny` plugin.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct OtoboZnunyPlugin;

impl Plugin for OtoboZnunyPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        Vec::new()
    }
}
