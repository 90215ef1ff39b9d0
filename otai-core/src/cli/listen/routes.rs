//! What the listener answers, by method and path.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};

use super::auth::{self, Presented};
use super::{metrics, Shared};

/// An answer with a small body.
pub(crate) type Answer = Response<Full<Bytes>>;

const TEXT: &str = "text/plain; charset=utf-8";
const TRIGGER_PREFIX: &str = "/trigger/";

fn answer(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Answer {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

fn text(status: StatusCode, body: impl Into<String>) -> Answer {
    let mut body = body.into();
    body.push('\n');
    answer(status, TEXT, body)
}

fn not_allowed(allow: &'static str) -> Answer {
    let mut response = text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed: use {allow}"),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

/// Answers one request from `peer`.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    request: Request<Incoming>,
) -> Answer {
    let path = request.uri().path();
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    match path {
        "/metrics" if read => answer(StatusCode::OK, metrics::CONTENT_TYPE, shared.metrics.render()),
        "/healthz" if read => text(StatusCode::OK, "ok"),
        "/readyz" if read => readiness(&shared),
        "/metrics" | "/healthz" | "/readyz" => not_allowed("GET, HEAD"),
        _ => match path.strip_prefix(TRIGGER_PREFIX) {
            Some(id) if request.method() == Method::POST => trigger(&shared, peer, id, &request),
            Some(_) => not_allowed("POST"),
            None => text(
                StatusCode::NOT_FOUND,
                "not found: this listener serves GET /metrics, /healthz, /readyz and POST /trigger/<id>",
            ),
        },
    }
}

/// `/readyz`: the services started, no stop was requested, and every ticket system's last
/// call reached it.
fn readiness(shared: &Shared) -> Answer {
    if !shared.started.load(Ordering::SeqCst) {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the services are starting",
        );
    }
    if shared.shutdown.is_requested() {
        return text(StatusCode::SERVICE_UNAVAILABLE, "not ready: stopping");
    }
    let down = shared.metrics.unreachable();
    if down.is_empty() {
        return text(StatusCode::OK, "ready");
    }
    let reasons: Vec<String> = down
        .iter()
        .map(|(service, why)| format!("ticket system `{service}` is unreachable: {why}"))
        .collect();
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("not ready: {}", reasons.join("; ")),
    )
}

/// `POST /trigger/<id>`: checks the secret, then fires the trigger.
fn trigger(shared: &Shared, peer: SocketAddr, id: &str, request: &Request<Incoming>) -> Answer {
    let Some(secret) = &shared.trigger_secret else {
        tracing::warn!(%peer, "refused a trigger request: no trigger secret is configured");
        return text(
            StatusCode::FORBIDDEN,
            "triggers cannot be fired from outside: set infrastructure.listen.trigger_secret in the config",
        );
    };
    let authorized = match auth::presented(request.headers()) {
        Presented::Secret(presented) => auth::matches(secret, &presented),
        Presented::Nothing => false,
    };
    if !authorized {
        tracing::warn!(%peer, "refused a trigger request: the secret is missing or wrong");
        let mut response = text(
            StatusCode::UNAUTHORIZED,
            "unauthorized: present the trigger secret as `Authorization: Bearer SECRET` or as the basic-auth password",
        );
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"otai trigger\", charset=\"UTF-8\""),
        );
        return response;
    }
    match shared.triggers.fire(id) {
        Ok(()) => {
            tracing::info!(trigger = id, %peer, "trigger `{id}` fired on request");
            text(StatusCode::ACCEPTED, format!("trigger `{id}` fired"))
        }
        Err(error) => text(StatusCode::NOT_FOUND, error.to_string()),
    }
}
