//! A built pipeline: its services and its orchestrator, ready to start and run.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::issue::Issue;
#[cfg(feature = "cli")]
use super::work::JournalOpening;
use super::work::{JournalError, JournalSummary, Ledger, WorkOptions};
use crate::app_config::AppConfig;
use crate::interfaces::TemplateRenderer;
use crate::path::ConfigPath;
use crate::pipe::{PipeContext, PipeNode, PipeResult, RunControl};
use crate::registry::ComponentRegistry;
use crate::service::ServiceInstance;
use crate::work::WorkTracker;

/// Services of a built pipeline, by id.
pub type PipelineServices = BTreeMap<String, Arc<ServiceInstance>>;

/// What the builder remembers of a configured service.
#[derive(Debug, Clone)]
pub(crate) struct ServiceSummary {
    pub key: String,
    pub interfaces: Vec<&'static str>,
    /// `use` did not resolve (already reported): injects of it are not judged again.
    pub unresolved: bool,
}

/// A built configuration: its services and its orchestrator.
///
/// [`Pipeline::build`] checks and builds (offline, fast); [`Pipeline::start`] starts the
/// services and prepares the pipes on the async runtime (connects, loads models);
/// [`Pipeline::run`] runs the orchestrator.
pub struct Pipeline {
    pub(super) app: AppConfig,
    pub(super) registry: ComponentRegistry,
    pub(super) renderer: Option<Arc<dyn TemplateRenderer>>,
    pub(super) summaries: BTreeMap<String, ServiceSummary>,
    pub(super) services: PipelineServices,
    /// Services in build (and start) order, with where each is declared.
    pub(super) service_order: Vec<(String, ConfigPath)>,
    pub(super) orchestrator: PipeNode,
    /// Every pipe, with where it is declared.
    pub(super) nodes: Vec<(ConfigPath, PipeNode)>,
    pub(super) warnings: Vec<Issue>,
    /// What happens to tickets: the journal, the write gates' shared state.
    pub(super) ledger: Arc<Ledger>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field("orchestrator", &self.orchestrator)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Runs the orchestrator (for the standard orchestrator: cycles until shutdown, or one
    /// cycle in once mode) and returns its result.
    pub async fn run(&self, control: RunControl) -> PipeResult {
        let control = control.with_work_tracker(Arc::clone(&self.ledger) as Arc<dyn WorkTracker>);
        self.orchestrator.run(&PipeContext::new(control)).await
    }

    /// Sets how the pipeline works through tickets (dry run, journal file, decisions,
    /// partition, retries) before it runs: opens the journal and takes over the tickets a
    /// previous process left unfinished. Without it, the journal is kept in memory.
    pub fn configure_work(&self, options: WorkOptions) -> Result<JournalSummary, JournalError> {
        self.ledger.configure(options, None)
    }

    /// [`Pipeline::configure_work`] with the journal file already being opened.
    #[cfg(feature = "cli")]
    pub(crate) fn configure_work_opened(
        &self,
        options: WorkOptions,
        opening: Option<JournalOpening>,
    ) -> Result<JournalSummary, JournalError> {
        self.ledger.configure(options, opening)
    }

    /// The pipeline's ledger of tickets in work.
    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// The top pipe.
    pub fn orchestrator(&self) -> &PipeNode {
        &self.orchestrator
    }

    /// A built service by id.
    pub fn service(&self, id: &str) -> Option<&Arc<ServiceInstance>> {
        self.services.get(id)
    }

    /// Every built service by id.
    pub fn services(&self) -> &PipelineServices {
        &self.services
    }

    /// Every pipe of the pipeline, nested ones included, with where it is declared.
    pub fn pipes(&self) -> impl Iterator<Item = (&ConfigPath, &PipeNode)> {
        self.nodes.iter().map(|(path, node)| (path, node))
    }

    /// What the build noticed but did not refuse (a template reading an unknown name).
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }

    /// The settings the pipeline was built with.
    pub fn app_config(&self) -> &AppConfig {
        &self.app
    }
}
