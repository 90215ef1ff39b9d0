//! What can go wrong talking to OTOBO, one variant per failure class. Every variant that
//! comes from a request names the operation and its route; none ever holds the password
//! or a request body. Text from the server (an `Error` message, the start of a non-JSON
//! answer) is bounded and has the password masked in case a server echoes it.
//!
//! [`OtoboError`] becomes the core's [`TicketSystemError`] in one place, the `From` impl at
//! the end of this file.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use otai::interfaces::TicketSystemError;

use crate::operation::Operation;

/// How many characters of a non-JSON answer an error quotes.
pub const BODY_START_CHARS: usize = 200;

/// Which request failed: the operation and the route it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The operation.
    pub operation: Operation,
    /// Its route (`ticket-search`).
    pub route: String,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (route `{}`)", self.operation, self.route)
    }
}

/// A failure of the OTOBO client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtoboError {
    /// The server answered with an `Error` object (usually with HTTP 200): wrong
    /// credentials, an unknown queue, missing permissions…
    #[error("{endpoint} failed: OTOBO answered `{code}`: {message}")]
    Remote {
        /// The request.
        endpoint: Endpoint,
        /// `ErrorCode` (`TicketSearch.AuthFail`); empty when the server sent none.
        code: String,
        /// `ErrorMessage`, password masked.
        message: String,
    },
    /// The server answered with a status other than 2xx.
    #[error("{endpoint} failed: HTTP {status}{}", describe_status_body(.location, .body_start))]
    HttpStatus {
        /// The request.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// `Location` of a redirect (redirects are not followed: the body holds the password).
        location: Option<String>,
        /// The start of the answer (at most [`BODY_START_CHARS`] characters), password masked.
        body_start: String,
    },
    /// The answer is not JSON: typically an HTML error page of a proxy, or a web server
    /// that does not run the GenericInterface at that address.
    #[error(
        "{endpoint} failed: the answer (HTTP {status}) is not JSON; it starts with {body_start:?}"
    )]
    NotJson {
        /// The request.
        endpoint: Endpoint,
        /// The HTTP status.
        status: u16,
        /// The start of the answer (at most [`BODY_START_CHARS`] characters), password masked.
        body_start: String,
    },
    /// The answer is JSON but not of the expected shape (e.g. a list instead of an object).
    #[error("{endpoint} failed: unexpected answer: {reason}")]
    UnexpectedAnswer {
        /// The request.
        endpoint: Endpoint,
        /// What did not fit.
        reason: String,
    },
    /// No complete answer within the timeout. The request may have been processed.
    #[error("{endpoint} failed: no answer within {}", humantime_like(*.timeout))]
    Timeout {
        /// The request.
        endpoint: Endpoint,
        /// The configured timeout.
        timeout: Duration,
    },
    /// Nothing listens at the address. The request never left.
    #[error(
        "{endpoint} failed: connection refused by {host} (is the server running at that address?)"
    )]
    ConnectionRefused {
        /// The request.
        endpoint: Endpoint,
        /// `host:port`.
        host: String,
    },
    /// The connection could not be made (DNS, unreachable network, connect timeout). The
    /// request never left.
    #[error("{endpoint} failed: cannot connect to {host}: {reason}")]
    Connect {
        /// The request.
        endpoint: Endpoint,
        /// `host:port`.
        host: String,
        /// Why.
        reason: String,
    },
    /// The TLS handshake failed (untrusted or expired certificate, wrong host name, a
    /// server that does not speak TLS). The request never left.
    #[error("{endpoint} failed: TLS handshake with {host} failed: {reason}")]
    Tls {
        /// The request.
        endpoint: Endpoint,
        /// `host:port`.
        host: String,
        /// Why (rustls' reason).
        reason: String,
        /// What kind of failure it is, for the hint that fixes it.
        problem: TlsProblem,
    },
    /// The connection broke after the request was sent, before a complete answer. The
    /// request may have been processed.
    #[error("{endpoint} failed: the connection was lost before a complete answer: {reason}")]
    ConnectionLost {
        /// The request.
        endpoint: Endpoint,
        /// Why.
        reason: String,
    },
    /// `TicketGet` returned no ticket for the id.
    #[error("{endpoint}: ticket `{ticket_id}` not found")]
    NotFound {
        /// The request.
        endpoint: Endpoint,
        /// The id asked for.
        ticket_id: String,
    },
    /// The unified data cannot be expressed as this request (e.g. a create without subject).
    #[error("{endpoint} not sent: {reason}")]
    InvalidRequest {
        /// The request.
        endpoint: Endpoint,
        /// Why.
        reason: String,
    },
    /// The `ca_certificate` file could not be read or holds no certificate.
    #[error("cannot use the CA certificate `{}`: {reason}", .path.display())]
    CaCertificate {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be set up (TLS backend).
    #[error("cannot set up the HTTP client: {reason}")]
    ClientSetup {
        /// Why.
        reason: String,
    },
}

