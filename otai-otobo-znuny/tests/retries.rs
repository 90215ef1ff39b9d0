//! The retry policy against the fake server: searches and gets are sent again after
//! transient failures; updates, notes and creates never once the server may have received
//! them — a note is never added twice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{UnifiedEntity, UnifiedNote, UnifiedTicket};
use otai::Secret;
use otai_otobo_znuny::fake::{Fault, FaultRule};
use otai_otobo_znuny::wire::TicketSearchRequest;
use otai_otobo_znuny::{Operation, OtoboError, OtoboZnunyParams};
use support::{capture_logs, client, params, seed, service, start, PASSWORD};

fn note() -> UnifiedNote {
    UnifiedNote {
        subject: "Automatische Priorisierung".into(),
        body: "Das Ticket wurde der Priorität high zugeordnet (Konfidenz: 0.91).".into(),
        ..UnifiedNote::default()
    }
}

#[tokio::test]
async fn searches_are_retried_on_http_500() {
    let server = start(seed()).await;
    let client = client(&params(&server)); // max_retries 2
    server.set_fault(
        FaultRule::new(Fault::Http500)
            .on(Operation::TicketSearch)
            .times(2),
    );
    let ids = client
        .search(&TicketSearchRequest::default())
        .await
        .unwrap();
    assert_eq!(ids.len(), 5);
    assert_eq!(server.requests_for(Operation::TicketSearch).len(), 3);
}

#[tokio::test]
async fn retries_stop_after_max_retries() {
    let server = start(seed()).await;
    let client = client(&params(&server));
    server.set_fault(
        FaultRule::new(Fault::Http500)
            .on(Operation::TicketSearch)
            .times(3),
    );
    let error = client
        .search(&TicketSearchRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, OtoboError::HttpStatus { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(
        server.requests_for(Operation::TicketSearch).len(),
        3,
        "1 attempt + 2 retries"
    );

    let mut no_retries = params(&server);
    no_retries.max_retries = 0;
    server.clear_requests();
    server.set_fault(
        FaultRule::new(Fault::Http500)
            .on(Operation::TicketSearch)
            .times(1),
    );
    support::client(&no_retries)
        .search(&TicketSearchRequest::default())
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn gets_are_retried_on_timeout_lost_connections_and_proxy_pages() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.timeout = otai::Duration::from_millis(300);
    let client = client(&params);
    for fault in [
        Fault::Delay(Duration::from_secs(2)),
        Fault::DropConnection,
        Fault::HtmlErrorPage { status: 502 },
        Fault::HtmlErrorPage { status: 200 },
    ] {
        server.clear_requests();
        server.set_fault(
            FaultRule::new(fault.clone())
                .on(Operation::TicketGet)
                .times(1),
        );
        let ticket = client
            .get("1001")
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(ticket.ticket_id.as_deref(), Some("1001"));
        let gets = server.requests_for(Operation::TicketGet);
        assert_eq!(gets.len(), 2, "{fault:?}");
        assert_eq!(gets[0].fault, Some(fault));
        assert_eq!(gets[1].fault, None);
    }
}

#[tokio::test]
async fn an_auth_failure_or_rejection_is_not_retried() {
    let server = start(seed()).await;
    let client = client(&params(&server));
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 200,
        body:
            r#"{"Error": {"ErrorCode": "TicketGet.AccessDenied", "ErrorMessage": "TicketGet: no"}}"#
                .into(),
    }));
    client.get("1001").await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_note_is_never_added_twice_when_the_server_failed_after_receiving_it() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.timeout = otai::Duration::from_millis(300);
    params.max_retries = 5;
    let service = service(&params);
    let articles_before = server.ticket(1001).unwrap().articles.len();
    let failures = [
        Fault::Http500,
        Fault::HtmlErrorPage { status: 502 },
        Fault::DropConnection,
        Fault::Delay(Duration::from_secs(2)),
    ];
    for (round, fault) in failures.iter().enumerate() {
        server.clear_requests();
        server.set_fault(
            FaultRule::new(fault.clone())
                .on(Operation::TicketUpdate)
                .after_processing()
                .times(1),
        );
        let error = service.add_note("1001", &note()).await.unwrap_err();
        let updates = server.requests_for(Operation::TicketUpdate);
        assert_eq!(updates.len(), 1, "{fault:?} was retried: {error}");
        // The server did add the note: exactly one per attempt.
        assert_eq!(
            server.ticket(1001).unwrap().articles.len(),
            articles_before + round + 1,
            "{fault:?}"
        );
    }
    let notes = server.ticket(1001).unwrap().articles;
    let added: Vec<_> = notes
        .iter()
        .filter(|a| a.subject == "Automatische Priorisierung")
        .collect();
    assert_eq!(added.len(), failures.len());
}

#[tokio::test]
async fn updates_and_creates_are_not_retried_on_transient_failures() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.max_retries = 5;
    let service = service(&params);
    server.set_fault(
        FaultRule::new(Fault::Http500)
            .on(Operation::TicketUpdate)
            .times(1),
    );
    let updates = UnifiedTicket {
        priority: Some(UnifiedEntity::named("high")),
        ..UnifiedTicket::default()
    };
    service.update_ticket("1001", &updates).await.unwrap_err();
    assert_eq!(server.requests_for(Operation::TicketUpdate).len(), 1);
    assert_eq!(
        server.ticket(1001).unwrap().priority,
        "3 normal",
        "refused before processing"
    );

    server.set_fault(
        FaultRule::new(Fault::DropConnection)
            .on(Operation::TicketCreate)
            .after_processing()
            .times(1),
    );
    let ticket = UnifiedTicket {
        subject: Some("New".into()),
        queue: Some(UnifiedEntity::named("Raw")),
        priority: Some(UnifiedEntity::named("3 normal")),
        customer: Some(UnifiedEntity::named("c@example.com")),
        ..UnifiedTicket::default()
    };
    let tickets_before = server.tickets().len();
    service.create_ticket(&ticket).await.unwrap_err();
    assert_eq!(server.requests_for(Operation::TicketCreate).len(), 1);
    assert_eq!(
        server.tickets().len(),
        tickets_before + 1,
        "created once, not twice"
    );
}

#[tokio::test]
async fn a_note_is_retried_when_the_connection_was_never_made() {
    let (logs, _guard) = capture_logs();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut params = OtoboZnunyParams::new(
        format!("http://127.0.0.1:{port}/otobo/nph-genericinterface.pl"),
        Secret::new(PASSWORD),
    );
    params.max_retries = 2;
    let error = service(&params)
        .add_note("1001", &note())
        .await
        .unwrap_err();
    assert!(
        otai::report(&error).contains("connection refused"),
        "{error}"
    );
    let text = logs.text();
    assert_eq!(
        text.matches("OTOBO request failed; retrying").count(),
        2,
        "{text}"
    );
    assert!(text.contains("operation=TicketUpdate"), "{text}");
}
