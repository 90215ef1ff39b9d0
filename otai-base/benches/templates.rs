//! Renders the templates of the original demo configuration
//! (`shared/reference/original-demo-config.yml`) against a realistic context, with the
//! `base:JinjaRenderer`. Templates are compiled once, outside the measurement, as the engine
//! does at load time.

use criterion::{black_box, criterion_main, Criterion};
use otai::interfaces::TicketSystemExt;
use otai::interfaces::TemplateRenderer;
use otai::value::{json, Map, Value};
use otai::{PipeContext, PipeResult};
use otai_base::services::JinjaRenderer;

/// The templates of the original config, by the pipe/param they belong to.
const TEMPLATES: [(&str, &str); 5] = [
    (
        "fail_no_tickets.expression",
        "{{ fail() if (get_pipe_result('ticket_fetcher', 'fetched_tickets') | length) == 0 else 'Tickets found' }}\n",
    ),
    (
        "ticket.expression",
        "{{ get_pipe_result('ticket_fetcher', 'fetched_tickets')[0] }}",
    ),
    (
        "queue_classify.text",
        "{{ get_pipe_result('ticket')['subject'] }} {{ get_pipe_result('ticket')['body'] }}",
    ),
    (
        "queue_select_final.expression",
        "{{ get_pipe_result('queue_classify','label') if get_pipe_result('queue_classify','confidence') >= 0.8 else 'OpenTicketAI::Unclassified' }}",
    ),
    (
        "queue_add_note.note.body",
        "Das Ticket wurde der Queue {{ get_pipe_result('queue_select_final') }} zugeordnet (Konfidenz: {{ get_pipe_result('queue_classify','confidence') | round(2) }}).",
    ),
];

fn data(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The scope of `queue_add_note` while a ticket is processed.
fn context() -> PipeContext {
    let ticket = json!({
        "id": "20240117",
        "subject": "Rechnung 2024-0117 doppelt abgebucht",
        "body": "Guten Tag,\n\nbei meiner letzten Abrechnung wurde der Betrag von 249,00 EUR \
                 zweimal von meinem Konto abgebucht (Rechnungsnummer 2024-0117, Kundennummer \
                 K-88231). Bitte erstatten Sie den doppelt eingezogenen Betrag und senden Sie mir \
                 eine korrigierte Rechnung zu. Die Kontoauszüge kann ich Ihnen gerne zukommen \
                 lassen.\n\nMit freundlichen Grüßen\nMaria Schneider",
        "queue": {"name": "OpenTicketAI::Incoming"},
        "priority": {"name": "3 normal"},
        "state": {"name": "new"},
        "customer": {"name": "maria.schneider@example.com"},
        "extra": {"TicketNumber": "2024011710000017", "Created": "2024-01-17 09:12:44"},
    });
    PipeContext::default()
        .with_parent_params(json!({"orchestrator_sleep": "PT0.01S"}))
        .with_result(
            "ticket_fetcher",
            PipeResult::success_with("fetched_tickets", json!([ticket.clone()])),
        )
        .with_result(
            "fail_no_tickets",
            PipeResult::success_with("value", "Tickets found"),
        )
        .with_result("ticket", PipeResult::success_with("value", ticket))
        .with_result(
            "queue_classify",
            PipeResult::success(data(json!({"label": "Billing", "confidence": 0.9312}))),
        )
        .with_result(
            "queue_select_final",
            PipeResult::success_with("value", "Billing"),
        )
}

fn templates(c: &mut Criterion) {
    let renderer = JinjaRenderer::default();
    let ctx = context();
    let compiled: Vec<_> = TEMPLATES
        .iter()
        .map(|(name, source)| match renderer.compile(source) {
            Ok(template) => (*name, template),
            Err(error) => panic!("{name} does not compile: {error}"),
        })
        .collect();

    let mut group = c.benchmark_group("original_templates");
    for (name, template) in &compiled {
        group.bench_function(*name, |b| {
            b.iter(|| black_box(template.render(black_box(&ctx))))
        });
    }
    group.bench_function("all_five", |b| {
        b.iter(|| {
            for (_, template) in &compiled {
                black_box(template.render(black_box(&ctx))).ok();
            }
        })
    });
    group.finish();

    // The floor: what minijinja costs for the least a template can do.
    let mut floor = c.benchmark_group("floor");
    for (name, source) in [
        ("native_constant", "{{ 1 }}"),
        ("text_constant", "x{{ 1 }}"),
        (
            "native_helper",
            "{{ get_pipe_result('queue_select_final') }}",
        ),
    ] {
        let Ok(template) = renderer.compile(source) else {
            panic!("{name} does not compile");
        };
        floor.bench_function(name, |b| {
            b.iter(|| black_box(template.render(black_box(&ctx))))
        });
    }
    floor.finish();

    c.bench_function("compile_all_five", |b| {
        b.iter(|| {
            for (_, source) in TEMPLATES {
                black_box(renderer.compile(black_box(source))).ok();
            }
        })
    });
}

// The macros generate undocumented items.
#[allow(missing_docs)]
mod entry {
    criterion::criterion_group!(benches, super::templates);
}
criterion_main!(entry::benches);
