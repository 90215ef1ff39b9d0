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
//! Exit codes: 0 success; 1 a pipe failed (`run --once`, `run --until-idle`) or the
//! orchestrator gave up; 2 the configuration or the plugin set is invalid, or the command line
//! is wrong; 3 a service or pipe could not start (unreachable server, wrong password, missing
//! model).

mod check;
mod describe;
mod listen;
pub mod new_plugin;
mod plugins;
mod run;
mod shadow_report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::app_config::AppConfig;
use crate::config::{ConfigErrors, LoadedConfig};
use crate::engine::Pipeline;
use crate::registry::{ComponentRegistry, RegistryErrors};

/// Exit status for a run in which a pipe failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for an invalid configuration or plugin set.
pub const EXIT_INVALID: u8 = 2;
/// Exit status for a service or pipe that could not start.
pub const EXIT_UNAVAILABLE: u8 = 3;

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
    /// Validate a config, start its services and run its orchestrator until SIGINT/SIGTERM
    /// (or once, or until the queue is drained).
    Run(run::RunArgs),
    /// Validate a config completely without running anything; `--online` also starts every
    /// service (connects, authenticates, loads models).
    Check(check::CheckArgs),
    /// Score the decisions of a run (`run --decisions FILE`, usually a dry run) against what
    /// the tickets hold now: per field and label, by confidence threshold.
    ShadowReport(shadow_report::ShadowReportArgs),
    /// List the linked plugins and every registry key with its kind and interfaces.
    Plugins(plugins::PluginsArgs),
    /// Print the JSON Schema of config files, including every injectable's params.
    Schema,
    /// Describe one injectable: what it does, its params, inject slots, interfaces and an
    /// example config.
    Describe(describe::DescribeArgs),
    /// Create a plugin crate `otai-NAME/`: a pipe, a service, tests, a README and a custom
    /// `otai` binary with the plugin linked.
    NewPlugin(new_plugin::NewPluginArgs),
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
    match cli.command {
        Command::Plugins(args) => match registry_without_config(cli.log_json) {
            Ok(registry) => plugins::print(&registry, &args),
            Err(code) => code,
        },
        Command::Schema => match registry_without_config(cli.log_json) {
            Ok(registry) => {
                write_stdout(&(crate::config::schema::config_schema_text(&registry) + "\n"))
            }
            Err(code) => code,
        },
        Command::Describe(args) => match registry_without_config(cli.log_json) {
            Ok(registry) => describe::print(&registry, &args),
            Err(code) => code,
        },
        Command::NewPlugin(args) => new_plugin::run(&args),
        Command::Check(args) => check::check(&args, cli.log_json),
        Command::Run(args) => run::run(&args, cli.log_json),
        Command::ShadowReport(args) => shadow_report::run(&args, cli.log_json),
    }
}

/// The registry for commands that read no config (plugins see the process environment).
fn registry_without_config(log_json: bool) -> Result<ComponentRegistry, ExitCode> {
    let app = AppConfig::new();
    // Logging first, so that a plugin's notices while it is created are shown.
    let _ = crate::logging::init(&Default::default(), &app, log_json, false);
    linked_registry(&app).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::from(EXIT_INVALID)
    })
}

/// The registry of the linked plugins.
///
/// Two `otai-core`s in one binary make the slice panic on first access; the registry turns
/// that into an error. The CLI owns the process and is single-threaded here, so it silences
/// the panic message for that one access (an embedding application's hook is never touched:
/// [`ComponentRegistry::from_linked`] leaves it alone).
fn linked_registry(app: &AppConfig) -> Result<ComponentRegistry, RegistryErrors> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let entries = ComponentRegistry::linked_entries();
    std::panic::set_hook(hook);
    ComponentRegistry::from_entries(entries.map_err(|error| RegistryErrors(vec![error]))?, app)
}

/// Loads the config, sets up logging from it, creates the plugins (which see the config's
/// `.env`) and builds the pipeline; on error prints every mistake (loading and validation
/// together) and returns the exit code. Warnings are printed, and do not stop anything.
fn load_and_build(
    path: &std::path::Path,
    log_json: bool,
    log_to_file: bool,
) -> Result<(LoadedConfig, Pipeline), ExitCode> {
    let invalid = |errors: ConfigErrors| {
        eprint!("{}", errors.render());
        ExitCode::from(EXIT_INVALID)
    };
    let loaded = crate::config::load_file(path, &AppConfig::new()).map_err(invalid)?;
    if let Err(error) = crate::logging::init(
        &loaded.config().infrastructure.logging,
        loaded.app_config(),
        log_json,
        log_to_file,
    ) {
        eprintln!(
            "error: {}: infrastructure.logging: {}",
            path.display(),
            crate::report(&error)
        );
        return Err(ExitCode::from(EXIT_INVALID));
    }
    let registry = linked_registry(loaded.app_config()).map_err(|errors| {
        eprintln!("{errors}");
        ExitCode::from(EXIT_INVALID)
    })?;
    let pipeline = loaded.build(&registry).map_err(invalid)?;
    if !pipeline.warnings().is_empty() {
        eprint!("{}", loaded.errors(pipeline.warnings().to_vec()).render());
    }
    Ok((loaded, pipeline))
}

/// A multi-threaded tokio runtime, or the error printed.
fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("error: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        })
}

/// Starts the pipeline's services and pipes; prints every failure with its place.
async fn start(loaded: &LoadedConfig, pipeline: &Pipeline) -> Result<(), ExitCode> {
    pipeline.start().await.map_err(|issues| {
        eprint!("{}", loaded.errors(issues).render());
        ExitCode::from(EXIT_UNAVAILABLE)
    })
}
