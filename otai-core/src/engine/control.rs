//! How a run is steered from outside the pipes: once mode, shutdown, tracing.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::engine::trace::TraceSink;

/// Shared control of one run, reachable from every [`crate::PipeContext`].
///
/// Orchestrators consult it between cycles; triggers consult [`RunControl::is_once`] so that a
/// `--once` run fires them immediately.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    once: bool,
    shutdown: CancellationToken,
    trace: Option<TraceSink>,
}

impl RunControl {
    /// Control for a run that goes on until shutdown is requested.
    pub fn new() -> Self {
        Self::default()
    }

    /// Control for a run of exactly one orchestrator cycle with triggers firing at once.
    pub fn once() -> Self {
        Self::builder().once(true).build()
    }

    /// Starts a control with options.
    pub fn builder() -> RunControlBuilder {
        RunControlBuilder::default()
    }

    /// One cycle only, triggers fire immediately.
    pub fn is_once(&self) -> bool {
        self.inner.once
    }

    /// Asks the run to stop after the cycle in flight.
    pub fn request_shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    /// A stop was requested.
    pub fn is_shutdown_requested(&self) -> bool {
        self.inner.shutdown.is_cancelled()
    }

    /// Completes when a stop is requested; for sleeping orchestrators.
    pub async fn shutdown_requested(&self) {
        self.inner.shutdown.cancelled().await;
    }

    /// Sleeps for `duration`, waking early when a stop is requested. Returns `false` when it
    /// was woken by a stop request.
    pub async fn sleep(&self, duration: std::time::Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            () = self.inner.shutdown.cancelled() => false,
        }
    }

    /// Where executed pipes are traced, if anywhere.
    pub fn trace(&self) -> Option<&TraceSink> {
        self.inner.trace.as_ref()
    }
}

/// Options of a [`RunControl`].
#[derive(Debug, Default)]
pub struct RunControlBuilder {
    once: bool,
    shutdown: Option<CancellationToken>,
    trace: Option<TraceSink>,
}

impl RunControlBuilder {
    /// One cycle only.
    pub fn once(mut self, once: bool) -> Self {
        self.once = once;
        self
    }

    /// Uses an existing token, e.g. one cancelled by a signal handler.
    pub fn shutdown_token(mut self, token: CancellationToken) -> Self {
        self.shutdown = Some(token);
        self
    }

    /// Writes a trace line per executed pipe.
    pub fn trace(mut self, sink: TraceSink) -> Self {
        self.trace = Some(sink);
        self
    }

    /// Finishes the control.
    pub fn build(self) -> RunControl {
        RunControl {
            inner: Arc::new(Inner {
                once: self.once,
                shutdown: self.shutdown.unwrap_or_default(),
                trace: self.trace,
            }),
        }
    }
}
