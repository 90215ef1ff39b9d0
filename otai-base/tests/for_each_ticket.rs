//! `base:ForEachTicketPipe` through the engine and its gate: every ticket of the queue once per
//! run across several searches, never twice in one run, bounded by `max_tickets`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use otai::testing::TestTicketSystem;
use otai::value::json;
use otai::PipeResult;

fn incoming(count: usize) -> Arc<TestTicketSystem> {
    let tickets: Vec<_> = (1..=count)
        .map(|id| json!({"id": id.to_string(), "subject": format!("ticket {id}"), "queue": {"name": "Incoming"}}))
        .collect();
    Arc::new(TestTicketSystem::from_json(json!(tickets)))
}

/// A pipeline whose one step is a `base:ForEachTicketPipe` over `Incoming` running `steps`.
fn config(limit: usize, concurrency: usize, extra: &str, steps: &str) -> String {
    format!(
        r#"
open_ticket_ai:
  orchestrator:
    id: each
    use: base:ForEachTicketPipe
    injects: {{ ticket_system: tickets }}
    params:
      ticket_search_criteria: {{ queue: {{ name: Incoming }}, limit: {limit} }}
      max_concurrency: {concurrency}
{extra}      steps:
{steps}
"#
    )
}

/// Runs `yaml` once on a test bed with `tickets` as service `tickets`.
async fn run(tickets: &Arc<TestTicketSystem>, yaml: &str) -> PipeResult {
    support::bed()
        .with_ticket_system("tickets", Arc::clone(tickets))
        .run_yaml(yaml)
        .await
        .unwrap()
}

const MOVE_AND_NOTE: &str = r#"        - id: move
          use: base:UpdateTicketPipe
          injects: { ticket_system: tickets }
          params:
            ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
            updated_ticket: { queue: { name: Done } }
        - id: note
          use: base:AddNotePipe
          injects: { ticket_system: tickets }
          params:
            ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
            note: { subject: Routed, body: "was {{ get_pipe_result('ticket')['subject'] }}" }"#;

const NOTE_ONLY: &str = r#"        - id: note
          use: base:AddNotePipe
          injects: { ticket_system: tickets }
          params:
            ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
            note: { subject: Seen, body: "seen" }"#;

#[tokio::test]
async fn every_ticket_of_the_queue_runs_once_across_several_searches() {
    let tickets = incoming(23);
    let result = run(&tickets, &config(4, 3, "", MOVE_AND_NOTE)).await;
    assert!(result.succeeded(), "{result:?}");
    assert_eq!(result.data["succeeded"], json!(23), "{}", result.message);
    assert_eq!(result.data["items"].as_array().unwrap().len(), 23);
    for id in 1..=23 {
        let id = id.to_string();
        tickets.assert_queue(&id, "Done");
        assert_eq!(
            tickets.updates_of(&id).len(),
            2,
            "ticket {id}: a move and a note"
        );
        // The note was rendered from the ticket as read by the item itself.
        tickets.assert_note_contains(&id, &format!("was ticket {id}"));
    }
}

#[tokio::test]
async fn a_ticket_that_still_matches_is_not_run_twice_in_one_run() {
    let tickets = incoming(7);
    let result = run(&tickets, &config(3, 2, "", NOTE_ONLY)).await;
    assert!(result.succeeded(), "{result:?}");
    assert_eq!(result.data["succeeded"], json!(7), "{}", result.message);
    for id in 1..=7 {
        let id = id.to_string();
        assert_eq!(tickets.notes_added_to(&id).len(), 1, "ticket {id}");
        tickets.assert_queue(&id, "Incoming");
    }
}

#[tokio::test]
async fn max_tickets_ends_a_run() {
    let tickets = incoming(10);
    let result = run(
        &tickets,
        &config(4, 2, "      max_tickets: 6\n", MOVE_AND_NOTE),
    )
    .await;
    assert!(result.succeeded(), "{result:?}");
    assert_eq!(result.data["succeeded"], json!(6), "{}", result.message);
    let moved = tickets
        .tickets()
        .iter()
        .filter(|t| t.queue.as_ref().and_then(|q| q.name.as_deref()) == Some("Done"))
        .count();
    assert_eq!(moved, 6);
}

#[tokio::test]
async fn a_failing_ticket_fails_the_run_and_the_others_go_on() {
    let tickets = incoming(5);
    let steps = r#"        - id: fail_on_three
          use: base:ExpressionPipe
          params:
            expression: "{{ fail() if get_pipe_result('ticket')['id'] == '3' else 'ok' }}"
        - id: move
          use: base:UpdateTicketPipe
          injects: { ticket_system: tickets }
          params:
            ticket_id: "{{ get_pipe_result('ticket')['id'] }}"
            updated_ticket: { queue: { name: Done } }"#;
    let result = run(&tickets, &config(2, 2, "", steps)).await;
    assert!(result.has_failed(), "{result:?}");
    assert_eq!(result.data["succeeded"], json!(4), "{}", result.message);
    assert_eq!(result.data["failed"], json!(1));
    assert!(result.message.contains("item 3"), "{}", result.message);
    tickets.assert_queue("3", "Incoming");
    for id in ["1", "2", "4", "5"] {
        tickets.assert_queue(id, "Done");
    }
}
