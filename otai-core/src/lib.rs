//! # Open Ticket AI — core
//!
//! Open Ticket AI automates helpdesks: it fetches tickets from a ticket system, classifies them
//! and writes the results back, as a pipeline of *pipes* declared in YAML. Every pipe and
//! service comes from a *plugin*: an ordinary crate named `otai-*` that registers itself at
//! compile time with [`#[otai::plugin]`](macro@plugin).
//!
//! This crate (package `otai-core`, library `otai`) is the framework. A plugin author needs
//! [`prelude`] and four attributes:
//!
//! ```
//! use otai::prelude::*;
//!
//! /// Params of `Greet`.
//! #[otai::params]
//! pub struct GreetParams {
//!     /// Who to greet.
//!     pub name: String,
//! }
//!
//! /// Says hello; its registry name is `Greet`.
//! #[otai::pipe]
//! pub struct Greet;
//!
//! #[async_trait]
//! impl Pipe for Greet {
//!     type Params = GreetParams;
//!
//!     async fn process(&self, params: GreetParams, _ctx: &PipeContext) -> PipeResult {
//!         PipeResult::success_with("value", format!("Hello, {}!", params.name))
//!     }
//! }
//!
//! #[otai::plugin(prefix = "demo")]
//! #[derive(Default)]
//! pub struct DemoPlugin;
//!
//! impl Plugin for DemoPlugin {
//!     fn injectables(&self) -> Vec<InjectableDescriptor> {
//!         otai::injectables![Greet]
//!     }
//! }
//! ```
//!
//! The layers, bottom up (each uses only those below it):
//!
//! * the plugin API, always there and all a plugin needs — [`plugin`](mod@plugin),
//!   [`injectable`], [`pipe`](mod@pipe), [`service`](mod@service), [`interfaces`], the
//!   shared ticket [`pipes`], and the values they exchange ([`Value`], [`Secret`],
//!   [`Duration`], [`ConfigPath`]); it imports nothing below, so a plugin crate compiles
//!   without the engine's dependencies;
//! * `registry` (feature `engine`) — the `ComponentRegistry` of every `prefix:Name` key;
//! * `engine` (feature `engine`) — checking and building a pipeline from its declarations,
//!   starting its services, running it, tracing it; the work journal in a file with feature
//!   `journal-file` (which `cli` includes), in memory without;
//! * `config` (feature `engine`) — configuration files: YAML, `${VAR}`, positions, located
//!   errors, the schema;
//! * `cli` (feature `cli`, implies `engine`) — the `otai` command line (with `otai new-plugin`
//!   and `otai describe`);
//! * `testing` (feature `testing`, implies `engine`) — test beds for a plugin's own tests: the plugins under
//!   test, stand-in services, a recording ticket system, a fixed classifier. The plugin
//!   development guide (`docs/plugin-development.md`) is doc-tested there.
//!
//! An application embeds the framework (feature `engine`) by building a registry, loading a
//! config and running it; see `otai-core/examples/embed.rs`.

// Without the engine, the plugin API's engine-facing half (compiling params, preparing and
// constructing pipes, what the descriptors keep for the engine) has no caller in this crate;
// with it (every build that runs pipelines, and this crate's own tests) unused code is still
// reported.
#![cfg_attr(not(any(test, feature = "engine")), allow(dead_code, unused_imports))]

// Lets the attribute macros, which expand to `::otai::…`, be used inside this crate too.
extern crate self as otai;

// The plugin API: a leaf. None of these modules imports the engine side below, so a plugin
// crate compiles them without the engine's dependencies.
pub mod app_config;
pub mod duration;
pub mod env;
pub mod injectable;
pub mod interfaces;
pub mod path;
pub mod pipe;
pub mod pipes;
pub mod plugin;
pub mod prelude;
pub mod report;
pub mod secret;
pub mod service;
pub mod value;
pub mod work;

pub(crate) mod params;
pub(crate) mod redact;

// The engine side (feature `engine`; always in this crate's unit tests), bottom up:
// registry ← engine ← config ← cli.
#[cfg(any(test, feature = "engine"))]
pub mod config;
#[cfg(any(test, feature = "engine"))]
pub mod engine;
#[cfg(any(test, feature = "engine"))]
pub mod registry;

#[cfg(feature = "cli")]
pub mod cli;

/// Logging setup of the `otai` command line (and the colour rule its helper binaries share);
/// not part of the plugin API and not covered by semver: plugins log through `tracing`, which
/// the binary's subscriber collects.
#[doc(hidden)]
pub mod logging;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use app_config::AppConfig;
pub use async_trait::async_trait;
pub use duration::Duration;
#[cfg(any(test, feature = "engine"))]
pub use engine::Pipeline;
pub use env::Env;
pub use injectable::{
    BuildContext, BuildError, InjectSlot, Injectable, InjectableDescriptor, InjectableKind,
    NestedSlot,
};
pub use params::{NoParams, Params};
pub use path::ConfigPath;
pub use pipe::{Pipe, PipeContext, PipeNode, PipeResult, PipeState, PreparedParams};
pub use plugin::{Plugin, PluginError};
#[cfg(any(test, feature = "engine"))]
pub use registry::ComponentRegistry;
pub use report::report;
pub use secret::Secret;
pub use service::{Interface, Provided, Service, ServiceInstance, StartContext, StartError};
pub use value::Value;

/// Re-exported so that plugin crates need no serde dependency of their own (and cannot end up
/// with a second one): `#[otai::params]` derives through it.
pub use serde;

