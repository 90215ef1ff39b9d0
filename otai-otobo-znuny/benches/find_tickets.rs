//! `find_tickets` of 50 tickets against the fake OTOBO with 20 ms latency per request: one
//! `TicketSearch`, then 50 `TicketGet`s, up to `max_concurrency` at once.
//!
//! With enough concurrency the wall time approaches 2 × latency (search, then all gets in
//! parallel: ≈ 40 ms); one at a time it is 51 × latency (≈ 1020 ms). Measured for
//! `max_concurrency` 1, 8 and 50; with 8, 50 gets take ⌈50 / 8⌉ = 7 rounds (≈ 160 ms).
//!
//! ```sh
//! cargo bench -p otai-otobo-znuny --bench find_tickets
//! ```
//!
//! A last group runs `max_concurrency` 50 without latency: the cost of client and server
//! themselves (JSON, HTTP on loopback, mapping), which comes on top of the latency above.
//!
//! Client and server share one two-thread Tokio runtime and one connection pool per
//! service, as in a running pipeline (connections are reused across iterations).

// A benchmark over fixed inputs: a failure is a broken setup, not user data.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::num::NonZeroUsize;
use std::time::Duration;

use criterion::{criterion_main, BenchmarkId, Criterion};
use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, UnifiedEntity};
use otai::Secret;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed, SeedTicket};
use otai_otobo_znuny::{OTOBOZnunyTicketSystemService, OtoboZnunyParams};

const TICKETS: usize = 50;
const LATENCY: Duration = Duration::from_millis(20);
const PASSWORD: &str = "bench";

fn seed() -> Seed {
    let mut seed = Seed::default();
    seed.queues.push("OpenTicketAI::Incoming".into());
    seed.tickets = (1..=TICKETS as u64)
        .map(|id| SeedTicket {
            id: Some(id),
            number: None,
            title: format!("Ticket {id}"),
            queue: "OpenTicketAI::Incoming".into(),
            priority: None,
            state: None,
            type_name: None,
            lock: None,
            owner: None,
            customer_user: Some(format!("customer{id}@example.com")),
            customer_id: None,
            created: Some(format!("2025-11-18 09:{:02}:{:02}", id / 60, id % 60)),
            dynamic_fields: Default::default(),
            body: Some(format!("Guten Tag, Ticket {id} braucht Hilfe.")),
            articles: Vec::new(),
        })
        .collect();
    seed
}

fn find_tickets(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime
        .block_on(FakeOtobo::start(
            FakeOtoboConfig::new(seed()).with_password(PASSWORD),
        ))
        .expect("fake server");
    server.set_latency(LATENCY);
    let criteria = TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit: TICKETS,
        offset: 0,
    };

    let mut group = c.benchmark_group(format!(
        "find_tickets_{TICKETS}_at_{}ms",
        LATENCY.as_millis()
    ));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(5));
    for concurrency in [1, 8, 50] {
        let mut params = OtoboZnunyParams::new(server.base_url(), Secret::new(PASSWORD));
        params.max_concurrency = NonZeroUsize::new(concurrency).unwrap();
        let service = OTOBOZnunyTicketSystemService::new(&params).expect("params");
        runtime.block_on(service.connect()).expect("connect");
        let found = runtime
            .block_on(service.find_tickets(&criteria))
            .expect("find_tickets");
        assert_eq!(found.len(), TICKETS);
        group.bench_with_input(
            BenchmarkId::new("max_concurrency", concurrency),
            &concurrency,
            |b, _| {
                b.iter(|| {
                    runtime
                        .block_on(service.find_tickets(&criteria))
                        .expect("find_tickets")
                })
            },
        );
    }
    group.finish();

    // The same without latency: what the client and the fake server cost themselves
    // (serialising, HTTP on loopback, decoding, mapping), to read the figures above against.
    server.set_latency(Duration::ZERO);
    let mut params = OtoboZnunyParams::new(server.base_url(), Secret::new(PASSWORD));
    params.max_concurrency = NonZeroUsize::new(TICKETS).unwrap();
    let service = OTOBOZnunyTicketSystemService::new(&params).expect("params");
    runtime.block_on(service.connect()).expect("connect");
    let mut group = c.benchmark_group(format!("find_tickets_{TICKETS}_without_latency"));
    group.sample_size(20);
    group.bench_function(BenchmarkId::new("max_concurrency", TICKETS), |b| {
        b.iter(|| {
            runtime
                .block_on(service.find_tickets(&criteria))
                .expect("find_tickets")
        })
    });
    group.finish();
    eprintln!(
        "reference: 2 × latency = {} ms (search, then all gets at once); 51 × latency = {} ms (one by one)",
        2 * LATENCY.as_millis(),
        (TICKETS as u128 + 1) * LATENCY.as_millis()
    );
}

// The macro generates undocumented items.
#[allow(missing_docs)]
mod entry {
    criterion::criterion_group!(benches, super::find_tickets);
}
criterion_main!(entry::benches);
