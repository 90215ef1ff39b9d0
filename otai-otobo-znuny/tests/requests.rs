//! Request bodies of every operation, as the fake server recorded them, field by field
//! against the wire contract: credentials at top level, only the keys that are set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, TicketSystem, UnifiedEntity, UnifiedTicket};
use otai::value::Map;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig};
use otai_otobo_znuny::{Operation, UpdateMethod};
use serde_json::{json, Value};
use support::{note, params, seed, service, start, PASSWORD};

const BASE: &str = "/otobo/nph-genericinterface.pl/Webservice/OpenTicketAI";

/// `fields` with the credentials in front.
fn with_credentials(fields: Value) -> Value {
    let mut body = json!({"UserLogin": "open_ticket_ai", "Password": PASSWORD});
    for (key, value) in fields.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn get_body(id: u64) -> Value {
    with_credentials(json!({
        "TicketID": id, "DynamicFields": 1, "Extended": 1, "AllArticles": 1,
        "ArticleOrder": "ASC", "ArticleLimit": 5, "Attachments": 0
    }))
}

#[tokio::test]
async fn find_tickets_sends_one_search_and_one_get_per_ticket() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let criteria = TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit: 2,
        offset: 0,
    };
    let tickets = service.find_tickets(&criteria).await.unwrap();
    assert_eq!(tickets.len(), 2);

    let requests = server.requests();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    let search = &requests[0];
    assert_eq!(search.operation, Some(Operation::TicketSearch));
    assert_eq!(search.method, "POST");
    assert_eq!(search.path, format!("{BASE}/ticket-search"));
    assert_eq!(search.content_type.as_deref(), Some("application/json"));
    assert_eq!(search.accept.as_deref(), Some("application/json"));
    assert_eq!(
        search.body,
        with_credentials(json!({"Queues": ["OpenTicketAI::Incoming"], "Limit": 2}))
    );

    // Newest first: 1004, then 1002 (1003 has only a date, i.e. midnight).
    let gets = server.requests_for(Operation::TicketGet);
    let mut bodies: Vec<&Value> = gets.iter().map(|request| &request.body).collect();
    bodies.sort_by_key(|body| body["TicketID"].as_u64());
    assert_eq!(bodies, [&get_body(1002), &get_body(1004)]);
    for get in &gets {
        assert_eq!(get.method, "POST");
        assert_eq!(get.path, format!("{BASE}/ticket-get"));
        assert_eq!(get.content_type.as_deref(), Some("application/json"));
    }
}

#[tokio::test]
async fn a_queue_given_by_id_is_searched_by_id_and_the_article_limit_is_a_param() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.article_limit = 1;
    let service = service(&params);
    let criteria = TicketSearchCriteria {
        queue: Some(UnifiedEntity {
            id: Some("5".into()),
            name: None,
        }),
        limit: 1,
        offset: 0,
    };
    let tickets = service.find_tickets(&criteria).await.unwrap();
    assert_eq!(tickets[0].id.as_ref().unwrap().as_str(), "1004");
    let requests = server.requests();
    assert_eq!(
        requests[0].body,
        with_credentials(json!({"QueueIDs": [5], "Limit": 1}))
    );
    assert_eq!(requests[1].body["ArticleLimit"], json!(1));

    // Both name and id: both are sent.
    server.clear_requests();
    let both = TicketSearchCriteria {
        queue: Some(UnifiedEntity {
            id: Some("5".into()),
            name: Some("OpenTicketAI::Incoming".into()),
        }),
        limit: 1,
        offset: 0,
    };
    service.find_tickets(&both).await.unwrap();
    assert_eq!(
        server.requests()[0].body,
        with_credentials(
            json!({"Queues": ["OpenTicketAI::Incoming"], "QueueIDs": [5], "Limit": 1})
        )
    );
}

#[tokio::test]
async fn get_ticket_sends_one_get() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    service.get_ticket("1001").await.unwrap().unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body, get_body(1001));
}

