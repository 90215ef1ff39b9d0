//! Tests of the checks on workspaces built in memory, and of [`collect`] on small workspaces
//! written to a temporary directory (with a stand-in `otai-core`, so that `cargo metadata`
//! needs no registry).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::source::force_links;
use super::*;

fn attribute(prefix: Option<&str>) -> PluginAttribute {
    PluginAttribute {
        file: PathBuf::from("src/lib.rs"),
        explicit_prefix: prefix.map(str::to_owned),
    }
}

fn plugin(name: &str) -> Member {
    Member {
        name: name.to_owned(),
        lib_name: Some(name.replace('-', "_")),
        depends_on_core: true,
        plugin_attributes: vec![attribute(None)],
        ..Member::default()
    }
}

fn core(version: &str, dependents: &[&str]) -> CoreCopy {
    CoreCopy {
        version: version.to_owned(),
        source: "path otai-core".to_owned(),
        dependents: dependents.iter().map(|d| (*d).to_owned()).collect(),
    }
}

/// A thin binary wired for the given plugin packages, from its main.rs text.
fn root_with(main_rs: &str, plugins: &[&str]) -> RootPackage {
    let mut features = BTreeMap::new();
    let mut dependencies = vec![RootDependency {
        package: CORE_PACKAGE.to_owned(),
        rename: None,
        optional: false,
    }];
    for package in plugins {
        let prefix = registry_prefix(package).unwrap();
        features.insert(prefix, vec![format!("dep:{package}")]);
        dependencies.push(RootDependency {
            package: (*package).to_owned(),
            rename: None,
            optional: true,
        });
    }
    features.insert(
        "default".to_owned(),
        features.keys().cloned().collect::<Vec<_>>(),
    );
    RootPackage {
        name: "otai".to_owned(),
        features,
        dependencies,
        main_path: PathBuf::from("src/main.rs"),
        force_links: force_links(main_rs).unwrap(),
    }
}

const GOOD_MAIN: &str = r#"
#[cfg(feature = "base")]
extern crate otai_base;
#[cfg(feature = "otobo-znuny")]
extern crate otai_otobo_znuny;
fn main() {}
"#;

fn good_workspace() -> Workspace {
    Workspace {
        members: vec![
            Member {
                name: CORE_PACKAGE.to_owned(),
                lib_name: Some("otai".to_owned()),
                ..Member::default()
            },
            plugin("otai-base"),
            plugin("otai-otobo-znuny"),
            Member {
                fixture: true,
                ..plugin("otai-fixture-plugin")
            },
            Member {
                name: "xtask".to_owned(),
                depends_on_core: true,
                ..Member::default()
            },
        ],
        root: Some(root_with(GOOD_MAIN, &["otai-base", "otai-otobo-znuny"])),
        cores: vec![core("1.0.0", &["otai", "otai-base", "otai-otobo-znuny"])],
    }
}

fn problems_of(workspace: &Workspace) -> Vec<Problem> {
    check(workspace).problems
}