/// Params that cannot work, found when the client is built (offline).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// `base_url` is not an absolute http(s) URL.
    #[error("`base_url` `{base_url}` is not usable: {reason}")]
    BaseUrl {
        /// The value given.
        base_url: String,
        /// Why.
        reason: String,
    },
    /// `webservice_name` is empty.
    #[error("`webservice_name` is empty")]
    EmptyWebserviceName,
    /// A route in `operation_urls` is empty.
    #[error("`operation_urls.{0}` is empty")]
    EmptyRoute(Operation),
    /// `timeout` is zero.
    #[error("`timeout` must be longer than zero")]
    ZeroTimeout,
}

impl OtoboError {
    /// The failed request, when the error comes from one.
    pub fn endpoint(&self) -> Option<&Endpoint> {
        match self {
            OtoboError::Remote { endpoint, .. }
            | OtoboError::HttpStatus { endpoint, .. }
            | OtoboError::NotJson { endpoint, .. }
            | OtoboError::UnexpectedAnswer { endpoint, .. }
            | OtoboError::Timeout { endpoint, .. }
            | OtoboError::ConnectionRefused { endpoint, .. }
            | OtoboError::Connect { endpoint, .. }
            | OtoboError::Tls { endpoint, .. }
            | OtoboError::ConnectionLost { endpoint, .. }
            | OtoboError::NotFound { endpoint, .. }
            | OtoboError::InvalidRequest { endpoint, .. } => Some(endpoint),
            OtoboError::CaCertificate { .. } | OtoboError::ClientSetup { .. } => None,
        }
    }

    /// Whether the request provably never reached the server (no connection was made), so
    /// that even an update or a note may be sent again without risk of doing it twice.
    pub fn never_reached_server(&self) -> bool {
        matches!(
            self,
            OtoboError::ConnectionRefused { .. }
                | OtoboError::Connect { .. }
                | OtoboError::Tls { .. }
        )
    }

