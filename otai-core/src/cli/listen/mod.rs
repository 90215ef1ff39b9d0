//! `otai run --listen ADDR`: one HTTP listener for operating a run.
//!
//! * `GET /metrics` — the run's [metrics](metrics) in Prometheus' text format;
//! * `GET /healthz` — 200 while the process is alive (a liveness probe);
//! * `GET /readyz` — 200 once the services have started, while no stop is requested and
//!   every ticket system's last call reached it; 503 with the reason otherwise (a
//!   readiness probe);
//! * `POST /trigger/<id>` — fires the trigger pipe `<id>` at once (OTOBO's invoker on
//!   `TicketCreate`), with the shared secret of `infrastructure.listen.trigger_secret`
//!   ([auth]): 202 fired, 401 secret missing or wrong, 403 no secret configured, 404 no such
//!   trigger.
//!
//! The listener is served by `hyper` directly (already in the workspace for the fake OTOBO
//! server): four routes do not need a framework. It binds before the services start, so the
//! liveness probe answers during a long model load, and keeps answering during the grace
//! period of a stop.

mod auth;
mod metrics;
mod routes;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::engine::work::WorkEvents;
use crate::engine::Pipeline;
use crate::pipe::{PipeObserver, Shutdown, TriggerBus};
use crate::secret::Secret;

pub(crate) use metrics::MetricsSink;

/// Connections served at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 64;
/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What the routes share.
pub(crate) struct Shared {
    metrics: Arc<MetricsSink>,
    triggers: Arc<TriggerBus>,
    trigger_secret: Option<Secret>,
    started: AtomicBool,
    shutdown: Shutdown,
}

/// The listener's parts, made before the run is configured: the metrics sink and the
/// trigger bus are handed to the engine, then [`Listener::serve`] binds.
pub(crate) struct Listener {
    shared: Arc<Shared>,
}

impl Listener {
    /// The parts for `pipeline`'s run: a trigger bus for its trigger pipes and a metrics
    /// sink on its ledger.
    pub(crate) fn new(
        pipeline: &Pipeline,
        trigger_secret: Option<Secret>,
        shutdown: Shutdown,
    ) -> Self {
        let triggers = pipeline
            .pipes()
            .filter(|(_, node)| node.is_trigger())
            .map(|(_, node)| node.id().to_owned());
        Self {
            shared: Arc::new(Shared {
                metrics: Arc::new(MetricsSink::new(Arc::clone(pipeline.ledger()))),
                triggers: Arc::new(TriggerBus::new(triggers)),
                trigger_secret,
                started: AtomicBool::new(false),
                shutdown,
            }),
        }
    }

    /// The sink to add to the work options' events.
    pub(crate) fn work_events(&self) -> Arc<dyn WorkEvents> {
        Arc::clone(&self.shared.metrics) as Arc<dyn WorkEvents>
    }

    /// The sink to add to the run's observers.
    pub(crate) fn observer(&self) -> Arc<dyn PipeObserver> {
        Arc::clone(&self.shared.metrics) as Arc<dyn PipeObserver>
    }

    /// The trigger bus the run's control must use.
    pub(crate) fn triggers(&self) -> Arc<TriggerBus> {
        Arc::clone(&self.shared.triggers)
    }

    /// Says that the services have started: `/readyz` may answer 200 from now on.
    pub(crate) fn services_started(&self) {
        self.shared.started.store(true, Ordering::SeqCst);
    }

    /// Binds `address` and serves on a task of the current runtime until the process ends.
    /// Returns the address bound (port 0 picks a free one).
    pub(crate) async fn serve(&self, address: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(address).await?;
        let bound = listener.local_addr()?;
        let shared = Arc::clone(&self.shared);
        let triggers: Vec<&str> = shared.triggers.known().collect();
        tracing::info!(
            address = %bound,
            "listening on http://{bound}: GET /metrics, /healthz, /readyz; POST /trigger/<id> {}",
            match (&shared.trigger_secret, triggers.as_slice()) {
                (None, _) => "refused (no infrastructure.listen.trigger_secret)".to_owned(),
                (Some(_), []) => "finds no trigger pipe in this config".to_owned(),
                (Some(_), ids) => format!("for {}", ids.join(", ")),
            }
        );
        tokio::spawn(accept_loop(listener, shared));
        Ok(bound)
    }
}

/// Accepts connections, one task each, at most [`MAX_CONNECTIONS`] at once.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!("the listener cannot accept a connection: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = Arc::clone(&shared);
                async move {
                    Ok::<_, std::convert::Infallible>(routes::handle(shared, peer, request).await)
                }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            if let Err(error) = served {
                tracing::debug!(%peer, "listener connection ended: {error}");
            }
            drop(permit);
        });
    }
}
