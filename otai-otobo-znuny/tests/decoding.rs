//! Every quirk of the contract, over HTTP: the fake server's natural answers (string ids,
//! one article as an object, `null` customer fields, date-only timestamps, `{}` for no
//! match) and raw answers of other servers injected with `Fault::Respond`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, TicketSystem, UnifiedEntity, UnifiedTicket};
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Fault, FaultRule};
use otai_otobo_znuny::Operation;
use serde_json::{json, Value};
use support::{note, params, seed, service, start, PASSWORD};

fn respond(operation: Operation, body: Value) -> FaultRule {
    FaultRule::new(Fault::Respond {
        status: 200,
        body: body.to_string(),
    })
    .on(operation)
}

fn incoming(limit: usize) -> TicketSearchCriteria {
    TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit,
        offset: 0,
    }
}

#[tokio::test]
async fn the_fake_servers_own_quirks_decode() {
    let server = start(seed()).await;
    let service = service(&params(&server));

    // String ids, a single `Article` object, a `null` dynamic field, both date formats.
    let one = service.get_ticket("1001").await.unwrap().unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(one.id.as_ref().unwrap().as_str(), "1001");
    assert_eq!(one.subject.as_deref(), Some("Rechnung doppelt abgebucht"));
    assert_eq!(
        one.body.as_deref(),
        Some("Bitte erstatten Sie den doppelten Betrag.")
    );
    assert_eq!(
        one.queue,
        Some(UnifiedEntity {
            id: Some("5".into()),
            name: Some("OpenTicketAI::Incoming".into())
        })
    );
    assert_eq!(
        one.priority,
        Some(UnifiedEntity {
            id: Some("3".into()),
            name: Some("3 normal".into())
        })
    );
    assert_eq!(one.notes.len(), 1);
    assert_eq!(one.extra["DynamicField_Category"], Value::Null);
    assert_eq!(one.extra["Created"], json!("2025-11-18 08:00:01"));
    assert_eq!(one.extra["CustomerID"], json!("schneider"));
    assert_eq!(one.extra["State"], json!("new"));
    assert_eq!(one.extra["Type"], json!("Unclassified"));

    // Two articles: a list, oldest first; the body is the first one's.
    let two = service.get_ticket("1002").await.unwrap().unwrap();
    assert_eq!(
        two.notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["Fehlercode 809.", "Immer noch kaputt."]
    );
    assert_eq!(two.body.as_deref(), Some("Fehlercode 809."));
    assert!(
        !two.extra.contains_key("CustomerID"),
        "a null field is absent: {:?}",
        two.extra
    );

    // No article, a date-only creation time, no customer.
    let bare = service.get_ticket("1003").await.unwrap().unwrap();
    assert_eq!(bare.body.as_deref(), Some(""));
    assert!(bare.notes.is_empty());
    assert_eq!(bare.extra["Created"], json!("2025-11-18 00:00:00"));
    assert_eq!(bare.customer, None);
}

