//! A built pipe ready to run: its compiled params and its instance.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::params::{self, ParamTree};
use crate::logging::redact;
use crate::pipe::{Pipe, PipeContext, PipeResult};

/// A pipe with its params erased: it reads them, rendered, from `ctx.params()`, so pipes of
/// any type can be nested.
#[async_trait::async_trait]
pub(crate) trait ErasedPipe: Send + Sync {
    async fn process_in(&self, ctx: &PipeContext) -> PipeResult;
}

pub(crate) struct TypedPipe<P>(pub(crate) P);

#[async_trait::async_trait]
impl<P: Pipe> ErasedPipe for TypedPipe<P> {
    async fn process_in(&self, ctx: &PipeContext) -> PipeResult {
        match params::deserialize_ref::<P::Params>(ctx.params()) {
            Ok(typed) => self.0.process(typed, ctx).await,
            Err(error) if error.path.is_empty() => {
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
}

/// A configured pipe, built once and run once per execution of its parent.
///
/// Running it renders its params against the context, runs the pipe, logs and traces the
/// result. Composite pipes hold their steps as `PipeNode`s.
pub struct PipeNode {
    id: String,
    use_key: String,
    params: ParamTree,
    pipe: Box<dyn ErasedPipe>,
    /// Runs nested pipes, whose failure messages arrive already naming their pipe.
    nests_pipes: bool,
}

impl fmt::Debug for PipeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeNode")
            .field("id", &self.id)
            .field("use", &self.use_key)
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
            id,
            use_key,
            params,
            pipe,
            nests_pipes,
        }
    }

    /// The pipe's id; its result is stored under it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The registry key the pipe was configured with.
    pub fn use_key(&self) -> &str {
        &self.use_key
    }

    /// Renders the params against `ctx` and runs the pipe. Never panics on bad data: a
    /// template or params problem becomes a failed result naming the pipe.
    pub async fn run(&self, ctx: &PipeContext) -> PipeResult {
        let started = Instant::now();
        // Params without templates are shared by every run instead of copied.
        let params = match self.params.as_literal() {
            Some(params) => Ok(Arc::clone(params)),
            None => self.params.render(ctx).map(Arc::new),
        };
        // A failure is named after the pipe that failed: its own params or its own work. A
        // pipe that nests others passes their messages on, which name their pipes already.
        let (result, own_failure) = match params {
            Ok(params) => {
                let result = self.pipe.process_in(&ctx.enter_shared(params)).await;
                (result, !self.nests_pipes)
            }
            Err(error) => (PipeResult::failure(error.to_string()), true),
        };
        let result = if result.has_failed() && own_failure {
            let message = format!("pipe `{}` ({}): {}", self.id, self.use_key, result.message);
            result.with_message(message)
        } else {
            result
        };
        let elapsed = started.elapsed();
        tracing::debug!(
            pipe_id = %self.id,
            r#use = %self.use_key,
            succeeded = result.succeeded,
            was_skipped = result.was_skipped,
            duration_us = elapsed.as_micros() as u64,
            "{}",
            result.message
        );
        if let Some(trace) = ctx.control().trace() {
            trace.record(&self.id, &self.use_key, &result, elapsed);
        }
        result
    }
}
