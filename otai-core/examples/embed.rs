//! Embedding Open Ticket AI in another Rust application: define a plugin, build a registry,
//! load a config from a string, start and run it, and run a single pipe — no CLI involved.
//!
//! Run it with `cargo run -p otai-core --features engine --example embed`.

use otai::config::{load_str, pipe_from_yaml};
use otai::engine::RunControl;
use otai::prelude::*;
use otai::ComponentRegistry;

/// The application's own plugin, with an explicit prefix (the package is not named `otai-*`).
#[otai::plugin(prefix = "app")]
#[derive(Default)]
pub struct AppPlugin;

impl Plugin for AppPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![Greet, Sequence]
    }
}

/// Params of [`Greet`].
#[otai::params]
pub struct GreetParams {
    /// Who to greet.
    name: String,
}

/// Returns a greeting as `data.value`.
#[otai::pipe]
pub struct Greet;

#[async_trait]
impl Pipe for Greet {
    type Params = GreetParams;

    async fn process(&self, params: GreetParams, _ctx: &PipeContext) -> PipeResult {
        PipeResult::success_with("value", format!("Hello, {}!", params.name))
    }
}

/// Runs its steps in order; each sees the results before it.
#[otai::pipe]
pub struct Sequence {
    steps: Vec<PipeNode>,
}

#[async_trait]
impl Pipe for Sequence {
    type Params = NoParams;

    async fn process(&self, _params: NoParams, ctx: &PipeContext) -> PipeResult {
        let mut scope = ctx.nested();
        let mut results = Vec::new();
        for step in &self.steps {
            let result = step.run(&scope).await;
            scope = scope.with_result(step.id(), result.clone());
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
    // An embedding application controls the environment configs and plugins see.
    let app = AppConfig::new().with_env("OTAI_EXAMPLE", Some("embedded"));
    let loaded = load_str("embedded.yml", CONFIG, &app).map_err(|errors| errors.render())?;
    // Every plugin linked into this binary: here, AppPlugin (and any otai-* crate it links).
    let registry = ComponentRegistry::from_linked(loaded.app_config())?;
    let pipeline = loaded.build(&registry).map_err(|errors| errors.render())?;
    pipeline
        .start()
        .await
        .map_err(|issues| loaded.errors(issues).render())?;

    let result = pipeline.run(RunControl::once()).await;
    println!(
        "orchestrator: succeeded={} value={}",
        result.succeeded(),
        result.data["value"]
    );

    let single = pipe_from_yaml(&pipeline, "use: app:Greet\nparams: { name: single pipe }")
        .map_err(|errors| errors.render())?;
    let result = single.run(&PipeContext::default()).await;
    println!("single pipe: {}", result.data["value"]);
    Ok(())
}
