//! A fake OTOBO: an in-memory helpdesk behind the four GenericInterface routes, speaking the
//! wire format with a real server's quirks. For the plugin's tests, and for users who want
//! to try a pipeline without a helpdesk (binary `fake-otobo`).
//!
//! * Routes: `POST|PUT {base_url}/Webservice/{webservice_name}/{route}` with
//!   `base_url = http://127.0.0.1:{port}/otobo/nph-genericinterface.pl` and the routes of
//!   [`FakeOtoboConfig::routes`] (the client's defaults unless changed).
//! * Credentials: `UserLogin` and `Password` in the body must match, else HTTP 200 with
//!   `{"Error": {"ErrorCode": "<Operation>.AuthFail", "ErrorMessage": "<Operation>: Authorization failing!"}}`.
//! * Quirks: ids as strings, `Article` as a single object for one-article tickets, `null`
//!   customer fields, `{}` for a search without match, `IncludeTicketData` on updates
//!   (switchable).
//! * Every request is recorded ([`FakeOtobo::requests`]: method, path, operation, headers,
//!   parsed JSON body, the fault applied). Updates, notes and creates change the tickets
//!   ([`FakeOtobo::tickets`]); each change is logged at `info`.
//! * Faults ([`Fault`], [`FaultRule`]): latency for every request, HTTP 500, an HTML error
//!   page, a GenericInterface `Error` answer, slow answers, no answer at all, dropped
//!   connections, a crash of the whole server, any raw answer — per operation or for notes
//!   only, for the next N requests or every Nth, before or after the request is processed.
//! * A state file ([`FakeOtoboConfig::with_state_file`]) keeps the tickets across a crash
//!   or a restart; a write record ([`FakeOtoboConfig::with_write_record`],
//!   [`FakeOtobo::writes`]) keeps every write request and whether it was carried out.
//! * It listens on 127.0.0.1 only, over HTTP or, with a certificate
//!   ([`FakeOtoboConfig::with_tls`]), HTTPS.
//!
//! ```no_run
//! # async fn demo() -> Result<(), otai_otobo_znuny::fake::StartError> {
//! use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};
//! let server = FakeOtobo::start(FakeOtoboConfig::new(Seed::default()).with_password("pw")).await?;
//! println!("{}", server.base_url()); // http://127.0.0.1:41234/otobo/nph-genericinterface.pl
//! # Ok(()) }
//! ```

mod faults;
mod helpdesk;
mod persist;
mod seed;
mod server;
mod tls;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

pub use faults::{Fault, FaultRule, FaultSyntaxError};
pub use helpdesk::{FakeArticle, FakeTicket};
pub use persist::{read_write_record, PersistError, WriteEntry};
pub use seed::{Seed, SeedArticle, SeedError, SeedTicket};
pub use tls::TlsIdentity;

use crate::operation::Operation;
use crate::params::OperationUrls;
use persist::{StateFile, WriteRecord};
use server::{lock, Shared};

/// The path of the GenericInterface entry point on the fake server.
pub const BASE_PATH: &str = "/otobo/nph-genericinterface.pl";

/// How to start a fake server.
#[derive(Debug, Clone)]
pub struct FakeOtoboConfig {
    /// Queues, priorities… and tickets.
    pub seed: Seed,
    /// The agent login accepted (default `open_ticket_ai`).
    pub username: String,
    /// The password accepted.
    pub password: String,
    /// The web service name (default `OpenTicketAI`).
    pub webservice_name: String,
    /// The route of each operation (default `ticket-search`, …).
    pub routes: OperationUrls,
    /// Whether `TicketUpdate` answers carry the ticket (`IncludeTicketData: '1'`, as in the
    /// reference web service; default true).
    pub include_ticket_data_on_update: bool,
    /// The port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Serve HTTPS with this certificate (default: plain HTTP).
    pub tls: Option<TlsIdentity>,
    /// Keep the tickets in this file: read at start when it exists (instead of the seed's
    /// tickets), replaced after every change (default: memory only).
    pub state_file: Option<PathBuf>,
    /// Append every write request to this file (JSON Lines; default: memory only).
    pub write_record: Option<PathBuf>,
}

