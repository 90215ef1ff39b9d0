//! `cargo xtask lint-plugins`: the plugin contract, checked before anything is built.
//!
//! A workspace member is a *plugin crate* when its package name derives a registry prefix
//! (`otai-<name>`, see [`otai::plugin::naming::registry_prefix`]) and it depends on
//! `otai-core` or carries `#[otai::plugin]` in `src/`. A member that is named like that but is
//! not a plugin says so with `[package.metadata.otai] plugin = false`. For each plugin crate:
//!
//! 1. the name rule holds (and any member using `#[otai::plugin]` without `prefix = "…"` is
//!    named `otai-*`: the macro would refuse to compile it anyway, this says it sooner);
//! 2. `#[otai::plugin]` is present in `src/`;
//! 3. the thin binary (the root package) depends on it optionally, and has a feature named
//!    like the prefix that enables it;
//! 4. the thin binary's `src/main.rs` force-links it: `#[cfg(feature = "<prefix>")] extern
//!    crate otai_<name>;` — a crate nothing references is dropped by the linker and its plugin
//!    vanishes silently.
//!
//! 5. its (non-optional) dependency on `otai-core` enables none of the engine side's features
//!    (`engine`, `cli`, `testing`): a plugin needs the plugin API only, and every crate that
//!    depends on it would compile the engine too. Tests enable `testing` as a dev-dependency;
//!    a binary the plugin ships enables `cli` through a feature of the plugin.
//!
//! Checks 3 and 4 are skipped for fixtures (`[package.metadata.otai] fixture = true`): test-only
//! plugins that the thin binary never ships. Finally the resolved dependency graph (all
//! features) must hold exactly one `otai-core`: a plugin built against another one would make
//! linkme panic at startup, or vanish.

mod collect;
mod source;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use otai::plugin::naming::registry_prefix;

pub use collect::collect;
pub use source::{ForceLink, PluginAttribute};

/// The package of the framework; exactly one copy may be in the graph.
pub const CORE_PACKAGE: &str = "otai-core";

/// What the lint needs to know about a workspace, gathered by [`collect`].
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Every workspace member except the root package.
    pub members: Vec<Member>,
    /// The thin binary (the workspace's root package), if there is one.
    pub root: Option<RootPackage>,
    /// Every `otai-core` in the resolved dependency graph.
    pub cores: Vec<CoreCopy>,
}

/// A workspace member.
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// Package name (`otai-base`).
    pub name: String,
    /// Name of its library crate as `extern crate` spells it (`otai_base`).
    pub lib_name: Option<String>,
    /// It has a normal (not dev, not build) dependency on `otai-core`.
    pub depends_on_core: bool,
    /// The features its non-optional normal dependency on `otai-core` enables.
    pub core_features: Vec<String>,
    /// `[package.metadata.otai] fixture = true`: a test-only plugin.
    pub fixture: bool,
    /// `[package.metadata.otai] plugin = false`: named `otai-*` but not a plugin.
    pub not_a_plugin: bool,
    /// Every `#[otai::plugin]` found in its `src/`.
    pub plugin_attributes: Vec<PluginAttribute>,
}

/// The thin binary: the package whose features select plugins.
#[derive(Debug, Clone, Default)]
pub struct RootPackage {
    /// Its package name.
    pub name: String,
    /// Its `[features]`.
    pub features: BTreeMap<String, Vec<String>>,
    /// Its normal dependencies.
    pub dependencies: Vec<RootDependency>,
    /// The source file holding the force-link lines (`src/main.rs`).
    pub main_path: PathBuf,
    /// The `extern crate` items of that file.
    pub force_links: Vec<ForceLink>,
}

/// A dependency of the thin binary.
#[derive(Debug, Clone, Default)]
pub struct RootDependency {
    /// The package depended on.
    pub package: String,
    /// `package = "…"` renaming: the name the manifest and the code use instead.
    pub rename: Option<String>,
    /// `optional = true`.
    pub optional: bool,
}

impl RootDependency {
    /// The name features refer to (`dep:<name>`).
    fn manifest_name(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.package)
    }
}

/// One `otai-core` package in the resolved graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreCopy {
    /// Its version.
    pub version: String,
    /// Where it comes from (`path …`, a registry, a git repository).
    pub source: String,
    /// Packages that depend on it directly.
    pub dependents: Vec<String>,
}

/// One thing wrong, with the crate it concerns and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The crate concerned (`otai-base`, or `otai-core` for the graph check).
    pub krate: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl Problem {
    fn new(krate: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            krate: krate.to_owned(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: `{}`: {}", self.krate, self.message)?;
        for (index, line) in self.fix.lines().enumerate() {
            let lead = if index == 0 { "  fix: " } else { "       " };
            writeln!(f, "{lead}{line}")?;
        }
        Ok(())
    }
}

/// What the lint found: the plugin crates it checked and the problems.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Plugin crates shipped by the thin binary.
    pub plugins: Vec<String>,
    /// Test-only plugin crates.
    pub fixtures: Vec<String>,
    /// Everything wrong.
    pub problems: Vec<Problem>,
}

