//! Shared by the integration tests: a test bed (`otai::testing`) with the `base` plugin and a
//! `test` plugin of misbehaving pipes, and a pipeline builder that panics with the rendered
//! config errors.

#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use otai::engine::Pipeline;
use otai::prelude::*;
use otai::testing::TestBed;
use otai::value::{json, Map};
use otai::{ComponentRegistry, PipeState};
use otai_base::BasePlugin;

/// Pipes that count their runs, fail or panic on purpose.
pub struct TestPlugin;

impl Plugin for TestPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![Count, PanicFirst]
    }
}

#[otai::params]
#[derive(Debug)]
pub struct CountParams {
    /// Fail (with the count in `data.count`) instead of succeeding.
    #[serde(default)]
    fail: bool,
}

/// Returns how often it ran (`data.count`), as a success or, with `fail`, a failure.
#[otai::pipe]
pub struct Count {
    runs: AtomicUsize,
}

#[async_trait]
impl Pipe for Count {
    type Params = CountParams;

    async fn process(&self, params: CountParams, _ctx: &PipeContext) -> PipeResult {
        let count = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        let mut data = Map::new();
        data.insert("count".into(), json!(count));
        PipeResult {
            state: if params.fail {
                PipeState::Failed
            } else {
                PipeState::Succeeded
            },
            message: if params.fail {
                format!("failure #{count}")
            } else {
                String::new()
            },
            data,
        }
    }
}

#[otai::params]
#[derive(Debug)]
pub struct PanicFirstParams {
    /// How many runs panic before the pipe succeeds.
    times: usize,
}

/// Panics on its first `times` runs, then succeeds.
#[otai::pipe]
pub struct PanicFirst {
    runs: AtomicUsize,
}

#[async_trait]
impl Pipe for PanicFirst {
    type Params = PanicFirstParams;

    async fn process(&self, params: PanicFirstParams, _ctx: &PipeContext) -> PipeResult {
        let run = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        if run <= params.times {
            panic!("deliberate panic #{run}");
        }
        PipeResult::success_with("panic_free_run", run)
    }
}

/// The `base` plugin and the `test` plugin (prefix `test`).
pub fn bed() -> TestBed {
    TestBed::new()
        .with_plugin_version("otai-base", env!("CARGO_PKG_VERSION"), BasePlugin)
        .with_plugin("otai-test", TestPlugin)
}

/// The registry of [`bed`].
pub fn registry() -> ComponentRegistry {
    bed().registry().unwrap()
}

/// Builds `yaml`, panicking with the rendered errors.
pub fn pipeline(yaml: &str) -> Pipeline {
    pipeline_with(yaml, &AppConfig::new())
}

/// Builds `yaml` with the settings `app`, panicking with the rendered errors.
pub fn pipeline_with(yaml: &str, app: &AppConfig) -> Pipeline {
    bed().with_app_config(app.clone()).pipeline(yaml).unwrap()
}

/// `data[key]` of a result.
pub fn data<'a>(result: &'a PipeResult, key: &str) -> &'a Value {
    result.data.get(key).unwrap_or(&Value::Null)
}
