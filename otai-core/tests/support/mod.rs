//! Test injectables standing in for real plugins, registered explicitly (not via the slice).
#![allow(dead_code, missing_docs)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use otai::interfaces::template::{fail_marker, is_template};
use otai::interfaces::{
    ClassificationError, ClassificationRequest, ClassificationResult, ClassificationService,
    CompiledTemplate, TemplateError, TemplateRenderer, TicketSearchCriteria, TicketSystem,
    TicketSystemError, UnifiedNote, UnifiedTicket,
};
use otai::value::{at_path, Value};
use otai::{
    async_trait, provides, AppConfig, BuildContext, BuildError, ComponentRegistry, InjectSlot,
    InjectableDescriptor, NestedPipes, Pipe, PipeContext, PipeResult, Plugin, PluginError, Service,
};
use serde::Deserialize;

// ----- a tiny template language: `{{ pipe_id.key }}`, `{{ fail }}`, `{{ env:NAME }}` -----

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

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

impl Service for DotRenderer {
    type Params = Empty;
    const PROVIDES: &'static [otai::Provided<Self>] = provides![dyn TemplateRenderer];
    fn build(_: Empty, _: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(DotRenderer)
    }
}

// ----- services -----

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketsParams {
    pub base_url: Option<String>,
    pub password: Option<otai::Secret>,
    #[serde(default)]
    pub limit: u32,
}

pub struct FakeTickets;

#[async_trait]
impl TicketSystem for FakeTickets {
    async fn find_tickets(
        &self,
        _: &TicketSearchCriteria,
    ) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        Ok(Vec::new())
    }
    async fn get_ticket(&self, _: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(None)
    }
    async fn create_ticket(&self, _: &UnifiedTicket) -> Result<String, TicketSystemError> {
        Ok("1".into())
    }
    async fn update_ticket(&self, _: &str, _: &UnifiedTicket) -> Result<(), TicketSystemError> {
        Ok(())
    }
    async fn add_note(&self, _: &str, _: &UnifiedNote) -> Result<(), TicketSystemError> {
        Ok(())
    }
}

impl Service for FakeTickets {
    type Params = TicketsParams;
    const PROVIDES: &'static [otai::Provided<Self>] = provides![dyn TicketSystem];
    fn build(params: TicketsParams, _: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        if params.base_url.as_deref() == Some("refuse") {
            return Err(BuildError::new("the base URL is refused").with_hint("use another"));
        }
        Ok(FakeTickets)
    }
}

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
}

impl Service for FakeClassifier {
    type Params = Empty;
    const PROVIDES: &'static [otai::Provided<Self>] = provides![dyn ClassificationService];
    fn build(_: Empty, _: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(FakeClassifier)
    }
}

/// A service that injects another service (for cycle tests).
pub struct Chained;

impl Service for Chained {
    type Params = Empty;
    const INJECTS: &'static [InjectSlot] = &[InjectSlot::optional::<dyn TicketSystem>("next")];
    const PROVIDES: &'static [otai::Provided<Self>] = provides![dyn TicketSystem];
    fn build(_: Empty, _: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Chained)
    }
}

#[async_trait]
impl TicketSystem for Chained {
    async fn find_tickets(
        &self,
        _: &TicketSearchCriteria,
    ) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        Ok(Vec::new())
    }
    async fn get_ticket(&self, _: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(None)
    }
    async fn create_ticket(&self, _: &UnifiedTicket) -> Result<String, TicketSystemError> {
        Ok("1".into())
    }
    async fn update_ticket(&self, _: &str, _: &UnifiedTicket) -> Result<(), TicketSystemError> {
        Ok(())
    }
    async fn add_note(&self, _: &str, _: &UnifiedNote) -> Result<(), TicketSystemError> {
        Ok(())
    }
}

// ----- pipes -----

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepsParams {
    pub orchestrator_sleep: Option<otai::config::Duration>,
    pub exception_sleep: Option<otai::config::Duration>,
    pub always_retry: Option<bool>,
}

/// Runs nested `steps` in order, stopping at the first failure.
pub struct Steps(Vec<otai::engine::PipeNode>);

