//! `cargo xtask`: chores of the Open Ticket AI workspace.
//!
//! * `cargo xtask lint-plugins` — checks that every plugin crate of the workspace follows the
//!   plugin contract and is wired into the thin binary (see [`lint`]).
//!
//! * `cargo xtask new-plugin NAME` — creates the plugin crate `otai-NAME/` (as `otai
//!   new-plugin` does) and wires it into the workspace: member, Cargo feature of the thin
//!   binary, force-link line (see [`new_plugin`]).

mod lint;
mod new_plugin;

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
    /// Create the plugin crate `otai-NAME/` in the workspace and wire it into the thin binary
    /// (member, feature `NAME`, force-link line).
    NewPlugin {
        /// The plugin's name and registry prefix (`acme-tools` → package `otai-acme-tools`).
        name: String,
        /// The workspace to add it to (default: the workspace this xtask belongs to).
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
        Command::NewPlugin { name, workspace } => {
            let root = workspace.unwrap_or_else(default_workspace_root);
            new_plugin::run(&root, &name)
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn default_workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
