//! Test injectables standing in for real plugins, registered explicitly (not via the slice).
//! Written on the plugin-author surface: `#[otai::pipe]`, `#[otai::service]`,
//! `#[otai::params]`.
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use otai::interfaces::template::{fail_marker, is_template};
use otai::interfaces::{CompiledTemplate, TemplateError, TemplateRenderer};
use otai::prelude::*;
use otai::value::at_path;
use otai::{ComponentRegistry, Injectable};

// ----- a tiny template language: `{{ pipe_id.key }}`, `{{ fail }}`, `{{ env:NAME }}` -----

/// Renders `{{ pipe_id.key }}`, `{{ fail }}`, `{{ env:NAME }}`.
#[otai::service(provides(TemplateRenderer), default)]
pub struct DotRenderer;

#[derive(Debug)]
struct DotTemplate(String);

impl TemplateRenderer for DotRenderer {
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledTemplate>, TemplateError> {
        if source.matches("{{").count() != source.matches("}}").count() {
            return Err(TemplateError::new("unbalanced `{{`").at_line(1));
        }
        Ok(Arc::new(DotTemplate(source.to_owned())))
    }
}

fn eval(expr: &str, ctx: &PipeContext) -> Result<Value, TemplateError> {
    let expr = expr.trim();
    if expr == "fail" {
        return Ok(fail_marker());
    }
    let env_name = expr
        .strip_prefix("get_env('")
        .and_then(|rest| rest.strip_suffix("')"))
        .or_else(|| expr.strip_prefix("env:"));
    if let Some(name) = env_name {
        return std::env::var(name)
            .map(Value::String)
            .map_err(|_| TemplateError::new(format!("env `{name}` missing")));
    }
    let (id, path) = expr.split_once('.').unwrap_or((expr, "value"));
    let result = ctx
        .pipe_result(id)
        .ok_or_else(|| TemplateError::new(format!("no result for pipe `{id}`")))?;
    at_path(&Value::Object(result.data.clone()), path)
        .cloned()
        .ok_or_else(|| TemplateError::new(format!("pipe `{id}` has no `{path}`")))
}

impl CompiledTemplate for DotTemplate {
    fn source(&self) -> &str {
        &self.0
    }

    fn render(&self, ctx: &PipeContext) -> Result<Value, TemplateError> {
        let trimmed = self.0.trim();
        if trimmed.starts_with("{{")
            && trimmed.ends_with("}}")
            && trimmed.matches("{{").count() == 1
        {
            return eval(&trimmed[2..trimmed.len() - 2], ctx);
        }
        let mut out = String::new();
        let mut rest = self.0.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .map(|e| e + start)
                .unwrap_or(rest.len());
            match eval(&rest[start + 2..end], ctx)? {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            rest = &rest[(end + 2).min(rest.len())..];
        }
        out.push_str(rest);
        debug_assert!(!is_template(&out) || out.contains("{{"));
        Ok(Value::String(out))
    }
}

impl Service for DotRenderer {
    type Params = NoParams;
    fn build(_: NoParams, _: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(DotRenderer)
    }
}

// ----- services -----

#[otai::params]
pub struct TicketsParams {
    pub base_url: Option<String>,
    pub password: Option<Secret>,
    #[serde(default)]
    pub limit: u32,
}

/// A ticket system with no tickets; refuses `base_url: refuse` when built and
/// `base_url: unreachable` when started.
#[otai::service(provides(TicketSystem))]
pub struct FakeTickets {
    unreachable: bool,
}

#[async_trait]
impl TicketSystem for FakeTickets {
    async fn find_ticket_ids(
        &self,
        _: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        Ok(Vec::new())
    }
    async fn get_ticket(&self, _: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(None)
    }
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        Ok(WriteReceipt::new(
            write.ticket_id().cloned().unwrap_or_else(|| TicketId::from("1")),
        ))
    }
}

#[async_trait]
impl Service for FakeTickets {
    type Params = TicketsParams;
    fn build(params: TicketsParams, _: &BuildContext<'_>) -> Result<Self, BuildError> {
        if params.base_url.as_deref() == Some("refuse") {
            return Err(BuildError::new("the base URL is refused").with_hint("use another"));
        }
        Ok(FakeTickets {
            unreachable: params.base_url.as_deref() == Some("unreachable"),
        })
    }

    async fn start(&self, _: &StartContext<'_>) -> Result<(), StartError> {
        if self.unreachable {
            let refused =
                std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
            return Err(StartError::new("cannot reach the helpdesk")
                .with_hint("check `base_url`")
                .with_source(refused));
        }
        Ok(())
    }
}

