//! Shared by the integration tests: a small seed, a fake server, params and a service
//! pointing at it, and a log capture.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use otai::interfaces::UnifiedNote;
use otai::Secret;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed, SeedTicket};
use otai_otobo_znuny::{
    OTOBOZnunyTicketSystemService, OtoboZnunyClient, OtoboZnunyParams, RetryPolicy,
};

/// A password that is easy to find in any text it leaks into.
pub const PASSWORD: &str = "Pw-7f3a!geheim";

/// Four tickets in `OpenTicketAI::Incoming` (1001–1004), one in `Billing` (901).
pub fn seed() -> Seed {
    Seed::from_yaml(
        r#"
queues: [Postmaster, Raw, Junk, Misc, "OpenTicketAI::Incoming", "OpenTicketAI::Unclassified", Billing, IT Support]
priorities: [1 very low, 2 low, 3 normal, 4 high, 5 very high, low, medium, high]
tickets:
  - id: 1001
    title: Rechnung doppelt abgebucht
    queue: "OpenTicketAI::Incoming"
    customer_user: m.schneider@example.de
    customer_id: schneider
    created: "2025-11-18 08:00:01"
    dynamic_fields: {Category: null}
    body: "Bitte erstatten Sie den doppelten Betrag."
  - id: 1002
    title: VPN bricht ab
    queue: "OpenTicketAI::Incoming"
    customer_user: j.weber@example.de
    created: "2025-11-18 08:00:02"
    body: "Fehlercode 809."
    articles:
      - {subject: "Nachtrag", body: "Immer noch kaputt."}
  - id: 1003
    title: Password reset
    queue: "OpenTicketAI::Incoming"
    created: "2025-11-18"
  - id: 1004
    title: Quote for 50 licenses
    queue: "OpenTicketAI::Incoming"
    customer_user: tom@northwind.example
    created: "2025-11-18 08:00:04"
    body: "Please send a quote."
  - id: 901
    title: Zahlung verbucht
    queue: Billing
    state: open
    created: "2025-11-12 14:20:00"
    body: "Überweisung anbei."
"#,
    )
    .unwrap()
}

/// `count` tickets in `OpenTicketAI::Incoming` with ids 1..=count, created a second apart.
pub fn many_tickets(count: usize) -> Seed {
    let mut seed = Seed::default();
    seed.queues.push("OpenTicketAI::Incoming".into());
    seed.tickets = (1..=count)
        .map(|i| SeedTicket {
            id: Some(i as u64),
            number: None,
            title: format!("Ticket {i}"),
            queue: "OpenTicketAI::Incoming".into(),
            priority: None,
            state: None,
            type_name: None,
            lock: None,
            owner: None,
            customer_user: Some(format!("customer{i}@example.com")),
            customer_id: None,
            created: Some(format!(
                "2025-11-18 {:02}:{:02}:{:02}",
                i / 3600,
                i / 60 % 60,
                i % 60
            )),
            dynamic_fields: Default::default(),
            body: Some(format!("Body {i}")),
            articles: Vec::new(),
        })
        .collect();
    seed
}

/// A fake server for `seed` that accepts [`PASSWORD`].
pub async fn start(seed: Seed) -> FakeOtobo {
    FakeOtobo::start(FakeOtoboConfig::new(seed).with_password(PASSWORD))
        .await
        .unwrap()
}

/// `examples/otobo-tickets.yaml`, the seed users start the binary with.
pub fn example_seed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/otobo-tickets.yaml")
}

/// A `fake-otobo` process serving the example seed with [`PASSWORD`] on any free port;
/// killed when dropped, however the test ends.
pub struct FakeOtoboProcess {
    child: Child,
    /// The base URL the binary printed as its first line.
    pub base_url: String,
}

impl FakeOtoboProcess {
    /// Starts the binary with `extra_args` and waits for the base URL it prints.
    pub fn start<S: AsRef<OsStr>>(extra_args: &[S]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fake-otobo"))
            .args(["--port", "0", "--tickets"])
            .arg(example_seed())
            .args(extra_args)
            .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut process = Self {
            child,
            base_url: String::new(),
        };
        BufReader::new(stdout)
            .read_line(&mut process.base_url)
            .unwrap();
        process.base_url = process.base_url.trim().to_owned();
        process
    }
}

impl Drop for FakeOtoboProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A note with this subject and body (plain text).
pub fn note(subject: &str, body: &str) -> UnifiedNote {
    UnifiedNote {
        subject: subject.to_owned(),
        body: body.to_owned(),
        ..UnifiedNote::default()
    }
}

/// Params for `server` with [`PASSWORD`] and a 5 s timeout.
pub fn params(server: &FakeOtobo) -> OtoboZnunyParams {
    let mut params = OtoboZnunyParams::new(server.base_url(), Secret::new(PASSWORD));
    params.timeout = otai::Duration::from_secs(5);
    params
}

/// Backoff of a few milliseconds, so retries do not slow the tests down.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy::new(max_retries).with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

/// A client for `params` with fast retries.
pub fn client(params: &OtoboZnunyParams) -> OtoboZnunyClient {
    OtoboZnunyClient::new(params)
        .unwrap()
        .with_retry_policy(fast_retries(params.max_retries))
}

/// The service for `params` with fast retries.
pub fn service(params: &OtoboZnunyParams) -> OTOBOZnunyTicketSystemService {
    OTOBOZnunyTicketSystemService::from_client(client(params))
}

/// Everything logged (at every level) on one thread while its [`CaptureGuard`] lives.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    /// The text logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

thread_local! {
    static CAPTURE: RefCell<Option<LogBuffer>> = const { RefCell::new(None) };
}

/// Writes into the capturing buffer of the current thread, if any.
struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(buffer) = &*capture.borrow() {
                buffer.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stops the capture of this thread when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| *capture.borrow_mut() = None);
    }
}

/// Captures this thread's logs (a `#[tokio::test]` runs every task on its thread).
///
/// One global subscriber at `TRACE` writes each event to the buffer of the thread that
/// emitted it. (A thread-local subscriber per test would miss events: tracing caches per
/// call site whether anyone is interested, and a test on another thread without a
/// subscriber can settle that to "no" first.)
pub fn capture_logs() -> (LogBuffer, CaptureGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadWriter)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    let buffer = LogBuffer::default();
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(buffer.clone()));
    (buffer, CaptureGuard)
}
