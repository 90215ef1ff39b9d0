//! The metrics of a run, in Prometheus' text format (OpenMetrics 1.0, which Prometheus
//! scrapes natively), kept with `prometheus-client` — the Prometheus project's own Rust
//! client: its types are the exposition format's, so what `/metrics` shows needs no glue.
//!
//! The sink listens where the engine reports: every executed pipe and orchestrator cycle
//! ([`PipeObserver`]), every ticket-system call, decision, settled ticket and classification
//! ([`WorkEvents`]). It also remembers each ticket system's last call, which `/readyz` reads.
//!
//! | metric | labels | what |
//! |---|---|---|
//! | `otai_step_runs_total` | `step`, `outcome` | runs of each pipe (step) by outcome (`succeeded`, `failed`, `skipped`); inside a for-each, one run per ticket |
//! | `otai_tickets_total` | `service`, `outcome` | tickets finished by a unit of work: `completed`, `unfinished` (picked up again), `set_aside` |
//! | `otai_ticket_changes_total` | `service`, `step`, `field`, `dry_run` | changes made (or, dry, proposed): `queue`, `priority`, `note`, … |
//! | `otai_cycles_total` | `outcome` | orchestrator cycles by outcome (`exception`: a step panicked) |
//! | `otai_cycle_duration_seconds` | | histogram of cycle durations |
//! | `otai_classification_duration_seconds` | `service`, `model` | histogram of classification latency |
//! | `otai_classification_errors_total` | `service`, `model` | classifications that failed |
//! | `otai_ticket_system_request_duration_seconds` | `service`, `operation` | histogram of ticket-system call latency |
//! | `otai_ticket_system_errors_total` | `service`, `operation`, `kind` | failed ticket-system calls by kind (`unavailable`, `outcome_unknown`, `rejected`, `not_found`, `backend`) |
//! | `otai_ticket_system_up` | `service` | 1 when the last call reached the ticket system, 0 when it was unreachable |
//! | `otai_items_in_flight` | | tickets in work now |

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

use crate::engine::work::{Decision, Ledger, TicketOutcome, WorkEvents};
use crate::interfaces::{ClassificationError, TicketSystemError};
use crate::pipe::{PipeObserver, PipeResult};

/// The content type of [`MetricsSink::render`]'s text.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabels {
    step: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TicketLabels {
    service: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    service: String,
    step: String,
    field: String,
    dry_run: bool,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ModelLabels {
    service: String,
    model: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    service: String,
    operation: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    service: String,
    operation: &'static str,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latencies from 1 ms to about 33 s (a cycle, a model on a CPU, a slow helpdesk).
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// The last call of a ticket system failed because it could not be reached: why.
pub(crate) type Outage = String;

/// Collects the metrics of one run; see the [module docs](self).
pub(crate) struct MetricsSink {
    registry: Registry,
    ledger: Arc<Ledger>,
    step_runs: Family<StepLabels, Counter>,
    tickets: Family<TicketLabels, Counter>,
    changes: Family<ChangeLabels, Counter>,
    cycles: Family<OutcomeLabels, Counter>,
    cycle_duration: Histogram,
    classification_duration: Histograms<ModelLabels>,
    classification_errors: Family<ModelLabels, Counter>,
    request_duration: Histograms<OperationLabels>,
    request_errors: Family<ErrorLabels, Counter>,
    up: Family<ServiceLabels, Gauge>,
    in_flight: Gauge,
    /// Per ticket-system service: why its last call could not reach it, if it could not.
    outages: Mutex<BTreeMap<String, Option<Outage>>>,
}

impl std::fmt::Debug for MetricsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSink").finish_non_exhaustive()
    }
}