/// Labels a text with the model's name; knows the models `queue` and `priority` only when
/// asked to prepare them.
#[otai::service(provides(ClassificationService))]
pub struct FakeClassifier;

#[async_trait]
impl ClassificationService for FakeClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        Ok(ClassificationResult {
            label: request.model_name.clone(),
            confidence: 0.9,
        })
    }

    async fn prepare_model(
        &self,
        model_name: &str,
        _: Option<&Secret>,
    ) -> Result<(), ClassificationError> {
        if model_name.starts_with("missing") {
            return Err(ClassificationError::UnknownModel {
                model: model_name.to_owned(),
                message: "no such model".to_owned(),
            });
        }
        Ok(())
    }
}

impl Service for FakeClassifier {
    type Params = NoParams;
    fn build(_: NoParams, _: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(FakeClassifier)
    }
}

/// A service that injects another service (for cycle tests).
#[otai::service(provides(TicketSystem))]
pub struct Chained {
    next: Option<Arc<dyn TicketSystem>>,
}

impl Service for Chained {
    type Params = NoParams;
    fn build(_: NoParams, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Chained {
            next: ctx.injected_optional()?,
        })
    }
}

#[async_trait]
impl TicketSystem for Chained {
    async fn find_ticket_ids(
        &self,
        _: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        Ok(Vec::new())
    }
    async fn get_ticket(&self, _: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(None)
    }
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        Ok(WriteReceipt::new(
            write.ticket_id().cloned().unwrap_or_else(|| TicketId::from("1")),
        ))
    }
}

// ----- pipes -----

#[otai::params]
pub struct StepsParams {
    pub orchestrator_sleep: Option<Duration>,
    pub exception_sleep: Option<Duration>,
    pub always_retry: Option<bool>,
}

/// Runs nested `steps` in order, stopping at the first failure; the steps see its params as
/// `parent_params`.
#[otai::pipe]
pub struct Steps {
    steps: Vec<PipeNode>,
}

#[async_trait]
impl Pipe for Steps {
    type Params = StepsParams;
    async fn process(&self, _: StepsParams, ctx: &PipeContext) -> PipeResult {
        let mut ctx = ctx.nested();
        let mut results = Vec::new();
        for step in &self.steps {
            let result = step.run(&ctx).await;
            ctx = ctx.with_result(step.id(), result.clone());
            let failed = result.has_failed();
            results.push(result);
            if failed {
                break;
            }
        }
        PipeResult::union(&results)
    }
}

/// `on` / `run`.
#[otai::pipe]
pub struct When {
    on: PipeNode,
    run: PipeNode,
}

#[async_trait]
impl Pipe for When {
    type Params = NoParams;
    async fn process(&self, _: NoParams, ctx: &PipeContext) -> PipeResult {
        let on = self.on.run(ctx).await;
        if !on.succeeded() {
            return PipeResult::skipped("condition not met");
        }
        self.run.run(&ctx.with_result(self.on.id(), on)).await
    }
}

#[otai::params]
pub struct ConstParams {
    pub value: Value,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `data.value` = `params.value`; fails on the fail marker.
#[otai::pipe]
pub struct Const;

#[async_trait]
impl Pipe for Const {
    type Params = ConstParams;
    async fn process(&self, params: ConstParams, _: &PipeContext) -> PipeResult {
        if otai::interfaces::template::is_fail_marker(&params.value) {
            return PipeResult::failure("fail() reached");
        }
        PipeResult::success_with("value", params.value)
    }
}

/// Counts its runs; state lives in the instance.
#[otai::pipe]
pub struct Counter {
    runs: AtomicUsize,
}

#[async_trait]
impl Pipe for Counter {
    type Params = NoParams;
    async fn process(&self, _: NoParams, _: &PipeContext) -> PipeResult {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        PipeResult::success_with("value", n)
    }
}

#[otai::params]
pub struct ClassifyParams {
    pub text: String,
    pub model_name: String,
}

/// Classifies `text`; prepares a literal `model_name`.
#[otai::pipe]
pub struct Classify {
    classification_service: Arc<dyn ClassificationService>,
}

#[async_trait]
impl Pipe for Classify {
    type Params = ClassifyParams;
    async fn process(&self, params: ClassifyParams, _: &PipeContext) -> PipeResult {
        let request = ClassificationRequest {
            text: params.text,
            model_name: params.model_name,
            api_token: None,
        };
        match self.classification_service.classify(&request).await {
            Ok(result) => PipeResult::success_with("label", result.label),
            Err(error) => PipeResult::failure(otai::report(&error)),
        }
    }