impl FakeOtoboConfig {
    /// A server for `seed` with the default user, web service and routes, password
    /// `otai-fake`, on any free port.
    pub fn new(seed: Seed) -> Self {
        Self {
            seed,
            username: "open_ticket_ai".to_owned(),
            password: "otai-fake".to_owned(),
            webservice_name: "OpenTicketAI".to_owned(),
            routes: OperationUrls::default(),
            include_ticket_data_on_update: true,
            port: 0,
            tls: None,
            state_file: None,
            write_record: None,
        }
    }

    /// With this password.
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }

    /// With this agent login.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = username.into();
        self
    }

    /// With this web service name.
    pub fn with_webservice_name(mut self, name: impl Into<String>) -> Self {
        self.webservice_name = name.into();
        self
    }

    /// With another route for `operation`.
    pub fn with_route(mut self, operation: Operation, route: impl Into<String>) -> Self {
        self.routes.set_route(operation, route);
        self
    }

    /// With or without the ticket in `TicketUpdate` answers.
    pub fn with_ticket_data_on_update(mut self, include: bool) -> Self {
        self.include_ticket_data_on_update = include;
        self
    }

    /// On this port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Over HTTPS with this certificate and key.
    pub fn with_tls(mut self, identity: TlsIdentity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// With the tickets kept in `path`, so that a server started again carries on.
    pub fn with_state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// With every write request appended to `path` (carried on by a server started again).
    pub fn with_write_record(mut self, path: impl Into<PathBuf>) -> Self {
        self.write_record = Some(path.into());
        self
    }
}

/// A request the fake server received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method (`POST`, `PUT`).
    pub method: String,
    /// Path (`/otobo/nph-genericinterface.pl/Webservice/OpenTicketAI/ticket-get`).
    pub path: String,
    /// The operation its route leads to (`None` for unknown paths).
    pub operation: Option<Operation>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// `Accept` header.
    pub accept: Option<String>,
    /// The body as JSON (`null` when it is not JSON).
    pub body: Value,
    /// The fault the server applied to it.
    pub fault: Option<Fault>,
}

/// A running fake server. Dropping it stops the server and closes its connections.
#[derive(Debug)]
pub struct FakeOtobo {
    shared: Arc<Shared>,
    address: SocketAddr,
    https: bool,
    task: tokio::task::JoinHandle<()>,
}

/// Why a fake server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The seed names a queue (priority…) that is not in its lists, or repeats an id.
    #[error(transparent)]
    Seed(#[from] SeedError),
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// Why.
        source: io::Error,
    },
    /// The state file or the write record cannot be used.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// The TLS certificate or key cannot be used.
    #[error("cannot serve HTTPS: {reason}")]
    Tls {
        /// What is wrong with the certificate or key.
        reason: String,
    },
}

