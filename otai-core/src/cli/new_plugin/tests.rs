#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn a_kebab_case_name_becomes_package_crate_type_and_prefix() {
    let scaffold = Scaffold::new("acme-tools", Layout::Standalone).unwrap();
    assert_eq!(scaffold.package(), "otai-acme-tools");
    assert_eq!(scaffold.crate_name(), "otai_acme_tools");
    assert_eq!(scaffold.plugin_type(), "AcmeToolsPlugin");
    let lib = &scaffold.files()[1].1;
    assert!(lib.contains("pub struct AcmeToolsPlugin;"), "{lib}");
    assert!(lib.contains("use: acme-tools:NoteClassification"), "{lib}");
    assert!(!lib.contains("__"), "a placeholder is left:\n{lib}");
}

#[test]
fn names_that_break_the_rules_are_refused_with_the_reason() {
    let cases = [
        ("otai-acme", "without `otai-`"),
        ("Acme", "use `acme`"),
        ("acme_tools", "use `acme-tools`"),
        ("acme:x", "kebab case"),
        ("", "kebab case"),
        ("-acme", "kebab case"),
        ("base", "otai-base"),
        ("stand-in", "otai::testing"),
    ];
    for (name, why) in cases {
        let error = validate_plugin_name(name).unwrap_err().to_string();
        assert!(error.contains(why), "{name:?}: {error}");
    }
    let long = "a".repeat(60);
    assert!(validate_plugin_name(&long)
        .unwrap_err()
        .to_string()
        .contains("64"));
    assert!(validate_plugin_name("acme2-x").is_ok());
}

#[test]
fn the_manifest_states_the_core_by_version_or_by_path() {
    let by_version = Scaffold::new("acme", Layout::Standalone)
        .unwrap()
        .manifest();
    let requirement = core_requirement();
    assert!(
        by_version.contains(&format!("otai-core = \"{requirement}\"")),
        "{by_version}"
    );
    assert!(by_version.contains("[workspace]"), "{by_version}");

    let checkout = PathBuf::from("/src/otai");
    let by_path = Scaffold::new("acme", Layout::StandaloneWithCheckout(checkout))
        .unwrap()
        .manifest();
    assert!(
        by_path.contains("otai-core = { path = \"/src/otai/otai-core\" }"),
        "{by_path}"
    );
    assert!(
        by_path.contains("path = \"/src/otai/otai-base\", optional = true"),
        "{by_path}"
    );

    let member = Scaffold::new("acme", Layout::WorkspaceMember).unwrap();
    assert!(member.manifest().contains("otai-core.workspace = true"));
    let files: Vec<PathBuf> = member.files().into_iter().map(|(path, _)| path).collect();
    assert!(
        !files.contains(&PathBuf::from("src/bin/otai.rs")),
        "{files:?}"
    );
}

#[test]
fn an_existing_directory_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let scaffold = Scaffold::new("acme", Layout::Standalone).unwrap();
    let created = scaffold.write_into(dir.path()).unwrap();
    assert!(created.join("src/bin/otai.rs").is_file());
    std::fs::write(created.join("src/lib.rs"), "// mine").unwrap();
    let error = scaffold.write_into(dir.path()).unwrap_err();
    assert!(matches!(error, ScaffoldError::Exists(_)), "{error}");
    assert_eq!(
        std::fs::read_to_string(created.join("src/lib.rs")).unwrap(),
        "// mine"
    );
}