fn only_problem(workspace: &Workspace) -> Problem {
    let problems = problems_of(workspace);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn a_well_wired_workspace_passes() {
    let report = check(&good_workspace());
    assert_eq!(report.problems, []);
    assert_eq!(report.plugins, ["otai-base", "otai-otobo-znuny"]);
    assert_eq!(report.fixtures, ["otai-fixture-plugin"]);
}

#[test]
fn a_missing_force_link_line_names_the_crate_and_the_line_to_add() {
    let mut workspace = good_workspace();
    let main = "#[cfg(feature = \"base\")]\nextern crate otai_base;\nfn main() {}\n";
    workspace.root = Some(root_with(main, &["otai-base", "otai-otobo-znuny"]));
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-otobo-znuny");
    assert!(problem.message.contains("does not force-link"), "{problem}");
    assert!(
        problem
            .fix
            .contains("#[cfg(feature = \"otobo-znuny\")]\nextern crate otai_otobo_znuny;"),
        "{problem}"
    );
}

#[test]
fn a_force_link_under_the_wrong_cfg_is_reported() {
    let mut workspace = good_workspace();
    let main = "#[cfg(feature = \"base\")]\nextern crate otai_base;\n#[cfg(feature = \"base\")]\nextern crate otai_otobo_znuny;\nfn main() {}\n";
    workspace.root = Some(root_with(main, &["otai-base", "otai-otobo-znuny"]));
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-otobo-znuny");
    assert!(problem.message.contains("not under"), "{problem}");
}

#[test]
fn an_unconditional_force_link_is_reported() {
    let mut workspace = good_workspace();
    let main = "extern crate otai_base;\n#[cfg(feature = \"otobo-znuny\")]\nextern crate otai_otobo_znuny;\nfn main() {}\n";
    workspace.root = Some(root_with(main, &["otai-base", "otai-otobo-znuny"]));
    assert_eq!(only_problem(&workspace).krate, "otai-base");
}

#[test]
fn a_missing_feature_is_reported_with_the_feature_line() {
    let mut workspace = good_workspace();
    if let Some(root) = workspace.root.as_mut() {
        root.features.remove("otobo-znuny");
    }
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-otobo-znuny");
    assert!(
        problem.message.contains("no feature `otobo-znuny`"),
        "{problem}"
    );
    assert!(
        problem
            .fix
            .contains("otobo-znuny = [\"dep:otai-otobo-znuny\"]"),
        "{problem}"
    );
}

#[test]
fn a_feature_that_does_not_enable_the_crate_is_reported() {
    let mut workspace = good_workspace();
    if let Some(root) = workspace.root.as_mut() {
        root.features.insert("otobo-znuny".to_owned(), Vec::new());
    }
    let problem = only_problem(&workspace);
    assert!(problem.message.contains("does not enable it"), "{problem}");
}

#[test]
fn features_enable_dependencies_directly_and_through_other_features() {
    let features: BTreeMap<String, Vec<String>> = [
        ("a", vec!["dep:otai-a"]),
        ("b", vec!["otai-b"]),
        ("c", vec!["otai-c/extra"]),
        ("d", vec!["otai-d?/extra"]),
        ("e", vec!["a"]),
        ("loop", vec!["loop", "e"]),
    ]
    .into_iter()
    .map(|(name, values)| {
        (
            name.to_owned(),
            values.into_iter().map(str::to_owned).collect(),
        )
    })
    .collect();
    assert!(feature_enables(&features, "a", "otai-a"));
    assert!(feature_enables(&features, "b", "otai-b"));
    assert!(feature_enables(&features, "c", "otai-c"));
    assert!(!feature_enables(&features, "d", "otai-d"));
    assert!(feature_enables(&features, "e", "otai-a"));
    assert!(feature_enables(&features, "loop", "otai-a"));
    assert!(!feature_enables(&features, "a", "otai-b"));
    assert!(!feature_enables(&features, "missing", "otai-a"));
}

#[test]
fn a_plugin_the_thin_binary_does_not_depend_on_is_reported() {
    let mut workspace = good_workspace();
    workspace.members.push(plugin("otai-acme-tools"));
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-acme-tools");
    assert!(
        problem.message.contains("does not depend on it"),
        "{problem}"
    );
    assert!(
        problem
            .fix
            .contains("otai-acme-tools = { workspace = true, optional = true }"),
        "{problem}"
    );
    assert!(
        problem
            .fix
            .contains("acme-tools = [\"dep:otai-acme-tools\"]"),
        "{problem}"
    );
    assert!(problem.fix.contains("fixture = true"), "{problem}");
}

#[test]
fn a_non_optional_plugin_dependency_is_reported() {
    let mut workspace = good_workspace();
    if let Some(root) = workspace.root.as_mut() {
        for dependency in &mut root.dependencies {
            dependency.optional = false;
        }
    }
    let problems = problems_of(&workspace);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems
        .iter()
        .all(|p| p.message.contains("non-optional dependency")));
}

#[test]
fn a_renamed_dependency_is_followed_into_features_and_main() {
    let mut workspace = good_workspace();
    let main = "#[cfg(feature = \"base\")]\nextern crate stdlib;\n#[cfg(feature = \"otobo-znuny\")]\nextern crate otai_otobo_znuny;\nfn main() {}\n";
    let mut root = root_with(main, &["otai-base", "otai-otobo-znuny"]);
    root.features
        .insert("base".to_owned(), vec!["dep:stdlib".to_owned()]);
    for dependency in &mut root.dependencies {
        if dependency.package == "otai-base" {
            dependency.rename = Some("stdlib".to_owned());
        }
    }
    workspace.root = Some(root);
    assert_eq!(problems_of(&workspace), []);
}

#[test]
fn fixtures_are_exempt_from_feature_and_force_link_but_not_from_the_attribute() {
    let mut workspace = good_workspace();
    workspace.members.push(Member {
        fixture: true,
        plugin_attributes: Vec::new(),
        ..plugin("otai-other-fixture")
    });
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-other-fixture");
    assert!(problem.message.contains("no #[otai::plugin]"), "{problem}");
}

