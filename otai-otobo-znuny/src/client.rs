//! The HTTP client of the GenericInterface: one connection pool per client, requests with
//! credentials in the body, typed errors, retries, lenient answers.
//!
//! Building a client ([`OtoboZnunyClient::new`]) checks the params and computes the
//! endpoint URLs; it reads no file and opens no connection, so `otai check` stays offline.
//! The HTTP client itself (TLS roots, the `ca_certificate` file) is set up by
//! [`OtoboZnunyClient::connect`], which then proves the credentials with a one-ticket
//! search — or, when nobody called `connect`, on the first request.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::{StreamExt, TryStreamExt};
use otai::Secret;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::error::{body_start, mask, Endpoint, OtoboError, ParamsError};
use crate::operation::Operation;
use crate::params::OtoboZnunyParams;
use crate::retry::RetryPolicy;
use crate::wire::{
    Authenticated, Credentials, ErrorDetail, MutationResponse, SearchResponse,
    Ticket, TicketCreateRequest, TicketGetRequest, TicketGetResponse, TicketSearchRequest,
    TicketUpdateRequest,
};

/// A client of one OTOBO / Znuny / OTRS web service.
#[derive(Debug)]
pub struct OtoboZnunyClient {
    /// Set up on `connect` or the first request; shared by every request after that.
    http: OnceCell<reqwest::Client>,
    routes: [Route; 4],
    /// `host:port` of the base URL, for connection errors.
    host: String,
    username: String,
    password: Secret,
    timeout: Duration,
    retry: RetryPolicy,
    article_limit: u32,
    max_concurrency: NonZeroUsize,
    ca_certificate: Option<PathBuf>,
    accept_invalid_certs: bool,
}

/// Where and how one operation is sent.
#[derive(Debug, Clone)]
struct Route {
    endpoint: Endpoint,
    url: Url,
    method: Method,
}

impl OtoboZnunyClient {
    /// A client for the web service the params describe. Checks the params and builds the
    /// endpoint URLs; nothing is read or connected (see [`OtoboZnunyClient::connect`]).
    pub fn new(params: &OtoboZnunyParams) -> Result<Self, ParamsError> {
        let base_url = parse_base_url(&params.base_url)?;
        if params.webservice_name.trim().is_empty() {
            return Err(ParamsError::EmptyWebserviceName);
        }
        if params.timeout.get().is_zero() {
            return Err(ParamsError::ZeroTimeout);
        }
        let route = |operation: Operation| -> Result<Route, ParamsError> {
            let route = params.operation_urls.route(operation).trim_matches('/');
            if route.is_empty() {
                return Err(ParamsError::EmptyRoute(operation));
            }
            let mut url = base_url.clone();
            url.path_segments_mut()
                .map_err(|()| ParamsError::BaseUrl {
                    base_url: params.base_url.clone(),
                    reason: "it cannot have a path".to_owned(),
                })?
                .pop_if_empty()
                .push("Webservice")
                .push(&params.webservice_name)
                .extend(route.split('/').filter(|segment| !segment.is_empty()));
            let method = match operation {
                Operation::TicketUpdate => params.update_method.as_http(),
                _ => Method::POST,
            };
            Ok(Route {
                endpoint: Endpoint {
                    operation,
                    route: route.to_owned(),
                },
                url,
                method,
            })
        };
        let routes = [
            route(Operation::TicketSearch)?,
            route(Operation::TicketGet)?,
            route(Operation::TicketUpdate)?,
            route(Operation::TicketCreate)?,
        ];
        if params.accept_invalid_certs {
            tracing::warn!(
                base_url = %base_url,
                "accept_invalid_certs is on: TLS certificates of the OTOBO server are NOT \
                 verified; anyone between this host and the server can read the password and \
                 every ticket. Use ca_certificate for an internal CA instead."
            );
        }
        Ok(Self {
            http: OnceCell::new(),
            routes,
            host: host_of(&base_url),
            username: params.username.clone(),
            password: params.password.clone(),
            timeout: params.timeout.get(),
            retry: RetryPolicy::new(params.max_retries),
            article_limit: params.article_limit,
            max_concurrency: params.max_concurrency,
            ca_certificate: params.ca_certificate.clone(),
            accept_invalid_certs: params.accept_invalid_certs,
        })
    }

    /// The same client with another retry policy (e.g. shorter backoff in tests).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    /// How many `TicketGet`s [`OtoboZnunyClient::get_many`] runs at once.
    pub fn max_concurrency(&self) -> NonZeroUsize {
        self.max_concurrency
    }