#[tokio::test]
async fn an_update_of_the_queue_sends_only_the_queue() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let updates = UnifiedTicket {
        queue: Some(UnifiedEntity::named("Billing")),
        ..UnifiedTicket::default()
    };
    service.update_ticket("1001", &updates).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let update = &requests[0];
    assert_eq!(update.operation, Some(Operation::TicketUpdate));
    assert_eq!(update.method, "PUT");
    assert_eq!(update.path, format!("{BASE}/ticket-update"));
    assert_eq!(
        update.body,
        with_credentials(json!({"TicketID": 1001, "Ticket": {"Queue": "Billing"}}))
    );
    assert!(update.body.get("Article").is_none());
    assert!(update.body.get("DynamicField").is_none());
    assert_eq!(server.ticket(1001).unwrap().queue, "Billing");
}

#[tokio::test]
async fn an_update_sends_every_field_that_is_set_by_name_or_id() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let mut extra = Map::new();
    extra.insert("TypeID".into(), json!("2"));
    extra.insert("DynamicField_Category".into(), json!("Billing"));
    extra.insert("TicketNumber".into(), json!("not changeable: ignored"));
    let updates = UnifiedTicket {
        subject: Some("Rechnung doppelt abgebucht (erstattet)".into()),
        queue: Some(UnifiedEntity {
            id: Some("7".into()),
            name: Some("Billing".into()),
        }),
        priority: Some(UnifiedEntity {
            id: Some("4".into()),
            name: None,
        }),
        state: Some(UnifiedEntity::named("open")),
        customer: Some(UnifiedEntity::named("m.schneider@example.de")),
        extra,
        ..UnifiedTicket::default()
    };
    service.update_ticket("1001", &updates).await.unwrap();
    assert_eq!(
        server.requests()[0].body,
        with_credentials(json!({
            "TicketID": 1001,
            "Ticket": {"Title": "Rechnung doppelt abgebucht (erstattet)", "Queue": "Billing",
                       "QueueID": 7, "PriorityID": 4, "State": "open", "TypeID": 2,
                       "CustomerUser": "m.schneider@example.de"},
            "DynamicField": [{"Name": "Category", "Value": "Billing"}]
        }))
    );
    let ticket = server.ticket(1001).unwrap();
    assert_eq!(
        (
            ticket.queue.as_str(),
            ticket.priority.as_str(),
            ticket.state.as_str(),
            ticket.type_name.as_str()
        ),
        ("Billing", "4 high", "open", "Incident")
    );
    assert_eq!(ticket.dynamic_fields["Category"], json!("Billing"));
}

#[tokio::test]
async fn a_note_is_an_internal_article_without_ticket_fields() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let note = note(
        "Automatische Queue-Klassifizierung",
        "Das Ticket wurde der Queue Billing zugeordnet (Konfidenz: 0.93).",
    );
    service.add_note("1001", &note).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "PUT");
    assert_eq!(
        requests[0].body,
        with_credentials(json!({
            "TicketID": 1001,
            "Article": {"Subject": "Automatische Queue-Klassifizierung",
                        "Body": "Das Ticket wurde der Queue Billing zugeordnet (Konfidenz: 0.93).",
                        "ContentType": "text/plain; charset=utf-8",
                        "CommunicationChannel": "Internal", "IsVisibleForCustomer": 0}
        }))
    );
    assert!(requests[0].body.get("Ticket").is_none());
    let articles = server.ticket(1001).unwrap().articles;
    assert_eq!(articles.len(), 2);
    assert_eq!(articles[1].communication_channel, "Internal");
    assert!(!articles[1].visible_for_customer);
}

