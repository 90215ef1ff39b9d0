//! Embedding Open Ticket AI in another Rust application: define a plugin, build a registry,
//! load a config from a string, run the orchestrator and a single pipe — no CLI involved.
//!
//! Run it with `cargo run -p otai-core --example embed`.

use otai::engine::{Pipeline, RunControl};
use otai::{
    async_trait, AppConfig, BuildContext, BuildError, ComponentRegistry, InjectableDescriptor,
    NestedPipes, Pipe, PipeContext, PipeResult, Plugin, PluginError,
};

/// The application's own plugin, with an explicit prefix (the package is not named `otai-*`).
#[otai::plugin(prefix = "app")]
pub struct AppPlugin;

impl Plugin for AppPlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(AppPlugin)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        vec![
            InjectableDescriptor::pipe::<Greet>(),
            InjectableDescriptor::pipe::<Sequence>(),
        ]
    }
}

/// Params of [`Greet`].
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GreetParams {
    /// Who to greet.
    name: String,
}

/// Returns a greeting as `data.value`.
pub struct Greet;

#[async_trait]
impl Pipe for Greet {
    type Params = GreetParams;

    fn build(_ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Greet)
    }

    async fn process(&self, params: GreetParams, _ctx: &PipeContext) -> PipeResult {
        PipeResult::success_with("value", format!("Hello, {}!", params.name))
    }
}

/// Params of [`Sequence`] (its `steps` are nested pipes, not params).
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// Runs its steps in order.
pub struct Sequence(Vec<otai::engine::PipeNode>);

#[async_trait]
impl Pipe for Sequence {
    type Params = NoParams;
    const NESTED: &'static [NestedPipes] = &[NestedPipes::many("steps")];

    fn build(ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Sequence(ctx.take_children("steps")?))
    }

    async fn process(&self, _params: NoParams, ctx: &PipeContext) -> PipeResult {
        let mut ctx = ctx.clone();
        let mut results = Vec::new();
        for step in &self.0 {
            let result = step.run(&ctx).await;
            ctx = ctx.with_result(step.id(), result.clone());
            results.push(result);
        }
        PipeResult::union(&results)
    }
}

const CONFIG: &str = r#"
open_ticket_ai:
  orchestrator:
    use: app:Sequence
    params:
      steps:
        - { id: hello, use: app:Greet, params: { name: world } }
        - { id: again, use: app:Greet, params: { name: embedder } }
"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = AppConfig::new();
    // Every plugin linked into this binary: here, AppPlugin (and any otai-* crate it links).
    let registry = ComponentRegistry::from_linked(&app)?;
    let pipeline =
        Pipeline::from_yaml_str(CONFIG, &registry, &app).map_err(|errors| errors.render())?;

    let result = pipeline.run(RunControl::once()).await;
    println!(
        "orchestrator: succeeded={} value={}",
        result.succeeded, result.data["value"]
    );

    let single = pipeline
        .build_pipe("use: app:Greet\nparams: { name: single pipe }")
        .map_err(|errors| errors.render())?;
    let result = single.run(&PipeContext::default()).await;
    println!("single pipe: {}", result.data["value"]);
    Ok(())
}
