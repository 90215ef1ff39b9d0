//! `otai new-plugin NAME [--path DIR] [--otai-path DIR]`: a plugin crate to start from.
//!
//! It creates `otai-NAME/` holding a plugin with one small real pipe and one small real
//! service (each documented, with a description and an example config), tests that use
//! `otai::testing`, a README, a demo config and a custom `otai` binary with the plugin
//! linked. `cargo xtask new-plugin` uses [`Scaffold`] with [`Layout::WorkspaceMember`] to add a
//! plugin to this repository's workspace.
//!
//! The name is checked against the naming rules ([`crate::plugin::naming`]) before anything
//! is written: it becomes the registry prefix as it is, so it must be one already.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use heck::ToUpperCamelCase;

use crate::plugin::naming::{registry_prefix, validate_prefix, PLUGIN_NAME_PREFIX};

/// Options of `otai new-plugin`.
#[derive(Debug, clap::Args)]
pub struct NewPluginArgs {
    /// The plugin's name, which is also its registry prefix: `acme-tools` creates the package
    /// `otai-acme-tools` whose keys are `acme-tools:…`. Lowercase letters, digits and single
    /// `-`.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The directory to create `otai-NAME/` in (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// A checkout of the Open Ticket AI repository: depend on its crates by path instead of
    /// by version from crates.io (to develop against unreleased changes).
    #[arg(long, value_name = "DIR")]
    pub otai_path: Option<PathBuf>,
}

/// Prefixes a new plugin may not take, and why.
const RESERVED: &[(&str, &str)] = &[
    (
        "base",
        "it is the prefix of otai-base, the standard plugin of Open Ticket AI",
    ),
    (
        "otobo-znuny",
        "it is the prefix of otai-otobo-znuny, a plugin of Open Ticket AI",
    ),
    (
        "hf-local",
        "it is the prefix of otai-hf-local, a plugin of Open Ticket AI",
    ),
    (
        "stand-in",
        "`otai::testing` registers its stand-in services under it",
    ),
    ("core", "otai-core is the framework's own crate"),
    ("macros", "otai-macros is the framework's own crate"),
    ("naming", "otai-naming is the framework's own crate"),
    ("license", "otai-license is the framework's licensing kit"),
];

/// The longest package name crates.io accepts.
const MAX_PACKAGE_LEN: usize = 64;

/// Why a name cannot be a plugin's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` cannot be a plugin name: {reason}")]
pub struct InvalidPluginName {
    /// The name as given.
    pub name: String,
    /// What rule it breaks and what to use instead.
    pub reason: String,
}

/// Checks a plugin name: a valid registry prefix as it is (so that the directory, the package
/// `otai-NAME` and the keys `NAME:…` agree), not one the project uses, short enough for
/// crates.io.
pub fn validate_plugin_name(name: &str) -> Result<(), InvalidPluginName> {
    let invalid = |reason: String| InvalidPluginName {
        name: name.to_owned(),
        reason,
    };
    for prefix in [PLUGIN_NAME_PREFIX, "otai_"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return Err(invalid(format!(
                "give the name without `{prefix}`, which the package gets anyway: `otai new-plugin {rest}` creates `otai-{rest}`"
            )));
        }
    }
    if let Err(error) = validate_prefix(name) {
        return Err(invalid(format!(
            "the name is the plugin's registry prefix, and {error}"
        )));
    }
    if let Some((_, why)) = RESERVED.iter().find(|(reserved, _)| *reserved == name) {
        return Err(invalid(format!("the prefix `{name}` is taken: {why}")));
    }
    let package = format!("{PLUGIN_NAME_PREFIX}{name}");
    if package.len() > MAX_PACKAGE_LEN {
        return Err(invalid(format!(
            "the package name `{package}` is longer than the {MAX_PACKAGE_LEN} characters crates.io allows"
        )));
    }
    // The rule the registry applies at startup must give the name back.
    if registry_prefix(&package).as_deref() != Some(name) {
        return Err(invalid(format!(
            "the package `{package}` would get another registry prefix than `{name}`"
        )));
    }
    Ok(())
}

/// Where the generated crate lives and how it reaches the framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A crate of its own (its own `[workspace]`), depending on the framework by version
    /// from crates.io; with a custom `otai` binary behind its feature `cli`.
    Standalone,
    /// A crate of its own depending on the crates of a checkout of this repository by path.
    StandaloneWithCheckout(PathBuf),
    /// A member of this repository's workspace (`cargo xtask new-plugin`): workspace
    /// dependencies and lints; the workspace's thin binary links it, so no binary of its own.
    WorkspaceMember,
}

