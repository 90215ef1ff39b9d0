//! `otai plugins`: what this binary contains.

use std::process::ExitCode;

use serde::Serialize;

use crate::registry::{ComponentRegistry, PluginInfo};

/// Options of `otai plugins`.
#[derive(Debug, clap::Args)]
pub struct PluginsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Listing<'a> {
    core_version: &'static str,
    plugins: &'a [PluginInfo],
    injectables: Vec<InjectableRow<'a>>,
}

#[derive(Serialize)]
struct InjectableRow<'a> {
    key: &'a str,
    kind: crate::InjectableKind,
    plugin: &'a str,
    interfaces: &'a [&'static str],
    injects: Vec<String>,
    description: &'static str,
}

fn listing(registry: &ComponentRegistry) -> Listing<'_> {
    let injectables = registry
        .injectables()
        .map(|injectable| {
            let descriptor = injectable.descriptor();
            InjectableRow {
                key: injectable.key(),
                kind: descriptor.kind(),
                plugin: &registry.plugin_of(injectable).package,
                interfaces: descriptor.interfaces(),
                injects: descriptor
                    .inject_slots()
                    .iter()
                    .map(|slot| format!("{}: {}", slot.name, slot.interface))
                    .collect(),
                description: descriptor.description(),
            }
        })
        .collect();
    Listing {
        core_version: crate::CORE_VERSION,
        plugins: registry.plugins(),
        injectables,
    }
}

/// Prints the listing as a table or JSON.
pub(crate) fn print(registry: &ComponentRegistry, args: &PluginsArgs) -> ExitCode {
    let listing = listing(registry);
    let text = if args.json {
        match serde_json::to_string_pretty(&listing) {
            Ok(text) => text + "\n",
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        table(&listing)
    };
    super::write_stdout(&text)
}

fn table(listing: &Listing<'_>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "otai-core {}\n", listing.core_version);
    let _ = writeln!(out, "Plugins ({}):", listing.plugins.len());
    for plugin in listing.plugins {
        let _ = writeln!(
            out,
            "  {:<24} {:<10} prefix `{}`",
            plugin.package, plugin.version, plugin.prefix
        );
    }
    let _ = writeln!(
        out,
        "\nRegistry keys ({}; `otai describe KEY` shows one in full):",
        listing.injectables.len()
    );
    for row in &listing.injectables {
        let mut details = Vec::new();
        if !row.interfaces.is_empty() {
            details.push(format!("provides {}", row.interfaces.join(", ")));
        }
        if !row.injects.is_empty() {
            details.push(format!("injects {}", row.injects.join(", ")));
        }
        let line = format!("  {:<48} {:<8} {}", row.key, row.kind, details.join("; "));
        let _ = writeln!(out, "{}", line.trim_end());
        if !row.description.is_empty() {
            let _ = writeln!(out, "      {}", row.description);
        }
    }
    out
}
