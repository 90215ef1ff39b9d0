//! `new-plugin` on a small workspace written to a temporary directory (with a stand-in
//! `otai-core`, so that `cargo metadata` needs no registry): afterwards the plugin lint passes.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use super::*;
use crate::lint;

const MANIFEST: &str = r#"[workspace]
resolver = "2"
members = [
    "otai-core",
    "otai-demo",
]

[workspace.package]
version = "1.0.0"
edition = "2021"
rust-version = "1.90"
license = "MIT"
repository = "https://example.com/otai"

[workspace.dependencies]
otai-core = { path = "otai-core", version = "1.0.0" }
tokio = { path = "tokio" }

[workspace.lints.rust]
unsafe_code = "forbid"

# The thin binary.
[package]
name = "otai"
version = "1.0.0"
edition = "2021"

[features]
default = ["demo"]
demo = ["dep:otai-demo"]

[dependencies]
otai-core = { path = "otai-core" }
otai-demo = { path = "otai-demo", optional = true }
"#;

const MAIN: &str =
    "//! The thin binary.\n\n#[cfg(feature = \"demo\")]\nextern crate otai_demo;\n\nfn main() {}\n";

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn scaffold(name: &str) -> Scaffold {
    Scaffold::new(name, Layout::WorkspaceMember).unwrap()
}

#[test]
fn the_manifest_gets_member_dependency_and_feature_and_keeps_its_comments() {
    let edited = add_to_manifest(MANIFEST, &scaffold("acme")).unwrap();
    assert!(
        edited.contains("    \"otai-demo\",\n    \"otai-acme\",\n]"),
        "{edited}"
    );
    assert!(
        edited.contains("otai-acme = { path = \"otai-acme\", version = \"1.0.0\" }"),
        "{edited}"
    );
    assert!(edited.contains("acme = [\"dep:otai-acme\"]"), "{edited}");
    assert!(
        edited.contains("otai-acme = { workspace = true, optional = true }"),
        "{edited}"
    );
    assert!(edited.contains("# The thin binary."), "{edited}");
    let again = add_to_manifest(&edited, &scaffold("acme")).unwrap_err();
    assert!(again.to_string().contains("member already"), "{again}");
}

#[test]
fn the_force_link_line_goes_in_alphabetical_order() {
    let before = add_force_link(MAIN, &scaffold("alpha")).unwrap();
    assert!(
        before.contains("#[cfg(feature = \"alpha\")]\nextern crate otai_alpha;\n#[cfg(feature = \"demo\")]\nextern crate otai_demo;"),
        "{before}"
    );
    let after = add_force_link(MAIN, &scaffold("zeta")).unwrap();
    assert!(
        after.contains(
            "extern crate otai_demo;\n#[cfg(feature = \"zeta\")]\nextern crate otai_zeta;\n"
        ),
        "{after}"
    );
    assert!(add_force_link(&after, &scaffold("zeta")).is_err());
    assert!(add_force_link("fn main() {}\n", &scaffold("zeta")).is_err());
}

#[test]
fn a_new_plugin_passes_the_plugin_lint() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Cargo.toml", MANIFEST);
    write(root, "src/main.rs", MAIN);
    write(
        root,
        "otai-core/Cargo.toml",
        "[package]\nname = \"otai-core\"\nversion = \"1.0.0\"\nedition = \"2021\"\n[lib]\nname = \"otai\"\n[features]\ntesting = []\n",
    );
    write(root, "otai-core/src/lib.rs", "");
    write(
        root,
        "tokio/Cargo.toml",
        "[package]\nname = \"tokio\"\nversion = \"1.0.0\"\nedition = \"2021\"\n",
    );
    write(root, "tokio/src/lib.rs", "");
    write(
        root,
        "otai-demo/Cargo.toml",
        "[package]\nname = \"otai-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\notai-core = { path = \"../otai-core\" }\n",
    );
    write(
        root,
        "otai-demo/src/lib.rs",
        "#[otai::plugin]\npub struct DemoPlugin;\n",
    );

    let created = add_plugin(root, "acme-tools").unwrap();
    assert_eq!(created, root.join("otai-acme-tools"));
    assert!(created.join("src/lib.rs").is_file());
    assert!(created.join("tests/plugin.rs").is_file());

    let workspace = lint::collect(root, &["--offline"]).unwrap();
    let report = lint::check(&workspace);
    assert_eq!(report.problems, []);
    assert_eq!(report.plugins, ["otai-acme-tools", "otai-demo"]);

    // A second run changes nothing and says why.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let again = add_plugin(root, "acme-tools").unwrap_err();
    assert!(again.to_string().contains("already"), "{again}");
    assert_eq!(
        fs::read_to_string(root.join("Cargo.toml")).unwrap(),
        manifest
    );
}

#[test]
fn a_bad_name_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let problem = add_plugin(dir.path(), "Acme").unwrap_err().to_string();
    assert!(problem.contains("use `acme`"), "{problem}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
