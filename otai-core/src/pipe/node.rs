//! A built pipe ready to run: its compiled params and its instance.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use serde::de::DeserializeOwned;

use crate::params::{self, ParamTree};
use crate::pipe::{Pipe, PipeContext, PipeResult};
use crate::redact;
use crate::report::report;
use crate::service::{StartContext, StartError};
use crate::value::Value;

/// A pipe with its params type erased: it reads them, rendered, from the context, so pipes
/// of any type can be nested.
#[async_trait::async_trait]
pub(crate) trait ErasedPipe: Send + Sync + fmt::Debug {
    async fn process_in(&self, ctx: &PipeContext) -> PipeResult;

    async fn prepare(
        &self,
        params: &PreparedParams<'_>,
        ctx: &StartContext<'_>,
    ) -> Result<(), StartError>;

    fn is_trigger(&self) -> bool;
}

#[derive(Debug)]
pub(crate) struct TypedPipe<P>(pub(crate) P);

#[async_trait::async_trait]
impl<P: Pipe> ErasedPipe for TypedPipe<P> {
    async fn process_in(&self, ctx: &PipeContext) -> PipeResult {
        static EMPTY: Value = Value::Null;
        let own = ctx.own_params().unwrap_or(&EMPTY);
        match params::deserialize::<P::Params>(own) {
            Ok(typed) => self.0.process(typed, ctx).await,
            Err(error) if error.path.is_root() => {
                PipeResult::failure(format!("rendered params do not fit: {}", error.message))
            }
            Err(error) => {
                let message = if redact::is_secret_path(&error.path) {
                    redact::quoted_values(&error.message)
                } else {
                    error.message
                };
                PipeResult::failure(format!(
                    "rendered params do not fit: params.{}: {message}",
                    error.path
                ))
            }
        }
    }

    async fn prepare(
        &self,
        params: &PreparedParams<'_>,
        ctx: &StartContext<'_>,
    ) -> Result<(), StartError> {
        self.0.prepare(params, ctx).await
    }

    fn is_trigger(&self) -> bool {
        self.0.is_trigger()
    }
}

/// The params of a pipe that are known before anything runs: those written without
/// templates. Handed to [`Pipe::prepare`].
#[derive(Debug, Clone, Copy)]
pub struct PreparedParams<'a> {
    tree: &'a ParamTree,
}

impl PreparedParams<'_> {
    /// Top-level param `key`, if it is written without a template.
    pub fn literal(&self, key: &str) -> Option<&Value> {
        self.tree.literal_field(key)
    }

    /// Top-level param `key` read as `T`, if it is written without a template and fits.
    pub fn literal_as<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.literal(key)
            .and_then(|value| params::deserialize::<T>(value).ok())
    }
}

/// A configured pipe, built once and run once per execution of its parent. Cloning it is
/// cheap (a shared handle).
///
/// Running it renders its params against the context, runs the pipe, logs the result and
/// tells the run's observers. Pipes that nest others hold their steps as `PipeNode`s.
#[derive(Clone)]
pub struct PipeNode {
    inner: Arc<Node>,
}

struct Node {
    id: Arc<str>,
    use_key: String,
    params: ParamTree,
    pipe: Box<dyn ErasedPipe>,
    /// Runs nested pipes, whose failure messages arrive already naming their pipe.
    nests_pipes: bool,
}

impl fmt::Debug for PipeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeNode")
            .field("id", &self.inner.id)
            .field("use", &self.inner.use_key)
            .finish_non_exhaustive()
    }
}

impl PipeNode {
    pub(crate) fn new(
        id: String,
        use_key: String,
        params: ParamTree,
        pipe: Box<dyn ErasedPipe>,
        nests_pipes: bool,
    ) -> Self {
        Self {
            inner: Arc::new(Node {
                id: Arc::from(id),
                use_key,
                params,
                pipe,
                nests_pipes,
            }),
        }
    }

    /// The pipe's id; its result is stored under it.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The registry key the pipe was configured with.
    pub fn use_key(&self) -> &str {
        &self.inner.use_key
    }

    /// Whether the pipe is a trigger that can be fired from outside ([`Pipe::is_trigger`]).
    pub fn is_trigger(&self) -> bool {
        self.inner.pipe.is_trigger()
    }

    /// Renders the params against `ctx` and runs the pipe. Never panics on bad data: a
    /// template or params problem becomes a failed result naming the pipe.
    pub async fn run(&self, ctx: &PipeContext) -> PipeResult {
        let node = &*self.inner;
        let started = Instant::now();
        // Params without templates are shared by every run instead of copied.
        let params = match node.params.as_literal() {
            Some(params) => Ok(Arc::clone(params)),
            None => node.params.render(ctx).map(Arc::new),
        };
        // A failure is named after the pipe that failed: its own params or its own work. A
        // pipe that nests others passes their messages on, which name their pipes already.
        let (result, own_failure) = match params {
            Ok(params) => {
                let scope = ctx.for_pipe(params);
                let step = crate::work::StepScope {
                    pipe_id: Arc::clone(&node.id),
                    ctx: scope.clone(),
                };
                let result = crate::work::in_step(step, node.pipe.process_in(&scope)).await;
                (result, !node.nests_pipes)
            }
            Err(error) => (PipeResult::failure(report(&error)), true),
        };
        let result = if result.has_failed() && own_failure {
            let message = format!("pipe `{}` ({}): {}", node.id, node.use_key, result.message);
            result.with_message(message)
        } else {
            result
        };
        if !node.nests_pipes {
            crate::work::report_step(&node.id, &result);
        }
        let elapsed = started.elapsed();
        tracing::debug!(
            pipe_id = %node.id,
            r#use = %node.use_key,
            succeeded = result.succeeded(),
            was_skipped = result.was_skipped(),
            duration_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "{}",
            result.message
        );
        ctx.control()
            .pipe_finished(&node.id, &node.use_key, &result, elapsed);
        result
    }

    /// The source of every template in the pipe's params.
    pub(crate) fn template_sources(&self) -> Vec<String> {
        self.inner
            .params
            .templates()
            .into_iter()
            .map(|(_, template)| template.source().to_owned())
            .collect()
    }

    /// Runs the pipe's [`Pipe::prepare`] step with its literal params.
    pub(crate) async fn prepare(&self, ctx: &StartContext<'_>) -> Result<(), StartError> {
        let prepared = PreparedParams {
            tree: &self.inner.params,
        };
        self.inner.pipe.prepare(&prepared, ctx).await
    }
}
