//! The offline demo (`examples/demo.yml`) run to completion by the engine: every seeded ticket
//! leaves `Incoming`, gets exactly one note per classification step, lands where the keyword
//! rules send it, and a run on the empty queue changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use otai::config::load_file;
use otai::engine::{Pipeline, RunControl};
use otai::interfaces::{TicketSearchCriteria, TicketSystem, TicketSystemExt, UnifiedTicket};
use otai::AppConfig;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// The demo config as shipped (its seed file found beside it), saving to `out`.
fn demo_pipeline(out: &Path) -> Pipeline {
    let app = AppConfig::new().with_env("OTAI_DEMO_OUT", Some(&out.display().to_string()));
    load_file(&examples().join("demo.yml"), &app)
        .and_then(|loaded| loaded.build(&support::registry()))
        .unwrap_or_else(|errors| panic!("{}", errors.render()))
}

async fn all_tickets(pipeline: &Pipeline) -> Vec<UnifiedTicket> {
    let system = pipeline
        .service("tickets")
        .and_then(|service| service.get::<dyn TicketSystem>())
        .unwrap();
    let everything = TicketSearchCriteria {
        queue: None,
        limit: usize::MAX,
        offset: 0,
    };
    system.find_tickets(&everything).await.unwrap()
}

fn entity(ticket: &UnifiedTicket, field: &str) -> String {
    let entity = match field {
        "queue" => &ticket.queue,
        _ => &ticket.priority,
    };
    entity
        .as_ref()
        .and_then(|e| e.name.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_demo_routes_every_ticket_and_then_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo-tickets.out.yaml");
    let pipeline = demo_pipeline(&out);
    let seeded = all_tickets(&pipeline).await.len();
    assert!(seeded >= 20, "the demo has about 20 tickets, not {seeded}");

    // One ticket per cycle (limit: 1) until the fail() guard finds the queue empty.
    let mut cycles = 0;
    loop {
        let result = pipeline.run(RunControl::once()).await;
        if !result.succeeded() {
            assert!(
                result.message.contains("fail_no_tickets"),
                "{}",
                result.message
            );
            break;
        }
        cycles += 1;
        assert!(cycles <= seeded, "the queue does not drain");
    }
    assert_eq!(cycles, seeded);

    let tickets = all_tickets(&pipeline).await;
    let routing: BTreeMap<String, (String, String)> = tickets
        .iter()
        .map(|t| {
            (
                t.id.as_ref().unwrap().to_string(),
                (entity(t, "queue"), entity(t, "priority")),
            )
        })
        .collect();
    for ticket in &tickets {
        let id = ticket.id.as_ref().unwrap();
        assert_ne!(
            entity(ticket, "queue"),
            "Incoming",
            "ticket {id} left Incoming"
        );
        let subjects: Vec<&str> = ticket.notes.iter().map(|n| n.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "Automatische Queue-Klassifizierung",
                "Automatische Priorisierung"
            ],
            "ticket {id}: one note per classification step"
        );
        let queue_note = &ticket.notes[0].body;
        assert!(
            queue_note.contains(&format!("der Queue {} zugeordnet", entity(ticket, "queue"))),
            "{queue_note}"
        );
    }

    let expected = [
        ("1001", "Billing", "medium"),
        ("1002", "Billing", "medium"),
        ("1003", "IT Support", "high"),
        ("1004", "IT Support", "medium"),
        ("1005", "Sales", "medium"),
        ("1006", "Sales", "low"),
        ("1007", "HR", "medium"),
        ("1008", "HR", "medium"),
        ("1009", "IT Support", "high"),
        ("1010", "Billing", "high"),
        ("1011", "Sales", "medium"),
        ("1012", "IT Support", "low"),
        ("1013", "Unclassified", "medium"),
        ("1014", "Unclassified", "low"),
        ("1015", "Billing", "high"),
        ("1016", "Unclassified", "medium"),
        ("1017", "HR", "medium"),
        ("1018", "IT Support", "medium"),
        ("1019", "Billing", "medium"),
        ("1020", "IT Support", "high"),
        ("1021", "Unclassified", "medium"),
        ("1022", "Unclassified", "low"),
    ];
    let expected: BTreeMap<String, (String, String)> = expected
        .iter()
        .map(|(id, queue, priority)| (id.to_string(), (queue.to_string(), priority.to_string())))
        .collect();
    assert_eq!(routing, expected);

    // The saved file holds the same tickets; a run on the empty queue leaves it untouched.
    let saved = std::fs::read_to_string(&out).unwrap();
    let from_file: Vec<UnifiedTicket> = serde_yaml::from_str(&saved).unwrap();
    assert_eq!(from_file, tickets);
    let again = pipeline.run(RunControl::once()).await;
    assert!(again.has_failed() && again.message.contains("fail_no_tickets"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), saved);
    assert_eq!(all_tickets(&pipeline).await, tickets);
}