    /// The URL an operation is sent to.
    pub fn url(&self, operation: Operation) -> &Url {
        &self.route(operation).url
    }

    /// The HTTP method an operation is sent with.
    pub fn method(&self, operation: Operation) -> &Method {
        &self.route(operation).method
    }

    /// Sets up the HTTP client (reads `ca_certificate`) and proves that the server is
    /// reachable and accepts the credentials, with a `TicketSearch` for one ticket. The
    /// service's start step calls this; a wrong password is an [`OtoboError::Remote`] with
    /// code `TicketSearch.AuthFail`.
    pub async fn connect(&self) -> Result<(), OtoboError> {
        self.http().await?;
        let probe = TicketSearchRequest {
            limit: Some(1),
            ..TicketSearchRequest::default()
        };
        self.search(&probe).await?;
        tracing::info!(host = %self.host, user = %self.username, "connected to OTOBO");
        Ok(())
    }

    /// `TicketSearch`: the ids of matching tickets, in the server's order.
    pub async fn search(&self, request: &TicketSearchRequest) -> Result<Vec<String>, OtoboError> {
        let answer: SearchResponse = self.call(Operation::TicketSearch, request).await?;
        Ok(answer.ticket_ids)
    }

    /// `TicketGet` of one ticket with its dynamic fields and up to `article_limit` articles.
    /// No ticket in the answer (or `TicketGet.NotValidTicketID`) is [`OtoboError::NotFound`].
    pub async fn get(&self, ticket_id: &str) -> Result<Ticket, OtoboError> {
        let request = TicketGetRequest::new(ticket_id, self.article_limit);
        self.get_with(ticket_id, &request).await
    }

    async fn get_with(
        &self,
        ticket_id: &str,
        request: &TicketGetRequest,
    ) -> Result<Ticket, OtoboError> {
        let answer: TicketGetResponse = match self.call(Operation::TicketGet, request).await {
            Err(OtoboError::Remote { endpoint, code, .. })
                if code.ends_with(".NotValidTicketID") =>
            {
                return Err(OtoboError::NotFound {
                    endpoint,
                    ticket_id: ticket_id.to_owned(),
                });
            }
            other => other?,
        };
        let mut tickets = answer.tickets;
        if tickets.is_empty() {
            return Err(OtoboError::NotFound {
                endpoint: self.route(Operation::TicketGet).endpoint.clone(),
                ticket_id: ticket_id.to_owned(),
            });
        }
        // One ticket is expected; should a server send more, the one asked for is taken.
        let position = tickets
            .iter()
            .position(|ticket| ticket.ticket_id.as_deref() == Some(ticket_id))
            .unwrap_or(0);
        let mut ticket = tickets.swap_remove(position);
        ticket.ticket_id.get_or_insert_with(|| ticket_id.to_owned());
        Ok(ticket)
    }

    /// `TicketGet` of one ticket with its newest articles first (up to `article_limit`, at
    /// least 20): to see whether a note just sent arrived.
    pub async fn get_newest(&self, ticket_id: &str) -> Result<Ticket, OtoboError> {
        let request = TicketGetRequest::new(ticket_id, self.article_limit.max(20)).newest_first();
        self.get_with(ticket_id, &request).await
    }

    /// `TicketGet` of each id, up to `max_concurrency` at once; the tickets come back in the
    /// order of `ids`. A ticket that no longer exists (deleted or merged since the search)
    /// is left out; any other failure fails the whole call.
    pub async fn get_many(&self, ids: &[String]) -> Result<Vec<Ticket>, OtoboError> {
        // Owned ids: a closure over `&String` trips the compiler's `Send` inference.
        let tickets: Vec<Option<Ticket>> = futures_util::stream::iter(ids.iter().cloned())
            .map(|id: String| async move {
                match self.get(&id).await {
                    Ok(ticket) => Ok(Some(ticket)),
                    Err(OtoboError::NotFound { .. }) => {
                        tracing::info!(ticket_id = %id, "ticket found by the search is gone; skipped");
                        Ok(None)
                    }
                    Err(error) => Err(error),
                }
            })
            .buffered(self.max_concurrency.get())
            .try_collect()
            .await?;
        Ok(tickets.into_iter().flatten().collect())
    }

