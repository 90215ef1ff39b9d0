//! Shared by the integration tests: a registry with the `base` plugin and a `test` plugin of
//! misbehaving pipes, and a pipeline builder that panics with the rendered config errors.

#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use otai::engine::Pipeline;
use otai::value::{json, Map, Value};
use otai::{
    async_trait, AppConfig, BuildContext, BuildError, ComponentRegistry, InjectableDescriptor,
    Pipe, PipeContext, PipeResult, Plugin, PluginError,
};
use otai_base::BasePlugin;
use serde::Deserialize;

/// Pipes that count their runs, fail or panic on purpose.
pub struct TestPlugin;

impl Plugin for TestPlugin {
    fn create(_config: &AppConfig) -> Result<Self, PluginError> {
        Ok(TestPlugin)
    }

    fn injectables(&self) -> Vec<InjectableDescriptor> {
        vec![
            InjectableDescriptor::pipe::<Count>(),
            InjectableDescriptor::pipe::<PanicFirst>(),
        ]
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountParams {
    /// Fail (with the count in `data.count`) instead of succeeding.
    #[serde(default)]
    fail: bool,
}

/// Returns how often it ran (`data.count`), as a success or, with `fail`, a failure.
#[derive(Default)]
pub struct Count(AtomicUsize);

#[async_trait]
impl Pipe for Count {
    type Params = CountParams;

    fn build(_ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self::default())
    }

    async fn process(&self, params: CountParams, _ctx: &PipeContext) -> PipeResult {
        let count = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let mut data = Map::new();
        data.insert("count".into(), json!(count));
        PipeResult {
            succeeded: !params.fail,
            was_skipped: false,
            message: if params.fail {
                format!("failure #{count}")
            } else {
                String::new()
            },
            data,
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PanicFirstParams {
    /// How many runs panic before the pipe succeeds.
    times: usize,
}

/// Panics on its first `times` runs, then succeeds.
#[derive(Default)]
pub struct PanicFirst(AtomicUsize);

#[async_trait]
impl Pipe for PanicFirst {
    type Params = PanicFirstParams;

    fn build(_ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self::default())
    }

    async fn process(&self, params: PanicFirstParams, _ctx: &PipeContext) -> PipeResult {
        let run = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        if run <= params.times {
            panic!("deliberate panic #{run}");
        }
        PipeResult::success_with("panic_free_run", run)
    }
}

/// The `base` plugin and the `test` plugin (prefix `test`).
pub fn registry() -> ComponentRegistry {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-base", env!("CARGO_PKG_VERSION"), &BasePlugin);
    builder.add_plugin("otai-test", "0.0.0", &TestPlugin);
    builder.finish().unwrap()
}

/// Builds `yaml`, panicking with the rendered errors.
pub fn pipeline(yaml: &str) -> Pipeline {
    Pipeline::from_yaml_str(yaml, &registry(), &AppConfig::new())
        .unwrap_or_else(|errors| panic!("{}", errors.render()))
}

/// `data[key]` of a result.
pub fn data<'a>(result: &'a PipeResult, key: &str) -> &'a Value {
    result.data.get(key).unwrap_or(&Value::Null)
}
