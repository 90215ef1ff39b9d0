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
#[derive(Clone, Default)]
pub struct AppConfig {
    env_overrides: BTreeMap<String, Option<String>>,
    env_fallback: BTreeMap<String, String>,
}

/// Shows variable names only: values may be secrets.
impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field(
                "env_overrides",
                &self.env_overrides.keys().collect::<Vec<_>>(),
            )
            .field(
                "env_fallback",
                &self.env_fallback.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
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

    /// Adds variables seen only where the process environment lacks them: the `.env` file
    /// beside a config, so that `{{ get_env('X') }}` in templates sees what `${X}` sees.
    pub fn with_env_fallback<'a>(
        mut self,
        variables: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        self.env_fallback.extend(
            variables
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned())),
        );
        self
    }

    /// An environment variable as plugins should see it: an override if one was set, else
    /// the process environment, else the fallback (`.env`).
    pub fn env(&self, name: &str) -> Option<String> {
        match self.env_overrides.get(name) {
            Some(value) => value.clone(),
            None => std::env::var(name)
                .ok()
                .or_else(|| self.env_fallback.get(name).cloned()),
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

    #[test]
    fn the_fallback_fills_only_what_the_environment_lacks() {
        let config = AppConfig::new()
            .with_env_fallback([("OTAI_TEST_FALLBACK_ONLY", "dotenv"), ("PATH", "dotenv")]);
        assert_eq!(
            config.env("OTAI_TEST_FALLBACK_ONLY").as_deref(),
            Some("dotenv")
        );
        assert_ne!(config.env("PATH").as_deref(), Some("dotenv"));
        assert!(!format!("{config:?}").contains("dotenv\""));
    }
}