impl FakeOtobo {
    /// Starts a server on 127.0.0.1 (on the current Tokio runtime).
    pub async fn start(config: FakeOtoboConfig) -> Result<FakeOtobo, StartError> {
        let mut helpdesk =
            helpdesk::Helpdesk::new(config.seed, config.include_ticket_data_on_update)?;
        let state_file = config.state_file.map(StateFile::new);
        if let Some(state_file) = &state_file {
            match state_file.load()? {
                Some(saved) => helpdesk
                    .restore(saved)
                    .map_err(|reason| PersistError::new(state_file.path(), reason))?,
                None => state_file.save(&helpdesk.saved())?,
            }
        }
        let writes = match &config.write_record {
            Some(path) => WriteRecord::open(path)?,
            None => WriteRecord::in_memory(),
        };
        let acceptor = config
            .tls
            .as_ref()
            .map(TlsIdentity::acceptor)
            .transpose()
            .map_err(|reason| StartError::Tls { reason })?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
            .await
            .map_err(|source| StartError::Bind {
                port: config.port,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| StartError::Bind {
            port: config.port,
            source,
        })?;
        let shared = Arc::new(Shared {
            username: config.username,
            password: config.password,
            webservice_name: config.webservice_name,
            routes: config.routes,
            helpdesk: Mutex::new(helpdesk),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::default(),
            state_file,
            writes: Mutex::new(writes),
            crash: tokio::sync::watch::Sender::new(false),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
        });
        let https = acceptor.is_some();
        let task = tokio::spawn(server::serve(listener, acceptor, Arc::clone(&shared)));
        Ok(FakeOtobo {
            shared,
            address,
            https,
            task,
        })
    }

    /// `http://127.0.0.1:{port}/otobo/nph-genericinterface.pl` (`https://` when serving
    /// TLS): the client's `base_url`.
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{BASE_PATH}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The web service name it serves.
    pub fn webservice_name(&self) -> &str {
        &self.shared.webservice_name
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests of one operation so far.
    pub fn requests_for(&self, operation: Operation) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|request| request.operation == Some(operation))
            .cloned()
            .collect()
    }

    /// The requests recorded since the last call (or the start), forgetting them: for long
    /// runs that count requests as they go instead of keeping every body.
    pub fn take_requests(&self) -> Vec<RecordedRequest> {
        std::mem::take(&mut *lock(&self.shared.requests))
    }

    /// Forgets the recorded requests (and the most requests seen at once).
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
        self.shared.max_in_flight.store(0, Ordering::SeqCst);
    }

    /// Every write request so far (with a write record file: also those of the servers
    /// before this one), oldest first.
    pub fn writes(&self) -> Vec<WriteEntry> {
        lock(&self.shared.writes).entries().to_vec()
    }

    /// Waits until a `crash` fault has stopped the server.
    pub async fn crashed(&self) {
        let mut crash = self.shared.crash.subscribe();
        let _ = crash.wait_for(|crashed| *crashed).await;
    }

    /// Whether a `crash` fault has stopped the server.
    pub fn has_crashed(&self) -> bool {
        *self.shared.crash.borrow()
    }

    /// Every ticket as it is now, by id.
    pub fn tickets(&self) -> Vec<FakeTicket> {
        lock(&self.shared.helpdesk).tickets().to_vec()
    }

    /// One ticket as it is now.
    pub fn ticket(&self, id: u64) -> Option<FakeTicket> {
        lock(&self.shared.helpdesk)
            .tickets()
            .iter()
            .find(|ticket| ticket.id == id)
            .cloned()
    }

    /// Deletes a ticket, as an admin can in OTOBO (not through the web service): later
    /// reads of it answer `TicketGet.NotValidTicketID`. Returns whether it existed.
    pub fn delete_ticket(&self, id: u64) -> bool {
        lock(&self.shared.helpdesk).delete(id).is_some()
    }

    /// Delays every answer by `latency` (zero: none).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.faults).latency = latency;
    }

    /// Replaces every fault rule by `rule`.
    pub fn set_fault(&self, rule: FaultRule) {
        lock(&self.shared.faults).rules = vec![rule];
    }

    /// Adds a fault rule after the others (the first matching rule applies).
    pub fn add_fault(&self, rule: FaultRule) {
        lock(&self.shared.faults).rules.push(rule);
    }

    /// Removes every fault rule (the latency stays).
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).rules.clear();
    }

    /// The most requests that were in progress at the same time (since the last
    /// [`FakeOtobo::clear_requests`]).
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many TCP connections the server accepted so far: a client that reuses its
    /// connections opens few.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for FakeOtobo {
    fn drop(&mut self) {
        self.task.abort();
    }
}
