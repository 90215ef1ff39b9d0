//! Process-wide settings that plugins receive when they are created.

use std::path::{Path, PathBuf};

use crate::env::Env;

/// Settings of the running application, handed to every plugin factory and reachable from
/// every pipe and service constructor.
///
/// * The naming constants are part of the plugin contract: a plugin's registry prefix is its
///   package name without [`AppConfig::PLUGIN_NAME_PREFIX`], and registry keys join prefix and
///   injectable name with [`AppConfig::REGISTRY_IDENTIFIER_SEPARATOR`]
///   (`otai-otobo-znuny` → `otobo-znuny:OTOBOZnunyTicketSystemService`).
/// * [`AppConfig::env`] is the environment as configs see it (see [`Env`]): plugins read
///   variables — a licence key, say — through it rather than `std::env`, so the `.env` file
///   beside the config and an embedding application's overrides reach them too.
/// * [`AppConfig::base_dir`] is the directory relative paths in the config are resolved
///   against: the config file's directory.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    env: Env,
    base_dir: Option<PathBuf>,
}

impl AppConfig {
    /// Package-name prefix every plugin crate carries (`otai-`).
    pub const PLUGIN_NAME_PREFIX: &'static str = otai_naming::PLUGIN_NAME_PREFIX;
    /// Separator between a plugin prefix and an injectable name in registry keys (`:`).
    pub const REGISTRY_IDENTIFIER_SEPARATOR: &'static str =
        otai_naming::REGISTRY_IDENTIFIER_SEPARATOR;

    /// Settings that read the real process environment and resolve paths against the working
    /// directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or, with `None`, hides) an environment variable as configs, templates and plugins
    /// will see it.
    pub fn with_env(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        self.env = self.env.with_var(name, value);
        self
    }

    /// Adds variables seen only where the environment lacks them (the `.env` beside a
    /// config).
    pub fn with_env_fallback<K: Into<String>, V: Into<String>>(
        mut self,
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.env = self.env.with_fallback(variables);
        self
    }

    /// Resolves relative paths against `dir` (a config file's directory).
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// An environment variable as configs see it.
    pub fn env(&self, name: &str) -> Option<String> {
        self.env.get(name)
    }

    /// The whole environment view.
    pub fn environment(&self) -> &Env {
        &self.env
    }

    /// The directory relative paths are resolved against, if one was set.
    pub fn base_dir(&self) -> Option<&Path> {
        self.base_dir.as_deref()
    }

    /// `path` made absolute against [`AppConfig::base_dir`] (unchanged when it is absolute or
    /// no base directory is set). `tickets_file: demo-tickets.yaml` in `/srv/otai/config.yml`
    /// is `/srv/otai/demo-tickets.yaml`, wherever `otai` was started.
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        match &self.base_dir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_owned(),
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
    fn overrides_reach_env() {
        let config = AppConfig::new()
            .with_env("OTAI_TEST_SET", Some("yes"))
            .with_env_fallback([("OTAI_TEST_FALLBACK_ONLY", "dotenv")]);
        assert_eq!(config.env("OTAI_TEST_SET").as_deref(), Some("yes"));
        assert_eq!(
            config.env("OTAI_TEST_FALLBACK_ONLY").as_deref(),
            Some("dotenv")
        );
    }

    #[test]
    fn relative_paths_resolve_against_the_base_dir() {
        let config = AppConfig::new().with_base_dir("/srv/otai");
        assert_eq!(
            config.resolve_path(Path::new("tickets.yaml")),
            Path::new("/srv/otai/tickets.yaml")
        );
        assert_eq!(
            config.resolve_path(Path::new("/abs/tickets.yaml")),
            Path::new("/abs/tickets.yaml")
        );
        assert_eq!(
            AppConfig::new().resolve_path(Path::new("x")),
            Path::new("x")
        );
    }
}
