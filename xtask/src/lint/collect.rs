//! Gathering a [`Workspace`] from `cargo metadata` and the crates' sources.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::{CargoOpt, DependencyKind, Metadata, MetadataCommand, Package, PackageId};

use super::source::{force_links, plugin_attributes, PluginAttribute};
use super::{CoreCopy, Member, RootDependency, RootPackage, Workspace, CORE_PACKAGE};

/// Reads the workspace at `root` with `cargo metadata --all-features` (so every optional
/// plugin is in the graph) plus the given extra cargo options (tests pass `--offline`).
pub fn collect(root: &Path, cargo_options: &[&str]) -> Result<Workspace, String> {
    let metadata = MetadataCommand::new()
        .manifest_path(root.join("Cargo.toml"))
        .features(CargoOpt::AllFeatures)
        .other_options(
            cargo_options
                .iter()
                .map(|option| (*option).to_owned())
                .collect::<Vec<_>>(),
        )
        .exec()
        .map_err(|error| error.to_string())?;
    from_metadata(&metadata)
}

fn from_metadata(metadata: &Metadata) -> Result<Workspace, String> {
    let root_package = metadata.root_package();
    let mut members = Vec::new();
    for package in metadata.workspace_packages() {
        if Some(&package.id) == root_package.map(|root| &root.id) {
            continue;
        }
        members.push(member(package)?);
    }
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let root = root_package.map(root).transpose()?;
    Ok(Workspace {
        members,
        root,
        cores: cores(metadata),
    })
}

fn otai_metadata<'a>(package: &'a Package, key: &str) -> Option<&'a serde_json::Value> {
    package.metadata.get("otai")?.get(key)
}

fn member(package: &Package) -> Result<Member, String> {
    let dir = package
        .manifest_path
        .parent()
        .map(|dir| dir.as_std_path().to_path_buf())
        .unwrap_or_default();
    let mut attributes = Vec::new();
    for file in rust_files(&dir.join("src"))? {
        let source = fs::read_to_string(&file)
            .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
        let shown = file.strip_prefix(&dir).unwrap_or(&file);
        attributes.extend(
            plugin_attributes(shown, &source)
                .into_iter()
                .map(|attribute| PluginAttribute {
                    file: Path::new(package.name.as_str()).join(attribute.file),
                    ..attribute
                }),
        );
    }
    Ok(Member {
        name: package.name.to_string(),
        lib_name: package
            .targets
            .iter()
            .find(|target| target.is_lib() || target.is_rlib() || target.is_proc_macro())
            .map(|target| target.name.replace('-', "_")),
        depends_on_core: package.dependencies.iter().any(|dependency| {
            dependency.name == CORE_PACKAGE && dependency.kind == DependencyKind::Normal
        }),
        core_features: package
            .dependencies
            .iter()
            .filter(|dependency| {
                dependency.name == CORE_PACKAGE
                    && dependency.kind == DependencyKind::Normal
                    && !dependency.optional
            })
            .flat_map(|dependency| dependency.features.iter().cloned())
            .collect(),
        fixture: otai_metadata(package, "fixture") == Some(&serde_json::Value::Bool(true)),
        not_a_plugin: otai_metadata(package, "plugin") == Some(&serde_json::Value::Bool(false)),
        plugin_attributes: attributes,
    })
}

/// Every `.rs` file under `dir`, sorted; none if `dir` does not exist.
fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = fs::read_dir(&current)
            .map_err(|error| format!("cannot list {}: {error}", current.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|error| format!("cannot list {}: {error}", current.display()))?
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn root(package: &Package) -> Result<RootPackage, String> {
    let main = package
        .targets
        .iter()
        .filter(|target| target.is_bin())
        .min_by_key(|target| target.name != package.name.as_str())
        .ok_or_else(|| {
            format!(
                "the root package `{}` has no binary target to force-link plugins in",
                package.name
            )
        })?;
    let main_path = main.src_path.as_std_path().to_path_buf();
    let source = fs::read_to_string(&main_path)
        .map_err(|error| format!("cannot read {}: {error}", main_path.display()))?;
    let force_links = force_links(&source)
        .map_err(|error| format!("cannot parse {}: {error}", main_path.display()))?;
    let shown = package
        .manifest_path
        .parent()
        .and_then(|dir| main_path.strip_prefix(dir.as_std_path()).ok())
        .map_or_else(|| main_path.clone(), Path::to_path_buf);
    Ok(RootPackage {
        name: package.name.to_string(),
        features: package
            .features
            .iter()
            .map(|(name, values)| (name.clone(), values.clone()))
            .collect(),
        dependencies: package
            .dependencies
            .iter()
            .filter(|dependency| dependency.kind == DependencyKind::Normal)
            .map(|dependency| RootDependency {
                package: dependency.name.clone(),
                rename: dependency.rename.clone(),
                optional: dependency.optional,
            })
            .collect(),
        main_path: shown,
        force_links,
    })
}

/// Every `otai-core` package in the resolved graph, with its direct dependents.
fn cores(metadata: &Metadata) -> Vec<CoreCopy> {
    let by_id: BTreeMap<&PackageId, &Package> = metadata
        .packages
        .iter()
        .map(|package| (&package.id, package))
        .collect();
    let Some(resolve) = &metadata.resolve else {
        return Vec::new();
    };
    let mut copies = Vec::new();
    for node in &resolve.nodes {
        let Some(package) = by_id.get(&node.id) else {
            continue;
        };
        if package.name.as_str() != CORE_PACKAGE {
            continue;
        }
        let mut dependents: Vec<String> = resolve
            .nodes
            .iter()
            .filter(|other| other.deps.iter().any(|dep| dep.pkg == node.id))
            .filter_map(|other| by_id.get(&other.id))
            .map(|dependent| dependent.name.to_string())
            .collect();
        dependents.sort();
        dependents.dedup();
        copies.push(CoreCopy {
            version: package.version.to_string(),
            source: package.source.as_ref().map_or_else(
                || {
                    format!(
                        "path {}",
                        package
                            .manifest_path
                            .parent()
                            .map_or_else(String::new, |p| p.to_string())
                    )
                },
                |source| source.to_string(),
            ),
            dependents,
        });
    }
    copies.sort_by(|a, b| a.version.cmp(&b.version));
    copies
}