/// A plugin crate to generate.
#[derive(Debug, Clone)]
pub struct Scaffold {
    name: String,
    layout: Layout,
}

impl Scaffold {
    /// A scaffold for plugin `name` (checked with [`validate_plugin_name`]).
    pub fn new(name: &str, layout: Layout) -> Result<Self, InvalidPluginName> {
        validate_plugin_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            layout,
        })
    }

    /// The package name: `otai-NAME`.
    pub fn package(&self) -> String {
        format!("{PLUGIN_NAME_PREFIX}{}", self.name)
    }

    /// The library's name as Rust code spells it: `otai_NAME`.
    pub fn crate_name(&self) -> String {
        self.package().replace('-', "_")
    }

    /// The plugin type's name: `AcmeToolsPlugin`.
    pub fn plugin_type(&self) -> String {
        format!("{}Plugin", self.name.to_upper_camel_case())
    }

    /// Every file of the crate: path relative to the crate's directory, and content.
    pub fn files(&self) -> Vec<(PathBuf, String)> {
        let mut files = vec![
            (PathBuf::from("Cargo.toml"), self.manifest()),
            (
                PathBuf::from("src/lib.rs"),
                self.fill(include_str!("template/lib.rs")),
            ),
            (
                PathBuf::from("tests/plugin.rs"),
                self.fill(include_str!("template/tests.rs")),
            ),
            (
                PathBuf::from("examples/demo.yml"),
                self.fill(include_str!("template/demo.yml")),
            ),
        ];
        if self.layout == Layout::WorkspaceMember {
            files.push((PathBuf::from("README.md"), self.workspace_readme()));
        } else {
            files.push((
                PathBuf::from("README.md"),
                self.fill(include_str!("template/README.md")),
            ));
            files.push((
                PathBuf::from("src/bin/otai.rs"),
                self.fill(include_str!("template/bin.rs")),
            ));
            files.push((PathBuf::from(".gitignore"), "/target\n".to_owned()));
        }
        files
    }

    /// Writes the crate into `parent/otai-NAME/`, which must not exist yet; returns its path.
    pub fn write_into(&self, parent: &Path) -> Result<PathBuf, ScaffoldError> {
        let dir = parent.join(self.package());
        if dir.exists() {
            return Err(ScaffoldError::Exists(dir));
        }
        for (relative, content) in self.files() {
            let path = dir.join(relative);
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder).map_err(|source| ScaffoldError::Write {
                    path: folder.to_owned(),
                    source,
                })?;
            }
            std::fs::write(&path, content)
                .map_err(|source| ScaffoldError::Write { path, source })?;
        }
        Ok(dir)
    }

    fn fill(&self, template: &str) -> String {
        template
            .replace("__NAME__", &self.name)
            .replace("__CRATE__", &self.crate_name())
            .replace("__PLUGIN__", &self.plugin_type())
    }

    fn manifest(&self) -> String {
        let package = self.package();
        let name = &self.name;
        let description = format!(
            "Open Ticket AI plugin `{name}`: a pipe that notes a ticket's classification and a length classifier"
        );
        if self.layout == Layout::WorkspaceMember {
            return format!(
                r#"[package]
name = "{package}"
description = "{description}"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
repository.workspace = true

# otai-core alone, without features: the plugin API only (no engine, config loader or CLI).
# serde and schemars come through its re-exports.
[dependencies]
otai-core.workspace = true

# `testing` runs pipes through the real engine, so tests (only) compile the engine.
[dev-dependencies]
otai-core = {{ workspace = true, features = ["testing"] }}
tokio.workspace = true

[lints]
workspace = true
"#
            );
        }
        let requirement = core_requirement();
        let (core, base) = match &self.layout {
            Layout::StandaloneWithCheckout(checkout) => (
                format!("{{ path = {} }}", toml_string(&checkout.join("otai-core"))),
                format!(
                    "{{ path = {}, optional = true }}",
                    toml_string(&checkout.join("otai-base"))
                ),
            ),
            _ => (
                format!("\"{requirement}\""),
                format!("{{ version = \"{requirement}\", optional = true }}"),
            ),
        };
        let core_dev = match &self.layout {
            Layout::StandaloneWithCheckout(checkout) => format!(
                "{{ path = {}, features = [\"testing\"] }}",
                toml_string(&checkout.join("otai-core"))
            ),
            _ => format!("{{ version = \"{requirement}\", features = [\"testing\"] }}"),
        };
        format!(
            r#"[package]
name = "{package}"
description = "{description}"
version = "0.1.0"
edition = "2021"
rust-version = "1.90"
license = "MIT OR Apache-2.0"
readme = "README.md"
# Remove to publish it (crates.io, or a private registry: `publish = ["my-registry"]`).
publish = false

[features]
## The custom `otai` binary (src/bin/otai.rs): the command line, with otai-base linked.
cli = ["otai-core/cli", "dep:otai-base"]

# The framework, any 1.x from the one this was generated with on: Cargo unifies every
# plugin's otai-core into one. Without features it is the plugin API only (no engine, config
# loader or CLI), so the plugin builds small. serde and schemars come through its re-exports.
[dependencies]
otai-core = {core}
otai-base = {base}

# `testing` runs pipes through the real engine, so tests (only) compile the engine.
[dev-dependencies]
otai-core = {core_dev}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}

[[bin]]
name = "otai"
path = "src/bin/otai.rs"
required-features = ["cli"]

# A workspace of its own, so the crate builds wherever it is put (inside another project's
# directory too). Delete this table to make it a member of an enclosing workspace.
[workspace]
"#
        )
    }

    fn workspace_readme(&self) -> String {
        let name = &self.name;
        let package = self.package();
        format!(
            "# {package}\n\nAn Open Ticket AI plugin of this workspace. Registry prefix: `{name}`.\n\n\
             | key | kind | |\n|---|---|---|\n\
             | `{name}:NoteClassification` | pipe | classifies a ticket and notes the label on it |\n\
             | `{name}:LengthClassifier` | service | labels a text `short` or `long` by its length |\n\n\
             The thin binary links it with its feature `{name}`:\n\n```sh\n\
             cargo test -p {package}\n\
             cargo run --features {name} -- describe {name}:NoteClassification\n\
             cargo run --features {name} -- run --config {package}/examples/demo.yml --once\n```\n\n\
             See `docs/plugin-development.md`.\n"
        )
    }
}

