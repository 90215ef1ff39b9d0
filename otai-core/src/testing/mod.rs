//! Testing a plugin in isolation (feature `testing`): no config file, no server, no model.
//!
//! A plugin's tests add `otai-core` with this feature as a dev-dependency and build a
//! [`TestBed`]: a registry of just the plugins under test, plus *stand-in services* — objects
//! the test made, such as a [`TestTicketSystem`] that records every write or a
//! [`FixedClassifier`] — that configs inject by id like any other service. Everything runs
//! through the real engine: params are checked and rendered, inject slots are checked against
//! interfaces, ticket writes pass the engine's write gate.
//!
//! ```
//! use otai::prelude::*;
//! use otai::testing::{TestBed, TestTicketSystem};
//! use otai::value::json;
//!
//! /// Params of `MoveTo`.
//! #[otai::params]
//! pub struct MoveToParams {
//!     /// The ticket.
//!     pub ticket_id: String,
//!     /// The queue it goes to.
//!     pub queue: String,
//! }
//!
//! /// Moves one ticket to a queue.
//! #[otai::pipe]
//! pub struct MoveTo {
//!     ticket_system: Arc<dyn TicketSystem>,
//! }
//!
//! #[async_trait]
//! impl Pipe for MoveTo {
//!     type Params = MoveToParams;
//!
//!     async fn process(&self, params: MoveToParams, _ctx: &PipeContext) -> PipeResult {
//!         let update = UnifiedTicket { queue: Some(UnifiedEntity::named(&params.queue)), ..Default::default() };
//!         match self.ticket_system.update_ticket(&params.ticket_id, &update).await {
//!             Ok(()) => PipeResult::success_with("moved", params.ticket_id),
//!             Err(error) => PipeResult::failure(otai::report(&error)),
//!         }
//!     }
//! }
//!
//! #[derive(Default)]
//! pub struct AcmePlugin;
//!
//! impl Plugin for AcmePlugin {
//!     fn injectables(&self) -> Vec<InjectableDescriptor> {
//!         otai::injectables![MoveTo]
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let tickets = Arc::new(TestTicketSystem::from_json(json!([
//!     {"id": 1, "subject": "Invoice twice", "queue": {"name": "Incoming"}},
//! ])));
//! let bed = TestBed::new()
//!     .with_plugin("otai-acme", AcmePlugin)
//!     .with_ticket_system("tickets", tickets.clone());
//!
//! // One pipe, its params, its `ticket_system` slot wired to the only ticket system.
//! let result = bed
//!     .pipe("acme:MoveTo")
//!     .params(json!({"ticket_id": "1", "queue": "Billing"}))
//!     .run()
//!     .await
//!     .unwrap();
//! assert!(result.succeeded(), "{}", result.message);
//! tickets.assert_queue("1", "Billing");
//! assert_eq!(tickets.writes().len(), 1);
//! # }
//! ```
//!
//! A whole pipeline comes from YAML with [`TestBed::run_yaml`] (or [`TestBed::pipeline`] to
//! build it only); stand-in services need not be declared under `services:`.

mod classifier;
mod stand_in;
mod tickets;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use classifier::FixedClassifier;
pub use tickets::TestTicketSystem;

use crate::app_config::AppConfig;
use crate::config::{load_str, LoadedConfig};
use crate::engine::{Pipeline, RunControl};
use crate::interfaces::{ClassificationService, TemplateRenderer, TicketSystem};
use crate::pipe::PipeResult;
use crate::plugin::Plugin;
use crate::registry::ComponentRegistry;
use crate::service::Interface;
use crate::value::{Map, Value};
use stand_in::StandIns;

/// The package name the stand-in services are registered under; their keys are
/// `stand-in:<Interface>` (`stand-in:TicketSystem`).
pub const STAND_IN_PACKAGE: &str = "otai-stand-in";

/// The plugins under test and the stand-in services their pipes get: builds registries,
/// pipelines from YAML, and single pipe runs. Cheap to clone.
#[derive(Clone, Default)]
pub struct TestBed {
    app: AppConfig,
    plugins: Vec<PluginUnderTest>,
    stand_ins: StandIns,
}

#[derive(Clone)]
struct PluginUnderTest {
    package: String,
    version: String,
    plugin: Arc<dyn Plugin>,
}

impl fmt::Debug for TestBed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestBed")
            .field(
                "plugins",
                &self.plugins.iter().map(|p| &p.package).collect::<Vec<_>>(),
            )
            .field("stand_ins", &self.stand_ins)
            .finish()
    }
}

impl TestBed {
    /// An empty bed: no plugins, no stand-ins, the process environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a plugin under its package name (`otai-acme` → prefix `acme`), at version
    /// `0.0.0`. In the plugin's own tests: `.with_plugin(env!("CARGO_PKG_NAME"), MyPlugin)`.
    pub fn with_plugin(self, package: &str, plugin: impl Plugin) -> Self {
        self.with_plugin_version(package, "0.0.0", plugin)
    }

    /// Adds a plugin under its package name and version (for configs that require versions).
    pub fn with_plugin_version(
        mut self,
        package: &str,
        version: &str,
        plugin: impl Plugin,
    ) -> Self {
        self.plugins.push(PluginUnderTest {
            package: package.to_owned(),
            version: version.to_owned(),
            plugin: Arc::new(plugin),
        });
        self
    }

    /// Sets an environment variable as configs (`${VAR}`, `get_env`) and services see it,
    /// without touching the process environment.
    pub fn with_env(mut self, name: &str, value: &str) -> Self {
        self.app = self.app.with_env(name, Some(value));
        self
    }

    /// Replaces the settings (environment, base directory for relative paths).
    pub fn with_app_config(mut self, app: AppConfig) -> Self {
        self.app = app;
        self
    }

    /// Adds a stand-in service providing interface `I` under service id `id`:
    /// `.with_service::<dyn MyInterface>("id", Arc::new(MyFake))`.
    pub fn with_service<I: Interface + ?Sized>(mut self, id: &str, service: Arc<I>) -> Self {
        self.stand_ins.add(id, service);
        self
    }

    /// Adds a stand-in ticket system under service id `id`.
    pub fn with_ticket_system(self, id: &str, system: Arc<impl TicketSystem + 'static>) -> Self {
        self.with_service::<dyn TicketSystem>(id, system)
    }

    /// Adds a stand-in classification service under service id `id`.
    pub fn with_classifier(
        self,
        id: &str,
        classifier: Arc<impl ClassificationService + 'static>,
    ) -> Self {
        self.with_service::<dyn ClassificationService>(id, classifier)
    }

    /// Adds a stand-in template renderer under service id `id` (pipes with templates in their
    /// params need one; otai-base's `JinjaRenderer` is the usual one — or add the `base`
    /// plugin with [`TestBed::with_plugin`]).
    pub fn with_renderer(self, id: &str, renderer: Arc<impl TemplateRenderer + 'static>) -> Self {
        self.with_service::<dyn TemplateRenderer>(id, renderer)
    }

    /// The settings configs are loaded and plugins created with.
    pub fn app_config(&self) -> &AppConfig {
        &self.app
    }

    /// The registry of the plugins under test and the stand-in services.
    pub fn registry(&self) -> Result<ComponentRegistry, TestError> {
        let mut builder = ComponentRegistry::builder();
        for plugin in &self.plugins {
            builder.add_plugin(&plugin.package, &plugin.version, plugin.plugin.as_ref());
        }
        builder.add_plugin(
            STAND_IN_PACKAGE,
            crate::CORE_VERSION,
            &self.stand_ins.plugin(),
        );
        builder
            .finish()
            .map_err(|errors| TestError::Registry(errors.to_string()))
    }

    /// Loads `yaml` (a config, root key `open_ticket_ai`/`otai`/`cfg`) with the stand-in
    /// services added to its `services:` and builds it: every check `otai check` makes.
    pub fn pipeline(&self, yaml: &str) -> Result<Pipeline, TestError> {
        self.load_and_build(yaml).map(|(_, pipeline)| pipeline)
    }

    /// Builds `yaml` like [`TestBed::pipeline`], starts it and runs one cycle (triggers fire
    /// at once); returns the orchestrator's result.
    pub async fn run_yaml(&self, yaml: &str) -> Result<PipeResult, TestError> {
        let (loaded, pipeline) = self.load_and_build(yaml)?;
        pipeline
            .start()
            .await
            .map_err(|issues| TestError::Start(loaded.errors(issues).render()))?;
        Ok(pipeline.run(RunControl::once()).await)
    }

    /// One pipe, to be given params and run: `.pipe("acme:MoveTo").params(json!({…})).run()`.
    /// Its inject slots are wired to the stand-in providing the slot's interface when there
    /// is exactly one; [`PipeRun::inject`] wires a slot explicitly.
    pub fn pipe(&self, key: &str) -> PipeRun<'_> {
        PipeRun {
            bed: self,
            key: key.to_owned(),
            id: None,
            params: Value::Object(Map::new()),
            injects: BTreeMap::new(),
        }
    }

    fn load_and_build(&self, yaml: &str) -> Result<(LoadedConfig, Pipeline), TestError> {
        let registry = self.registry()?;
        let mut loaded = load_str("test.yml", yaml, &self.app)
            .map_err(|errors| TestError::Config(errors.render()))?;
        loaded.add_services(self.stand_ins.specs());
        let pipeline = loaded
            .build(&registry)
            .map_err(|errors| TestError::Config(errors.render()))?;
        Ok((loaded, pipeline))
    }
}

/// One pipe of a [`TestBed`] with its params and injects; [`PipeRun::run`] builds, starts and
/// runs it as a pipeline's orchestrator would.
#[derive(Debug)]
#[must_use = "a pipe run does nothing until `.run().await`"]
pub struct PipeRun<'a> {
    bed: &'a TestBed,
    key: String,
    id: Option<String>,
    params: Value,
    injects: BTreeMap<String, String>,
}