    /// `TicketUpdate`. Not retried once the request may have reached the server. Writes go
    /// through the service (and so through the engine's gate), never around it.
    pub(crate) async fn update(
        &self,
        request: &TicketUpdateRequest,
    ) -> Result<MutationResponse, OtoboError> {
        self.call(Operation::TicketUpdate, request).await
    }

    /// `TicketCreate`. Not retried once the request may have reached the server.
    pub(crate) async fn create(
        &self,
        request: &TicketCreateRequest,
    ) -> Result<MutationResponse, OtoboError> {
        self.call(Operation::TicketCreate, request).await
    }

    /// The endpoint of an operation, for errors.
    pub(crate) fn endpoint(&self, operation: Operation) -> Endpoint {
        self.route(operation).endpoint.clone()
    }

    fn route(&self, operation: Operation) -> &Route {
        match operation {
            Operation::TicketSearch => &self.routes[0],
            Operation::TicketGet => &self.routes[1],
            Operation::TicketUpdate => &self.routes[2],
            Operation::TicketCreate => &self.routes[3],
        }
    }

    async fn http(&self) -> Result<&reqwest::Client, OtoboError> {
        self.http.get_or_try_init(|| self.build_http()).await
    }

    async fn build_http(&self) -> Result<reqwest::Client, OtoboError> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            // A redirected POST would carry the password to wherever the redirect points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("open-ticket-ai/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &self.ca_certificate {
            let ca_error = |reason: String| OtoboError::CaCertificate {
                path: path.clone(),
                reason,
            };
            let pem = tokio::fs::read(path)
                .await
                .map_err(|e| ca_error(e.to_string()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ca_error(format!("not a PEM certificate file: {e}")))?;
            if certificates.is_empty() {
                return Err(ca_error("no PEM certificate in the file".to_owned()));
            }
            tracing::debug!(path = %path.display(), count = certificates.len(), "trusting CA certificates");
            builder = builder.tls_certs_merge(certificates);
        }
        if self.accept_invalid_certs {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder.build().map_err(|e| OtoboError::ClientSetup {
            reason: e.without_url().to_string(),
        })
    }

