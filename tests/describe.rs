//! Self-describing injectables: every injectable of every plugin of this workspace has a
//! one-line description and an example config that `otai check` accepts, and `otai describe`
//! shows them with the params, slots and interfaces. A new injectable cannot land
//! undocumented: this test walks whatever is registered.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

extern crate otai_fixture_plugin;

use std::process::Output;

use serde_json::Value;
use support::{all_output, otai_command, output_of};

fn otai(args: &[&str]) -> Output {
    output_of(otai_command().args(args))
}

fn json_of(args: &[&str]) -> Value {
    let output = otai(args);
    assert!(
        output.status.success(),
        "otai {args:?}:\n{}",
        all_output(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The problems of one description: empty, longer than a line, not a sentence.
fn description_problems(key: &str, description: &str) -> Option<String> {
    let problem = if description.is_empty() {
        "has no description (the first paragraph of its doc comment)"
    } else if description.chars().count() > 110 {
        "has a description longer than one line (keep the doc comment's first paragraph short)"
    } else if !description.ends_with('.') {
        "has a description that is not a sentence ending with `.`"
    } else {
        return None;
    };
    Some(format!("{key} {problem}: {description:?}"))
}

#[test]
fn every_injectable_of_the_binary_is_described_and_its_example_passes_check() {
    let listing = json_of(&["plugins", "--json"]);
    let rows = listing["injectables"].as_array().unwrap();
    assert!(rows.len() >= 15, "{listing}");
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for row in rows {
        let key = row["key"].as_str().unwrap();
        let description = json_of(&["describe", key, "--json"]);
        assert_eq!(description["description"], row["description"], "{key}");
        problems.extend(description_problems(
            key,
            description["description"].as_str().unwrap(),
        ));
        let Some(example) = description["example"].as_str() else {
            problems.push(format!(
                "{key} has no example (a ```yaml block in a `# Example` section of its doc comment)"
            ));
            continue;
        };
        if !example.contains(&format!("use: {key}"))
            && !example.contains(&format!("use: \"{key}\""))
        {
            problems.push(format!("{key}: its example does not use it"));
        }
        let path = dir.path().join(format!("{}.yml", key.replace(':', "_")));
        std::fs::write(&path, example).unwrap();
        let check = otai(&["check", "--config", path.to_str().unwrap()]);
        if !check.status.success() {
            problems.push(format!(
                "{key}: its example fails `otai check`:\n{example}\n{}",
                all_output(&check)
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[test]
fn every_linked_injectable_of_the_workspace_is_described_and_its_example_builds() {
    // In-process, so the fixture plugin (not part of the binary) is walked too.
    let app = otai::AppConfig::new();
    let registry = otai::ComponentRegistry::from_linked(&app).unwrap();
    assert!(registry.get("fixture-plugin:ShoutPipe").is_ok());
    let mut problems = Vec::new();
    for injectable in registry.injectables() {
        let descriptor = injectable.descriptor();
        problems.extend(description_problems(
            injectable.key(),
            descriptor.description(),
        ));
        match descriptor.example() {
            None => problems.push(format!("{} has no example", injectable.key())),
            Some(example) => {
                let built = otai::config::load_str("example.yml", example, &app)
                    .and_then(|loaded| loaded.build(&registry));
                if let Err(errors) = built {
                    problems.push(format!("{}: {}", injectable.key(), errors.render()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[test]
fn describe_shows_params_with_types_defaults_and_docs_slots_interfaces_and_the_example() {
    let output = otai(&["describe", "base:ClassificationPipe"]);
    assert!(output.status.success(), "{}", all_output(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "base:ClassificationPipe  (pipe of otai-base",
        "Classifies a text with the injected classification service",
        "classification_service: ClassificationService (required)",
        "text: string (required)",
        "The text to classify",
        "api_token: string | null (optional)",
        "Example (a whole config; `otai check` accepts it):",
        "use: base:ClassificationPipe",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let service = json_of(&[
        "describe",
        "otobo-znuny:OTOBOZnunyTicketSystemService",
        "--json",
    ]);
    assert_eq!(service["kind"], "service");
    assert_eq!(service["provides"], serde_json::json!(["TicketSystem"]));
    let params = service["params"].as_array().unwrap();
    let max_retries = params.iter().find(|p| p["name"] == "max_retries").unwrap();
    assert_eq!(max_retries["type"], "integer");
    assert!(max_retries["default"].is_number(), "{max_retries}");
    assert!(!max_retries["doc"].as_str().unwrap().is_empty());
    let base_url = params.iter().find(|p| p["name"] == "base_url").unwrap();
    assert_eq!(base_url["required"], true);

    let composite = json_of(&["describe", "base:CompositePipe", "--json"]);
    assert_eq!(composite["nested_pipes"][0]["name"], "steps");
}

#[test]
fn describing_an_unknown_key_names_the_closest_one() {
    let output = otai(&["describe", "base:CompositPipe"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown registry key `base:CompositPipe`"),
        "{stderr}"
    );
    assert!(stderr.contains("base:CompositePipe"), "{stderr}");
}

#[test]
fn plugins_lists_each_key_with_its_description() {
    let output = otai(&["plugins"]);
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim_start().starts_with("base:KeywordClassifier"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[at + 1]
            .trim()
            .starts_with("Classifies text by keywords"),
        "{text}"
    );
}

#[test]
fn describe_and_new_plugin_have_help() {
    for command in ["describe", "new-plugin"] {
        let output = otai(&[command, "--help"]);
        assert!(output.status.success(), "{command} --help");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: otai"));
    }
}