    /// Whether the failure may go away by itself: server errors (5xx, 408, 429), timeouts,
    /// lost connections and non-JSON answers (a proxy's error page). Safe operations are
    /// retried on these.
    pub fn is_transient(&self) -> bool {
        match self {
            OtoboError::HttpStatus { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            OtoboError::Timeout { .. }
            | OtoboError::ConnectionLost { .. }
            | OtoboError::NotJson { .. } => true,
            other => other.never_reached_server(),
        }
    }

    /// The error `ErrorCode`, for [`OtoboError::Remote`].
    pub fn remote_code(&self) -> Option<&str> {
        match self {
            OtoboError::Remote { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Classifies a transport error of reqwest (anything before a status line arrived, or a
    /// broken body). `host` is `host:port` of the base URL.
    pub(crate) fn from_transport(
        endpoint: Endpoint,
        host: &str,
        timeout: Duration,
        error: reqwest::Error,
    ) -> OtoboError {
        // The URL holds no secret, but it is named by `host` already: keep messages short.
        let error = error.without_url();
        let host = host.to_owned();
        if error.is_connect() {
            if let Some(tls) = find_in_chain::<rustls::Error>(&error) {
                return OtoboError::Tls {
                    endpoint,
                    host,
                    reason: tls.to_string(),
                    problem: TlsProblem::of(tls),
                };
            }
            if find_io_kind(&error, io::ErrorKind::ConnectionRefused) {
                return OtoboError::ConnectionRefused { endpoint, host };
            }
            let reason = if error.is_dns() {
                format!("DNS lookup failed: {}", chain_text(&error))
            } else if error.is_timeout() {
                format!("no connection within {}", humantime_like(timeout))
            } else {
                chain_text(&error)
            };
            return OtoboError::Connect {
                endpoint,
                host,
                reason,
            };
        }
        if error.is_timeout() {
            return OtoboError::Timeout { endpoint, timeout };
        }
        OtoboError::ConnectionLost {
            endpoint,
            reason: chain_text(&error),
        }
    }
}

/// What a failed TLS handshake is about; each has its own fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// Signed by a CA this client does not trust (an internal CA: `ca_certificate`).
    UnknownIssuer,
    /// Issued for another host name than the one in `base_url`.
    WrongHostName,
    /// Expired, or not valid yet (a server's certificate, or the clock here).
    Expired,
    /// Anything else: a server that does not speak TLS, no common protocol, a bad certificate.
    Other,
}

impl TlsProblem {
    fn of(error: &rustls::Error) -> Self {
        use rustls::CertificateError as C;
        match error {
            rustls::Error::InvalidCertificate(C::UnknownIssuer) => Self::UnknownIssuer,
            rustls::Error::InvalidCertificate(
                C::NotValidForName | C::NotValidForNameContext { .. },
            ) => Self::WrongHostName,
            rustls::Error::InvalidCertificate(
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. },
            ) => Self::Expired,
            _ => Self::Other,
        }
    }
}

/// The one conversion into the core's error: `Error` answers are rejections (the server
/// understood and refused), a missing ticket is `NotFound`, everything else is a backend
/// failure (keeping this error as its source, which names operation and route).
impl From<OtoboError> for TicketSystemError {
    /// Keeps what a caller needs to decide what to do next: a request that never reached
    /// the server is [`Unavailable`](TicketSystemError::Unavailable) (safe to send again);
    /// one sent without a usable answer (timeout, lost connection, an error page, 5xx — or,
    /// for a write, an answer that cannot be read) is
    /// [`OutcomeUnknown`](TicketSystemError::OutcomeUnknown); an `Error` payload is
    /// [`Rejected`](TicketSystemError::Rejected), except `<Operation>.AuthFail`, which is
    /// [`Unavailable`](TicketSystemError::Unavailable): the agent was refused, the request
    /// had no effect, and it is no fault of the ticket's.
    fn from(error: OtoboError) -> Self {
        let operation = error.endpoint().map_or_else(
            || "connect".to_owned(),
            |endpoint| endpoint.operation.to_string(),
        );
        let write = error
            .endpoint()
            .is_some_and(|endpoint| !endpoint.operation.is_idempotent());
        match error {
            OtoboError::NotFound { ticket_id, .. } => TicketSystemError::NotFound(ticket_id),
            // `AuthFail` refuses the agent, not the request: it had no effect, and it passes
            // when the login works again (an LDAP behind it back) — the system is away, no
            // ticket's own failure.
            OtoboError::Remote { ref code, .. } if code.ends_with(".AuthFail") => {
                TicketSystemError::unavailable(operation, error)
            }
            OtoboError::Remote { .. } | OtoboError::InvalidRequest { .. } => {
                TicketSystemError::rejected(operation, error.to_string())
            }
            _ if error.never_reached_server() => TicketSystemError::unavailable(operation, error),
            _ if error.is_transient() => TicketSystemError::outcome_unknown(operation, error),
            OtoboError::UnexpectedAnswer { .. } if write => {
                TicketSystemError::outcome_unknown(operation, error)
            }
            _ => TicketSystemError::backend(operation, error),
        }
    }
}

/// The first `BODY_START_CHARS` characters of `body` (lossy UTF-8, whitespace runs
/// collapsed, cut at a character boundary), with `password` masked.
pub(crate) fn body_start(body: &[u8], password: &str) -> String {
    // The whole body is masked before it is cut, so no part of the password can remain.
    let text = mask(&String::from_utf8_lossy(body), password);
    let mut out = String::new();
    let mut chars = 0;
    let mut last_was_space = false;
    for c in text.trim().chars() {
        if chars == BODY_START_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if last_was_space {
                continue;
            }
            last_was_space = true;
            out.push(' ');
        } else {
            last_was_space = false;
            out.push(c);
        }
        chars += 1;
    }
    out
}

/// `text` with every occurrence of `password` replaced by `***`.
pub(crate) fn mask(text: &str, password: &str) -> String {
    if password.is_empty() {
        text.to_owned()
    } else {
        text.replace(password, "***")
    }
}

fn describe_status_body(location: &Option<String>, body_start: &str) -> String {
    match location {
        Some(location) => format!(
            " (redirect to `{location}`; redirects are not followed, set `base_url` to the final address)"
        ),
        None if body_start.is_empty() => String::new(),
        None => format!("; the answer starts with {body_start:?}"),
    }
}

/// `30s`, `1.5s`, `250ms`.
fn humantime_like(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{}s", duration.as_secs())
    } else if duration.as_secs() > 0 {
        format!("{:.1}s", duration.as_secs_f64())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// The texts of an error's sources, joined by `: ` (repeats dropped). The generic wrappers
/// (reqwest's "error sending request", hyper-util's "client error (Connect)") are left out:
/// they say nothing the variant does not.
fn chain_text(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(err) = source {
        let text = err.to_string();
        if parts.last() != Some(&text) && !text.starts_with("client error (") {
            parts.push(text);
        }
        source = err.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

/// The first error of type `E` in the chain, also inside `io::Error`s (whose `source()`
/// skips the error they wrap).
fn find_in_chain<'a, E: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a E> {
    let mut current: Option<&'a (dyn StdError + 'static)> = Some(error);
    while let Some(err) = current {
        if let Some(found) = err.downcast_ref::<E>() {
            return Some(found);
        }
        if let Some(inner) = err.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            if let Some(found) = find_in_chain::<E>(inner) {
                return Some(found);
            }
        }
        current = err.source();
    }
    None
}

fn find_io_kind(error: &(dyn StdError + 'static), kind: io::ErrorKind) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(err) = current {
        if err
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        current = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint {
            operation: Operation::TicketUpdate,
            route: "ticket-update".into(),
        }
    }

    #[test]
    fn tls_failures_are_classified_by_their_fix() {
        use rustls::CertificateError as C;
        let of = |e| TlsProblem::of(&rustls::Error::InvalidCertificate(e));
        assert_eq!(of(C::UnknownIssuer), TlsProblem::UnknownIssuer);
        assert_eq!(of(C::NotValidForName), TlsProblem::WrongHostName);
        assert_eq!(of(C::Expired), TlsProblem::Expired);
        assert_eq!(of(C::NotValidYet), TlsProblem::Expired);
        assert_eq!(of(C::BadEncoding), TlsProblem::Other);
        assert_eq!(
            TlsProblem::of(&rustls::Error::InvalidMessage(
                rustls::InvalidMessage::InvalidContentType
            )),
            TlsProblem::Other
        );
    }

    #[test]
    fn body_starts_are_bounded_collapsed_and_masked() {
        let html = format!("<html>\n\n  <body>{}</body></html>", "é".repeat(500));
        let start = body_start(html.as_bytes(), "pw");
        assert!(start.starts_with("<html> <body>éé"), "{start}");
        assert_eq!(start.chars().count(), BODY_START_CHARS + 1);
        assert!(start.ends_with('…'));
        assert_eq!(body_start(b"you sent s3cret!", "s3cret"), "you sent ***!");
        assert_eq!(body_start(b"", "pw"), "");
        // Invalid UTF-8 and a cut inside a multi-byte character do not panic.
        assert_eq!(body_start(&[0xff, b'a'], "pw"), "\u{fffd}a");
    }

    #[test]
    fn messages_name_operation_and_route() {
        let error = OtoboError::Remote {
            endpoint: endpoint(),
            code: "TicketUpdate.InvalidParameter".into(),
            message: "TicketUpdate: Ticket->Queue is invalid!".into(),
        };
        assert_eq!(
            error.to_string(),
            "TicketUpdate (route `ticket-update`) failed: OTOBO answered \
             `TicketUpdate.InvalidParameter`: TicketUpdate: Ticket->Queue is invalid!"
        );
        let timeout = OtoboError::Timeout {
            endpoint: endpoint(),
            timeout: Duration::from_millis(1500),
        };
        assert_eq!(
            timeout.to_string(),
            "TicketUpdate (route `ticket-update`) failed: no answer within 1.5s"
        );
        let redirect = OtoboError::HttpStatus {
            endpoint: endpoint(),
            status: 301,
            location: Some("https://h/".into()),
            body_start: String::new(),
        };
        assert!(redirect
            .to_string()
            .contains("HTTP 301 (redirect to `https://h/`"));
    }

    #[test]
    fn retry_classes() {
        let status = |status| OtoboError::HttpStatus {
            endpoint: endpoint(),
            status,
            location: None,
            body_start: String::new(),
        };
        assert!(status(500).is_transient());
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(500).never_reached_server());
        let refused = OtoboError::ConnectionRefused {
            endpoint: endpoint(),
            host: "h:1".into(),
        };
        assert!(refused.never_reached_server() && refused.is_transient());
        let lost = OtoboError::ConnectionLost {
            endpoint: endpoint(),
            reason: "eof".into(),
        };
        assert!(lost.is_transient() && !lost.never_reached_server());
        let remote = OtoboError::Remote {
            endpoint: endpoint(),
            code: "X".into(),
            message: "y".into(),
        };
        assert!(!remote.is_transient());
    }

    #[test]
    fn an_auth_failure_is_the_system_away_not_a_rejection() {
        let auth = |code: &str| OtoboError::Remote {
            endpoint: endpoint(),
            code: code.into(),
            message: "Authorization failing!".into(),
        };
        let converted = TicketSystemError::from(auth("TicketUpdate.AuthFail"));
        assert!(
            matches!(&converted, TicketSystemError::Unavailable { operation, .. } if operation == "TicketUpdate"),
            "{converted:?}"
        );
        assert!(otai::report(&converted).contains("TicketUpdate.AuthFail"));
        assert!(matches!(
            TicketSystemError::from(auth("TicketUpdate.AccessDenied")),
            TicketSystemError::Rejected { .. }
        ));
    }

    #[test]
    fn conversion_into_the_core_error() {
        let not_found = OtoboError::NotFound {
            endpoint: Endpoint {
                operation: Operation::TicketGet,
                route: "ticket-get".into(),
            },
            ticket_id: "9".into(),
        };
        assert!(matches!(
            TicketSystemError::from(not_found),
            TicketSystemError::NotFound(id) if id == "9"
        ));
        let remote = OtoboError::Remote {
            endpoint: endpoint(),
            code: "C".into(),
            message: "m".into(),
        };
        assert!(matches!(
            TicketSystemError::from(remote),
            TicketSystemError::Rejected { operation, .. } if operation == "TicketUpdate"
        ));
        let lost = OtoboError::ConnectionLost {
            endpoint: endpoint(),
            reason: "eof".into(),
        };
        let backend = TicketSystemError::from(lost);
        assert!(
            matches!(&backend, TicketSystemError::OutcomeUnknown { .. }),
            "a request sent without an answer may have been carried out"
        );
        let source = std::error::Error::source(&backend).unwrap();
        assert!(
            source.downcast_ref::<OtoboError>().is_some(),
            "the typed error is kept as the source"
        );
    }
}
