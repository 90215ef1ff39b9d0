#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::pipes::{AddNotePipe, FetchTicketsPipe, UpdateTicketPipe};
use crate::InjectableDescriptor;

/// The shared ticket pipes, as a plugin under test.
#[derive(Default)]
struct TicketPipes;

impl Plugin for TicketPipes {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        crate::injectables![FetchTicketsPipe, UpdateTicketPipe, AddNotePipe]
    }
}

fn tickets() -> Arc<TestTicketSystem> {
    Arc::new(TestTicketSystem::from_json(json!([
        {"id": 1, "subject": "Rechnung", "queue": {"name": "Incoming"}},
        {"id": 2, "subject": "VPN", "queue": {"name": "Incoming"}},
    ])))
}

fn bed(tickets: &Arc<TestTicketSystem>) -> TestBed {
    TestBed::new()
        .with_plugin("otai-tickets", TicketPipes)
        .with_ticket_system("tickets", Arc::clone(tickets))
}

#[tokio::test]
async fn a_pipe_runs_with_its_params_and_the_stand_in_wired_into_its_slot() {
    let tickets = tickets();
    let result = bed(&tickets)
        .pipe("tickets:UpdateTicketPipe")
        .params(json!({"ticket_id": 2, "updated_ticket": {"queue": {"name": "IT"}}}))
        .run()
        .await
        .unwrap();
    assert!(result.succeeded(), "{}", result.message);
    tickets.assert_queue("2", "IT");
    tickets.assert_queue("1", "Incoming");
    assert_eq!(tickets.updates_of("2").len(), 1);
    assert_eq!(tickets.writes().len(), 1);
}

#[tokio::test]
async fn notes_and_reads_are_seen_by_the_assertions() {
    let tickets = tickets();
    let bed = bed(&tickets);
    let fetched = bed
        .pipe("tickets:FetchTicketsPipe")
        .params(json!({"ticket_search_criteria": {"limit": 1, "offset": 1}}))
        .run()
        .await
        .unwrap();
    assert_eq!(fetched.data["fetched_tickets"][0]["subject"], "VPN");
    tickets.assert_no_writes();

    let noted = bed
        .pipe("tickets:AddNotePipe")
        .params(json!({"ticket_id": "1", "note": {"subject": "AI", "body": "queue: Billing"}}))
        .run()
        .await
        .unwrap();
    assert!(noted.succeeded(), "{}", noted.message);
    tickets.assert_note_contains("1", "Billing");
    assert_eq!(tickets.ticket("1").unwrap().notes.len(), 1);
}

#[tokio::test]
async fn a_failing_ticket_system_makes_the_pipe_fail() {
    let tickets = tickets();
    tickets.fail_writes("read-only in this test");
    let result = bed(&tickets)
        .pipe("tickets:AddNotePipe")
        .params(json!({"ticket_id": "1", "note": {"body": "x"}}))
        .run()
        .await
        .unwrap();
    assert!(result.has_failed());
    assert!(
        result.message.contains("read-only in this test"),
        "{}",
        result.message
    );
    tickets.assert_queue("1", "Incoming");
}

#[tokio::test]
async fn params_that_do_not_fit_are_config_errors_naming_the_param() {
    let error = bed(&tickets())
        .pipe("tickets:AddNotePipe")
        .params(json!({"ticket_id": "1", "nte": {}}))
        .run()
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, TestError::Config(_)), "{text}");
    assert!(text.contains("nte"), "{text}");
}

#[tokio::test]
async fn a_pipeline_from_yaml_injects_stand_ins_without_declaring_them() {
    let tickets = tickets();
    let yaml = r#"
open_ticket_ai:
  orchestrator:
    use: tickets:UpdateTicketPipe
    injects: { ticket_system: tickets }
    params: { ticket_id: 1, updated_ticket: { priority: { name: high } } }
"#;
    let result = bed(&tickets).run_yaml(yaml).await.unwrap();
    assert!(result.succeeded(), "{}", result.message);
    tickets.assert_priority("1", "high");
}

#[test]
fn a_slot_stays_unwired_when_two_stand_ins_could_fill_it() {
    let tickets = tickets();
    let bed = bed(&tickets).with_ticket_system("other", Arc::new(TestTicketSystem::default()));
    let yaml = bed
        .pipe("tickets:AddNotePipe")
        .params(json!({}))
        .config_yaml()
        .unwrap();
    assert!(!yaml.contains("injects"), "{yaml}");
    let wired = bed
        .pipe("tickets:AddNotePipe")
        .inject("ticket_system", "other")
        .config_yaml()
        .unwrap();
    assert!(wired.contains("ticket_system: other"), "{wired}");
    let error = bed.pipeline(&yaml).unwrap_err().to_string();
    assert!(error.contains("ticket_system"), "{error}");
}

#[test]
fn an_unknown_key_is_reported_where_the_config_names_it() {
    let error = bed(&tickets())
        .pipeline("otai:\n  orchestrator: { use: tickets:AddNote }\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("unknown registry key `tickets:AddNote`"),
        "{error}"
    );
    assert!(error.contains("test.yml:2"), "{error}");
}

#[tokio::test]
async fn the_fixed_classifier_answers_by_rule_and_remembers_requests() {
    use crate::interfaces::{ClassificationRequest, ClassificationService};
    let classifier = FixedClassifier::new("Other", 0.8).when("Invoice", "Billing");
    let ask = |text: &str| ClassificationRequest {
        text: text.to_owned(),
        model_name: "queue".to_owned(),
        api_token: None,
    };
    let billing = classifier.classify(&ask("Your INVOICE")).await.unwrap();
    assert_eq!(
        (billing.label.as_str(), billing.confidence),
        ("Billing", 0.8)
    );
    let other = classifier.classify(&ask("hello")).await.unwrap();
    assert_eq!(other.label, "Other");
    assert_eq!(classifier.requests().len(), 2);
    assert_eq!(classifier.requests()[1].1, "queue");
}
