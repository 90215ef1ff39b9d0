//! The original Python project's demo configuration loads unchanged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::config::load_file;
use otai::engine::{OrchestratorSpec, PipeSpec};
use otai::AppConfig;
use std::path::Path;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/original-demo-config.yml"
    ))
}

fn nested<'a>(pipe: &'a PipeSpec, field: &str) -> &'a serde_json::Value {
    &pipe.params[field]
}

#[test]
fn the_original_structure_is_parsed() {
    let loaded = load_file(fixture(), &AppConfig::new()).unwrap();
    assert_eq!(loaded.config().infrastructure.logging.level, "INFO");
    let config = &loaded.config().pipeline;
    assert_eq!(config.api_version.as_ref().unwrap().to_string(), ">=1.0.0");
    let ids: Vec<&str> = config.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["jinja_default", "otobo_znuny", "hf_local"]);
    assert_eq!(
        config.services[1].use_key,
        "otobo-znuny:OTOBOZnunyTicketSystemService"
    );
    assert_eq!(
        config.services[1].params["base_url"],
        "http://127.0.0.1:8080/otobo/nph-genericinterface.pl"
    );

    let OrchestratorSpec::Pipe(orchestrator) = &config.orchestrator else {
        panic!("the original writes the orchestrator as a pipe");
    };
    assert_eq!(orchestrator.use_key, "base:SimpleSequentialOrchestrator");
    assert_eq!(orchestrator.params["orchestrator_sleep"], "PT0.01S");
    let runner = &nested(orchestrator, "steps")[0];
    assert_eq!(runner["id"], "ticket-routing-runner");
    assert_eq!(runner["params"]["on"]["use"], "base:IntervalTrigger");
    let steps = runner["params"]["run"]["params"]["steps"]
        .as_array()
        .unwrap();
    let step_ids: Vec<&str> = steps.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        step_ids,
        [
            "ticket_fetcher",
            "fail_no_tickets",
            "ticket",
            "queue_classify",
            "queue_select_final",
            "queue_update_ticket",
            "queue_add_note",
            "priority_classify",
            "priority_select_final",
            "priority_update_ticket",
            "priority_add_note",
        ]
    );
    assert_eq!(steps[0]["injects"]["ticket_system"], "otobo_znuny");
    assert_eq!(steps[3]["injects"]["classification_service"], "hf_local");
    assert_eq!(
        steps[3]["params"]["model_name"],
        "softoft/otai-queue-de-bert-v1"
    );
}

#[test]
fn the_original_config_validates_and_builds_with_stand_ins() {
    std::env::set_var("OTAI_OTOBO_DEMO_PASSWORD", "not-used");
    let loaded = load_file(fixture(), &AppConfig::new()).unwrap();
    let pipeline = loaded
        .build(&support::registry())
        .unwrap_or_else(|errors| panic!("{}", errors.render()));
    assert_eq!(
        pipeline.orchestrator().use_key(),
        "base:SimpleSequentialOrchestrator"
    );
    assert_eq!(pipeline.orchestrator().id(), "SimpleSequentialOrchestrator");
    assert_eq!(pipeline.services().len(), 3);
}
