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

mod plugins;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app_config::AppConfig;
use crate::registry::ComponentRegistry;

/// Open Ticket AI: helpdesk automation pipelines declared in YAML.
#[derive(Debug, Parser)]
#[command(name = "otai", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the linked plugins and every registry key with its kind and interfaces.
    Plugins(plugins::PluginsArgs),
}

/// Parses the process arguments and runs the command; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    run(cli)
}

/// Runs an already parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let app = AppConfig::new();
    match cli.command {
        Command::Plugins(args) => match ComponentRegistry::from_linked(&app) {
            Ok(registry) => plugins::print(&registry, &args),
            Err(errors) => {
                eprintln!("{errors}");
                ExitCode::FAILURE
            }
        },
    }
}
