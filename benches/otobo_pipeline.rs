//! The original demo pipeline (`examples/otobo.yml`: fetch → classify queue and priority →
//! two updates → two notes, keyword classifier) over 50 tickets against the fake OTOBO
//! server with a fixed latency per request: tickets per second, and the time per ticket
//! beyond the requests' own latency (the original spends ≈ 140 ms per ticket of its own here).
//!
//! ```sh
//! cargo bench --bench otobo_pipeline                 # 20 ms latency, then 0 ms
//! cargo bench --bench otobo_pipeline -- 50ms 100     # latency, tickets
//! ```
//!
//! Each latency runs the whole queue twice (fresh server, fresh pipeline) and reports both.

// A benchmark over fixed inputs: a broken setup is a broken checkout, not user data.
#![allow(clippy::expect_used, clippy::unwrap_used)]

extern crate otai_base;
extern crate otai_otobo_znuny;

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use otai::engine::RunControl;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed};

use support::{PASSWORD, TEXTS};

/// `tickets` tickets waiting in `OpenTicketAI::Incoming`, alternating billing, IT, sales and
/// unclear texts, as realistic as the demo's.
fn seed(tickets: usize) -> Seed {
    let mut yaml = String::from(
        "queues: [Postmaster, Raw, \"OpenTicketAI::Incoming\", \"OpenTicketAI::Unclassified\", Billing, IT Support, Sales, HR]\n\
         priorities: [1 very low, 2 low, 3 normal, 4 high, 5 very high, low, medium, high]\n\
         tickets:\n",
    );
    for index in 0..tickets {
        let (title, body) = TEXTS[index % TEXTS.len()];
        yaml.push_str(&format!(
            "  - {{ id: {}, title: \"{title}\", queue: \"OpenTicketAI::Incoming\", body: \"{body}\", created: \"2025-11-18 08:00:00\" }}\n",
            1000 + index
        ));
    }
    Seed::from_yaml(&yaml).unwrap()
}

struct Outcome {
    tickets: usize,
    requests: usize,
    wall: Duration,
}

async fn drain(latency: Duration, tickets: usize) -> Outcome {
    let server = FakeOtobo::start(FakeOtoboConfig::new(seed(tickets)).with_password(PASSWORD))
        .await
        .unwrap();
    server.set_latency(latency);
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/otobo.yml");
    let pipeline = support::pipeline(&config, &server.base_url());
    pipeline.start().await.unwrap();
    server.clear_requests();

    let started = Instant::now();
    let mut routed = 0;
    while pipeline.run(RunControl::once()).await.succeeded() {
        routed += 1;
    }
    let wall = started.elapsed();
    let requests = server.requests().len();
    server.shutdown().await;
    assert_eq!(routed, tickets, "every ticket was routed");
    Outcome {
        tickets: routed,
        requests,
        wall,
    }
}

fn report(latency: Duration, outcome: &Outcome) {
    let per_ticket = outcome.wall / outcome.tickets as u32;
    let requests_per_ticket = outcome.requests as f64 / outcome.tickets as f64;
    // Every request of a cycle waits for the one before it: their latency adds up.
    let latency_per_ticket = latency.mul_f64(requests_per_ticket);
    let own = per_ticket.saturating_sub(latency_per_ticket);
    println!(
        "latency {:>5.1?}: {} tickets in {:>8.1?} = {:>6.1} tickets/s; per ticket {:>7.2?} \
         ({requests_per_ticket:.1} requests = {:>6.1?} of latency, {:>6.2?} of its own)",
        latency,
        outcome.tickets,
        outcome.wall,
        outcome.tickets as f64 / outcome.wall.as_secs_f64(),
        per_ticket,
        latency_per_ticket,
        own,
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let latencies: Vec<Duration> = match args.first() {
        Some(text) => vec![text.parse::<otai::Duration>().expect("a duration").get()],
        None => vec![Duration::from_millis(20), Duration::ZERO],
    };
    let tickets: usize = args.get(1).map_or(50, |n| n.parse().expect("a count"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    for latency in latencies {
        for _ in 0..2 {
            let outcome = runtime.block_on(drain(latency, tickets));
            report(latency, &outcome);
        }
    }
}
