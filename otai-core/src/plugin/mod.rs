//! The plugin contract: what a plugin crate provides and how it is found at startup.
//!
//! A plugin is a crate named `otai-*` holding one type that implements [`Plugin`] and carries
//! `#[otai::plugin]`. The attribute places a [`PluginEntry`] in a distributed slice at compile
//! time; the engine's registry (`ComponentRegistry::from_linked`, feature `engine`) walks that
//! slice once at startup. Nothing is discovered at run time and nothing is loaded dynamically.
//!
//! **Compatibility** between a plugin and the core is Cargo's semver resolution: a plugin that
//! depends on `otai-core = "1"` is compiled against the very `otai-core` the binary links
//! (Cargo unifies all 1.x requirements into one version). A plugin built for another major
//! version brings a second `otai-core` into the binary; that is detected at startup
//! (the registry's `RegistryError::TwoCores`) and by `cargo xtask lint-plugins`.

use crate::app_config::AppConfig;
use crate::injectable::InjectableDescriptor;

/// The naming rules of plugins, prefixes and registry keys (shared with `#[otai::plugin]`).
pub mod naming {
    pub use otai_naming::{
        registry_key, registry_prefix, split_key, suggested_prefix, validate_injectable_name,
        validate_prefix, InvalidPrefix, PLUGIN_NAME_PREFIX, REGISTRY_IDENTIFIER_SEPARATOR,
    };
}

/// A plugin: a named set of injectables (pipes and services).
///
/// ```
/// use otai::prelude::*;
///
/// #[otai::plugin(prefix = "acme")]
/// #[derive(Default)]
/// pub struct AcmePlugin;
///
/// impl Plugin for AcmePlugin {
///     fn injectables(&self) -> Vec<InjectableDescriptor> {
///         Vec::new()
///     }
/// }
/// ```
pub trait Plugin: Send + Sync + 'static {
    /// Creates the plugin. It runs after logging is set up and sees the config's environment
    /// (`config.env("LICENCE_KEY")` finds a key kept in the `.env` beside the config). A plugin
    /// may refuse to start (a commercial plugin without a valid licence, say): startup then
    /// fails with the message of the returned error. The default creates `Self::default()`.
    fn create(config: &AppConfig) -> Result<Self, PluginError>
    where
        Self: Sized + Default,
    {
        let _ = config;
        Ok(Self::default())
    }

    /// Every injectable the plugin contributes, usually `otai::injectables![A, B, …]`. The
    /// core computes their registry keys (`<prefix>:<name>`); a plugin never registers
    /// anything itself.
    fn injectables(&self) -> Vec<InjectableDescriptor>;
}

/// Why a plugin could not be created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The plugin declined to start; the message is shown to the user verbatim.
    #[error("{0}")]
    Refused(String),
    /// The plugin failed while starting.
    #[error("{message}")]
    Failed {
        /// What went wrong.
        message: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl PluginError {
    /// A refusal whose message tells the user what to do (e.g. how to obtain a licence).
    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// A failure caused by another error.
    pub fn failed(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Failed {
            message: message.into(),
            source: source.into(),
        }
    }
}

/// Creates a plugin; emitted by `#[otai::plugin]`.
pub type PluginFactory = fn(&AppConfig) -> Result<Box<dyn Plugin>, PluginError>;

/// One linked plugin, as recorded at compile time by `#[otai::plugin]`.
///
/// Only the attribute makes entries (it checks the package name and the prefix when the plugin
/// crate compiles); the fields are read through the accessors.
#[derive(Debug, Clone, Copy)]
pub struct PluginEntry {
    package_name: &'static str,
    package_version: &'static str,
    explicit_prefix: Option<&'static str>,
    factory: PluginFactory,
}

impl PluginEntry {
    /// Package name of the plugin crate (`CARGO_PKG_NAME` expanded in that crate).
    pub fn package_name(&self) -> &'static str {
        self.package_name
    }

    /// Package version of the plugin crate.
    pub fn package_version(&self) -> &'static str {
        self.package_version
    }

    /// Registry prefix stated explicitly with `#[otai::plugin(prefix = "…")]`.
    pub fn explicit_prefix(&self) -> Option<&'static str> {
        self.explicit_prefix
    }

    /// Creates the plugin (what the registry does once at startup).
    pub fn create(&self, config: &AppConfig) -> Result<Box<dyn Plugin>, PluginError> {
        (self.factory)(config)
    }

    /// The registry prefix: the explicit one, or the one derived from the package name.
    pub fn prefix(&self) -> Option<String> {
        match self.explicit_prefix {
            Some(prefix) => Some(prefix.to_owned()),
            None => naming::registry_prefix(self.package_name),
        }
    }
}

/// Makes an entry; emitted by `#[otai::plugin]` (through `otai::__private`), and used by this
/// crate's tests. Not a public API: it skips the checks the attribute makes.
#[doc(hidden)]
pub const fn entry(
    package_name: &'static str,
    package_version: &'static str,
    explicit_prefix: Option<&'static str>,
    factory: PluginFactory,
) -> PluginEntry {
    PluginEntry {
        package_name,
        package_version,
        explicit_prefix,
        factory,
    }
}

/// Boxes a plugin type's constructor as a [`PluginFactory`]; used by `#[otai::plugin]`.
#[doc(hidden)]
pub fn factory_of<P: Plugin + Default>(config: &AppConfig) -> Result<Box<dyn Plugin>, PluginError> {
    P::create(config).map(|plugin| Box::new(plugin) as Box<dyn Plugin>)
}
