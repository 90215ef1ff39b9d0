//! The plugin in isolation: its pipe with stand-in services, its service in a pipeline from
//! YAML. No config file, no server.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use otai::testing::{FixedClassifier, TestBed, TestTicketSystem};
use otai::value::json;
use otai::Plugin;
use __CRATE__::__PLUGIN__;

fn tickets() -> Arc<TestTicketSystem> {
    Arc::new(TestTicketSystem::from_json(json!([
        {"id": 7, "subject": "Invoice", "body": "Charged twice"},
        {"id": 8, "subject": "Printer", "body": "It prints nothing but blank pages, every time."},
    ])))
}

fn bed(tickets: &Arc<TestTicketSystem>) -> TestBed {
    TestBed::new()
        .with_plugin(env!("CARGO_PKG_NAME"), __PLUGIN__)
        .with_ticket_system("tickets", Arc::clone(tickets))
}

#[tokio::test]
async fn the_pipe_notes_the_label_on_the_ticket() {
    let tickets = tickets();
    let classifier = Arc::new(FixedClassifier::new("Billing", 0.9));
    let result = bed(&tickets)
        .with_classifier("classifier", Arc::clone(&classifier))
        .pipe("__NAME__:NoteClassification")
        .params(json!({"ticket_id": 7}))
        .run()
        .await
        .unwrap();
    assert!(result.succeeded(), "{}", result.message);
    assert_eq!(result.data["label"], "Billing");
    tickets.assert_note_contains("7", "Billing (90% confidence)");
    assert_eq!(classifier.requests()[0].0, "Invoice\nCharged twice");
}

#[tokio::test]
async fn a_missing_ticket_fails_and_writes_nothing() {
    let tickets = tickets();
    let result = bed(&tickets)
        .with_classifier("classifier", Arc::new(FixedClassifier::new("Billing", 0.9)))
        .pipe("__NAME__:NoteClassification")
        .params(json!({"ticket_id": 99}))
        .run()
        .await
        .unwrap();
    assert!(result.has_failed());
    assert!(result.message.contains("ticket 99 does not exist"), "{}", result.message);
    tickets.assert_no_writes();
}

#[tokio::test]
async fn the_service_labels_by_length_in_a_pipeline() {
    let tickets = tickets();
    let yaml = r#"
open_ticket_ai:
  services:
    length: { use: "__NAME__:LengthClassifier", params: { threshold: 30 } }
  orchestrator:
    use: __NAME__:NoteClassification
    injects: { ticket_system: tickets, classifier: length }
    params: { ticket_id: 8 }
"#;
    let result = bed(&tickets).run_yaml(yaml).await.unwrap();
    assert!(result.succeeded(), "{}", result.message);
    tickets.assert_note_contains("8", "long (100% confidence)");
}

#[test]
fn a_zero_threshold_is_a_config_error_naming_the_param() {
    let yaml = r#"
open_ticket_ai:
  services:
    length: { use: "__NAME__:LengthClassifier", params: { threshold: 0 } }
  orchestrator:
    use: __NAME__:NoteClassification
    injects: { ticket_system: tickets, classifier: length }
    params: { ticket_id: 8 }
"#;
    let error = bed(&tickets()).pipeline(yaml).unwrap_err().to_string();
    assert!(error.contains("threshold"), "{error}");
}

#[test]
fn every_injectable_has_a_description_and_an_example() {
    for descriptor in __PLUGIN__.injectables() {
        assert!(!descriptor.description().is_empty(), "{}", descriptor.name());
        assert!(descriptor.example().is_some(), "{}", descriptor.name());
    }
}
