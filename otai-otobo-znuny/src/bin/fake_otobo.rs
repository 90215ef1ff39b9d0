//! `fake-otobo`: an in-memory OTOBO on 127.0.0.1 that speaks the GenericInterface REST API,
//! to try Open Ticket AI pipelines without a helpdesk.
//!
//! ```sh
//! cargo run -p otai-otobo-znuny --features fake-server --bin fake-otobo -- \
//!     --tickets examples/otobo-tickets.yaml --port 8080 --password demo
//! ```
//!
//! Point the service's `base_url` at the address it prints; every change a pipeline makes
//! (queue moved, priority set, note added) is logged.
//!
//! To see how a pipeline copes with a failing helpdesk, give it faults (`--fault`, see
//! `--help` and the crate's README), keep its tickets across restarts (`--state FILE`: a
//! `crash` fault ends the process with status 3, and started again it carries on) and
//! record every write request (`--record FILE`, JSON Lines) to check for duplicate notes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, FaultRule, Seed, TlsIdentity};
use otai_otobo_znuny::Operation;

/// An in-memory OTOBO speaking the GenericInterface REST API, on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "fake-otobo", version)]
struct Args {
    /// Seed file (YAML or JSON): queues, priorities and tickets.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "examples/otobo-tickets.yaml"
    )]
    tickets: PathBuf,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The agent password the server accepts.
    #[arg(long, env = "OTAI_OTOBO_DEMO_PASSWORD", hide_env_values = true)]
    password: String,
    /// The agent login the server accepts.
    #[arg(long, default_value = "open_ticket_ai")]
    username: String,
    /// The web service name (`…/Webservice/<NAME>/<route>`).
    #[arg(long, value_name = "NAME", default_value = "OpenTicketAI")]
    webservice: String,
    /// Another route for an operation, e.g. `TicketUpdate=update` (repeatable).
    #[arg(long, value_name = "OPERATION=ROUTE", value_parser = parse_route)]
    route: Vec<(Operation, String)>,
    /// Delay every answer by this long (`20ms`, `PT0.5S`).
    #[arg(long, value_parser = parse_duration)]
    latency: Option<Duration>,
    /// Misbehave (repeatable; the first rule that fires applies): KIND[,OPTION…].
    /// Kinds: `http-500` (HTTP 500, plain text), `html[=STATUS]` (an HTML error page, default
    /// 500), `error[=CODE]` (HTTP 200 with a GenericInterface `Error`, default `AuthFail`),
    /// `slow=DURATION` (answer late), `hang` (never answer), `cut` (close the connection),
    /// `crash` (the process exits with status 3; restart it with the same `--state`).
    /// Options: `before` (default) or `after` (processing the request), `every=N` (every Nth
    /// matching request), `skip=N` (leave the first N alone), `times=N` (N times only), `op=OPERATION`, `notes` (only requests
    /// that add a note). E.g. `--fault http-500,every=7 --fault cut,after,notes,every=5`.
    #[arg(long, value_name = "KIND[,OPTION…]")]
    fault: Vec<FaultRule>,
    /// Keep the tickets in FILE (JSON): read at start when it exists instead of the seed's
    /// tickets, replaced after every change; a server started again carries on.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Append every write request (`TicketUpdate`, `TicketCreate`) to FILE as a JSON line:
    /// ticket, fields, note, whether it was carried out, the fault that fired.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Add N generated tickets (varied billing, IT, sales, HR and unclear requests) to the
    /// seed's, in `--generate-queue`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    generate: usize,
    /// The queue of the generated tickets.
    #[arg(long, value_name = "QUEUE", default_value = "OpenTicketAI::Incoming")]
    generate_queue: String,
    /// Answer `TicketUpdate` without the ticket (a web service with `IncludeTicketData: '0'`).
    #[arg(long)]
    no_ticket_data_on_update: bool,
    /// Serve HTTPS with this certificate chain (PEM; the server certificate first), e.g. one
    /// signed by your internal CA to try a service's `ca_certificate`.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// The exit status after a `crash` fault.
const EXIT_CRASHED: u8 = 3;

/// The certificate and key files read, or a message naming the file that could not be.
fn read_tls_identity(certificate: &Path, key: &Path) -> Result<TlsIdentity, String> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
    };
    Ok(TlsIdentity::new(read(certificate)?, read(key)?))
}

fn parse_route(text: &str) -> Result<(Operation, String), String> {
    let (name, route) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not OPERATION=ROUTE"))?;
    let operation = Operation::from_name(name.trim()).ok_or_else(|| {
        format!("`{name}` is not an operation; use TicketSearch, TicketGet, TicketUpdate or TicketCreate")
    })?;
    Ok((operation, route.trim().to_owned()))
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    text.parse::<otai::Duration>()
        .map(otai::Duration::get)
        .map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_ansi(otai::logging::colours_on_stderr())
        .with_writer(std::io::stderr)
        .init();

    let seed = match Seed::from_file(&args.tickets) {
        Ok(seed) => seed.with_generated_tickets(args.generate, &args.generate_queue),
        Err(error) => {
            eprintln!("fake-otobo: {error}");
            return ExitCode::FAILURE;
        }
    };
    let ticket_count = seed.tickets.len();
    let mut config = FakeOtoboConfig::new(seed)
        .with_password(args.password)
        .with_username(&args.username)
        .with_webservice_name(&args.webservice)
        .with_ticket_data_on_update(!args.no_ticket_data_on_update)
        .with_port(args.port);
    for (operation, route) in args.route {
        config = config.with_route(operation, route);
    }
    if let Some(path) = &args.state {
        config = config.with_state_file(path);
    }
    if let Some(path) = &args.record {
        config = config.with_write_record(path);
    }
    if let (Some(certificate), Some(key)) = (&args.tls_cert, &args.tls_key) {
        match read_tls_identity(certificate, key) {
            Ok(identity) => config = config.with_tls(identity),
            Err(error) => {
                eprintln!("fake-otobo: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let server = match FakeOtobo::start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("fake-otobo: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(latency) = args.latency {
        server.set_latency(latency);
    }
    for rule in &args.fault {
        server.add_fault(rule.clone());
    }
    // The first line on stdout is the base URL, so scripts (and tests) can read it.
    println!("{}", server.base_url());
    eprintln!(
        "fake OTOBO with {ticket_count} tickets, web service `{}`, user `{}`; Ctrl-C stops it",
        args.webservice, args.username
    );
    if !args.fault.is_empty() {
        let rules: Vec<String> = args.fault.iter().map(ToString::to_string).collect();
        eprintln!("faults: {}", rules.join("; "));
    }
    tokio::select! {
        signal = tokio::signal::ctrl_c() => {
            if let Err(error) = signal {
                eprintln!("fake-otobo: cannot wait for Ctrl-C: {error}");
                return ExitCode::FAILURE;
            }
        }
        () = server.crashed() => {
            eprintln!("fake-otobo: crashed on purpose (fault `crash`); start it again with the same --state to carry on");
            return ExitCode::from(EXIT_CRASHED);
        }
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
