//! `otai run --config FILE [--once | --until-idle] [--trace FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use super::{check::load_and_build, EXIT_FAILED, EXIT_INVALID};
use crate::app_config::AppConfig;
use crate::engine::{RunControl, TraceSink};
use crate::pipe::PipeResult;
use crate::registry::ComponentRegistry;

/// Options of `otai run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The configuration file (YAML).
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,

    /// Run one orchestrator cycle with triggers firing immediately; exit 1 if a pipe failed.
    #[arg(long, conflicts_with = "until_idle")]
    pub once: bool,

    /// Run cycles (triggers firing immediately) until one does not succeed — e.g. the fetch
    /// guard finds no more tickets — then exit 0. Drains a queue and stops.
    #[arg(long)]
    pub until_idle: bool,

    /// Write one JSON line per executed pipe to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// Validates, builds and runs.
pub(crate) fn run(
    args: &RunArgs,
    registry: &ComponentRegistry,
    app: &AppConfig,
    log_json: bool,
) -> ExitCode {
    let pipeline = match load_and_build(&args.config, registry, app, log_json, true) {
        Ok(pipeline) => pipeline,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    let mut control = RunControl::builder()
        .once(args.once || args.until_idle)
        .shutdown_token(shutdown.clone());
    if let Some(path) = &args.trace {
        match TraceSink::create(path) {
            Ok(sink) => control = control.trace(sink),
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
        if args.until_idle {
            let mut cycles = 0usize;
            loop {
                let result = pipeline.run(control.clone()).await;
                cycles += 1;
                if !result.succeeded || control.is_shutdown_requested() {
                    let done = cycles - usize::from(!result.succeeded);
                    return super::write_stdout(&format!(
                        "{done} cycle(s) completed; stopped after cycle {cycles}: {}\n",
                        summary(&result)
                    ));
                }
            }
        }
        let result = pipeline.run(control.clone()).await;
        if args.once {
            let state = if result.has_failed() {
                "failed"
            } else {
                "done"
            };
            // The exit status below says what matters; a closed stdout does not change it.
            let _ = super::write_stdout(&format!("cycle {state}: {}\n", summary(&result)));
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

fn summary(result: &PipeResult) -> String {
    let state = if result.succeeded {
        "succeeded"
    } else if result.was_skipped {
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
