//! # otai-acme-commercial — an example commercial plugin
//!
//! What a vendor of a paid Open Ticket AI plugin ships: a plugin crate (registry prefix
//! `acme-commercial`) that depends on `otai-core` and the licensing kit `otai-license` only,
//! and refuses to start without a valid licence key.
//!
//! * [`UrgencyTaggerPipe`] (`acme-commercial:UrgencyTaggerPipe`) — every licence.
//! * [`SlaEscalationPipe`] (`acme-commercial:SlaEscalationPipe`) — premium: registered only
//!   when the licence lists the feature [`ESCALATION_FEATURE`].
//!
//! The key is read from [`LICENSE_VARIABLE`] through the `AppConfig` the plugin is created
//! with, so the process environment and the `.env` beside the config both work. Without a
//! valid key `otai run`, `otai check` (and `otai plugins`) stop with the kit's message, which
//! names this plugin, the variable and what to do.

mod escalation;
mod urgency;

use otai::prelude::*;
use otai_license::LicenseVerifier;

pub use escalation::{EscalationParams, SlaEscalationPipe};
pub use urgency::{UrgencyParams, UrgencyTaggerPipe};

/// The variable the licence key is read from (environment, or the `.env` beside the config).
pub const LICENSE_VARIABLE: &str = "ACME_LICENSE_KEY";

/// The licence feature that unlocks [`SlaEscalationPipe`].
pub const ESCALATION_FEATURE: &str = "sla-escalation";

/// Where customers get and renew licences; appended to every licence message.
pub const CONTACT: &str = "sales@acme.example";

/// Acme's production public key (`otai-license keygen`). Its signing key is held by Acme,
/// offline, and is in no repository: keys that verify against it can only come from Acme.
pub const PRODUCTION_PUBLIC_KEY: &str = "n74YmfhygE5ANEVX3XOM-G7ERMhDfoa3Ph2BJYsiN_Y";

/// The public key of the *test* key pair, trusted instead of the production key only in
/// builds with the Cargo feature `test-key`. Its signing key is public (this repository's
/// tests sign with it), so such a build must never be shipped.
#[cfg(feature = "test-key")]
pub const TEST_PUBLIC_KEY: &str = "C7w0aldmfDgBIL2cf9flHSxf3-o3zS9b9AWyxr9vLXg";

/// The public key this build trusts.
pub fn trusted_public_key() -> &'static str {
    #[cfg(feature = "test-key")]
    return TEST_PUBLIC_KEY;
    #[cfg(not(feature = "test-key"))]
    return PRODUCTION_PUBLIC_KEY;
}

/// The licence check of this plugin: its public key, its package name, its contact.
pub fn verifier() -> LicenseVerifier {
    LicenseVerifier::new(trusted_public_key())
        .for_plugin(env!("CARGO_PKG_NAME"))
        .contact(CONTACT)
}

/// The Acme plugin. Created once at startup; holds what the licence unlocked.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct AcmeCommercialPlugin {
    escalation: bool,
}

impl Plugin for AcmeCommercialPlugin {
    /// Refuses to start without a valid licence (the message is shown verbatim by `otai run`
    /// and `otai check`); registers the premium pipe only if the licence includes it.
    fn create(config: &AppConfig) -> Result<Self, PluginError> {
        let license = verifier().verify_in(config, LICENSE_VARIABLE)?;
        Ok(Self {
            escalation: license.unlocks(ESCALATION_FEATURE, "acme-commercial:SlaEscalationPipe"),
        })
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        let mut injectables = otai::injectables![UrgencyTaggerPipe];
        if self.escalation {
            injectables.extend(otai::injectables![SlaEscalationPipe]);
        }
        injectables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_key_the_plugin_refuses_and_names_itself() {
        let config = AppConfig::new().with_env(LICENSE_VARIABLE, None);
        let error = AcmeCommercialPlugin::create(&config).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "otai-acme-commercial needs a licence key: ACME_LICENSE_KEY is not set"
            ),
            "{error}"
        );
    }

    /// A build without the feature `test-key` (every build a vendor ships) trusts only the
    /// production key. `cargo test --workspace` unifies the feature in, so this runs with
    /// `cargo test -p otai-acme-commercial`.
    #[cfg(not(feature = "test-key"))]
    #[test]
    fn a_build_without_test_key_trusts_the_production_key_only() {
        assert_eq!(trusted_public_key(), PRODUCTION_PUBLIC_KEY);
    }
}
