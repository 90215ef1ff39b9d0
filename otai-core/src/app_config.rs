//! Process-wide settings that plugins receive when they are created.

use std::collections::BTreeMap;

/// Settings of the running application, handed to every plugin factory.
///
/// The two naming constants are part of the plugin contract: a plugin's registry prefix is its
/// package name without [`AppConfig::PLUGIN_NAME_PREFIX`], and registry keys join prefix and
/// injectable name with [`AppConfig::REGISTRY_IDENTIFIER_SEPARATOR`]
/// (`otai-otobo-znuny` → `otobo-znuny:OTOBOZnunyTicketSystemService`).
///
/// Plugins read environment variables through [`AppConfig::env`] rather than `std::env`, so
/// tests and embedding applications can hand them a controlled environment (a licence key, say).
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    env_overrides: BTreeMap<String, Option<String>>,
}

impl AppConfig {
    /// Package-name prefix every plugin crate carries (`otai-`).
    pub const PLUGIN_NAME_PREFIX: &'static str = "otai-";
    /// Separator between a plugin prefix and an injectable name in registry keys (`:`).
    pub const REGISTRY_IDENTIFIER_SEPARATOR: &'static str = ":";

    /// Settings that read the real process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or, with `None`, hides) an environment variable as plugins will see it.
    pub fn with_env(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        self.env_overrides
            .insert(name.into(), value.map(str::to_owned));
        self
    }

    /// An environment variable as plugins should see it: an override if one was set, the
    /// process environment otherwise.
    pub fn env(&self, name: &str) -> Option<String> {
        match self.env_overrides.get(name) {
            Some(value) => value.clone(),
            None => std::env::var(name).ok(),
        }
    }

    /// The version of `otai-core` this binary runs.
    pub fn core_version(&self) -> &'static str {
        crate::CORE_VERSION
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_shadow_the_process_environment() {
        let config = AppConfig::new()
            .with_env("OTAI_TEST_SET", Some("yes"))
            .with_env("PATH", None);
        assert_eq!(config.env("OTAI_TEST_SET").as_deref(), Some("yes"));
        assert_eq!(config.env("PATH"), None);
    }
}
