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

use super::faults::{Fault, FaultPlan, FaultRule, RequestFacts};
use super::helpdesk::{Helpdesk, Refusal};
use super::persist::{StateFile, WriteEntry, WriteRecord};
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
    /// Where the tickets are saved after every change (`None`: memory only).
    pub state_file: Option<StateFile>,
    /// Every write request and what became of it.
    pub writes: Mutex<WriteRecord>,
    /// Set once by a `crash` fault: the server stops.
    pub crash: tokio::sync::watch::Sender<bool>,
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
    let mut crash = shared.crash.subscribe();
    loop {
        tokio::select! {
            // Dropping the listener and the connection tasks: the port closes and every
            // client sees its connection cut, as when a server process dies.
            () = async { let _ = crash.wait_for(|crashed| *crashed).await; } => {
                tracing::warn!("fake OTOBO: crashed on purpose (fault `crash`)");
                return;
            }
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

/// Waits until `deadline`, to well under a millisecond: tokio's timer rounds up to the next
/// millisecond tick (up to 1 ms late, 5 % of a 20 ms latency), so the last millisecond is
/// slept on a blocking thread, whose sleep is precise.
async fn answer_at(deadline: tokio::time::Instant) {
    let coarse = deadline.checked_sub(std::time::Duration::from_millis(1));
    if let Some(coarse) = coarse.filter(|at| *at > tokio::time::Instant::now()) {
        tokio::time::sleep_until(coarse).await;
    }
    let rest = deadline.saturating_duration_since(tokio::time::Instant::now());
    if !rest.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(rest)).await;
    }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Answer, DropConnection> {
    let arrived = tokio::time::Instant::now();
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
    let facts = RequestFacts {
        operation,
        adds_note: operation == Some(Operation::TicketUpdate)
            && body.get("Article").is_some_and(Value::is_object),
    };
    let (latency, rule) = {
        let mut plan = lock(&shared.faults);
        (plan.latency, plan.take(facts))
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
    let write = operation.filter(|operation| !operation.is_idempotent());
    if !latency.is_zero() {
        // The latency counts from the request's arrival: reading and decoding it is part of it.
        answer_at(arrived + latency).await;
    }
    if let Some(rule) = rule.as_ref().filter(|rule| !rule.after_processing) {
        let misbehaved = misbehave(&shared, operation, &rule.fault).await;
        if !matches!(misbehaved, Ok(None)) {
            if let Some(write) = write {
                shared.record_write(write, &body, None, Some(rule));
            }
            return misbehaved.map(|answer| answer.unwrap_or_else(|| json(Value::Null)));
        }
    }
    let (answer, outcome) = match target {
        Target::Operation(operation) => shared.answer(operation, &body),
        Target::UnknownWebservice(name) => (
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Could not load web service configuration for web service `{name}`"),
            ),
            None,
        ),
        Target::NotFound => (html(StatusCode::NOT_FOUND, NOT_FOUND_PAGE), None),
    };
    if let Some(write) = write {
        shared.record_write(write, &body, outcome.as_ref(), rule.as_ref());
    }
    tracing::debug!(%method, %path, operation = ?operation, status = answer.status().as_u16(), "fake OTOBO request");
    if let Some(rule) = rule.as_ref().filter(|rule| rule.after_processing) {
        if let Some(answer) = misbehave(&shared, operation, &rule.fault).await? {
            return Ok(answer);
        }
    }
    Ok(answer)
}

/// The fault's answer; `None`: answer normally (after a delay).
async fn misbehave(
    shared: &Shared,
    operation: Option<Operation>,
    fault: &Fault,
) -> Result<Option<Answer>, DropConnection> {
    match fault {
        Fault::Http500 => Ok(Some(text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error".to_owned(),
        ))),
        Fault::HtmlErrorPage { status } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
            Ok(Some(html(status, error_page(status))))
        }
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
        Fault::ErrorPayload { code, message } => {
            let operation = operation.map_or_else(|| "Provider".to_owned(), |o| o.to_string());
            Ok(Some(json(serde_json::json!({"Error": {
                "ErrorCode": format!("{operation}.{code}"),
                "ErrorMessage": format!("{operation}: {message}"),
            }}))))
        }
        Fault::Hang => {
            // Until the server stops: the client's timeout ends the wait on its side.
            std::future::pending::<()>().await;
            Err(DropConnection)
        }
        Fault::Crash => {
            shared.crash.send_replace(true);
            Err(DropConnection)
        }
    }
}