#[tokio::test]
async fn numbers_instead_of_strings_and_missing_or_null_fields_decode() {
    let server = start(seed()).await;
    // One get at a time, so that the canned answers go to the gets in search order.
    let mut params = params(&server);
    params.max_concurrency = std::num::NonZeroUsize::MIN;
    let service = service(&params);
    server.set_fault(respond(
        Operation::TicketSearch,
        json!({"TicketID": [1041, "1040"]}),
    ));
    server.add_fault(
        respond(
            Operation::TicketGet,
            json!({"Ticket": [{"TicketID": 1041, "Title": "Printer on fire", "QueueID": 2, "Queue": "Raw",
                               "PriorityID": 3, "Priority": null, "Created": "2025-11-18",
                               "SomethingNew": {"nested": [1, 2]},
                               "Article": {"ArticleID": 5501, "Subject": "Printer on fire",
                                           "Body": "Smoke everywhere.", "MimeType": "text/plain",
                                           "Charset": "utf-8"}}]}),
        )
        .times(1),
    );
    server.add_fault(
        respond(
            Operation::TicketGet,
            json!({"Ticket": {"TicketID": "1040", "Title": null}}),
        )
        .times(1),
    );
    let tickets = service.find_tickets(&incoming(2)).await.unwrap();
    let ids: Vec<&str> = tickets
        .iter()
        .map(|t| t.id.as_ref().unwrap().as_str())
        .collect();
    assert_eq!(ids, ["1041", "1040"]);
    let (first, second) = (&tickets[0], &tickets[1]);
    assert_eq!(
        first.queue,
        Some(UnifiedEntity {
            id: Some("2".into()),
            name: Some("Raw".into())
        })
    );
    assert_eq!(
        first.priority,
        Some(UnifiedEntity {
            id: Some("3".into()),
            name: None
        })
    );
    assert_eq!(first.notes[0].id.as_ref().unwrap().as_str(), "5501");
    assert_eq!(
        first.notes[0].content_type.as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(first.extra["Created"], json!("2025-11-18 00:00:00"));
    assert_eq!(second.subject.as_deref(), Some(""));
    assert!(second.notes.is_empty());
    assert!(second.extra.is_empty(), "{:?}", second.extra);
}

#[tokio::test]
async fn a_search_without_match_is_empty_whether_the_key_is_missing_or_the_list_is_empty() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    // The fake server answers `{}` when nothing matches, as real servers do.
    let none = TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("Junk")),
        limit: 5,
        offset: 0,
    };
    assert!(service.find_tickets(&none).await.unwrap().is_empty());
    assert_eq!(server.requests().len(), 1, "no TicketGet without ids");
    for answer in [
        json!({"TicketID": []}),
        json!({"TicketID": null}),
        json!({}),
    ] {
        server.set_fault(respond(Operation::TicketSearch, answer.clone()));
        assert!(
            service.find_tickets(&incoming(5)).await.unwrap().is_empty(),
            "{answer}"
        );
    }
    // A single id instead of a list.
    server.set_fault(respond(
        Operation::TicketSearch,
        json!({"TicketID": "1001"}),
    ));
    let one = service.find_tickets(&incoming(5)).await.unwrap();
    assert_eq!(one[0].id.as_ref().unwrap().as_str(), "1001");
}

#[tokio::test]
async fn a_get_with_zero_tickets_is_not_found() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    for answer in [json!({"Ticket": []}), json!({}), json!({"Ticket": null})] {
        server.set_fault(respond(Operation::TicketGet, answer.clone()));
        assert_eq!(service.get_ticket("1001").await.unwrap(), None, "{answer}");
    }
    // A ticket found by the search but gone before its get is skipped.
    server.set_fault(respond(Operation::TicketGet, json!({"Ticket": []})).times(1));
    let tickets = service.find_tickets(&incoming(2)).await.unwrap();
    assert_eq!(tickets.len(), 1);
}

#[tokio::test]
async fn update_answers_with_or_without_ticket_data_are_accepted() {
    let sample_note = note("S", "B");
    let move_to_billing = UnifiedTicket {
        queue: Some(UnifiedEntity::named("Billing")),
        ..UnifiedTicket::default()
    };
    for include in [true, false] {
        let config = FakeOtoboConfig::new(seed())
            .with_password(PASSWORD)
            .with_ticket_data_on_update(include);
        let server = FakeOtobo::start(config).await.unwrap();
        let service = service(&params(&server));
        service
            .update_ticket("1001", &move_to_billing)
            .await
            .unwrap();
        service.add_note("1001", &sample_note).await.unwrap();
        assert_eq!(server.ticket(1001).unwrap().queue, "Billing");
        assert_eq!(server.ticket(1001).unwrap().articles.len(), 2);
    }
    // Odd forms of the answer: ticket data of another shape, numbers, nothing at all.
    let server = start(seed()).await;
    let service = service(&params(&server));
    for answer in [
        json!({"TicketID": 1001, "TicketNumber": 2025111810001001u64, "ArticleID": 9}),
        json!({"TicketID": "1001", "Ticket": "unexpected"}),
        json!({"TicketID": "1001", "Ticket": [{"TicketID": "1001", "Queue": "Billing"}]}),
        json!({}),
    ] {
        server.set_fault(respond(Operation::TicketUpdate, answer.clone()));
        service
            .add_note("1001", &sample_note)
            .await
            .unwrap_or_else(|e| panic!("{answer}: {e}"));
    }
}

#[tokio::test]
async fn a_create_answer_without_ticket_id_is_unexpected() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    server.set_fault(respond(
        Operation::TicketCreate,
        json!({"TicketNumber": "x"}),
    ));
    let ticket = UnifiedTicket {
        subject: Some("S".into()),
        ..UnifiedTicket::default()
    };
    let error = service.create_ticket(&ticket).await.unwrap_err();
    assert!(
        otai::report(&error).contains("the answer has no `TicketID`"),
        "{error}"
    );
    server.set_fault(respond(
        Operation::TicketCreate,
        json!({"TicketID": 77, "ArticleID": 1}),
    ));
    assert_eq!(service.create_ticket(&ticket).await.unwrap().as_str(), "77");
}