impl MetricsSink {
    /// A sink for the run of the pipeline whose ledger is `ledger` (read for the tickets in
    /// flight at each scrape).
    pub(crate) fn new(ledger: Arc<Ledger>) -> Self {
        let mut registry = Registry::with_prefix("otai");
        let step_runs = Family::<StepLabels, Counter>::default();
        registry.register(
            "step_runs",
            "Runs of each pipe (step) by outcome; inside a for-each, one run per ticket",
            step_runs.clone(),
        );
        let tickets = Family::<TicketLabels, Counter>::default();
        registry.register(
            "tickets",
            "Tickets finished by a unit of work: completed, unfinished (picked up again) or set aside",
            tickets.clone(),
        );
        let changes = Family::<ChangeLabels, Counter>::default();
        registry.register(
            "ticket_changes",
            "Changes made to tickets (or, in a dry run, proposed) by step and field",
            changes.clone(),
        );
        let cycles = Family::<OutcomeLabels, Counter>::default();
        registry.register("cycles", "Orchestrator cycles by outcome", cycles.clone());
        let cycle_duration = latency_histogram();
        registry.register_with_unit(
            "cycle_duration",
            "Duration of orchestrator cycles",
            Unit::Seconds,
            cycle_duration.clone(),
        );
        let classification_duration: Histograms<ModelLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "classification_duration",
            "Latency of classifications by service and model",
            Unit::Seconds,
            classification_duration.clone(),
        );
        let classification_errors = Family::<ModelLabels, Counter>::default();
        registry.register(
            "classification_errors",
            "Classifications that failed, by service and model",
            classification_errors.clone(),
        );
        let request_duration: Histograms<OperationLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "ticket_system_request_duration",
            "Latency of ticket-system calls by service and operation",
            Unit::Seconds,
            request_duration.clone(),
        );
        let request_errors = Family::<ErrorLabels, Counter>::default();
        registry.register(
            "ticket_system_errors",
            "Failed ticket-system calls by service, operation and kind of failure",
            request_errors.clone(),
        );
        let up = Family::<ServiceLabels, Gauge>::default();
        registry.register(
            "ticket_system_up",
            "1 when the last call reached the ticket system, 0 when it could not reach it",
            up.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "items_in_flight",
            "Tickets in work now (handed out to a unit of work that has not finished)",
            in_flight.clone(),
        );
        Self {
            registry,
            ledger,
            step_runs,
            tickets,
            changes,
            cycles,
            cycle_duration,
            classification_duration,
            classification_errors,
            request_duration,
            request_errors,
            up,
            in_flight,
            outages: Mutex::default(),
        }
    }

    fn outages(&self) -> MutexGuard<'_, BTreeMap<String, Option<Outage>>> {
        self.outages.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The metrics now, in the text format ([`CONTENT_TYPE`]).
    pub(crate) fn render(&self) -> String {
        self.in_flight
            .set(i64::try_from(self.ledger.in_work()).unwrap_or(i64::MAX));
        let mut text = String::new();
        // Writing into a String cannot fail; an encoder error would only truncate the text.
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!("cannot encode the metrics: {error}");
        }
        text
    }

    /// The ticket systems whose last call could not reach them, with why.
    pub(crate) fn unreachable(&self) -> Vec<(String, Outage)> {
        self.outages()
            .iter()
            .filter_map(|(service, outage)| Some((service.clone(), outage.clone()?)))
            .collect()
    }
}

fn outcome_of(result: &PipeResult) -> &'static str {
    if result.succeeded() {
        "succeeded"
    } else if result.was_skipped() {
        "skipped"
    } else {
        "failed"
    }
}

fn error_kind(error: &TicketSystemError) -> &'static str {
    match error {
        TicketSystemError::NotFound(_) => "not_found",
        TicketSystemError::Rejected { .. } => "rejected",
        TicketSystemError::Unavailable { .. } => "unavailable",
        TicketSystemError::OutcomeUnknown { .. } => "outcome_unknown",
        _ => "backend",
    }
}

impl PipeObserver for MetricsSink {
    fn pipe_finished(
        &self,
        pipe_id: &str,
        _use_key: &str,
        result: &PipeResult,
        _elapsed: Duration,
    ) {
        self.step_runs
            .get_or_create(&StepLabels {
                step: pipe_id.to_owned(),
                outcome: outcome_of(result),
            })
            .inc();
    }

    fn cycle_finished(&self, result: Option<&PipeResult>, elapsed: Duration) {
        let outcome = result.map_or("exception", outcome_of);
        self.cycles.get_or_create(&OutcomeLabels { outcome }).inc();
        self.cycle_duration.observe(elapsed.as_secs_f64());
    }
}

impl WorkEvents for MetricsSink {
    fn ticket_call(
        &self,
        service: &str,
        operation: &'static str,
        elapsed: Duration,
        error: Option<&TicketSystemError>,
    ) {
        self.request_duration
            .get_or_create(&OperationLabels {
                service: service.to_owned(),
                operation,
            })
            .observe(elapsed.as_secs_f64());
        if let Some(error) = error {
            self.request_errors
                .get_or_create(&ErrorLabels {
                    service: service.to_owned(),
                    operation,
                    kind: error_kind(error),
                })
                .inc();
        }
        // Only a call that never reached the system says it is down; a refused or lost
        // answer came from a system that is there.
        let outage = error
            .filter(|error| matches!(error, TicketSystemError::Unavailable { .. }))
            .map(ToString::to_string);
        self.up
            .get_or_create(&ServiceLabels {
                service: service.to_owned(),
            })
            .set(i64::from(outage.is_none()));
        self.outages().insert(service.to_owned(), outage);
    }

