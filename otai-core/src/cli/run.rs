//! `otai run --config FILE [--once | --until-idle] [--trace FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use super::{EXIT_FAILED, EXIT_INVALID};
use crate::engine::{RunControl, TraceSink};
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

    /// Run cycles (triggers firing immediately) until one fetches no ticket — the queue is
    /// drained — then exit 0. A cycle that fails for another reason stops the run with exit 1.
    #[arg(long)]
    pub until_idle: bool,

    /// Write one JSON line per executed pipe to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// Validates, builds, starts and runs.
pub(crate) fn run(args: &RunArgs, log_json: bool) -> ExitCode {
    let (loaded, pipeline) = match super::load_and_build(&args.config, log_json, true) {
        Ok(built) => built,
        Err(code) => return code,
    };
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let shutdown = CancellationToken::new();
    let mut control = RunControl::builder()
        .once(args.once || args.until_idle)
        .shutdown_token(shutdown.clone());
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
        tokio::spawn(stop_on_signal(shutdown));
        if let Err(code) = super::start(&loaded, &pipeline).await {
            return code;
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

/// Runs cycles until one fetches no ticket (the normal end: the queue is drained) or fails
/// for another reason, or a stop is requested.
async fn until_idle(pipeline: &crate::engine::Pipeline, control: &RunControl) -> ExitCode {
    let mut cycles = 0usize;
    let mut tickets = 0usize;
    loop {
        let result = pipeline.run(control.clone()).await;
        cycles += 1;
        let fetched = fetched_tickets(&result);
        if result.succeeded() {
            tickets += fetched.unwrap_or(0);
            if control.is_shutdown_requested() {
                tracing::info!(cycles, tickets, "stopped on request");
                let _ = super::write_stdout(&format!(
                    "stopped on request after {tickets} ticket(s) in {cycles} cycle(s)\n"
                ));
                return ExitCode::SUCCESS;
            }
            continue;
        }
        if fetched == Some(0) || (result.was_skipped() && fetched.is_none()) {
            tracing::info!("queue drained after {tickets} ticket(s)");
            let _ = super::write_stdout(&format!(
                "queue drained after {tickets} ticket(s) in {} cycle(s)\n",
                cycles - 1
            ));
            return ExitCode::SUCCESS;
        }
        tracing::error!(cycle = cycles, "cycle {}", summary(&result));
        let _ = super::write_stdout(&format!(
            "stopped after {tickets} ticket(s): cycle {cycles} {}\n",
            summary(&result)
        ));
        return ExitCode::from(EXIT_FAILED);
    }
}

/// How many tickets a cycle fetched (`data.fetched_tickets` of the fetch pipe), if it did.
fn fetched_tickets(result: &PipeResult) -> Option<usize> {
    result
        .data
        .get("fetched_tickets")
        .and_then(|tickets| tickets.as_array())
        .map(Vec::len)
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

/// Requests a clean stop on SIGINT or SIGTERM: the cycle in flight finishes first. A second
/// signal aborts at once (exit 130), for a cycle that hangs.
async fn stop_on_signal(shutdown: CancellationToken) {
    next_signal().await;
    tracing::info!("stop requested; finishing the cycle in flight (signal again to abort)");
    shutdown.cancel();
    next_signal().await;
    eprintln!("aborted by a second signal");
    std::process::exit(130);
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