#[async_trait]
impl Pipe for Steps {
    type Params = StepsParams;
    const NESTED: &'static [NestedPipes] = &[NestedPipes::many("steps")];
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Steps(ctx.take_children("steps")?))
    }
    async fn process(&self, _: StepsParams, ctx: &PipeContext) -> PipeResult {
        let mut ctx = ctx.clone();
        let mut results = Vec::new();
        for step in &self.0 {
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
pub struct When {
    on: otai::engine::PipeNode,
    run: otai::engine::PipeNode,
}

#[async_trait]
impl Pipe for When {
    type Params = Empty;
    const NESTED: &'static [NestedPipes] = &[NestedPipes::one("on"), NestedPipes::one("run")];
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(When {
            on: ctx.take_child("on")?,
            run: ctx.take_child("run")?,
        })
    }
    async fn process(&self, _: Empty, ctx: &PipeContext) -> PipeResult {
        let on = self.on.run(ctx).await;
        if !on.succeeded {
            return PipeResult::skipped("condition not met");
        }
        self.run.run(&ctx.with_result(self.on.id(), on)).await
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstParams {
    pub value: Value,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `data.value` = `params.value`; fails on the fail marker.
pub struct Const;

#[async_trait]
impl Pipe for Const {
    type Params = ConstParams;
    fn build(_: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Const)
    }
    async fn process(&self, params: ConstParams, _: &PipeContext) -> PipeResult {
        if otai::interfaces::template::is_fail_marker(&params.value) {
            return PipeResult::failure("fail() reached");
        }
        PipeResult::success_with("value", params.value)
    }
}

/// Counts its runs; state lives in the instance.
pub struct Counter(AtomicUsize);

#[async_trait]
impl Pipe for Counter {
    type Params = Empty;
    fn build(_: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Counter(AtomicUsize::new(0)))
    }
    async fn process(&self, _: Empty, _: &PipeContext) -> PipeResult {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        PipeResult::success_with("value", n)
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyParams {
    pub text: String,
    pub model_name: String,
}

pub struct Classify(Arc<dyn ClassificationService>);

#[async_trait]
impl Pipe for Classify {
    type Params = ClassifyParams;
    const INJECTS: &'static [InjectSlot] = &[InjectSlot::required::<dyn ClassificationService>(
        "classification_service",
    )];
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Classify(ctx.inject("classification_service")?))
    }
    async fn process(&self, params: ClassifyParams, _: &PipeContext) -> PipeResult {
        let request = ClassificationRequest {
            text: params.text,
            model_name: params.model_name,
            api_token: None,
        };
        match self.0.classify(&request).await {
            Ok(result) => PipeResult::success_with("label", result.label),
            Err(error) => PipeResult::failure(error.to_string()),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FetchParams {
    pub ticket_search_criteria: TicketSearchCriteria,
}

pub struct Fetch(Arc<dyn TicketSystem>);

#[async_trait]
impl Pipe for Fetch {
    type Params = FetchParams;
    const INJECTS: &'static [InjectSlot] =
        &[InjectSlot::required::<dyn TicketSystem>("ticket_system")];
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Fetch(ctx.inject("ticket_system")?))
    }
    async fn process(&self, params: FetchParams, _: &PipeContext) -> PipeResult {
        match self.0.find_tickets(&params.ticket_search_criteria).await {
            Ok(tickets) => PipeResult::success_with(
                "fetched_tickets",
                serde_json::to_value(tickets).unwrap_or_default(),
            ),
            Err(error) => PipeResult::failure(error.to_string()),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteParams {
    pub ticket_id: otai::interfaces::TicketId,
    #[serde(default)]
    pub updated_ticket: Option<UnifiedTicket>,
    #[serde(default)]
    pub note: Option<UnifiedNote>,
}

/// Stands in for UpdateTicketPipe / AddNotePipe.
pub struct Write(Arc<dyn TicketSystem>);

#[async_trait]
impl Pipe for Write {
    type Params = WriteParams;
    const INJECTS: &'static [InjectSlot] =
        &[InjectSlot::required::<dyn TicketSystem>("ticket_system")];
    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Write(ctx.inject("ticket_system")?))
    }
    async fn process(&self, params: WriteParams, _: &PipeContext) -> PipeResult {
        let id = params.ticket_id.to_string();
        let outcome = match (&params.updated_ticket, &params.note) {
            (Some(update), _) => self.0.update_ticket(&id, update).await,
            (None, Some(note)) => self.0.add_note(&id, note).await,
            (None, None) => Ok(()),
        };
        match outcome {
            Ok(()) => PipeResult::success_with("ticket_id", id),
            Err(error) => PipeResult::failure(error.to_string()),
        }
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerParams {
    pub interval: otai::config::Duration,
}

/// Always fires; stands in for IntervalTrigger.
pub struct Trigger;

#[async_trait]
impl Pipe for Trigger {
    type Params = TriggerParams;
    fn build(_: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Trigger)
    }
    async fn process(&self, _: TriggerParams, _: &PipeContext) -> PipeResult {
        PipeResult::success(Default::default())
    }
}

// ----- plugins named like the real ones -----

struct Listed(fn() -> Vec<InjectableDescriptor>);

impl Plugin for Listed {
    fn create(_: &AppConfig) -> Result<Self, PluginError> {
        Err(PluginError::refused("created explicitly"))
    }
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        (self.0)()
    }
}

fn base() -> Vec<InjectableDescriptor> {
    vec![
        InjectableDescriptor::service::<DotRenderer>().named("JinjaRenderer"),
        InjectableDescriptor::pipe::<Steps>().named("SimpleSequentialOrchestrator"),
        InjectableDescriptor::pipe::<Steps>().named("CompositePipe"),
        InjectableDescriptor::pipe::<When>().named("SimpleSequentialRunner"),
        InjectableDescriptor::pipe::<Trigger>().named("IntervalTrigger"),
        InjectableDescriptor::pipe::<Write>().named("UpdateTicketPipe"),
        InjectableDescriptor::pipe::<Write>().named("AddNotePipe"),
        InjectableDescriptor::pipe::<Const>().named("ExpressionPipe"),
        InjectableDescriptor::pipe::<Classify>().named("ClassificationPipe"),
        InjectableDescriptor::pipe::<Fetch>().named("FetchTicketsPipe"),
        InjectableDescriptor::pipe::<Counter>(),
        InjectableDescriptor::service::<Chained>(),
    ]
}

fn otobo() -> Vec<InjectableDescriptor> {
    vec![InjectableDescriptor::service::<FakeTickets>().named("OTOBOZnunyTicketSystemService")]
}

fn hf() -> Vec<InjectableDescriptor> {
    vec![InjectableDescriptor::service::<FakeClassifier>().named("HFClassificationService")]
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
