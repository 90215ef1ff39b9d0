//! How a run is steered from outside the pipes: once mode, shutdown, observers, triggers
//! fired from outside.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::triggers::TriggerBus;
use crate::pipe::PipeResult;
use crate::work::WorkTracker;

/// Something that wants to know about every executed pipe: a trace file, metrics.
pub trait PipeObserver: Send + Sync {
    /// Pipe `pipe_id` (configured with `use_key`) finished with `result` after `elapsed`
    /// (params rendering included).
    fn pipe_finished(&self, pipe_id: &str, use_key: &str, result: &PipeResult, elapsed: Duration);

    /// An orchestrator cycle finished with `result` after `elapsed` (`None`: it raised an
    /// exception). The default ignores it.
    fn cycle_finished(&self, result: Option<&PipeResult>, elapsed: Duration) {
        let _ = (result, elapsed);
    }
}

/// A stop request, shared by its clones: one side calls [`Shutdown::request`] (a signal
/// handler, `POST /shutdown`, a test), the run sees it through its [`RunControl`].
///
/// Our own type rather than a foreign one (such as `tokio_util`'s `CancellationToken`), so that
/// the plugin API does not tie a 1.x plugin to another crate's major version.
///
/// ```
/// let shutdown = otai::pipe::Shutdown::new();
/// let control = otai::pipe::RunControl::builder().shutdown(shutdown.clone()).build();
/// assert!(!control.is_shutdown_requested());
/// shutdown.request();
/// assert!(control.is_shutdown_requested());
/// ```
#[derive(Debug, Clone)]
pub struct Shutdown {
    state: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A request not made yet.
    pub fn new() -> Self {
        Self {
            state: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Requests the stop; every clone sees it. Requesting twice is harmless.
    pub fn request(&self) {
        self.state.send_replace(true);
    }

    /// The stop was requested.
    pub fn is_requested(&self) -> bool {
        *self.state.borrow()
    }

    /// Completes when the stop is requested (at once if it was already).
    pub async fn requested(&self) {
        let mut receiver = self.state.subscribe();
        // The sender lives in `self`, so the wait cannot end with a closed channel.
        let _ = receiver.wait_for(|requested| *requested).await;
    }
}

/// Shows that an observer is there, not what it is.
struct Observers(Vec<Arc<dyn PipeObserver>>);

impl fmt::Debug for Observers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} observer(s)", self.0.len())
    }
}

/// Shared control of one run, reachable from every [`crate::PipeContext`].
///
/// Orchestrators consult it between cycles; triggers consult [`RunControl::is_once`] so that a
/// `--once` run fires them immediately.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    once: bool,
    shutdown: Shutdown,
    observers: Observers,
    work: Option<Arc<dyn WorkTracker>>,
    triggers: Arc<TriggerBus>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            once: false,
            shutdown: Shutdown::new(),
            observers: Observers(Vec::new()),
            work: None,
            triggers: Arc::default(),
        }
    }
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
        self.inner.shutdown.request();
    }

    /// A stop was requested.
    pub fn is_shutdown_requested(&self) -> bool {
        self.inner.shutdown.is_requested()
    }

    /// Completes when a stop is requested; for sleeping orchestrators.
    pub async fn shutdown_requested(&self) {
        self.inner.shutdown.requested().await;
    }

    /// Sleeps for `duration`, waking early when a stop is requested. Returns `false` when it
    /// was woken by a stop request.
    pub async fn sleep(&self, duration: std::time::Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            () = self.inner.shutdown.requested() => false,
        }
    }

    /// Sleeps between two orchestrator cycles: for `duration`, waking early when a trigger is
    /// fired from outside ([`RunControl::triggers`]) or a stop is requested. Returns `false`
    /// when it was woken by a stop request.
    pub async fn sleep_between_cycles(&self, duration: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            () = self.inner.triggers.requested() => true,
            () = self.inner.shutdown.requested() => false,
        }
    }

    /// Requests to fire trigger pipes from outside (`POST /trigger/<id>`): a trigger pipe
    /// fires when [`TriggerBus::take`] says it was asked to.
    pub fn triggers(&self) -> &TriggerBus {
        &self.inner.triggers
    }

    /// The tracker of units of work ([`crate::work`]), when the engine keeps one.
    pub fn work_tracker(&self) -> Option<&Arc<dyn WorkTracker>> {
        self.inner.work.as_ref()
    }

    /// This control with `tracker` keeping track of units of work; shutdown and observers
    /// are shared with `self`.
    pub fn with_work_tracker(&self, tracker: Arc<dyn WorkTracker>) -> Self {
        Self {
            inner: Arc::new(Inner {
                once: self.inner.once,
                shutdown: self.inner.shutdown.clone(),
                observers: Observers(self.inner.observers.0.clone()),
                work: Some(tracker),
                triggers: Arc::clone(&self.inner.triggers),
            }),
        }
    }

    /// Tells every observer that a pipe finished (the pipe node does, after each run).
    pub(crate) fn pipe_finished(
        &self,
        pipe_id: &str,
        use_key: &str,
        result: &PipeResult,
        elapsed: Duration,
    ) {
        for observer in &self.inner.observers.0 {
            observer.pipe_finished(pipe_id, use_key, result, elapsed);
        }
    }

    /// Tells every observer that an orchestrator cycle finished (`None`: it raised an
    /// exception).
    pub fn cycle_finished(&self, result: Option<&PipeResult>, elapsed: Duration) {
        for observer in &self.inner.observers.0 {
            observer.cycle_finished(result, elapsed);
        }
    }
}