#[tokio::test]
async fn an_update_with_notes_sends_the_first_with_the_fields_and_the_rest_alone() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let updates = UnifiedTicket {
        priority: Some(UnifiedEntity::named("high")),
        notes: vec![note("first", "B"), note("second", "B")],
        ..UnifiedTicket::default()
    };
    service.update_ticket("1002", &updates).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body["Ticket"], json!({"Priority": "high"}));
    assert_eq!(requests[0].body["Article"]["Subject"], json!("first"));
    assert!(requests[1].body.get("Ticket").is_none());
    assert_eq!(requests[1].body["Article"]["Subject"], json!("second"));
}

#[tokio::test]
async fn an_update_that_changes_nothing_is_not_sent() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let nothing = UnifiedTicket {
        queue: Some(UnifiedEntity {
            id: None,
            name: Some("  ".into()),
        }),
        ..UnifiedTicket::default()
    };
    service.update_ticket("1001", &nothing).await.unwrap();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn the_update_method_can_be_post() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.update_method = UpdateMethod::Post;
    let service = service(&params);
    service.add_note("1001", &note("S", "B")).await.unwrap();
    assert_eq!(server.requests()[0].method, "POST");
}

#[tokio::test]
async fn a_create_sends_ticket_and_first_article() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let ticket = UnifiedTicket {
        subject: Some("Printer on fire".into()),
        body: Some("Smoke everywhere.".into()),
        queue: Some(UnifiedEntity::named("Raw")),
        priority: Some(UnifiedEntity::named("3 normal")),
        customer: Some(UnifiedEntity::named("jane@acme.test")),
        ..UnifiedTicket::default()
    };
    let id = service.create_ticket(&ticket).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, format!("{BASE}/ticket-create"));
    assert_eq!(
        requests[0].body,
        with_credentials(json!({
            "Ticket": {"Title": "Printer on fire", "Queue": "Raw", "State": "new",
                       "Priority": "3 normal", "CustomerUser": "jane@acme.test"},
            "Article": {"Subject": "Printer on fire", "Body": "Smoke everywhere.",
                        "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Email"}
        }))
    );
    let created = server.ticket(id.as_str().parse().unwrap()).unwrap();
    assert_eq!(created.title, "Printer on fire");
    assert_eq!(created.articles[0].body, "Smoke everywhere.");

    // The created ticket reads back like any other.
    let read = service.get_ticket(id.as_str()).await.unwrap().unwrap();
    assert_eq!(read.queue.unwrap().name.as_deref(), Some("Raw"));
}

#[tokio::test]
async fn connect_proves_the_credentials_with_a_one_ticket_search() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    service.connect().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("{BASE}/ticket-search"));
    assert_eq!(requests[0].body, with_credentials(json!({"Limit": 1})));
}

#[tokio::test]
async fn routes_webservice_and_user_come_from_the_params() {
    let config = FakeOtoboConfig::new(seed())
        .with_password(PASSWORD)
        .with_username("agent.smith")
        .with_webservice_name("Open Ticket AI")
        .with_route(Operation::TicketSearch, "Ticket/Search")
        .with_route(Operation::TicketGet, "tickets-get");
    let server = FakeOtobo::start(config).await.unwrap();
    let mut params = params(&server);
    params.base_url.push('/');
    params.username = "agent.smith".into();
    params.webservice_name = "Open Ticket AI".into();
    params
        .operation_urls
        .set_route(Operation::TicketSearch, "/Ticket/Search");
    params
        .operation_urls
        .set_route(Operation::TicketGet, "tickets-get");
    let service = service(&params);
    let tickets = service
        .find_tickets(&TicketSearchCriteria::default())
        .await
        .unwrap();
    assert_eq!(tickets.len(), 5);
    let requests = server.requests();
    assert_eq!(
        requests[0].path,
        "/otobo/nph-genericinterface.pl/Webservice/Open%20Ticket%20AI/Ticket/Search"
    );
    assert_eq!(
        requests[1].path,
        "/otobo/nph-genericinterface.pl/Webservice/Open%20Ticket%20AI/tickets-get"
    );
    assert_eq!(requests[0].body["UserLogin"], json!("agent.smith"));
}
