//! `otai run --config FILE [--once | --until-idle] [--dry-run] [--decisions FILE] [--journal
//! FILE] [--worker INDEX/COUNT] [--grace-period DURATION] [--trace FILE] [--listen ADDR]`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::listen::Listener;
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_UNAVAILABLE};
use crate::engine::work::{DecisionsFile, JournalOpening, Partition, WorkOptions};
use crate::engine::{Pipeline, RunControl, Shutdown, TraceSink};
use crate::pipe::PipeResult;

/// Options of `otai run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The configuration file (YAML).
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,

    /// Run one orchestrator cycle with triggers firing immediately; exit 1 if a pipe failed.
    #[arg(long, conflicts_with = "until_idle")]
    pub once: bool,

    /// Run cycles (triggers firing immediately) until there is nothing left to do: no search
    /// hands out a ticket and no unfinished ticket waits for its next try. Exit 0 when every
    /// ticket was completed, 1 when some were set aside after failing repeatedly (or the
    /// ticket system could not be searched).
    #[arg(long)]
    pub until_idle: bool,

    /// Read and classify as usual but write nothing to any ticket system: every change the
    /// run would make is logged (`… [dry run]`) and recorded with `--decisions`. A ticket
    /// decided once is not decided again in this run (nor after a restart with the same
    /// decisions file).
    #[arg(long)]
    pub dry_run: bool,

    /// Append one JSON line per change made (or, with `--dry-run`, proposed) to FILE: time,
    /// ticket, step, field, value before, value, confidence. Read by `otai shadow-report`.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,

    /// The journal of unfinished tickets (kept across restarts). Default: a file per config
    /// (and worker) in $OTAI_STATE_DIR, else $STATE_DIRECTORY (systemd), else
    /// $XDG_STATE_HOME/otai, else ~/.local/state/otai. A dry run keeps it in memory.
    #[arg(long, value_name = "FILE", env = "OTAI_JOURNAL")]
    pub journal: Option<PathBuf>,

    /// This worker's share when several `otai` processes work on one ticket system:
    /// INDEX/COUNT (e.g. `0/2` and `1/2`); each handles only its share of the tickets.
    #[arg(
        long,
        value_name = "INDEX/COUNT",
        env = "OTAI_WORKER",
        default_value = "0/1"
    )]
    pub worker: Partition,

    /// After SIGINT/SIGTERM, how long tickets in flight may take to finish before the process
    /// exits anyway (`30s`, `PT1M`); what they leave unfinished is picked up at the next
    /// start. A second signal exits at once.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub grace_period: crate::Duration,

    /// Write one JSON line per executed pipe to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Serve HTTP on ADDR (`127.0.0.1:9464`, `0.0.0.0:9464`, `[::]:9464`): `GET /metrics`
    /// (Prometheus), `GET /healthz` (alive), `GET /readyz` (services started, ticket system
    /// reachable) and `POST /trigger/<id>` (fires a trigger pipe at once; needs
    /// `infrastructure.listen.trigger_secret`).
    #[arg(long, value_name = "ADDR", env = "OTAI_LISTEN")]
    pub listen: Option<SocketAddr>,
}

