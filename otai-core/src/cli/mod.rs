//! The `otai` command line, shared by the thin binary and by custom binaries.
//!
//! A custom binary links the plugins it wants and hands over to [`main`]:
//!
//! ```no_run
//! // extern crate otai_base;   // force-link every plugin the binary should contain
//! fn main() -> std::process::ExitCode {
//!     otai::cli::main()
//! }
//! ```
//!
//! Exit codes: 0 success; 1 a pipe failed (`run --once`); 2 the configuration or the plugin
//! set is invalid, or the command line is wrong.

mod check;
mod plugins;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::app_config::AppConfig;
use crate::registry::ComponentRegistry;

/// Exit status for an invalid configuration or plugin set.
pub const EXIT_INVALID: u8 = 2;
/// Exit status for a run in which a pipe failed.
pub const EXIT_FAILED: u8 = 1;

/// Open Ticket AI: helpdesk automation pipelines declared in YAML.
#[derive(Debug, Parser)]
#[command(name = "otai", version, about, long_about = None)]
pub struct Cli {
    /// Log JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    pub log_json: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a config and run its orchestrator until SIGINT/SIGTERM (or once).
    Run(run::RunArgs),
    /// Validate a config completely without running anything.
    Check(ConfigArg),
    /// List the linked plugins and every registry key with its kind and interfaces.
    Plugins(plugins::PluginsArgs),
    /// Print the JSON Schema of config files, including every injectable's params.
    Schema,
}

/// `--config FILE`.
#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The configuration file (YAML).
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,
}

/// Writes command output; a closed pipe (`otai plugins | head`) is not an error.
fn write_stdout(text: &str) -> ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the output: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the process arguments and runs the command; the binary's whole `main`.
pub fn main() -> ExitCode {
    run(Cli::parse())
}

/// Runs an already parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let app = AppConfig::new();
    let registry = match ComponentRegistry::from_linked(&app) {
        Ok(registry) => registry,
        Err(errors) => {
            eprintln!("{errors}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    match cli.command {
        Command::Plugins(args) => plugins::print(&registry, &args),
        Command::Schema => write_stdout(&(crate::schema::config_schema_text(&registry) + "\n")),
        Command::Check(args) => check::check(&args.config, &registry, &app, cli.log_json),
        Command::Run(args) => run::run(&args, &registry, &app, cli.log_json),
    }
}
