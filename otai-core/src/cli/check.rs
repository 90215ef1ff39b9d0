//! `otai check --config FILE [--online]`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `otai check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The configuration file (YAML).
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,

    /// Also start every service and prepare every pipe: connect to servers, authenticate,
    /// load the models named in the config. Without it, nothing leaves the process.
    #[arg(long)]
    pub online: bool,
}

/// Loads, validates and builds (and, online, starts); prints every problem, or a one-line
/// summary.
pub(crate) fn check(args: &CheckArgs, log_json: bool) -> ExitCode {
    let (loaded, pipeline) = match super::load_and_build(&args.config, log_json, false) {
        Ok(built) => built,
        Err(code) => return code,
    };
    if args.online {
        let runtime = match super::runtime() {
            Ok(runtime) => runtime,
            Err(code) => return code,
        };
        if let Err(code) = runtime.block_on(super::start(&loaded, &pipeline)) {
            return code;
        }
    }
    super::write_stdout(&format!(
        "{}: OK ({} services{}, orchestrator `{}` ({})){}\n",
        args.config.display(),
        pipeline.services().len(),
        if args.online { " started" } else { "" },
        pipeline.orchestrator().id(),
        pipeline.orchestrator().use_key(),
        match pipeline.warnings().len() {
            0 => String::new(),
            1 => ", 1 warning".to_owned(),
            n => format!(", {n} warnings"),
        }
    ))
}