/// Runs the lint on the workspace at `root` and prints the result.
pub fn run(root: &Path) -> ExitCode {
    let workspace = match collect(root, &[]) {
        Ok(workspace) => workspace,
        Err(error) => {
            eprintln!(
                "error: cannot read the workspace at {}: {error}",
                root.display()
            );
            return ExitCode::from(2);
        }
    };
    let report = check(&workspace);
    for problem in &report.problems {
        eprint!("{problem}");
    }
    if report.problems.is_empty() {
        let cores: Vec<String> = workspace.cores.iter().map(|c| c.version.clone()).collect();
        println!(
            "lint-plugins: ok: {} plugin crate(s) ({}), {} fixture(s) ({}), otai-core {}",
            report.plugins.len(),
            report.plugins.join(", "),
            report.fixtures.len(),
            report.fixtures.join(", "),
            cores.join(", "),
        );
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "lint-plugins: {} problem(s); the plugin model is described in README.md (\"Plugins\")",
            report.problems.len()
        );
        ExitCode::FAILURE
    }
}

/// Checks a workspace; pure, so it can be tested on values built in memory.
pub fn check(workspace: &Workspace) -> Report {
    let mut report = Report::default();
    for member in &workspace.members {
        check_member(member, workspace.root.as_ref(), &mut report);
    }
    check_single_core(&workspace.cores, &mut report);
    report
}

fn check_member(member: &Member, root: Option<&RootPackage>, report: &mut Report) {
    if member.name == CORE_PACKAGE {
        return;
    }
    let prefix = registry_prefix(&member.name);
    let has_attribute = !member.plugin_attributes.is_empty();

    let Some(prefix) = prefix else {
        // Not named like a plugin: fine, unless it uses the attribute without a prefix.
        for attribute in member
            .plugin_attributes
            .iter()
            .filter(|attribute| attribute.explicit_prefix.is_none())
        {
            report.problems.push(Problem::new(
                &member.name,
                format!(
                    "uses #[otai::plugin] in {} but the package is not named `otai-<name>`, so it has no registry prefix",
                    attribute.file.display()
                ),
                format!(
                    "rename the package to `otai-{name}` (its prefix becomes `{name}`), or, in an application that embeds the framework, state the prefix: #[otai::plugin(prefix = \"{name}\")]",
                    name = member.name.trim_start_matches("otai").trim_matches(['-', '_'])
                ),
            ));
        }
        return;
    };

    if member.not_a_plugin || !(member.depends_on_core || has_attribute) {
        return;
    }

    if !has_attribute {
        report.problems.push(Problem::new(
            &member.name,
            "is named like a plugin and depends on otai-core, but no #[otai::plugin] was found in its src/",
            "put #[otai::plugin] on the type implementing otai::Plugin (or on its factory function); if this crate is not a plugin, declare it in its Cargo.toml:\n[package.metadata.otai]\nplugin = false",
        ));
    }

    check_core_features(member, report);

    if member.fixture {
        report.fixtures.push(member.name.clone());
        return;
    }
    report.plugins.push(member.name.clone());

    match root {
        Some(root) => check_wiring(member, &prefix, root, report),
        None => report.problems.push(Problem::new(
            &member.name,
            "the workspace has no root package (the thin binary) to select and link this plugin",
            "add the thin binary as the workspace's root package, or mark this crate as a test fixture: [package.metadata.otai] fixture = true",
        )),
    }
}

/// The features of `otai-core` that bring the engine side; a plugin's own dependency names none.
pub const ENGINE_FEATURES: [&str; 4] = ["engine", "journal-file", "cli", "testing"];

/// Check 5: the plugin depends on the plugin API only.
fn check_core_features(member: &Member, report: &mut Report) {
    for feature in member
        .core_features
        .iter()
        .filter(|feature| ENGINE_FEATURES.contains(&feature.as_str()))
    {
        report.problems.push(Problem::new(
            &member.name,
            format!(
                "its dependency on otai-core enables `{feature}`, so the plugin and every crate that depends on it compile the engine (config loader, registry, {})",
                if feature == "cli" { "command line" } else { "journal" }
            ),
            format!(
                "depend on the plugin API alone: otai-core = \"1.0\" (no features). Tests: enable `testing` under [dev-dependencies]. A binary the plugin ships: a feature of the plugin, e.g. [features] cli = [\"otai-core/cli\"], with required-features = [\"cli\"] on the [[bin]]{}",
                if feature == "engine" { "; an application that embeds the engine is not a plugin: [package.metadata.otai] plugin = false" } else { "" }
            ),
        ));
    }
}

