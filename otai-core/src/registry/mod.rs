//! The component registry: every injectable of every linked plugin, by `prefix:Name` key.

pub(crate) mod suggest;

use std::collections::BTreeMap;
use std::fmt;

use crate::__private::PLUGINS;
use crate::app_config::AppConfig;
use crate::injectable::{InjectableDescriptor, InjectableKind};
use crate::plugin::naming::{registry_key, registry_prefix, validate_prefix};
use crate::plugin::{Plugin, PluginEntry, PluginError};

/// A linked plugin as the registry knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginInfo {
    /// Package name (`otai-base`).
    pub package: String,
    /// Package version.
    pub version: String,
    /// Registry prefix (`base`).
    pub prefix: String,
}

/// An injectable with its key and the plugin it came from.
#[derive(Debug, Clone)]
pub struct RegisteredInjectable {
    key: String,
    plugin: usize,
    descriptor: InjectableDescriptor,
}

impl RegisteredInjectable {
    /// The registry key (`base:CompositePipe`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// What the injectable is and how to build it.
    pub fn descriptor(&self) -> &InjectableDescriptor {
        &self.descriptor
    }
}

/// A problem found while building the registry. Startup stops on any of them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two injectables would get the same key.
    #[error("registry key `{key}` is registered twice: by `{first}` and by `{second}`")]
    DuplicateKey {
        /// The key.
        key: String,
        /// First registration (`package (rust type)`).
        first: String,
        /// Second registration.
        second: String,
    },
    /// Two plugins would get the same prefix.
    #[error("registry prefix `{prefix}` is claimed by two plugins: `{first}` and `{second}`; rename one package or give it `#[otai::plugin(prefix = \"…\")]`")]
    DuplicatePrefix {
        /// The prefix.
        prefix: String,
        /// First plugin's package.
        first: String,
        /// Second plugin's package.
        second: String,
    },
    /// A plugin's factory declined to start (its message, verbatim, is the source).
    #[error("plugin `{package}` refused to start")]
    Refused {
        /// The plugin's package.
        package: String,
        /// The plugin's own error.
        #[source]
        source: PluginError,
    },
    /// A plugin has no usable prefix.
    #[error("plugin `{package}` has no registry prefix: {reason}")]
    InvalidPrefix {
        /// The plugin's package.
        package: String,
        /// What is wrong.
        reason: String,
    },
    /// Two different `otai-core` versions are linked into one binary.
    #[error("two incompatible versions of otai-core are linked into this binary ({detail}); every plugin must depend on the same otai-core: run `cargo tree -i otai-core` to find the plugin that pulls in the other one, and `cargo xtask lint-plugins` to check the build")]
    TwoCores {
        /// What was observed.
        detail: String,
    },
}

/// All the problems found while building the registry.
#[derive(Debug)]
pub struct RegistryErrors(pub Vec<RegistryError>);

/// One `error: …` line per problem, each with its causes.
impl fmt::Display for RegistryErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {}", crate::report(error))?;
        }
        Ok(())
    }
}

impl std::error::Error for RegistryErrors {}

/// A registry key that does not exist, with the closest existing ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown registry key `{key}`{}; run `otai plugins` to list every key", suggestion_suffix(.suggestions))]
pub struct UnknownKey {
    /// The key asked for.
    pub key: String,
    /// The closest existing keys.
    pub suggestions: Vec<String>,
}

fn suggestion_suffix(suggestions: &[String]) -> String {
    let refs: Vec<&str> = suggestions.iter().map(String::as_str).collect();
    suggest::did_you_mean(&refs)
        .map(|text| format!(" ({text})"))
        .unwrap_or_default()
}

/// Every injectable of every linked plugin, by key. Built once at startup.
#[derive(Debug, Clone, Default)]
pub struct ComponentRegistry {
    plugins: Vec<PluginInfo>,
    injectables: BTreeMap<String, RegisteredInjectable>,
}

impl ComponentRegistry {
    /// Builds the registry from every plugin linked into this binary. Each plugin's
    /// [`Plugin::create`] sees `app` (the config's environment, once a config is loaded).
    ///
    /// Two incompatible `otai-core`s in one binary are reported as
    /// [`RegistryError::TwoCores`], not a panic; the process's panic hook is left alone (the
    /// hook in place prints linkme's message once; `otai::cli` silences it for the CLI).
    pub fn from_linked(app: &AppConfig) -> Result<Self, RegistryErrors> {
        let entries = Self::linked_entries().map_err(|error| RegistryErrors(vec![error]))?;
        Self::from_entries(entries, app)
    }

