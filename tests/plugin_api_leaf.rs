//! The plugin API is a leaf: `otai-core` without features (what a plugin depends on) compiles
//! without the engine side and without its dependencies.
//!
//! `cargo test --workspace` unifies features (the thin binary enables `cli`), so an import of
//! the engine from a plugin-API module would go unnoticed there; this test checks `otai-core`
//! alone. It reads the dependency graph (`cargo tree`, no build), then type-checks the library
//! without features into `target/plugin-api` (its own directory, so it never replaces what
//! other tests run; about half a minute from cold, seconds after that).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Crates of the engine side and the command line that a plugin must not compile.
const ENGINE_CRATES: [&str; 10] = [
    "yaml-rust2",
    "serde_yaml",
    "codespan-reporting",
    "redb",
    "tracing-subscriber",
    "dotenvy",
    "strsim",
    "clap",
    "hyper",
    "plotters",
];

/// Runs cargo on this workspace; `configure` adds what one call needs.
fn cargo(args: &[&str], configure: impl FnOnce(&mut Command)) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(args)
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"));
    configure(&mut command);
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("cannot run cargo: {error}"));
    assert!(
        output.status.success(),
        "cargo {} failed (for `check`: the plugin API does not compile without the engine):\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `target/plugin-api`, beside the target directory of this test run.
fn plugin_api_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).join("plugin-api")
}

#[test]
fn a_plugin_depends_on_none_of_the_engines_crates() {
    let output = cargo(
        &[
            "tree",
            "-p",
            "otai-core",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ],
        |_| {},
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    let packages: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(packages.contains(&"otai-core"), "{tree}");
    let found: Vec<&str> = ENGINE_CRATES
        .into_iter()
        .filter(|name| packages.contains(name))
        .collect();
    assert!(
        found.is_empty(),
        "otai-core without features depends on {found:?}; make them optional (dep:) under the feature `engine` or `cli`:\n{tree}"
    );
}

#[test]
fn the_plugin_api_compiles_without_the_engine() {
    // Warnings are errors: an import that only the engine side uses shows up here too. A
    // failure means a plugin-API module imports the engine side (registry, engine, config).
    cargo(&["check", "--lib", "-p", "otai-core"], |command| {
        command
            .arg("--target-dir")
            .arg(plugin_api_dir())
            .env("RUSTFLAGS", "-D warnings");
    });
}
