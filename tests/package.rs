//! Every crate a third party depends on packages cleanly: `cargo package` accepts it (versions
//! on its path dependencies, the metadata crates.io requires) and the package holds a README
//! and both licence texts.
//!
//! Opt-in (it runs `cargo package` on six crates): `cargo test --test package -- --ignored`;
//! `.ci/run` runs it.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

/// The crates a plugin author, an embedding application or a custom binary depends on.
const PUBLISHED: &[&str] = &[
    "otai-naming",
    "otai-macros",
    "otai-core",
    "otai-base",
    "otai-otobo-znuny",
    "otai-hf-local",
];

fn cargo(args: &[&str], target: &std::path::Path) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("cargo runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
#[ignore = "runs `cargo package` on six crates; `cargo test --test package -- --ignored`"]
fn every_published_crate_packages_with_metadata_readme_and_licences() {
    let target = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for krate in PUBLISHED {
        let (ok, listing) = cargo(
            &["package", "--list", "--allow-dirty", "-p", krate],
            target.path(),
        );
        if !ok {
            problems.push(format!("{krate}: `cargo package --list` fails:\n{listing}"));
            continue;
        }
        let files: Vec<&str> = listing.lines().map(str::trim).collect();
        for required in ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.toml"] {
            if !files.contains(&required) {
                problems.push(format!("{krate}: the package lacks {required}"));
            }
        }
        if let Some(warning) = listing.lines().find(|line| line.contains("warning")) {
            problems.push(format!("{krate}: {warning}"));
        }
    }

    // All together: path dependencies between them resolve to their versions.
    let mut args = vec!["package", "--no-verify", "--allow-dirty"];
    for krate in PUBLISHED {
        args.extend(["-p", krate]);
    }
    let (ok, output) = cargo(&args, target.path());
    if !ok {
        problems.push(format!("`cargo package --no-verify` fails:\n{output}"));
    } else if let Some(warning) = output.lines().find(|line| line.starts_with("warning")) {
        problems.push(format!("`cargo package`: {warning}\n{output}"));
    }
    for krate in PUBLISHED {
        let crate_file: PathBuf = target
            .path()
            .join("package")
            .join(format!("{krate}-{}.crate", env!("CARGO_PKG_VERSION")));
        if ok && !crate_file.is_file() {
            problems.push(format!("{} was not written", crate_file.display()));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}