/// Re-exported so that plugin crates need no schemars dependency of their own (a second
/// schemars version would make params schemas incompatible): `#[otai::params]` derives through
/// it.
pub use schemars;

/// Marks the plugin type (or factory function) of a plugin crate and registers it at compile
/// time.
///
/// On a type implementing [`Plugin`]: `#[otai::plugin] #[derive(Default)] pub struct MyPlugin;`.
/// On a factory: `#[otai::plugin] fn create(config: &AppConfig) -> Result<Box<dyn Plugin>,
/// PluginError>`.
///
/// The registry prefix comes from the package name (`otai-my-plugin` → `my-plugin`); a package
/// not named `otai-*` must state one: `#[otai::plugin(prefix = "acme")]`.
pub use otai_macros::plugin;

/// Declares the params of a pipe or service: derives `Deserialize` and `JsonSchema` through
/// this crate's re-exports and rejects unknown fields (unless a field is `#[serde(flatten)]`,
/// which collects them). Doc comments become the schema's descriptions.
///
/// ```
/// /// Params of `Greet`.
/// #[otai::params]
/// pub struct GreetParams {
///     /// Who to greet.
///     pub name: String,
///     /// How often (default 1).
///     #[serde(default = "one")]
///     pub times: u32,
/// }
/// fn one() -> u32 { 1 }
/// ```
pub use otai_macros::params;

/// Declares a pipe. On a struct implementing [`Pipe`], it generates the registry entry
/// ([`Injectable`]): the name (the struct's identifier as written, or `name = "…"`), the
/// inject slots and nested pipes read from the field types, the constructor, and `Debug`
/// (slots and nested pipes; state is left out) unless the struct derives it.
///
/// | field type | becomes |
/// |---|---|
/// | `Arc<dyn Interface>` | a required inject slot named after the field |
/// | `Option<Arc<dyn Interface>>` | an optional inject slot |
/// | `PipeNode` / `Option<PipeNode>` | a nested pipe param (`run: {use: …}`), required / optional |
/// | `Vec<PipeNode>` (or `Arc<[PipeNode]>`) | a list of nested pipes (`steps: [...]`), may be absent |
/// | anything else | state, starting at `Default::default()` |
///
/// `default_for = "orchestrator"` (or `"runner"`) makes the pipe the one the short
/// `orchestrator: { runners: [...] }` form of a config uses.
///
/// ```
/// use otai::prelude::*;
///
/// /// Runs `run` twice.
/// #[otai::pipe]
/// pub struct Twice {
///     run: PipeNode,
/// }
///
/// #[async_trait]
/// impl Pipe for Twice {
///     type Params = NoParams;
///
///     async fn process(&self, _params: NoParams, ctx: &PipeContext) -> PipeResult {
///         let first = self.run.run(ctx).await;
///         first & self.run.run(ctx).await
///     }
/// }
/// ```
pub use otai_macros::pipe;

/// Declares a service: `#[otai::service(provides(TicketSystem))]` on a struct implementing
/// [`Service`] and each listed interface. It generates the registry entry ([`Injectable`]): the
/// name (identifier as written, or `name = "…"`), the interfaces it provides, inject slots from
/// `Arc<dyn Interface>` fields (fill them in [`Service::build`] with
/// [`BuildContext::injected`]), and a `Debug` that shows only the type name (a service holds
/// credentials and large state) unless the struct derives it. `default` makes it the service
/// the engine creates for an interface no configured service provides (the template
/// renderer).
///
/// ```
/// use otai::prelude::*;
///
/// /// Something that tells the time.
/// pub trait Clock: std::fmt::Debug + Send + Sync {
///     /// Seconds since the epoch.
///     fn now(&self) -> u64;
/// }
/// impl otai::Interface for dyn Clock {
///     const NAME: &'static str = "Clock";
/// }
///
/// /// Params of `FixedClock`.
/// #[otai::params]
/// pub struct FixedClockParams {
///     /// The time it always tells.
///     pub at: u64,
/// }
///
/// /// A clock that stands still.
/// #[otai::service(provides(Clock))]
/// pub struct FixedClock {
///     at: u64,
/// }
///
/// impl Service for FixedClock {
///     type Params = FixedClockParams;
///
///     fn build(params: FixedClockParams, _ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
///         Ok(FixedClock { at: params.at })
///     }
/// }
///
/// impl Clock for FixedClock {
///     fn now(&self) -> u64 {
///         self.at
///     }
/// }
/// ```
pub use otai_macros::service;

/// The descriptors of the listed injectables (types carrying `#[otai::pipe]` or
/// `#[otai::service]`), for [`Plugin::injectables`]: `otai::injectables![Greet, FixedClock]`.
#[macro_export]
macro_rules! injectables {
    ($($injectable:ty),* $(,)?) => {
        ::std::vec![$(<$injectable as $crate::Injectable>::descriptor()),*]
    };
}

/// The version of this `otai-core`.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Items used by macro expansions; not a public API and not covered by semver.
#[doc(hidden)]
pub mod __private {
    pub use crate::injectable::InterfaceName;
    pub use crate::plugin::{entry as plugin_entry, factory_of};
    pub use linkme;

    /// Every plugin linked into this binary. Filled at compile time by `#[otai::plugin]`;
    /// read through the engine's `ComponentRegistry::linked_entries`, which turns a
    /// duplicate-slice situation (two incompatible `otai-core` versions in one binary) into an
    /// error instead of a panic. Hidden: an entry placed here by hand would skip the naming
    /// checks of the attribute.
    #[linkme::distributed_slice]
    pub static PLUGINS: [crate::plugin::PluginEntry];
}
