//! One environment for configs, templates and plugins; the default renderer comes from the
//! registry; secrets never change how a value is typed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::engine::RunControl;
use otai::AppConfig;
use serde_json::json;

/// `${OTAI_TEST_SHARED}` and `get_env('OTAI_TEST_SHARED')`, joined by `|`.
const READS_BOTH_WAYS: &str = "
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: substituted, use: base:ExpressionPipe, params: { expression: \"${OTAI_TEST_SHARED}\" } }
        - { id: both, use: base:ExpressionPipe, params: { expression: \"{{ get_pipe_result('substituted') ~ '|' ~ get_env('OTAI_TEST_SHARED') }}\" } }
";

async fn both_readings(app: &AppConfig) -> serde_json::Value {
    let pipeline = support::pipeline_with(READS_BOTH_WAYS, app);
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.succeeded(), "{result:?}");
    result.data["value"].clone()
}

#[tokio::test]
async fn substitution_and_get_env_agree_on_an_embedders_override() {
    // Not in the process environment: only the embedding application's settings have it.
    let app = AppConfig::new().with_env("OTAI_TEST_SHARED", Some("from-the-embedder"));
    assert_eq!(
        both_readings(&app).await,
        json!("from-the-embedder|from-the-embedder")
    );
}

#[tokio::test]
async fn substitution_and_get_env_agree_on_a_dotenv_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "OTAI_TEST_SHARED=from-dotenv\n").unwrap();
    let config = dir.path().join("config.yml");
    std::fs::write(&config, READS_BOTH_WAYS).unwrap();
    let loaded = otai::config::load_file(&config, &AppConfig::new()).unwrap();
    let pipeline = loaded.build(&support::registry()).unwrap();
    let result = pipeline.run(RunControl::once()).await;
    assert_eq!(result.data["value"], json!("from-dotenv|from-dotenv"));
}

#[tokio::test]
async fn a_config_without_a_renderer_gets_the_registrys_default_one() {
    // No `jinja_default` service: `base:JinjaRenderer` declares itself the default.
    let pipeline = support::pipeline(
        "otai:\n  orchestrator: { use: base:ExpressionPipe, params: { expression: \"{{ 6 * 7 }}\" } }\n",
    );
    let result = pipeline.run(RunControl::once()).await;
    assert_eq!(result.data["value"], json!(42));
}

#[tokio::test]
async fn a_substituted_number_is_a_number_wherever_the_param_is_one_secret_or_not() {
    let app = AppConfig::new()
        .with_env("OTAI_TEST_LIMIT", Some("2"))
        .with_env("OTAI_TEST_PIN", Some("0042"));
    // `limit` is a number: the text `2` becomes 2; under a secret-looking key too.
    let pipeline = support::pipeline_with(
        "
otai:
  services:
    tickets:
      use: base:InMemoryTicketSystem
      params:
        tickets: [ { id: 1, queue: { name: A } }, { id: 2, queue: { name: A } }, { id: 3, queue: { name: A } } ]
  orchestrator:
    id: fetch
    use: base:FetchTicketsPipe
    injects: { ticket_system: tickets }
    params:
      ticket_search_criteria:
        limit: ${OTAI_TEST_LIMIT}
",
        &app,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert_eq!(result.data["fetched_tickets"].as_array().unwrap().len(), 2);

    // A token-named key holding a number keeps the digits exactly (text stays text).
    let pipeline = support::pipeline_with(
        "
otai:
  services:
    classifier:
      use: base:KeywordClassifier
      params: { models: { m: { default_label: none, labels: { a: [a] } } } }
  orchestrator:
    use: base:ClassificationPipe
    injects: { classification_service: classifier }
    params:
      text: a
      model_name: m
      api_token: ${OTAI_TEST_PIN}
",
        &app,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.succeeded(), "{result:?}");
}
