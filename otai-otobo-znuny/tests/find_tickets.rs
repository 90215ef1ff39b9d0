//! `find_tickets`: search order, offset and limit, bounded concurrency of the gets, and the
//! demo pipeline's sequence of calls against the fake server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::num::NonZeroUsize;
use std::time::Duration;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, UnifiedEntity, UnifiedTicket};
use otai_otobo_znuny::fake::{Fault, FaultRule};
use otai_otobo_znuny::Operation;
use serde_json::json;
use support::{many_tickets, note, params, seed, service, start};

fn incoming(limit: usize, offset: usize) -> TicketSearchCriteria {
    TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit,
        offset,
    }
}

fn ids(tickets: &[UnifiedTicket]) -> Vec<String> {
    tickets
        .iter()
        .map(|t| t.id.as_ref().unwrap().as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn results_come_in_search_order() {
    let server = start(many_tickets(20)).await;
    server.set_latency(Duration::from_millis(5));
    let service = service(&params(&server));
    let tickets = service.find_tickets(&incoming(20, 0)).await.unwrap();
    // The server's order (newest first), whatever order the concurrent gets finished in.
    let expected: Vec<String> = (1..=20).rev().map(|i| i.to_string()).collect();
    assert_eq!(ids(&tickets), expected);
    assert_eq!(tickets[0].subject.as_deref(), Some("Ticket 20"));
    assert_eq!(tickets[0].body.as_deref(), Some("Body 20"));

    // An order the server chose differently is kept as well.
    server.set_fault(
        FaultRule::new(Fault::Respond {
            status: 200,
            body: r#"{"TicketID": ["3", "17", "9"]}"#.into(),
        })
        .on(Operation::TicketSearch),
    );
    let tickets = service.find_tickets(&incoming(20, 0)).await.unwrap();
    assert_eq!(ids(&tickets), ["3", "17", "9"]);
}

#[tokio::test]
async fn offset_fetches_offset_plus_limit_ids_and_skips() {
    let server = start(many_tickets(10)).await;
    let service = service(&params(&server));
    let tickets = service.find_tickets(&incoming(3, 2)).await.unwrap();
    assert_eq!(ids(&tickets), ["8", "7", "6"]);
    let requests = server.requests();
    assert_eq!(requests[0].body["Limit"], json!(5));
    let mut fetched: Vec<String> = server
        .requests_for(Operation::TicketGet)
        .iter()
        .map(|r| r.body["TicketID"].to_string())
        .collect();
    fetched.sort();
    assert_eq!(fetched, ["6", "7", "8"], "only the page is fetched");

    server.clear_requests();
    assert!(service
        .find_tickets(&incoming(5, 10))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(server.requests().len(), 1, "past the end: the search only");

    server.clear_requests();
    assert!(service
        .find_tickets(&incoming(0, 0))
        .await
        .unwrap()
        .is_empty());
    assert!(server.requests().is_empty(), "limit 0 asks nothing");
}

#[tokio::test]
async fn gets_run_in_parallel_up_to_max_concurrency() {
    let server = start(many_tickets(16)).await;
    // Latency keeps requests in flight long enough to overlap.
    server.set_latency(Duration::from_millis(30));
    for (limit, expected_max) in [(1, 1), (4, 4)] {
        let mut params = params(&server);
        params.max_concurrency = NonZeroUsize::new(limit).unwrap();
        let service = service(&params);
        server.clear_requests();
        let tickets = service.find_tickets(&incoming(16, 0)).await.unwrap();
        assert_eq!(tickets.len(), 16);
        let seen = server.max_in_flight();
        assert!(
            seen <= expected_max,
            "max_concurrency {limit}: {seen} requests at once"
        );
        if limit > 1 {
            assert!(seen > 1, "the gets did not overlap");
        }
    }
}

#[tokio::test]
async fn one_connection_pool_serves_every_call() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.max_concurrency = NonZeroUsize::MIN;
    let service = service(&params);
    for _ in 0..3 {
        service.find_tickets(&incoming(4, 0)).await.unwrap();
    }
    let sample_note = note("S", "B");
    service.add_note("1001", &sample_note).await.unwrap();
    assert_eq!(server.requests().len(), 3 * 5 + 1);
    // Requests one after another share one keep-alive connection (the original opened a
    // new client, and TLS context, per ticket).
    assert_eq!(server.connections(), 1);
}

/// The original demo's calls for one ticket: fetch the first ticket of the incoming queue,
/// move it, note it, set its priority, note it. Tickets of other queues stay as they were.
#[tokio::test]
async fn the_demo_pipelines_calls_route_a_ticket() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    service.connect().await.unwrap();
    let before_901 = server.ticket(901).unwrap();

    let ticket = service
        .find_first_ticket(&incoming(1, 0))
        .await
        .unwrap()
        .unwrap();
    let id = ticket.id.unwrap().as_str().to_owned();
    assert_eq!(id, "1004");
    let moves = [("queue", "Billing"), ("priority", "high")];
    for (field, value) in moves {
        let mut updates = UnifiedTicket::default();
        match field {
            "queue" => updates.queue = Some(UnifiedEntity::named(value)),
            _ => updates.priority = Some(UnifiedEntity::named(value)),
        }
        service.update_ticket(&id, &updates).await.unwrap();
        let routing_note = note(
            &format!("Automatische {field}"),
            &format!("{field} = {value}"),
        );
        service.add_note(&id, &routing_note).await.unwrap();
    }

    let routed = server.ticket(1004).unwrap();
    assert_eq!(
        (routed.queue.as_str(), routed.priority.as_str()),
        ("Billing", "high")
    );
    assert_eq!(routed.articles.len(), 3);
    assert_eq!(routed.articles[1].body, "queue = Billing");
    assert_eq!(routed.articles[2].communication_channel, "Internal");
    assert_eq!(server.ticket(901).unwrap(), before_901);

    // The next fetch sees the next ticket; the moved one left the queue.
    let next = service
        .find_first_ticket(&incoming(1, 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.id.unwrap().as_str(), "1002");
}