/// Checks 3 and 4: the feature that selects the plugin and the line that links it.
fn check_wiring(member: &Member, prefix: &str, root: &RootPackage, report: &mut Report) {
    let name = &member.name;
    let feature_line = format!("{prefix} = [\"dep:{name}\"]");
    let Some(dependency) = root.dependencies.iter().find(|d| &d.package == name) else {
        report.problems.push(Problem::new(
            name,
            format!("the thin binary `{}` does not depend on it", root.name),
            format!(
                "in the root Cargo.toml add under [dependencies]:\n{name} = {{ workspace = true, optional = true }}\nand under [features] (also list it in `default` if it ships by default):\n{feature_line}\n(a test or example plugin that the thin binary does not ship declares instead, in its own Cargo.toml:\n[package.metadata.otai]\nfixture = true)"
            ),
        ));
        return;
    };
    if !dependency.optional {
        report.problems.push(Problem::new(
            name,
            format!(
                "is a non-optional dependency of the thin binary `{}`, so no feature can leave it out",
                root.name
            ),
            format!("in the root Cargo.toml make it `optional = true` and select it with the feature:\n{feature_line}"),
        ));
    }
    let manifest_name = dependency.manifest_name();
    match root.features.get(prefix) {
        None => report.problems.push(Problem::new(
            name,
            format!(
                "the thin binary `{}` has no feature `{prefix}` (the plugin's prefix) to select it",
                root.name
            ),
            format!("in the root Cargo.toml add under [features]:\n{prefix} = [\"dep:{manifest_name}\"]"),
        )),
        Some(_) if !feature_enables(&root.features, prefix, manifest_name) => {
            report.problems.push(Problem::new(
                name,
                format!("the feature `{prefix}` of the thin binary does not enable it"),
                format!("in the root Cargo.toml add \"dep:{manifest_name}\" to the feature `{prefix}`"),
            ));
        }
        Some(_) => {}
    }

    let crate_ident = match &dependency.rename {
        Some(rename) => rename.replace('-', "_"),
        None => member
            .lib_name
            .clone()
            .unwrap_or_else(|| name.replace('-', "_")),
    };
    let wanted = format!("#[cfg(feature = \"{prefix}\")]\nextern crate {crate_ident};");
    let main = root.main_path.display();
    let links: Vec<&ForceLink> = root
        .force_links
        .iter()
        .filter(|link| link.crate_ident == crate_ident)
        .collect();
    if links.is_empty() {
        report.problems.push(Problem::new(
            name,
            format!("{main} does not force-link it, so the linker drops it and its plugin vanishes without a word"),
            format!("add to {main}:\n{wanted}"),
        ));
    } else if !links.iter().any(|link| link.is_gated_by(prefix)) {
        report.problems.push(Problem::new(
            name,
            format!(
                "{main} links it with `extern crate {crate_ident};` but not under #[cfg(feature = \"{prefix}\")] alone, so the feature does not decide whether it is linked"
            ),
            format!("write it in {main} as:\n{wanted}"),
        ));
    }
}

/// Whether `feature` enables the dependency `dependency`, directly or through other features.
pub fn feature_enables(
    features: &BTreeMap<String, Vec<String>>,
    feature: &str,
    dependency: &str,
) -> bool {
    let mut seen = BTreeSet::new();
    let mut pending = vec![feature];
    while let Some(current) = pending.pop() {
        if !seen.insert(current) {
            continue;
        }
        let Some(values) = features.get(current) else {
            continue;
        };
        for value in values {
            let enabled = value.strip_prefix("dep:").unwrap_or(value);
            // `dep/feature` enables the dependency; `dep?/feature` does not.
            let enabled = enabled.split_once('/').map_or(enabled, |(dep, _)| dep);
            if enabled == dependency {
                return true;
            }
            if features.contains_key(enabled) {
                pending.push(enabled);
            }
        }
    }
    false
}

fn check_single_core(cores: &[CoreCopy], report: &mut Report) {
    match cores {
        [_] => {}
        [] => report.problems.push(Problem::new(
            CORE_PACKAGE,
            "is not in the dependency graph",
            "run the lint from the Open Ticket AI workspace (or pass --workspace DIR)",
        )),
        copies => {
            let listed: Vec<String> = copies
                .iter()
                .map(|core| {
                    format!(
                        "{} ({}) used by {}",
                        core.version,
                        core.source,
                        if core.dependents.is_empty() {
                            "nothing".to_owned()
                        } else {
                            core.dependents.join(", ")
                        }
                    )
                })
                .collect();
            report.problems.push(Problem::new(
                CORE_PACKAGE,
                format!(
                    "the dependency graph holds {} copies of otai-core: {}; a plugin built against another otai-core makes the binary panic at startup (\"duplicate #[distributed_slice]\") or vanishes from it",
                    copies.len(),
                    listed.join("; ")
                ),
                format!(
                    "make every plugin depend on the same otai-core (`otai-core.workspace = true` inside this workspace, the same semver-compatible version outside it); `cargo tree -i otai-core@{}` shows who pulls in that copy",
                    copies.last().map_or("", |core| core.version.as_str())
                ),
            ));
        }
    }
}
