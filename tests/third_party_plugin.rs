//! A plugin defined in a separate crate, as a third party would write it, is registered under
//! `<prefix>:<Name>` once a binary links it.
//!
//! `otai-fixture-plugin` (under `tests/fixtures/`) is a dev-dependency of the root package. A
//! dependency nothing references is not linked, and its registration vanishes with it, so the
//! `extern crate` below is what a custom binary writes for each plugin it adds.

extern crate otai_fixture_plugin;

use otai::{AppConfig, ComponentRegistry, InjectableKind};

fn linked_registry() -> ComponentRegistry {
    match ComponentRegistry::from_linked(&AppConfig::new()) {
        Ok(registry) => registry,
        Err(errors) => panic!("the registry of the linked plugins failed to build:\n{errors}"),
    }
}

#[test]
fn third_party_plugin_is_listed_with_its_package_version_and_prefix() {
    let registry = linked_registry();
    let plugin = registry
        .plugins()
        .iter()
        .find(|plugin| plugin.package == "otai-fixture-plugin")
        .unwrap_or_else(|| {
            panic!(
                "otai-fixture-plugin is not linked; linked: {:?}",
                registry.plugins()
            )
        });
    assert_eq!(plugin.prefix, "fixture-plugin");
    assert_eq!(plugin.version, "0.3.0");
}

#[test]
fn third_party_pipe_is_registered_under_prefix_and_type_name() {
    let registry = linked_registry();
    let pipe = registry
        .get("fixture-plugin:ShoutPipe")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(pipe.key(), "fixture-plugin:ShoutPipe");
    assert_eq!(pipe.descriptor().kind(), InjectableKind::Pipe);
    assert_eq!(
        pipe.descriptor().rust_type(),
        "otai_fixture_plugin::ShoutPipe"
    );
    assert_eq!(registry.plugin_of(pipe).package, "otai-fixture-plugin");
}

#[tokio::test]
async fn a_third_party_pipe_runs_from_a_config() {
    let yaml =
        "otai:\n  orchestrator: { use: \"fixture-plugin:ShoutPipe\", params: { text: hello } }\n";
    let loaded = otai::config::load_str("third-party.yml", yaml, &otai::AppConfig::new()).unwrap();
    let pipeline = loaded
        .build(&linked_registry())
        .unwrap_or_else(|errors| panic!("{}", errors.render()));
    let result = pipeline.run(otai::engine::RunControl::once()).await;
    assert_eq!(result.data["value"], "HELLO");
}

#[test]
fn a_near_miss_key_suggests_the_third_party_key() {
    let registry = linked_registry();
    let error = registry
        .get("fixture-plugin:ShoutPip")
        .err()
        .unwrap_or_else(|| panic!("a misspelt key must not resolve"));
    assert!(
        error
            .suggestions
            .iter()
            .any(|key| key == "fixture-plugin:ShoutPipe"),
        "{error}"
    );
}
