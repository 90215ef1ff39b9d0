//! The original project's demo configuration (`shared/reference/original-demo-config.yml`,
//! copied to `tests/fixtures/`) against the `base` plugin: unchanged, only its two external
//! services are missing; with them swapped for base services, it runs offline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use otai::interfaces::TicketSystemExt;
use otai::config::load_str;
use otai::engine::RunControl;
use otai::interfaces::{TicketSearchCriteria, TicketSystem};
use otai::AppConfig;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_original_needs_nothing_from_base_that_base_lacks() {
    let errors = load_str(
        "original-demo-config.yml",
        &fixture("original-demo-config.yml"),
        &AppConfig::new().with_env("OTAI_OTOBO_DEMO_PASSWORD", Some("x")),
    )
    .and_then(|loaded| loaded.build(&support::registry()))
    .expect_err("otobo-znuny and hf-local are not linked here");
    for error in errors.errors() {
        let path = error.path.to_string();
        let about_missing_plugin = ["otobo_znuny", "hf_local", "otobo-znuny:", "hf-local:"]
            .iter()
            .any(|name| path.contains(name) || error.message.contains(name));
        assert!(
            about_missing_plugin,
            "unexpected: {} at {}",
            error.message, error.path
        );
    }
    let unknown: Vec<String> = errors
        .errors()
        .iter()
        .filter(|error| error.message.contains("unknown registry key"))
        .map(|error| error.path.to_string())
        .collect();
    assert_eq!(
        unknown,
        ["services.otobo_znuny.use", "services.hf_local.use"]
    );
}

#[tokio::test]
async fn the_original_with_base_services_routes_its_tickets() {
    let pipeline = support::pipeline(&fixture("original-demo-config.offline.yml"));
    let mut processed = 0;
    while pipeline.run(RunControl::once()).await.succeeded() {
        processed += 1;
        assert!(processed <= 3);
    }
    assert_eq!(processed, 3);

    let system = pipeline
        .service("otobo_znuny")
        .and_then(|service| service.get::<dyn TicketSystem>())
        .unwrap();
    let all = TicketSearchCriteria {
        limit: 100,
        ..TicketSearchCriteria::default()
    };
    let routed: Vec<(String, String, usize)> = system
        .find_tickets(&all)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            let name = |e: Option<otai::interfaces::UnifiedEntity>| {
                e.and_then(|e| e.name).unwrap_or_default()
            };
            (name(t.queue), name(t.priority), t.notes.len())
        })
        .collect();
    let expected = [
        ("OpenTicketAI::Billing", "high", 2),
        ("OpenTicketAI::IT", "medium", 2),
        ("OpenTicketAI::Unclassified", "medium", 2),
        ("OpenTicketAI::Billing", "", 0),
    ];
    let expected: Vec<(String, String, usize)> = expected
        .iter()
        .map(|(q, p, n)| (q.to_string(), p.to_string(), *n))
        .collect();
    assert_eq!(routed, expected);
}