    /// Sends `fields` (with the credentials) to `operation`'s route, retrying as the policy
    /// allows, and decodes the answer.
    async fn call<T, R>(&self, operation: Operation, fields: &T) -> Result<R, OtoboError>
    where
        T: Serialize,
        R: DeserializeOwned,
    {
        let route = self.route(operation);
        let credentials = Credentials {
            user_login: &self.username,
            password: &self.password,
        };
        let body = serde_json::to_vec(&Authenticated {
            credentials,
            fields,
        })
        .map_err(|e| OtoboError::InvalidRequest {
            endpoint: route.endpoint.clone(),
            reason: e.to_string(),
        })?;
        let http = self.http().await?;
        let mut retries = 0;
        loop {
            match self.attempt(http, route, body.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(error) if self.retry.should_retry(operation, &error, retries) => {
                    let delay = self.retry.backoff(retries);
                    retries += 1;
                    tracing::warn!(
                        operation = %operation,
                        route = %route.endpoint.route,
                        retry = retries,
                        max_retries = self.retry.max_retries,
                        delay_ms = delay.as_millis() as u64,
                        error = %error,
                        "OTOBO request failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn attempt<R: DeserializeOwned>(
        &self,
        http: &reqwest::Client,
        route: &Route,
        body: Vec<u8>,
    ) -> Result<R, OtoboError> {
        let started = Instant::now();
        let transport_error = |error: reqwest::Error| {
            let error =
                OtoboError::from_transport(route.endpoint.clone(), &self.host, self.timeout, error);
            tracing::debug!(
                operation = %route.endpoint.operation,
                route = %route.endpoint.route,
                method = %route.method,
                elapsed_ms = started.elapsed().as_millis() as u64,
                error = %error,
                "OTOBO request failed"
            );
            error
        };
        let response = http
            .request(route.method.clone(), route.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .body(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(transport_error)?;
        tracing::debug!(
            operation = %route.endpoint.operation,
            route = %route.endpoint.route,
            method = %route.method,
            status = status.as_u16(),
            bytes = bytes.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "OTOBO answered"
        );
        self.decode(&route.endpoint, status, location, &bytes)
    }

    /// Status, then JSON, then `Error`, then the expected shape.
    fn decode<R: DeserializeOwned>(
        &self,
        endpoint: &Endpoint,
        status: StatusCode,
        location: Option<String>,
        bytes: &[u8],
    ) -> Result<R, OtoboError> {
        let password = self.password.expose();
        if !status.is_success() {
            return Err(OtoboError::HttpStatus {
                endpoint: endpoint.clone(),
                status: status.as_u16(),
                location: location.filter(|_| status.is_redirection()),
                body_start: body_start(bytes, password),
            });
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|_| OtoboError::NotJson {
            endpoint: endpoint.clone(),
            status: status.as_u16(),
            body_start: body_start(bytes, password),
        })?;
        if let Some(error) = value.as_object().and_then(|object| object.get("Error")) {
            let detail = ErrorDetail::from_value(error.clone());
            return Err(OtoboError::Remote {
                endpoint: endpoint.clone(),
                code: detail.code.unwrap_or_default(),
                message: mask(&detail.message.unwrap_or_default(), password),
            });
        }
        serde_json::from_value(value).map_err(|e| OtoboError::UnexpectedAnswer {
            endpoint: endpoint.clone(),
            reason: e.to_string(),
        })
    }
}

fn parse_base_url(base_url: &str) -> Result<Url, ParamsError> {
    let invalid = |reason: String| ParamsError::BaseUrl {
        base_url: base_url.to_owned(),
        reason,
    };
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "the scheme must be http or https, not `{}`",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it names no host".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment".to_owned()));
    }
    Ok(url)
}

fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base_url: &str) -> Result<OtoboZnunyClient, ParamsError> {
        OtoboZnunyClient::new(&OtoboZnunyParams::new(base_url, Secret::new("pw")))
    }

    #[test]
    fn urls_are_base_webservice_route() {
        let client = client("https://helpdesk.example.com/otobo/nph-genericinterface.pl/").unwrap();
        assert_eq!(
            client.url(Operation::TicketSearch).as_str(),
            "https://helpdesk.example.com/otobo/nph-genericinterface.pl/Webservice/OpenTicketAI/ticket-search"
        );
        assert_eq!(client.method(Operation::TicketSearch), Method::POST);
        assert_eq!(client.method(Operation::TicketGet), Method::POST);
        assert_eq!(client.method(Operation::TicketUpdate), Method::PUT);
        assert_eq!(client.method(Operation::TicketCreate), Method::POST);
        assert_eq!(client.host, "helpdesk.example.com:443");
    }

    #[test]
    fn routes_and_names_are_escaped_and_slashes_trimmed() {
        let mut params = OtoboZnunyParams::new(
            "http://h:8080/otrs/nph-genericinterface.pl",
            Secret::new("pw"),
        );
        params.webservice_name = "Open Ticket AI".into();
        params
            .operation_urls
            .set_route(Operation::TicketGet, "/Ticket/Get/");
        params.update_method = crate::params::UpdateMethod::Post;
        let client = OtoboZnunyClient::new(&params).unwrap();
        assert_eq!(
            client.url(Operation::TicketGet).as_str(),
            "http://h:8080/otrs/nph-genericinterface.pl/Webservice/Open%20Ticket%20AI/Ticket/Get"
        );
        assert_eq!(client.method(Operation::TicketUpdate), Method::POST);
    }

    #[test]
    fn unusable_params_are_refused_offline() {
        for bad in [
            "",
            "helpdesk.example.com/otobo",
            "ftp://h/x",
            "http://h/x?y=1",
            "mailto:a@b",
        ] {
            assert!(
                matches!(client(bad), Err(ParamsError::BaseUrl { .. })),
                "{bad:?} was accepted"
            );
        }
        let mut params = OtoboZnunyParams::new("http://h", Secret::new("pw"));
        params
            .operation_urls
            .set_route(Operation::TicketCreate, "/");
        assert_eq!(
            OtoboZnunyClient::new(&params).unwrap_err(),
            ParamsError::EmptyRoute(Operation::TicketCreate)
        );
        let mut params = OtoboZnunyParams::new("http://h", Secret::new("pw"));
        params.webservice_name = " ".into();
        assert_eq!(
            OtoboZnunyClient::new(&params).unwrap_err(),
            ParamsError::EmptyWebserviceName
        );
        let mut params = OtoboZnunyParams::new("http://h", Secret::new("pw"));
        params.timeout = otai::Duration::from_millis(0);
        assert_eq!(
            OtoboZnunyClient::new(&params).unwrap_err(),
            ParamsError::ZeroTimeout
        );
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let client =
            OtoboZnunyClient::new(&OtoboZnunyParams::new("http://h", Secret::new("hunter2")))
                .unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
    }
}
