//! The HTTP side of the fake server, on hyper: one task per connection (keep-alive as a
//! real server), routing by path, the credential check, faults and the request record.
//! `hyper` is used directly rather than through a framework because a fault must be able
//! to close a connection without any answer, which a handler returning an error does here.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::faults::{Fault, FaultPlan};
use super::helpdesk::{Helpdesk, Refusal};
use super::{RecordedRequest, BASE_PATH};
use crate::operation::Operation;
use crate::params::OperationUrls;

/// What the connection tasks share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub username: String,
    pub password: String,
    pub webservice_name: String,
    pub routes: OperationUrls,
    pub helpdesk: Mutex<Helpdesk>,
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub faults: Mutex<FaultPlan>,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub connections: AtomicUsize,
}

/// Locks a mutex; a panic in another request does not take the server down.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Accepts connections until the task is aborted; aborting it also ends every connection.
/// With an acceptor, each connection first completes a TLS handshake (in its own task, so a
/// client that fails it holds up nobody).
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    shared.connections.fetch_add(1, Ordering::SeqCst);
                    let shared = Arc::clone(&shared);
                    let acceptor = acceptor.clone();
                    connections.spawn(async move {
                        match acceptor {
                            None => serve_connection(stream, shared).await,
                            Some(acceptor) => match acceptor.accept(stream).await {
                                Ok(stream) => serve_connection(stream, shared).await,
                                Err(error) => {
                                    tracing::info!(%error, "fake OTOBO: TLS handshake failed");
                                }
                            },
                        }
                    });
                }
                Err(error) => {
                    tracing::warn!(%error, "fake OTOBO: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Answers the requests of one connection, keep-alive as a real server.
async fn serve_connection<S>(stream: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request| handle(Arc::clone(&shared), request));
    // An error here is a client that went away or a dropped connection.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

/// Returned by the handler to close the connection without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

type Answer = Response<Full<Bytes>>;

/// Where a path leads.
enum Target {
    Operation(Operation),
    UnknownWebservice(String),
    NotFound,
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Answer, DropConnection> {
    let _in_flight = InFlight::enter(&shared);
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, accept) = (header(CONTENT_TYPE), header(ACCEPT));
    let bytes = request
        .into_body()
        .collect()
        .await
        .map_err(|_| DropConnection)?
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let target = shared.target(&path);
    let operation = match target {
        Target::Operation(operation) => Some(operation),
        _ => None,
    };
    let (latency, rule) = {
        let mut plan = lock(&shared.faults);
        (plan.latency, plan.take(operation))
    };
    lock(&shared.requests).push(RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        operation,
        content_type,
        accept,
        body: body.clone(),
        fault: rule.as_ref().map(|rule| rule.fault.clone()),
    });
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(rule) = rule.as_ref().filter(|rule| !rule.after_processing) {
        if let Some(answer) = misbehave(&rule.fault).await? {
            return Ok(answer);
        }
    }
    let answer = match target {
        Target::Operation(operation) => shared.answer(operation, &body),
        Target::UnknownWebservice(name) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Could not load web service configuration for web service `{name}`"),
        ),
        Target::NotFound => html(StatusCode::NOT_FOUND, NOT_FOUND_PAGE),
    };
    tracing::debug!(%method, %path, operation = ?operation, status = answer.status().as_u16(), "fake OTOBO request");
    if let Some(rule) = rule.as_ref().filter(|rule| rule.after_processing) {
        if let Some(answer) = misbehave(&rule.fault).await? {
            return Ok(answer);
        }
    }
    Ok(answer)
}

/// The fault's answer; `None`: answer normally (after a delay).
async fn misbehave(fault: &Fault) -> Result<Option<Answer>, DropConnection> {
    match fault {
        Fault::Http500 => Ok(Some(text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error".to_owned(),
        ))),
        Fault::HtmlErrorPage { status } => Ok(Some(html(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY),
            BAD_GATEWAY_PAGE,
        ))),
        Fault::Delay(delay) => {
            tokio::time::sleep(*delay).await;
            Ok(None)
        }
        Fault::DropConnection => Err(DropConnection),
        Fault::Respond { status, body } => Ok(Some(respond(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            "application/json; charset=utf-8",
            body.clone(),
        ))),
    }
}

impl Shared {
    fn target(&self, path: &str) -> Target {
        let Some(rest) = path
            .strip_prefix(BASE_PATH)
            .and_then(|rest| rest.strip_prefix("/Webservice/"))
        else {
            return Target::NotFound;
        };
        let (name, route) = rest.split_once('/').unwrap_or((rest, ""));
        let name = percent_decode(name);
        if name != self.webservice_name {
            return Target::UnknownWebservice(name);
        }
        let route = percent_decode(route.trim_matches('/'));
        Operation::ALL
            .into_iter()
            .find(|operation| self.routes.route(*operation).trim_matches('/') == route)
            .map_or(Target::NotFound, Target::Operation)
    }

    /// Checks the credentials, then runs the operation.
    fn answer(&self, operation: Operation, body: &Value) -> Answer {
        let given = |key: &str| match body.get(key) {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        if given("UserLogin").as_deref() != Some(&self.username)
            || given("Password").as_deref() != Some(&self.password)
        {
            tracing::info!(%operation, "fake OTOBO: authorization failed");
            let refusal = Refusal {
                code: "AuthFail",
                message: "Authorization failing!".to_owned(),
            };
            return json(refusal.to_body(operation));
        }
        match lock(&self.helpdesk).handle(operation, body) {
            Ok(outcome) => {
                for change in outcome.changes {
                    tracing::info!("{change}");
                }
                json(outcome.body)
            }
            Err(refusal) => {
                tracing::info!(%operation, code = refusal.code, message = %refusal.message, "fake OTOBO: refused");
                json(refusal.to_body(operation))
            }
        }
    }
}

/// Counts requests in progress (and the most at once) while alive.
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

fn json(body: Value) -> Answer {
    respond(
        StatusCode::OK,
        "application/json; charset=utf-8",
        body.to_string(),
    )
}

fn text(status: StatusCode, body: String) -> Answer {
    respond(status, "text/plain; charset=utf-8", body)
}

fn html(status: StatusCode, body: &'static str) -> Answer {
    respond(status, "text/html; charset=utf-8", body.to_owned())
}

fn respond(status: StatusCode, content_type: &'static str, body: String) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

/// `%XX` escapes of a path segment decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const BAD_GATEWAY_PAGE: &str =
    "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n\
<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

const NOT_FOUND_PAGE: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n\
<title>404 Not Found</title>\n</head><body>\n<h1>Not Found</h1>\n\
<p>The requested URL was not found on this server.</p>\n</body></html>\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded() {
        assert_eq!(percent_decode("Open%20Ticket%20AI"), "Open Ticket AI");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