/// Validates, builds, starts and runs.
pub(crate) fn run(args: &RunArgs, log_json: bool) -> ExitCode {
    let mut options = match work_options(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    // Creating a journal file takes several fsyncs: let them run while the config loads.
    let journal = options.journal.clone().map(JournalOpening::start);
    let (loaded, pipeline) = match super::load_and_build(&args.config, log_json, true) {
        Ok(built) => built,
        Err(code) => return code,
    };
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let shutdown = Shutdown::new();
    let mut control = RunControl::builder()
        .once(args.once || args.until_idle)
        .shutdown(shutdown.clone());
    let listener = args.listen.map(|_| {
        let secret = loaded.config().infrastructure.listen.trigger_secret.clone();
        let listener = Listener::new(&pipeline, secret, shutdown.clone());
        options.events.push(listener.work_events());
        control = std::mem::take(&mut control)
            .shared_observer(listener.observer())
            .triggers(listener.triggers());
        listener
    });
    if let Some(path) = &args.trace {
        match TraceSink::create(path) {
            Ok(sink) => control = control.observer(sink),
            Err(error) => {
                eprintln!(
                    "error: cannot create the trace file {}: {error}",
                    path.display()
                );
                return ExitCode::from(EXIT_INVALID);
            }
        }
    }
    let control = control.build();
    runtime.block_on(async {
        tokio::spawn(stop_on_signal(shutdown, args.grace_period.get()));
        if let (Some(listener), Some(address)) = (&listener, args.listen) {
            if let Err(error) = listener.serve(address).await {
                eprintln!("error: --listen {address}: cannot listen there: {error}");
                return ExitCode::from(EXIT_UNAVAILABLE);
            }
        }
        if let Err(code) = configure_work(&pipeline, options, journal, args) {
            return code;
        }
        if let Err(code) = super::start(&loaded, &pipeline).await {
            return code;
        }
        if let Some(listener) = &listener {
            listener.services_started();
        }
        if args.until_idle {
            return until_idle(&pipeline, &control).await;
        }
        let result = pipeline.run(control.clone()).await;
        if args.once {
            // The exit status below says what matters; a closed stdout does not change it.
            let _ = super::write_stdout(&format!("cycle {}\n", summary(&result)));
            if result.has_failed() {
                return ExitCode::from(EXIT_FAILED);
            }
        } else if result.has_failed() && !control.is_shutdown_requested() {
            // The orchestrator gave up (e.g. `always_retry: false`): let a supervisor see it.
            eprintln!("error: the orchestrator stopped: {}", summary(&result));
            return ExitCode::from(EXIT_FAILED);
        }
        ExitCode::SUCCESS
    })
}

/// The work options the flags ask for (the journal not opened yet).
fn work_options(args: &RunArgs) -> Result<WorkOptions, String> {
    let decisions = match &args.decisions {
        Some(path) => Some(DecisionsFile::open(path).map_err(|error| {
            format!("cannot open the decisions file {}: {error}", path.display())
        })?),
        None => None,
    };
    let journal = if args.dry_run {
        None
    } else {
        args.journal
            .clone()
            .or_else(|| default_journal(&args.config, args.worker))
    };
    Ok(WorkOptions {
        dry_run: args.dry_run,
        partition: args.worker,
        decisions,
        journal,
        ..WorkOptions::default()
    })
}

/// Opens the journal and says at start how the run works.
fn configure_work(
    pipeline: &Pipeline,
    options: WorkOptions,
    journal: Option<JournalOpening>,
    args: &RunArgs,
) -> Result<(), ExitCode> {
    let dry_run = options.dry_run;
    let partition = options.partition;
    let summary = pipeline.configure_work_opened(options, journal).map_err(|error| {
        eprintln!("error: {}", crate::report(&error));
        if matches!(error, crate::engine::work::JournalError::InUse { .. }) {
            eprintln!("hint: each otai process needs its own journal: give each worker `--journal FILE` or its own `--worker INDEX/COUNT`");
        }
        ExitCode::from(EXIT_INVALID)
    })?;
    if dry_run {
        tracing::info!(
            decided_before = summary.decided,
            "dry run: nothing is written to any ticket system; every change is only logged{}",
            args.decisions
                .as_ref()
                .map(|path| format!(" and recorded in {}", path.display()))
                .unwrap_or_default()
        );
    }
    match &summary.journal {
        Some(path) => tracing::info!(
            journal = %path.display(),
            unfinished = summary.unfinished,
            set_aside = summary.set_aside,
            "journal of unfinished tickets: {} ({} to resume, {} set aside)",
            path.display(),
            summary.unfinished,
            summary.set_aside
        ),
        None if !dry_run => tracing::warn!(
            "no place for the journal (set OTAI_STATE_DIR or --journal): unfinished tickets are remembered only while this process runs"
        ),
        None => {}
    }
    if partition.is_shared() {
        tracing::info!(worker = %partition, "worker {partition}: handling only this worker's share of the tickets");
    }
    Ok(())
}

/// The journal file for `config` when none is given: in the state directory, named after
/// the config file and a hash of its full path (so that two configs never share one), with
/// the worker's share when there are several.
fn default_journal(config: &Path, worker: Partition) -> Option<PathBuf> {
    let dir = state_dir()?;
    let full = std::fs::canonicalize(config).unwrap_or_else(|_| config.to_owned());
    let stem = config
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".to_owned());
    let hash = full
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    let worker = if worker.is_shared() {
        format!("-worker-{}-of-{}", worker.index(), worker.count())
    } else {
        String::new()
    };
    Some(dir.join(format!("{stem}-{:08x}{worker}.journal", hash & 0xffff_ffff)))
}

/// Where state lives: `$OTAI_STATE_DIR`, `$STATE_DIRECTORY` (systemd's `StateDirectory=`),
/// `$XDG_STATE_HOME/otai`, `~/.local/state/otai`.
fn state_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    if let Some(dir) = var("OTAI_STATE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dirs) = var("STATE_DIRECTORY") {
        // systemd passes a colon-separated list when several are configured.
        let first = dirs.to_string_lossy().split(':').next().map(PathBuf::from);
        if first.is_some() {
            return first;
        }
    }
    if let Some(dir) = var("XDG_STATE_HOME") {
        return Some(PathBuf::from(dir).join("otai"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".local/state/otai"))
}

/// Runs cycles until there is nothing left to do (see `--until-idle`) or a stop is
/// requested.
async fn until_idle(pipeline: &Pipeline, control: &RunControl) -> ExitCode {
    const SEARCH_FAILURES: u32 = 5;
    let ledger = Arc::clone(pipeline.ledger());
    let start = ledger.activity();
    let mut cycles = 0usize;
    let mut failed_in_a_row = 0u32;
    loop {
        let before = ledger.activity();
        let result = pipeline.run(control.clone()).await;
        cycles += 1;
        let after = ledger.activity();
        let completed = after.completed - start.completed;
        if control.is_shutdown_requested() {
            tracing::info!(cycles, completed, "stopped on request");
            let _ = super::write_stdout(&format!(
                "stopped on request after {completed} ticket(s) in {cycles} cycle(s)\n"
            ));
            return ExitCode::SUCCESS;
        }
        if after.handed_out > before.handed_out {
            failed_in_a_row = 0;
            continue;
        }
        if after.failed_searches > before.failed_searches {
            failed_in_a_row += 1;
            tracing::warn!(cycle = cycles, "cycle {}", summary(&result));
            if failed_in_a_row >= SEARCH_FAILURES {
                tracing::error!("the ticket system could not be searched {SEARCH_FAILURES} times in a row; giving up");
                let _ = super::write_stdout(&format!(
                    "stopped after {completed} ticket(s): the ticket system could not be searched: {}\n",
                    summary(&result)
                ));
                return ExitCode::from(EXIT_FAILED);
            }
            control
                .sleep(Duration::from_secs(1) * failed_in_a_row)
                .await;
            continue;
        }
        if let Some(wait) = ledger.next_retry() {
            // Tickets left unfinished wait for their next try; nothing else is to do.
            if !control.sleep(wait.max(Duration::from_millis(10))).await {
                continue;
            }
            continue;
        }
        let set_aside = after.set_aside - start.set_aside;
        tracing::info!("queue drained after {completed} ticket(s)");
        if set_aside > 0 {
            let _ = super::write_stdout(&format!(
                "queue drained after {completed} ticket(s) in {} cycle(s); {set_aside} ticket(s) set aside after failing repeatedly (see the log)\n",
                cycles.saturating_sub(1)
            ));
            return ExitCode::from(EXIT_FAILED);
        }
        let _ = super::write_stdout(&format!(
            "queue drained after {completed} ticket(s) in {} cycle(s)\n",
            cycles.saturating_sub(1)
        ));
        return ExitCode::SUCCESS;
    }
}

fn summary(result: &PipeResult) -> String {
    let state = if result.succeeded() {
        "succeeded"
    } else if result.was_skipped() {
        "skipped"
    } else {
        "failed"
    };
    if result.message.is_empty() {
        state.to_owned()
    } else {
        format!("{state}: {}", result.message)
    }
}

/// Requests a clean stop on SIGINT or SIGTERM: no new cycle or item starts, those in flight
/// get `grace` to finish; then the process exits 0 (what is left unfinished is in the
/// journal). A second signal exits at once with 130.
async fn stop_on_signal(shutdown: Shutdown, grace: Duration) {
    next_signal().await;
    tracing::info!(
        "stop requested; letting the work in flight finish (at most {}; signal again to abort)",
        humantime::format_duration(grace)
    );
    shutdown.request();
    tokio::select! {
        () = tokio::time::sleep(grace) => {
            tracing::warn!(
                "the grace period of {} is over; exiting with work in flight (it is resumed at the next start)",
                humantime::format_duration(grace)
            );
            std::process::exit(0);
        }
        () = next_signal() => {
            eprintln!("aborted by a second signal");
            std::process::exit(130);
        }
    }
}

/// Completes at the next SIGINT or SIGTERM.
async fn next_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = terminate.recv() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journals_are_named_after_config_and_worker() {
        let one = default_journal(Path::new("/srv/otai/routing.yml"), Partition::default());
        let two = default_journal(
            Path::new("/srv/otai/routing.yml"),
            Partition::new(1, 2).unwrap_or_default(),
        );
        if let (Some(one), Some(two)) = (one, two) {
            let one = one.to_string_lossy().into_owned();
            assert!(
                one.contains("routing-") && one.ends_with(".journal"),
                "{one}"
            );
            assert!(two.to_string_lossy().ends_with("-worker-1-of-2.journal"));
        }
    }
}
