//! `cargo xtask new-plugin NAME`: `otai new-plugin` inside this workspace.
//!
//! It writes the same crate as `otai new-plugin` (through [`otai::cli::new_plugin::Scaffold`],
//! in its workspace-member layout: workspace dependencies and lints, no binary of its own) and
//! wires it the way `cargo xtask lint-plugins` demands:
//!
//! * the root `Cargo.toml`: the workspace member, a `[workspace.dependencies]` entry, the
//!   optional dependency of the thin binary and its feature `NAME = ["dep:otai-NAME"]`;
//! * the thin binary's `src/main.rs`: `#[cfg(feature = "NAME")] extern crate otai_NAME;`, so
//!   the linker keeps the plugin.
//!
//! The manifest is edited with `toml_edit`, which keeps its comments and layout. Both files
//! are read and edited in memory first: when either cannot be edited, nothing is written.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use otai::cli::new_plugin::{Layout, Scaffold};
use toml_edit::{value, Array, DocumentMut, InlineTable, Item, Table, Value};

/// Why the plugin could not be added.
#[derive(Debug)]
pub struct NewPluginError(String);

impl fmt::Display for NewPluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NewPluginError {}

fn error(message: impl Into<String>) -> NewPluginError {
    NewPluginError(message.into())
}

/// Runs `cargo xtask new-plugin NAME` on the workspace at `root`.
pub fn run(root: &Path, name: &str) -> ExitCode {
    match add_plugin(root, name) {
        Ok(dir) => {
            println!(
                "created {} and wired it into Cargo.toml and src/main.rs (feature `{name}`)\n\nnext:\n  cargo test -p otai-{name}\n  cargo run --features {name} -- describe {name}:NoteClassification\n  cargo xtask lint-plugins",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(2)
        }
    }
}

/// Creates `root/otai-NAME/` and wires it into the workspace; returns the crate's directory.
pub fn add_plugin(root: &Path, name: &str) -> Result<PathBuf, NewPluginError> {
    let scaffold =
        Scaffold::new(name, Layout::WorkspaceMember).map_err(|e| error(e.to_string()))?;
    let manifest_path = root.join("Cargo.toml");
    let main_path = root.join("src").join("main.rs");
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| error(format!("cannot read {}: {e}", path.display())))
    };
    let manifest = add_to_manifest(&read(&manifest_path)?, &scaffold)?;
    let main = add_force_link(&read(&main_path)?, &scaffold)?;
    let dir = scaffold
        .write_into(root)
        .map_err(|e| error(otai::report(&e)))?;
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text)
            .map_err(|e| error(format!("cannot write {}: {e}", path.display())))
    };
    write(&manifest_path, &manifest)?;
    write(&main_path, &main)?;
    Ok(dir)
}

/// The root manifest with the member, the workspace dependency, the thin binary's optional
/// dependency and its feature added.
pub fn add_to_manifest(text: &str, scaffold: &Scaffold) -> Result<String, NewPluginError> {
    let package = scaffold.package();
    let prefix = package
        .strip_prefix("otai-")
        .ok_or_else(|| error("the package is not named otai-*"))?
        .to_owned();
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| error(format!("Cargo.toml is not valid TOML: {e}")))?;
    let version = doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Item::as_str)
        .ok_or_else(|| error("Cargo.toml has no [workspace.package] version"))?
        .to_owned();

    let workspace = table(&mut doc, "workspace")?;
    let members = workspace
        .get_mut("members")
        .and_then(Item::as_array_mut)
        .ok_or_else(|| error("Cargo.toml has no [workspace] members list"))?;
    if members.iter().any(|m| m.as_str() == Some(package.as_str())) {
        return Err(error(format!("{package} is a workspace member already")));
    }
    push_on_own_line(members, &package);

    let dependencies = sub_table(workspace, "dependencies")?;
    let mut entry = InlineTable::new();
    entry.insert("path", Value::from(package.as_str()));
    entry.insert("version", Value::from(version.as_str()));
    dependencies.insert(&package, value(entry));

    let features = table(&mut doc, "features")?;
    if features.contains_key(&prefix) {
        return Err(error(format!(
            "the thin binary has a feature `{prefix}` already"
        )));
    }
    let mut enables = Array::new();
    enables.push(format!("dep:{package}"));
    features.insert(&prefix, value(enables));

    let dependencies = table(&mut doc, "dependencies")?;
    let mut entry = InlineTable::new();
    entry.insert("workspace", Value::from(true));
    entry.insert("optional", Value::from(true));
    dependencies.insert(&package, value(entry));
    Ok(doc.to_string())
}

fn table<'a>(doc: &'a mut DocumentMut, key: &str) -> Result<&'a mut Table, NewPluginError> {
    doc.get_mut(key)
        .and_then(Item::as_table_mut)
        .ok_or_else(|| error(format!("Cargo.toml has no [{key}] table")))
}

fn sub_table<'a>(table: &'a mut Table, key: &str) -> Result<&'a mut Table, NewPluginError> {
    table
        .get_mut(key)
        .and_then(Item::as_table_mut)
        .ok_or_else(|| error(format!("Cargo.toml has no [workspace.{key}] table")))
}

/// Appends `item` to a multi-line array as its own line, keeping the trailing comma.
fn push_on_own_line(array: &mut Array, item: &str) {
    let multi_line = array
        .iter()
        .next()
        .and_then(|first| first.decor().prefix())
        .and_then(|prefix| prefix.as_str())
        .is_some_and(|prefix| prefix.contains('\n'));
    if multi_line {
        array.push_formatted(Value::from(item).decorated("\n    ", ""));
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    } else {
        array.push(item);
    }
}

/// `src/main.rs` with `#[cfg(feature = "NAME")] extern crate otai_NAME;` among the other
/// force-link lines, in alphabetical order.
pub fn add_force_link(text: &str, scaffold: &Scaffold) -> Result<String, NewPluginError> {
    let krate = scaffold.crate_name();
    let feature = scaffold
        .package()
        .strip_prefix("otai-")
        .unwrap_or_default()
        .to_owned();
    let lines: Vec<&str> = text.lines().collect();
    let externs: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            line.trim()
                .strip_prefix("extern crate ")
                .and_then(|rest| rest.strip_suffix(';'))
                .map(|name| (index, name.trim()))
        })
        .collect();
    if externs.iter().any(|(_, name)| *name == krate) {
        return Err(error(format!("src/main.rs force-links {krate} already")));
    }
    let block = [
        format!("#[cfg(feature = \"{feature}\")]"),
        format!("extern crate {krate};"),
    ];
    // Before the first force-link that sorts after it (above its `#[cfg]`), or after the last.
    let at = match externs.iter().find(|(_, name)| *name > krate.as_str()) {
        Some((index, _)) if *index > 0 && lines[index - 1].trim().starts_with("#[cfg") => {
            index - 1
        }
        Some((index, _)) => *index,
        None => match externs.last() {
            Some((index, _)) => index + 1,
            None => {
                return Err(error(
                    "src/main.rs has no `extern crate` force-link lines to add to; add `#[cfg(feature = \"…\")] extern crate …;` by hand",
                ))
            }
        },
    };
    let mut out: Vec<String> = lines.iter().map(|line| (*line).to_owned()).collect();
    out.splice(at..at, block);
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests;