/// Options of a [`RunControl`].
#[derive(Default)]
pub struct RunControlBuilder {
    once: bool,
    shutdown: Option<Shutdown>,
    observers: Vec<Arc<dyn PipeObserver>>,
    triggers: Option<Arc<TriggerBus>>,
}

impl fmt::Debug for RunControlBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunControlBuilder")
            .field("once", &self.once)
            .field("observers", &self.observers.len())
            .finish_non_exhaustive()
    }
}

impl RunControlBuilder {
    /// One cycle only.
    pub fn once(mut self, once: bool) -> Self {
        self.once = once;
        self
    }

    /// Uses an existing stop request, e.g. one a signal handler makes.
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Tells `observer` about every executed pipe (the engine's `TraceSink` writes a trace
    /// file).
    pub fn observer(mut self, observer: impl PipeObserver + 'static) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// Tells an observer that is shared with others (metrics) about every executed pipe.
    pub fn shared_observer(mut self, observer: Arc<dyn PipeObserver>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Uses `bus` for triggers fired from outside (the listener holds it too).
    pub fn triggers(mut self, bus: Arc<TriggerBus>) -> Self {
        self.triggers = Some(bus);
        self
    }

    /// Finishes the control.
    pub fn build(self) -> RunControl {
        RunControl {
            inner: Arc::new(Inner {
                once: self.once,
                shutdown: self.shutdown.unwrap_or_default(),
                observers: Observers(self.observers),
                work: None,
                triggers: self.triggers.unwrap_or_default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{RunControl, Shutdown};

    #[tokio::test]
    async fn a_stop_request_wakes_every_waiter_and_stays_requested() {
        let shutdown = Shutdown::new();
        let control = RunControl::builder().shutdown(shutdown.clone()).build();
        let waiter = tokio::spawn({
            let control = control.clone();
            async move { control.sleep(Duration::from_secs(3600)).await }
        });
        tokio::task::yield_now().await;
        assert!(!control.is_shutdown_requested());
        shutdown.request();
        assert!(
            !waiter.await.unwrap(),
            "the sleep ends early because of the request"
        );
        // Asked again, or asked after the request: completes at once.
        shutdown.request();
        control.shutdown_requested().await;
        Shutdown::clone(&shutdown).requested().await;
        assert!(shutdown.is_requested() && control.is_shutdown_requested());
    }

    #[tokio::test]
    async fn a_control_without_a_given_request_has_its_own() {
        let control = RunControl::new();
        let other = RunControl::new();
        control.request_shutdown();
        assert!(control.is_shutdown_requested());
        assert!(!other.is_shutdown_requested());
        assert!(other.sleep(Duration::from_millis(1)).await);
    }
}