    fn decision(&self, decision: &Decision) {
        self.changes
            .get_or_create(&ChangeLabels {
                service: decision.service.clone(),
                step: decision.step.clone().unwrap_or_default(),
                field: decision.field.clone(),
                dry_run: decision.dry_run,
            })
            .inc();
    }

    fn ticket_settled(&self, service: &str, _ticket: &str, outcome: TicketOutcome) {
        let outcome = match outcome {
            TicketOutcome::Completed => "completed",
            TicketOutcome::Unfinished => "unfinished",
            TicketOutcome::SetAside => "set_aside",
        };
        self.tickets
            .get_or_create(&TicketLabels {
                service: service.to_owned(),
                outcome,
            })
            .inc();
    }

    fn classification(
        &self,
        service: &str,
        model: &str,
        elapsed: Duration,
        error: Option<&ClassificationError>,
    ) {
        let labels = ModelLabels {
            service: service.to_owned(),
            model: model.to_owned(),
        };
        self.classification_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        if error.is_some() {
            self.classification_errors.get_or_create(&labels).inc();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> MetricsSink {
        MetricsSink::new(Ledger::new())
    }

    fn line<'t>(text: &'t str, start: &str) -> Option<&'t str> {
        text.lines().find(|line| line.starts_with(start))
    }

    #[test]
    fn counts_steps_cycles_and_calls_in_the_text_format() {
        let sink = sink();
        let ok = PipeResult::success(Default::default());
        let failed = PipeResult::failure("boom");
        sink.pipe_finished(
            "queue_classify",
            "base:ClassificationPipe",
            &ok,
            Duration::ZERO,
        );
        sink.pipe_finished(
            "queue_classify",
            "base:ClassificationPipe",
            &ok,
            Duration::ZERO,
        );
        sink.pipe_finished(
            "queue_update",
            "base:UpdateTicketPipe",
            &failed,
            Duration::ZERO,
        );
        sink.cycle_finished(Some(&ok), Duration::from_millis(30));
        sink.cycle_finished(None, Duration::from_millis(5));
        sink.classification("keywords", "queue", Duration::from_millis(2), None);
        sink.ticket_call("otobo", "find_ticket_ids", Duration::from_millis(3), None);
        let text = sink.render();
        assert_eq!(
            line(
                &text,
                r#"otai_step_runs_total{step="queue_classify",outcome="succeeded"}"#
            ),
            Some(r#"otai_step_runs_total{step="queue_classify",outcome="succeeded"} 2"#),
            "{text}"
        );
        assert!(line(
            &text,
            r#"otai_step_runs_total{step="queue_update",outcome="failed"} 1"#
        )
        .is_some());
        assert!(line(&text, r#"otai_cycles_total{outcome="exception"} 1"#).is_some());
        assert!(
            line(&text, "otai_cycle_duration_seconds_count 2").is_some(),
            "{text}"
        );
        assert!(line(
            &text,
            r#"otai_classification_duration_seconds_count{service="keywords",model="queue"} 1"#
        )
        .is_some());
        assert!(line(&text, r#"otai_ticket_system_up{service="otobo"} 1"#).is_some());
        assert!(line(&text, "otai_items_in_flight 0").is_some());
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn an_unreachable_system_is_down_until_a_call_reaches_it() {
        let sink = sink();
        let refused = TicketSystemError::unavailable(
            "TicketSearch",
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        );
        sink.ticket_call("otobo", "find_ticket_ids", Duration::ZERO, Some(&refused));
        let down = sink.unreachable();
        assert_eq!(down.len(), 1);
        assert_eq!(down[0].0, "otobo");
        assert!(down[0].1.contains("unavailable"), "{}", down[0].1);
        let text = sink.render();
        assert!(
            line(&text, r#"otai_ticket_system_up{service="otobo"} 0"#).is_some(),
            "{text}"
        );
        assert!(line(
            &text,
            r#"otai_ticket_system_errors_total{service="otobo",operation="find_ticket_ids",kind="unavailable"} 1"#
        )
        .is_some());
        // A refusal comes from a system that is there.
        let rejected = TicketSystemError::rejected("TicketUpdate", "no such queue");
        sink.ticket_call("otobo", "apply", Duration::ZERO, Some(&rejected));
        assert!(sink.unreachable().is_empty());
    }
}
