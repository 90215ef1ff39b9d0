//! From declarations to a runnable [`Pipeline`]: every check, then construction.
//!
//! One walk over the declarations both validates and builds, collecting *every* issue:
//! unmet `api_version` / `plugins` requirements ([`requirements`]), unknown `use` keys and
//! wrong kinds ([`resolve`]), services — their order, cycles, the template renderer
//! ([`services`]) —, inject slots that do not exist or get a service without the interface
//! they need ([`injects`]), and pipes with their params, templates and nested pipes
//! ([`pipes`]). Nothing is returned unless the whole pipeline is sound; warnings (a template
//! reading a name that does not exist) travel with the pipeline.

mod injects;
mod params;
mod pipes;
mod requirements;
mod resolve;
mod services;

pub use services::DEFAULT_RENDERER_ID;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::issue::Issue;
use super::pipeline::{Pipeline, PipelineServices, ServiceSummary};
use super::spec::{OrchestratorSpec, PipeSpec, PipelineSpec};
use crate::app_config::AppConfig;
use crate::interfaces::TemplateRenderer;
use crate::path::ConfigPath;
use crate::pipe::PipeNode;
use crate::registry::ComponentRegistry;
use super::work::{Ledger, PipeReads};

/// The state of one build: what is resolved and built so far, and every issue found.
pub(super) struct Builder<'a> {
    registry: &'a ComponentRegistry,
    app: &'a AppConfig,
    issues: Vec<Issue>,
    renderer: Option<Arc<dyn TemplateRenderer>>,
    /// Why there is no renderer, when templates cannot be judged for a reason reported
    /// elsewhere (`None`: not reported; a template then is an error of its own).
    renderer_missing: RendererMissing,
    summaries: BTreeMap<String, ServiceSummary>,
    services: PipelineServices,
    /// Services in build (and start) order, with where each is declared.
    service_order: Vec<(String, ConfigPath)>,
    /// Every pipe built, with where it is declared.
    nodes: Vec<(ConfigPath, PipeNode)>,
    /// The pipeline's ledger; every ticket system is put behind a gate reporting to it.
    ledger: Arc<Ledger>,
}

/// Why no template renderer is available.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RendererMissing {
    /// There is one, or nothing has been decided yet.
    No,
    /// The configured one failed to build (reported): templates are not judged again.
    Reported,
    /// Nothing provides one; the hint says what to do.
    Unprovided(String),
}

impl<'a> Builder<'a> {
    fn new(registry: &'a ComponentRegistry, app: &'a AppConfig) -> Self {
        Self {
            registry,
            app,
            issues: Vec::new(),
            renderer: None,
            renderer_missing: RendererMissing::No,
            summaries: BTreeMap::new(),
            services: BTreeMap::new(),
            service_order: Vec::new(),
            nodes: Vec::new(),
            ledger: Ledger::new(),
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    fn error_count(&self) -> usize {
        self.issues.iter().filter(|issue| issue.is_error()).count()
    }

    fn into_result(self, orchestrator: Option<PipeNode>) -> Result<Pipeline, Vec<Issue>> {
        let mut reads = PipeReads::default();
        for (_, node) in &self.nodes {
            reads.add(node.id(), node.template_sources());
        }
        self.ledger.set_reads(reads);
        match orchestrator {
            Some(orchestrator) if self.error_count() == 0 => Ok(Pipeline {
                app: self.app.clone(),
                registry: self.registry.clone(),
                renderer: self.renderer,
                summaries: self.summaries,
                services: self.services,
                service_order: self.service_order,
                orchestrator,
                nodes: self.nodes,
                warnings: self.issues,
                ledger: self.ledger,
            }),
            _ => Err(self.issues),
        }
    }
}

impl Pipeline {
    /// Validates `spec` against `registry` and builds every service and pipe; on failure,
    /// every issue found (errors and warnings). `app` is the environment and base directory
    /// the config was loaded with.
    pub fn build(
        spec: &PipelineSpec,
        registry: &ComponentRegistry,
        app: &AppConfig,
    ) -> Result<Self, Vec<Issue>> {
        let mut builder = Builder::new(registry, app);
        builder.check_requirements(spec);
        builder.build_services(&spec.services);
        let orchestrator = match &spec.orchestrator {
            OrchestratorSpec::Pipe(pipe) => builder.build_node(pipe, pipe.id_or_default()),
            OrchestratorSpec::Runners { runners, path } => builder.build_runners(runners, path),
        };
        builder.into_result(orchestrator)
    }

    /// Builds one more pipe wired to this pipeline's services: for running single pipes
    /// from an embedding application or a test.
    pub fn build_pipe(&self, spec: &PipeSpec) -> Result<PipeNode, Vec<Issue>> {
        let mut builder = Builder::new(&self.registry, &self.app);
        builder.renderer = self.renderer.clone();
        builder.summaries = self.summaries.clone();
        builder.services = self.services.clone();
        builder.ledger = Arc::clone(&self.ledger);
        let node = builder.build_node(spec, spec.id_or_default());
        match node {
            Some(node) if builder.error_count() == 0 => Ok(node),
            _ => Err(builder.issues),
        }
    }
}