/// The HTML page a server in front of OTOBO sends with `status`.
fn error_page(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => LOGIN_PAGE,
        500 => INTERNAL_ERROR_PAGE,
        503 => SERVICE_UNAVAILABLE_PAGE,
        504 => GATEWAY_TIMEOUT_PAGE,
        _ => BAD_GATEWAY_PAGE,
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

    /// Checks the credentials, then runs the operation; the answer, and its body when the
    /// operation was carried out.
    fn answer(&self, operation: Operation, body: &Value) -> (Answer, Option<Value>) {
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
            return (json(refusal.to_body(operation)), None);
        }
        let mut helpdesk = lock(&self.helpdesk);
        match helpdesk.handle(operation, body) {
            Ok(outcome) => {
                if !outcome.changes.is_empty() {
                    // Saved before the answer goes out, as a database commits first.
                    if let Some(state) = &self.state_file {
                        if let Err(error) = state.save(&helpdesk.saved()) {
                            tracing::error!(%error, "fake OTOBO: cannot save the state");
                        }
                    }
                }
                for change in outcome.changes {
                    tracing::info!("{change}");
                }
                (json(outcome.body.clone()), Some(outcome.body))
            }
            Err(refusal) => {
                tracing::info!(%operation, code = refusal.code, message = %refusal.message, "fake OTOBO: refused");
                (json(refusal.to_body(operation)), None)
            }
        }
    }

    /// Records a write request: `outcome` is the answer body when it was carried out.
    fn record_write(
        &self,
        operation: Operation,
        body: &Value,
        outcome: Option<&Value>,
        rule: Option<&FaultRule>,
    ) {
        let field = |value: Option<&Value>| match value {
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let article = body.get("Article").filter(|a| a.is_object());
        let entry = WriteEntry {
            seq: 0,
            operation: operation.to_string(),
            ticket_id: field(body.get("TicketID"))
                .or_else(|| field(outcome.and_then(|o| o.get("TicketID")))),
            ticket: body.get("Ticket").cloned().unwrap_or(Value::Null),
            note_subject: field(article.and_then(|a| a.get("Subject"))),
            note_body: field(article.and_then(|a| a.get("Body"))),
            applied: outcome.is_some(),
            article_id: field(outcome.and_then(|o| o.get("ArticleID"))),
            fault: rule.map(ToString::to_string),
        };
        lock(&self.writes).push(entry);
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

/// The page Apache sends when OTOBO's Perl side dies.
const INTERNAL_ERROR_PAGE: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n\
<title>500 Internal Server Error</title>\n</head><body>\n<h1>Internal Server Error</h1>\n\
<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n\
<p>Please contact the server administrator at \n webmaster@localhost to inform them of the time this error occurred,\n\
 and the actions you performed just before this error.</p>\n\
<p>More information about this error may be available\nin the server error log.</p>\n</body></html>\n";

const SERVICE_UNAVAILABLE_PAGE: &str =
    "<!DOCTYPE html>\n<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n\
<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

const GATEWAY_TIMEOUT_PAGE: &str =
    "<!DOCTYPE html>\n<html>\n<head><title>504 Gateway Time-out</title></head>\n\
<body>\n<center><h1>504 Gateway Time-out</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

/// A login page, as a single-sign-on proxy sends it with HTTP 200.
const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>Login - OTOBO</title></head>\n\
<body>\n<form method=\"post\" action=\"/otobo/index.pl\"><input name=\"User\"><input name=\"Password\" type=\"password\"></form>\n</body>\n</html>\n";

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