impl PipeRun<'_> {
    /// The params, as a config would give them (templates allowed when a renderer is there).
    pub fn params(mut self, params: Value) -> Self {
        self.params = params;
        self
    }

    /// The pipe's id (its result is stored under it); defaults to the injectable's name.
    pub fn id(mut self, id: &str) -> Self {
        self.id = Some(id.to_owned());
        self
    }

    /// Wires inject slot `slot` to the service with id `service_id`.
    pub fn inject(mut self, slot: &str, service_id: &str) -> Self {
        self.injects.insert(slot.to_owned(), service_id.to_owned());
        self
    }

    /// The config this run builds: the pipe as orchestrator, the stand-ins as services.
    pub fn config_yaml(&self) -> Result<String, TestError> {
        let registry = self.bed.registry()?;
        let mut injects = self.injects.clone();
        if let Ok(injectable) = registry.get(&self.key) {
            for slot in injectable.descriptor().inject_slots() {
                if injects.contains_key(slot.name) {
                    continue;
                }
                if let [only] = self.bed.stand_ins.ids_providing(slot.interface)[..] {
                    injects.insert(slot.name.to_owned(), only.to_owned());
                }
            }
        }
        let mut pipe = Map::new();
        if let Some(id) = &self.id {
            pipe.insert("id".into(), Value::String(id.clone()));
        }
        pipe.insert("use".into(), Value::String(self.key.clone()));
        if !injects.is_empty() {
            let injects = injects
                .into_iter()
                .map(|(slot, id)| (slot, Value::String(id)))
                .collect();
            pipe.insert("injects".into(), Value::Object(injects));
        }
        pipe.insert("params".into(), self.params.clone());
        let mut root = Map::new();
        root.insert("orchestrator".into(), Value::Object(pipe));
        let mut config = Map::new();
        config.insert("open_ticket_ai".into(), Value::Object(root));
        serde_yaml::to_string(&Value::Object(config)).map_err(|error| {
            TestError::Config(format!("the params cannot be written as YAML: {error}"))
        })
    }

    /// Builds, starts and runs the pipe once; returns its result.
    pub async fn run(self) -> Result<PipeResult, TestError> {
        let yaml = self.config_yaml()?;
        self.bed.run_yaml(&yaml).await
    }
}

/// Why a test bed could not run what it was asked to: the rendered errors, as `otai check`
/// prints them. `Debug` shows the same text, so `.unwrap()` in a test prints it readably.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The plugins under test do not make a registry (duplicate keys, a bad prefix).
    #[error("the plugins under test cannot be registered:\n{0}")]
    Registry(String),
    /// The config does not load or build.
    #[error("the config is invalid:\n{0}")]
    Config(String),
    /// A service or pipe cannot start.
    #[error("the pipeline cannot start:\n{0}")]
    Start(String),
}

impl fmt::Debug for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The plugin development guide, `docs/plugin-development.md`, included here so that every
/// Rust block in it runs as a doc-test (`cargo test -p otai-core --features cli,testing
/// --doc`; `cargo test --workspace` enables both features).
#[cfg(all(doctest, feature = "cli"))]
#[doc = include_str!("../../../docs/plugin-development.md")]
pub mod guide {}

#[cfg(test)]
mod tests;
