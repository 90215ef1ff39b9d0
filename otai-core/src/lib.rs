//! # Open Ticket AI — core
//!
//! Open Ticket AI automates helpdesks: it fetches tickets from a ticket system, classifies them
//! and writes the results back, as a pipeline of *pipes* declared in YAML. Every pipe and
//! service comes from a *plugin*: an ordinary crate named `otai-*` that registers itself at
//! compile time with [`#[otai::plugin]`](macro@plugin).
//!
//! This crate (package `otai-core`, library `otai`) is the framework:
//!
//! * [`plugin`] — the plugin contract and the compile-time plugin slice;
//! * [`registry`] — the [`ComponentRegistry`] of every `prefix:Name` key;
//! * [`pipe`], [`service`], [`injectable`] — what plugins implement;
//! * [`interfaces`] — `TicketSystem`, `ClassificationService`, `TemplateRenderer` and the unified
//!   ticket model shared by all plugins;
//! * [`config`] — loading and validating configuration files;
//! * [`engine`] — building and running pipelines.
//!
//! An application embeds the framework by building a registry, loading a config and running
//! it; see `otai-core/examples/embed.rs`.

pub mod app_config;
pub mod config;
pub mod engine;
pub mod injectable;
pub mod interfaces;
pub mod logging;
pub mod pipe;
pub mod plugin;
pub mod registry;
pub mod schema;
pub mod secret;
pub mod service;
pub mod value;

#[cfg(feature = "cli")]
pub mod cli;

pub use app_config::AppConfig;
pub use async_trait::async_trait;
pub use injectable::{BuildContext, BuildError, InjectSlot, InjectableDescriptor, InjectableKind};
pub use pipe::{NestedPipes, Pipe, PipeContext, PipeResult};
pub use plugin::{Plugin, PluginEntry, PluginError};
pub use registry::ComponentRegistry;
pub use secret::Secret;
pub use service::{Interface, Provided, Service, ServiceInstance};
pub use value::Value;

/// Marks the plugin type (or factory function) of a plugin crate and registers it at compile
/// time.
///
/// On a type implementing [`Plugin`]: `#[otai::plugin] pub struct MyPlugin;`. On a factory:
/// `#[otai::plugin] fn create(config: &AppConfig) -> Result<Box<dyn Plugin>, PluginError>`.
///
/// The registry prefix comes from the package name (`otai-my-plugin` → `my-plugin`); a package
/// not named `otai-*` must state one: `#[otai::plugin(prefix = "acme")]`.
pub use otai_macros::plugin;

/// The version of this `otai-core`; plugins record the one they were compiled against.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Items used by macro expansions; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::plugin::factory_of;
    pub use linkme;
}