/// The `otai-core` requirement a new plugin states: this core's `MAJOR.MINOR`, so any later
/// release of the same major will do.
fn core_requirement() -> String {
    let mut parts = crate::CORE_VERSION.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => crate::CORE_VERSION.to_owned(),
    }
}

/// A path as a TOML basic string.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string().replace('\\', "/");
    format!("\"{}\"", text.replace('"', "\\\""))
}

/// Why the crate could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScaffoldError {
    /// The target directory exists; nothing is overwritten.
    #[error("{} exists already; choose another name or --path", .0.display())]
    Exists(PathBuf),
    /// A file or folder could not be written.
    #[error("cannot write {}", .path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// `--otai-path` is not a checkout of this repository.
    #[error("{} is not a checkout of Open Ticket AI: it has no otai-core/Cargo.toml", .0.display())]
    NotACheckout(PathBuf),
}

/// The steps to show once the crate exists.
struct NextSteps<'a> {
    dir: &'a Path,
    scaffold: &'a Scaffold,
}

impl fmt::Display for NextSteps<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.scaffold.name;
        writeln!(
            f,
            "created {} (package {}, registry prefix `{name}`)\n",
            self.dir.display(),
            self.scaffold.package()
        )?;
        writeln!(f, "next:")?;
        writeln!(f, "  cd {}", self.dir.display())?;
        writeln!(f, "  cargo test")?;
        writeln!(f, "  cargo run --features cli -- plugins")?;
        writeln!(
            f,
            "  cargo run --features cli -- run --config examples/demo.yml --once"
        )
    }
}

/// Runs `otai new-plugin`.
pub(crate) fn run(args: &NewPluginArgs) -> ExitCode {
    match create(args) {
        Ok((dir, scaffold)) => super::write_stdout(
            &NextSteps {
                dir: &dir,
                scaffold: &scaffold,
            }
            .to_string(),
        ),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(super::EXIT_INVALID)
        }
    }
}

fn create(args: &NewPluginArgs) -> Result<(PathBuf, Scaffold), String> {
    let layout = match &args.otai_path {
        Some(checkout) => {
            let absolute = std::path::absolute(checkout).unwrap_or_else(|_| checkout.clone());
            if !absolute.join("otai-core").join("Cargo.toml").is_file() {
                return Err(ScaffoldError::NotACheckout(absolute).to_string());
            }
            Layout::StandaloneWithCheckout(absolute)
        }
        None => Layout::Standalone,
    };
    let scaffold = Scaffold::new(&args.name, layout).map_err(|error| error.to_string())?;
    let parent = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let dir = scaffold
        .write_into(&parent)
        .map_err(|error| crate::report(&error))?;
    Ok((dir, scaffold))
}

#[cfg(test)]
mod tests;