    /// The plugin entries linked into this binary (see [`ComponentRegistry::from_linked`]).
    ///
    /// linkme names a slice's link section after the static's identifier only, so a second,
    /// semver-incompatible `otai-core` in the same binary declares the same section and
    /// linkme panics on first access ("duplicate `#[distributed_slice]`"). That panic is caught
    /// and turned into [`RegistryError::TwoCores`]; the panic hook is not touched (swapping
    /// it, even for a moment, could swallow a panic of another thread of an embedding
    /// application).
    pub fn linked_entries() -> Result<&'static [PluginEntry], RegistryError> {
        std::panic::catch_unwind(|| -> &'static [PluginEntry] { &PLUGINS }).map_err(|payload| {
            let detail = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "the plugin slice could not be read".to_owned());
            RegistryError::TwoCores { detail }
        })
    }

    /// Builds the registry from the given entries (tests, embedding with an explicit list).
    pub fn from_entries(entries: &[PluginEntry], app: &AppConfig) -> Result<Self, RegistryErrors> {
        let mut builder = RegistryBuilder::default();
        let mut sorted: Vec<&PluginEntry> = entries.iter().collect();
        sorted.sort_by_key(|entry| entry.package_name());
        for entry in sorted {
            builder.add_entry(entry, app);
        }
        builder.finish()
    }

    /// Starts a registry assembled by hand from plugin values (for tests and embedding).
    pub fn builder() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// The injectable registered under `key`.
    pub fn get(&self, key: &str) -> Result<&RegisteredInjectable, UnknownKey> {
        self.injectables.get(key).ok_or_else(|| UnknownKey {
            key: key.to_owned(),
            suggestions: self.suggest(key),
        })
    }

    /// The keys closest to `key`.
    pub fn suggest(&self, key: &str) -> Vec<String> {
        suggest::closest(key, self.injectables.keys().map(String::as_str))
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Every injectable, ordered by key.
    pub fn injectables(&self) -> impl Iterator<Item = &RegisteredInjectable> {
        self.injectables.values()
    }

    /// Every injectable of one kind.
    pub fn by_kind(&self, kind: InjectableKind) -> impl Iterator<Item = &RegisteredInjectable> {
        self.injectables
            .values()
            .filter(move |i| i.descriptor.kind() == kind)
    }

    /// Every injectable declared the default for `role` (an interface, or a pipe role such as
    /// `orchestrator`).
    pub fn defaults_for<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = &'a RegisteredInjectable> + 'a {
        self.injectables
            .values()
            .filter(move |i| i.descriptor.defaults().contains(&role))
    }

    /// Every service providing `interface`.
    pub fn by_interface<'a>(
        &'a self,
        interface: &'a str,
    ) -> impl Iterator<Item = &'a RegisteredInjectable> + 'a {
        self.injectables
            .values()
            .filter(move |i| i.descriptor.interfaces().contains(&interface))
    }

    /// The linked plugins, ordered by package name.
    pub fn plugins(&self) -> &[PluginInfo] {
        &self.plugins
    }

    /// The plugin an injectable came from.
    pub fn plugin_of(&self, injectable: &RegisteredInjectable) -> &PluginInfo {
        &self.plugins[injectable.plugin]
    }
}

/// Assembles a [`ComponentRegistry`], collecting every problem instead of stopping at the first.
#[derive(Debug, Default)]
pub struct RegistryBuilder {
    registry: ComponentRegistry,
    errors: Vec<RegistryError>,
}

impl RegistryBuilder {
    /// Adds a linked plugin entry: creates the plugin and registers its injectables.
    pub fn add_entry(&mut self, entry: &PluginEntry, app: &AppConfig) -> &mut Self {
        match entry.create(app) {
            Ok(plugin) => self.add_plugin_as(
                entry.package_name(),
                entry.package_version(),
                entry.explicit_prefix(),
                plugin.as_ref(),
            ),
            Err(source) => {
                self.errors.push(RegistryError::Refused {
                    package: entry.package_name().to_owned(),
                    source,
                });
                self
            }
        }
    }

    /// Adds an already created plugin under `package` (prefix derived from it).
    pub fn add_plugin(&mut self, package: &str, version: &str, plugin: &dyn Plugin) -> &mut Self {
        self.add_plugin_as(package, version, None, plugin)
    }

    fn add_plugin_as(
        &mut self,
        package: &str,
        version: &str,
        explicit_prefix: Option<&str>,
        plugin: &dyn Plugin,
    ) -> &mut Self {
        let prefix = match explicit_prefix {
            Some(prefix) => match validate_prefix(prefix) {
                Ok(()) => prefix.to_owned(),
                Err(reason) => {
                    self.errors.push(RegistryError::InvalidPrefix {
                        package: package.to_owned(),
                        reason: reason.to_string(),
                    });
                    return self;
                }
            },
            None => match registry_prefix(package) {
                Some(prefix) => prefix,
                None => {
                    self.errors.push(RegistryError::InvalidPrefix {
                        package: package.to_owned(),
                        reason: format!(
                            "the package name must start with `{}` (or the plugin must state `#[otai::plugin(prefix = \"…\")]`)",
                            AppConfig::PLUGIN_NAME_PREFIX
                        ),
                    });
                    return self;
                }
            },
        };
        if let Some(other) = self.registry.plugins.iter().find(|p| p.prefix == prefix) {
            self.errors.push(RegistryError::DuplicatePrefix {
                prefix,
                first: other.package.clone(),
                second: package.to_owned(),
            });
            return self;
        }
        let plugin_index = self.registry.plugins.len();
        self.registry.plugins.push(PluginInfo {
            package: package.to_owned(),
            version: version.to_owned(),
            prefix: prefix.clone(),
        });
        for descriptor in plugin.injectables() {
            let key = registry_key(&prefix, descriptor.name());
            if let Some(existing) = self.registry.injectables.get(&key) {
                let first = &self.registry.plugins[existing.plugin];
                self.errors.push(RegistryError::DuplicateKey {
                    key,
                    first: format!("{} ({})", first.package, existing.descriptor.rust_type()),
                    second: format!("{package} ({})", descriptor.rust_type()),
                });
                continue;
            }
            self.registry.injectables.insert(
                key.clone(),
                RegisteredInjectable {
                    key,
                    plugin: plugin_index,
                    descriptor,
                },
            );
        }
        self
    }

    /// The registry, or every problem found.
    pub fn finish(self) -> Result<ComponentRegistry, RegistryErrors> {
        if self.errors.is_empty() {
            Ok(self.registry)
        } else {
            Err(RegistryErrors(self.errors))
        }
    }
}

#[cfg(test)]
mod tests;