    async fn prepare(
        &self,
        params: &PreparedParams<'_>,
        _: &StartContext<'_>,
    ) -> Result<(), StartError> {
        let Some(model) = params.literal_as::<String>("model_name") else {
            return Ok(());
        };
        self.classification_service
            .prepare_model(&model, None)
            .await
            .map_err(|error| StartError::new("the model cannot be loaded").with_source(error))
    }
}

#[otai::params]
pub struct WriteParams {
    pub ticket_id: TicketId,
    #[serde(default)]
    pub updated_ticket: Option<UnifiedTicket>,
    #[serde(default)]
    pub note: Option<UnifiedNote>,
}

/// Stands in for UpdateTicketPipe / AddNotePipe.
#[otai::pipe]
pub struct Write {
    ticket_system: Arc<dyn TicketSystem>,
}

#[async_trait]
impl Pipe for Write {
    type Params = WriteParams;
    async fn process(&self, params: WriteParams, _: &PipeContext) -> PipeResult {
        let id = params.ticket_id.to_string();
        let outcome = match (&params.updated_ticket, &params.note) {
            (Some(update), _) => self.ticket_system.update_ticket(&id, update).await,
            (None, Some(note)) => self.ticket_system.add_note(&id, note).await,
            (None, None) => Ok(()),
        };
        match outcome {
            Ok(()) => PipeResult::success_with("ticket_id", id),
            Err(error) => PipeResult::failure(otai::report(&error)),
        }
    }
}

/// Returns what it sees: `parent_params` and `params` of its scope.
#[otai::pipe]
pub struct Scope;

#[async_trait]
impl Pipe for Scope {
    type Params = NoParams;
    async fn process(&self, _: NoParams, ctx: &PipeContext) -> PipeResult {
        let mut data = otai::value::Map::new();
        data.insert("parent_params".into(), ctx.parent_params().clone());
        data.insert("params".into(), ctx.params().clone());
        PipeResult::success(data)
    }
}

#[otai::params]
pub struct TriggerParams {
    pub interval: Duration,
}

/// Always fires; stands in for IntervalTrigger.
#[otai::pipe]
pub struct Trigger;

#[async_trait]
impl Pipe for Trigger {
    type Params = TriggerParams;
    async fn process(&self, _: TriggerParams, _: &PipeContext) -> PipeResult {
        PipeResult::success(Default::default())
    }
}

// ----- plugins named like the real ones -----

struct Listed(fn() -> Vec<InjectableDescriptor>);

impl Plugin for Listed {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        (self.0)()
    }
}

fn base() -> Vec<InjectableDescriptor> {
    vec![
        DotRenderer::descriptor().named("JinjaRenderer"),
        Steps::descriptor()
            .named("SimpleSequentialOrchestrator")
            .default_for("orchestrator"),
        Steps::descriptor().named("CompositePipe"),
        When::descriptor()
            .named("SimpleSequentialRunner")
            .default_for("runner"),
        Trigger::descriptor().named("IntervalTrigger"),
        Write::descriptor().named("UpdateTicketPipe"),
        Write::descriptor().named("AddNotePipe"),
        Const::descriptor().named("ExpressionPipe"),
        Classify::descriptor().named("ClassificationPipe"),
        otai::pipes::FetchTicketsPipe::descriptor(),
        Counter::descriptor(),
        Scope::descriptor(),
        Chained::descriptor(),
    ]
}

fn otobo() -> Vec<InjectableDescriptor> {
    vec![
        FakeTickets::descriptor().named("OTOBOZnunyTicketSystemService"),
        otai::pipes::FetchTicketsPipe::descriptor(),
    ]
}

fn hf() -> Vec<InjectableDescriptor> {
    vec![FakeClassifier::descriptor().named("HFClassificationService")]
}

/// A registry with stand-ins under the real plugins' keys.
pub fn registry() -> ComponentRegistry {
    let mut builder = ComponentRegistry::builder();
    builder
        .add_plugin("otai-base", "1.0.0", &Listed(base))
        .add_plugin("otai-otobo-znuny", "1.0.0", &Listed(otobo))
        .add_plugin("otai-hf-local", "1.0.0", &Listed(hf));
    builder.finish().expect("test registry")
}