#[test]
fn a_plugin_without_the_attribute_is_reported_unless_declared_not_a_plugin() {
    let mut workspace = good_workspace();
    let mut helper = plugin("otai-test-support");
    helper.plugin_attributes.clear();
    workspace.members.push(helper.clone());
    let problems = problems_of(&workspace);
    assert!(
        problems
            .iter()
            .any(|p| p.krate == "otai-test-support" && p.message.contains("no #[otai::plugin]")),
        "{problems:#?}"
    );
    assert!(problems.iter().any(|p| p.fix.contains("plugin = false")));

    helper.not_a_plugin = true;
    let last = workspace.members.len() - 1;
    workspace.members[last] = helper;
    assert_eq!(problems_of(&workspace), []);
}

#[test]
fn a_member_named_otai_without_core_or_attribute_is_not_a_plugin() {
    let mut workspace = good_workspace();
    workspace.members.push(Member {
        name: "otai-ui-harness".to_owned(),
        ..Member::default()
    });
    assert_eq!(problems_of(&workspace), []);
}

#[test]
fn the_name_rule_applies_to_members_using_the_attribute() {
    let mut workspace = good_workspace();
    workspace.members.push(plugin("acme-plugin"));
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "acme-plugin");
    assert!(
        problem.message.contains("not named `otai-<name>`"),
        "{problem}"
    );
    assert!(problem.fix.contains("otai-acme-plugin"), "{problem}");
    assert!(
        problem
            .fix
            .contains("#[otai::plugin(prefix = \"acme-plugin\")]"),
        "{problem}"
    );

    // `otai-` must start the name; `otai-` alone has no prefix either.
    for name in ["my-otai-plugin", "otai-", "otai"] {
        let mut workspace = good_workspace();
        workspace.members.push(plugin(name));
        assert_eq!(only_problem(&workspace).krate, name);
    }
}

#[test]
fn an_explicit_prefix_is_the_escape_hatch_of_the_name_rule() {
    let mut workspace = good_workspace();
    workspace.members.push(Member {
        plugin_attributes: vec![attribute(Some("acme"))],
        ..plugin("acme-app")
    });
    assert_eq!(problems_of(&workspace), []);
}

#[test]
fn prefixes_follow_the_core_naming_rule() {
    let mut workspace = good_workspace();
    let main =
        format!("{GOOD_MAIN}\n#[cfg(feature = \"my-plugin\")]\nextern crate otai_my_plugin;\n");
    workspace.root = Some(root_with(
        &main,
        &["otai-base", "otai-otobo-znuny", "otai_my_plugin"],
    ));
    workspace.members.push(plugin("otai_my_plugin"));
    let report = check(&workspace);
    assert_eq!(report.problems, []);
    assert!(report.plugins.contains(&"otai_my_plugin".to_owned()));
}

#[test]
fn two_core_versions_are_reported_with_their_dependents() {
    let mut workspace = good_workspace();
    workspace.cores.push(core("0.9.0", &["otai-acme-tools"]));
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-core");
    assert!(
        problem.message.contains("2 copies of otai-core"),
        "{problem}"
    );
    assert!(
        problem
            .message
            .contains("0.9.0 (path otai-core) used by otai-acme-tools"),
        "{problem}"
    );
    assert!(
        problem.fix.contains("cargo tree -i otai-core@"),
        "{problem}"
    );
}

#[test]
fn no_core_at_all_is_reported() {
    let mut workspace = good_workspace();
    workspace.cores.clear();
    assert_eq!(only_problem(&workspace).krate, "otai-core");
}

#[test]
fn problems_print_the_crate_the_message_and_the_fix() {
    let problem = Problem::new("otai-x", "is broken", "do this\nthen that");
    assert_eq!(
        problem.to_string(),
        "error: `otai-x`: is broken\n  fix: do this\n       then that\n"
    );
}

// ---------------------------------------------------------------------------------------------
// `collect` on real (tiny) workspaces.
// ---------------------------------------------------------------------------------------------

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A workspace: root package `otai` with one plugin `otai-demo` and a fixture, against a
/// stand-in `otai-core` without dependencies.
fn temp_workspace(main_rs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        r#"
[workspace]
members = ["otai-core", "otai-demo", "fixture"]
resolver = "2"

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
"#,
    );
    write(root, "src/main.rs", main_rs);
    write(
        root,
        "otai-core/Cargo.toml",
        "[package]\nname = \"otai-core\"\nversion = \"1.0.0\"\nedition = \"2021\"\n[lib]\nname = \"otai\"\n",
    );
    write(root, "otai-core/src/lib.rs", "");
    write(
        root,
        "otai-demo/Cargo.toml",
        "[package]\nname = \"otai-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\notai-core = { path = \"../otai-core\" }\n",
    );
    write(root, "otai-demo/src/lib.rs", "mod plugin;\n");
    write(
        root,
        "otai-demo/src/plugin.rs",
        "#[otai::plugin]\npub struct DemoPlugin;\n",
    );
    write(
        root,
        "fixture/Cargo.toml",
        "[package]\nname = \"otai-fixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[package.metadata.otai]\nfixture = true\n[dependencies]\notai-core = { path = \"../otai-core\" }\n",
    );
    write(
        root,
        "fixture/src/lib.rs",
        "#[otai::plugin]\npub struct FixturePlugin;\n",
    );
    dir
}

