//! `cargo xtask`: chores of the Open Ticket AI workspace.
//!
//! * `cargo xtask lint-plugins` — checks that every plugin crate of the workspace follows the
//!   plugin contract and is wired into the thin binary (see [`lint`]).
//!
//! Scaffolding a new plugin (`new-plugin`) will be another variant of [`Command`].

mod lint;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Chores of the Open Ticket AI workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The chores.
#[derive(Debug, Subcommand)]
enum Command {
    /// Check every `otai-*` plugin crate: its name, its `#[otai::plugin]`, its feature and
    /// force-link line in the thin binary, and a single `otai-core` in the dependency graph.
    LintPlugins {
        /// The workspace to check (default: the workspace this xtask belongs to).
        #[arg(long, value_name = "DIR")]
        workspace: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::LintPlugins { workspace } => {
            let root = workspace.unwrap_or_else(default_workspace_root);
            lint::run(&root)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn default_workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