const DEMO_MAIN: &str = "#[cfg(feature = \"demo\")]\nextern crate otai_demo;\nfn main() {}\n";

#[test]
fn collect_reads_members_root_and_cores() {
    let dir = temp_workspace(DEMO_MAIN);
    let workspace = collect(dir.path(), &["--offline"]).unwrap();
    let names: Vec<&str> = workspace.members.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["otai-core", "otai-demo", "otai-fixture"]);
    let demo = &workspace.members[1];
    assert!(demo.depends_on_core);
    assert_eq!(demo.lib_name.as_deref(), Some("otai_demo"));
    assert_eq!(
        demo.plugin_attributes,
        [PluginAttribute {
            file: PathBuf::from("otai-demo/src/plugin.rs"),
            explicit_prefix: None
        }]
    );
    assert!(workspace.members[2].fixture);
    let root = workspace.root.as_ref().unwrap();
    assert_eq!(root.name, "otai");
    assert_eq!(root.main_path, Path::new("src/main.rs"));
    assert_eq!(root.features["demo"], ["dep:otai-demo"]);
    assert_eq!(workspace.cores.len(), 1);
    assert_eq!(workspace.cores[0].version, "1.0.0");
    assert_eq!(
        workspace.cores[0].dependents,
        ["otai", "otai-demo", "otai-fixture"]
    );

    let report = check(&workspace);
    assert_eq!(report.problems, []);
    assert_eq!(report.plugins, ["otai-demo"]);
    assert_eq!(report.fixtures, ["otai-fixture"]);
}

#[test]
fn collect_then_check_finds_a_removed_force_link() {
    let dir = temp_workspace("fn main() {}\n");
    let workspace = collect(dir.path(), &["--offline"]).unwrap();
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-demo");
    assert!(
        problem
            .message
            .starts_with("src/main.rs does not force-link it"),
        "{problem}"
    );
}

#[test]
fn collect_then_check_finds_a_second_core() {
    let dir = temp_workspace(DEMO_MAIN);
    let root = dir.path();
    // The other core lives outside the workspace, as a published older version would.
    let elsewhere = tempfile::tempdir().unwrap();
    write(
        elsewhere.path(),
        "Cargo.toml",
        "[package]\nname = \"otai-core\"\nversion = \"0.9.0\"\nedition = \"2021\"\n[lib]\nname = \"otai\"\n",
    );
    write(elsewhere.path(), "src/lib.rs", "");
    write(
        root,
        "otai-demo/Cargo.toml",
        &format!(
            "[package]\nname = \"otai-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\notai-core = {{ path = {:?} }}\n",
            elsewhere.path().display().to_string()
        ),
    );
    let workspace = collect(root, &["--offline"]).unwrap();
    let versions: Vec<&str> = workspace.cores.iter().map(|c| c.version.as_str()).collect();
    assert_eq!(versions, ["0.9.0", "1.0.0"]);
    assert_eq!(workspace.cores[0].dependents, ["otai-demo"]);
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-core");
    assert!(
        problem.message.contains("0.9.0 (path ") && problem.message.contains("used by otai-demo"),
        "{problem}"
    );
}

#[test]
fn this_workspace_passes_the_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let workspace = collect(root, &[]).unwrap();
    let report = check(&workspace);
    assert_eq!(report.problems, [], "{:#?}", report.problems);
    for plugin in ["otai-base", "otai-otobo-znuny", "otai-hf-local"] {
        assert!(report.plugins.contains(&plugin.to_owned()), "{report:?}");
    }
    assert!(report.fixtures.contains(&"otai-fixture-plugin".to_owned()));
}

#[test]
fn a_plugin_depends_on_the_plugin_api_without_the_engine() {
    let mut heavy = plugin("otai-heavy");
    heavy.fixture = true;
    heavy.core_features = vec!["cli".to_owned(), "serde-extra".to_owned()];
    let mut light = plugin("otai-light");
    light.fixture = true;
    let workspace = Workspace {
        members: vec![heavy, light],
        root: None,
        cores: vec![core("1.0.0", &["otai-heavy", "otai-light"])],
    };
    let problem = only_problem(&workspace);
    assert_eq!(problem.krate, "otai-heavy");
    assert!(problem.message.contains("enables `cli`"), "{problem}");
    assert!(problem.fix.contains("[dev-dependencies]"), "{problem}");
}
