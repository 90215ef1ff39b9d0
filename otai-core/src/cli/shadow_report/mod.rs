//! `otai shadow-report --decisions FILE --config FILE [--json] [--html FILE]`: how right
//! the decisions of a run were, judged by what the tickets hold now (what agents chose).
//!
//! It reads the decisions file (strictly: a bad line is an error naming its number), keeps
//! the last decision per ticket and field (notes and creates have nothing to compare and are
//! only counted), starts the ticket-system services the decisions name — those alone, with
//! the services they inject —, reads every decided ticket as it is now and scores
//! ([`score`]): per field and label, by confidence threshold, with gone and untouched
//! tickets counted apart. Output: a table ([`table`]), `--json`, or `--html FILE`
//! ([`html`]).

mod html;
mod score;
mod table;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use super::{EXIT_INVALID, EXIT_UNAVAILABLE};
use crate::config::LoadedConfig;
use crate::engine::work::{field_value, load_decisions, Decision, DecisionsError};
use crate::engine::{Issue, Pipeline};
use crate::interfaces::{TicketId, TicketSystem, UnifiedTicket};
use crate::service::StartContext;
use crate::value::Value;
use score::{Case, Now, Report};

/// Tickets read per request batch.
const BATCH: usize = 50;

/// Options of `otai shadow-report`.
#[derive(Debug, clap::Args)]
pub struct ShadowReportArgs {
    /// The decisions file a run wrote with `--decisions` (a dry run's proposals, or a live
    /// run's audit log).
    #[arg(long, value_name = "FILE")]
    pub decisions: PathBuf,

    /// The configuration the run used: the ticket-system services the decisions name are
    /// started from it and the decided tickets read as they are now.
    #[arg(short, long, value_name = "FILE")]
    pub config: PathBuf,

    /// Print the report as JSON (stable field names) instead of a table.
    #[arg(long)]
    pub json: bool,

    /// Also write the report as one self-contained HTML file (figures as inline SVG, no
    /// scripts, nothing loaded from elsewhere).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// The report with where its decisions came from: what `--json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowReport {
    /// The decisions file.
    pub decisions_file: String,
    /// Lines (decisions) in it.
    pub decisions: usize,
    /// Decided notes and creates: nothing to compare them with.
    pub not_scored: usize,
    /// The figures.
    #[serde(flatten)]
    pub scores: Report,
}

/// A decision to score: the last one for its ticket and field.
struct Decided {
    service: String,
    ticket: String,
    field: String,
    value: Value,
    before: Value,
    confidence: Option<f64>,
    dry_run: bool,
}

/// Keeps the last decision per (service, ticket, field); counts notes and creates apart.
fn latest(decisions: &[Decision]) -> (Vec<Decided>, usize) {
    let mut not_scored = 0;
    let mut kept: BTreeMap<(String, String, String), Decided> = BTreeMap::new();
    for decision in decisions {
        let Some(ticket) = &decision.ticket_id else {
            not_scored += 1;
            continue;
        };
        if matches!(decision.field.as_str(), "note" | "create") {
            not_scored += 1;
            continue;
        }
        kept.insert(
            (
                decision.service.clone(),
                ticket.clone(),
                decision.field.clone(),
            ),
            Decided {
                service: decision.service.clone(),
                ticket: ticket.clone(),
                field: decision.field.clone(),
                value: decision.value.clone(),
                before: decision.before.clone(),
                confidence: decision.confidence,
                dry_run: decision.dry_run,
            },
        );
    }
    (kept.into_values().collect(), not_scored)
}

/// A value as a label: text as it is, `null` as none, anything else as compact JSON.
fn label(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// What `ticket` holds in `field`, as a label comparable with `proposed`: an entity is shown
/// by name, but by `#id` when the decision named it by id.
fn current(ticket: &UnifiedTicket, field: &str, proposed: &str) -> Option<String> {
    if proposed.starts_with('#') {
        let entity = match field {
            "queue" => ticket.queue.as_ref(),
            "priority" => ticket.priority.as_ref(),
            "state" => ticket.state.as_ref(),
            "customer" => ticket.customer.as_ref(),
            "owner" => ticket.owner.as_ref(),
            _ => None,
        };
        if let Some(id) = entity.and_then(|e| e.id.as_ref()) {
            return Some(format!("#{id}"));
        }
    }
    label(&field_value(ticket, field))
}

/// Runs the command.
pub(crate) fn run(args: &ShadowReportArgs, log_json: bool) -> ExitCode {
    let decisions = match load_decisions(&args.decisions) {
        Ok(decisions) => decisions,
        Err(error) => {
            eprintln!("error: {error}");
            if matches!(error, DecisionsError::Read { .. }) {
                eprintln!("hint: pass the file `otai run --decisions FILE` wrote");
            }
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let (loaded, pipeline) = match super::load_and_build(&args.config, log_json, false) {
        Ok(built) => built,
        Err(code) => return code,
    };
    let (decided, not_scored) = latest(&decisions);
    let services: BTreeSet<&str> = decided.iter().map(|d| d.service.as_str()).collect();
    let systems = match ticket_systems(&pipeline, &services, args) {
        Ok(systems) => systems,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_INVALID);
        }
    };
    let runtime = match super::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let now = runtime.block_on(async {
        start_services(&loaded, &pipeline, &services).await?;
        read_now(&systems, &decided).await.map_err(|message| {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_UNAVAILABLE)
        })
    });
    let now = match now {
        Ok(now) => now,
        Err(code) => return code,
    };
    let cases: Vec<Case> = decided
        .iter()
        .filter_map(|d| {
            let proposed = label(&d.value)?;
            let key = (d.service.clone(), d.ticket.clone());
            let now = match now.get(&key) {
                Some(ticket) => Now::Value(current(ticket, &d.field, &proposed)),
                None => Now::Gone,
            };
            Some(Case {
                ticket: key,
                field: d.field.clone(),
                before: label(&d.before),
                proposed,
                now,
                confidence: d.confidence,
                dry_run: d.dry_run,
            })
        })
        .collect();
    let report = ShadowReport {
        decisions_file: args.decisions.display().to_string(),
        decisions: decisions.len(),
        not_scored: not_scored + (decided.len() - cases.len()),
        scores: score::score(&cases),
    };
    output(args, &report)
}

/// Prints the report (table or JSON) and writes the HTML file.
fn output(args: &ShadowReportArgs, report: &ShadowReport) -> ExitCode {
    if let Some(path) = &args.html {
        let written = html::render(report)
            .map_err(|error| error.to_string())
            .and_then(|page| std::fs::write(path, page).map_err(|error| error.to_string()));
        if let Err(error) = written {
            eprintln!(
                "error: cannot write the HTML report {}: {error}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        tracing::info!("HTML report written to {}", path.display());
    }
    if args.json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => super::write_stdout(&(text + "\n")),
            Err(error) => {
                eprintln!("error: cannot write the report as JSON: {error}");
                ExitCode::FAILURE
            }
        }
    } else {
        super::write_stdout(&table::render(report))
    }
}

/// The ticket systems the decisions name, from the built pipeline (behind the engine's
/// gate), or what is wrong.
fn ticket_systems(
    pipeline: &Pipeline,
    services: &BTreeSet<&str>,
    args: &ShadowReportArgs,
) -> Result<BTreeMap<String, Arc<dyn TicketSystem>>, String> {
    let declared: Vec<&str> = pipeline
        .services()
        .iter()
        .filter(|(_, service)| service.get::<dyn TicketSystem>().is_some())
        .map(|(id, _)| id.as_str())
        .collect();
    let mut systems = BTreeMap::new();
    for id in services {
        let system = pipeline
            .service(id)
            .and_then(|service| service.get::<dyn TicketSystem>())
            .ok_or_else(|| {
                format!(
                    "{}: the decisions name the ticket-system service `{id}`, which {} does not declare (its ticket systems: {}); pass the config the run used",
                    args.decisions.display(),
                    args.config.display(),
                    if declared.is_empty() { "none".to_owned() } else { declared.join(", ") }
                )
            })?;
        systems.insert((*id).to_owned(), system);
    }
    Ok(systems)
}

/// Starts the named services and the services they inject (dependencies first); a failure
/// is printed at its place in the config.
async fn start_services(
    loaded: &LoadedConfig,
    pipeline: &Pipeline,
    wanted: &BTreeSet<&str>,
) -> Result<(), ExitCode> {
    let specs = &loaded.config().pipeline.services;
    let mut order: Vec<&str> = Vec::new();
    let mut stack: Vec<&str> = wanted.iter().copied().collect();
    // Depth-first: a service after everything it injects (the config has no cycles: it built).
    fn visit<'s>(
        id: &'s str,
        specs: &'s [crate::engine::ServiceSpec],
        order: &mut Vec<&'s str>,
        depth: usize,
    ) {
        if order.contains(&id) || depth > specs.len() {
            return;
        }
        if let Some(spec) = specs.iter().find(|s| s.id == id) {
            for dependency in spec.injects.values() {
                visit(dependency, specs, order, depth + 1);
            }
            order.push(&spec.id);
        }
    }
    while let Some(id) = stack.pop() {
        visit(id, specs, &mut order, 0);
    }
    let mut issues = Vec::new();
    for id in order {
        let (Some(service), Some(spec)) = (pipeline.service(id), specs.iter().find(|s| s.id == id))
        else {
            continue;
        };
        let ctx = StartContext::new(id, service.key(), pipeline.app_config());
        if let Err(error) = service.start(&ctx).await {
            issues.push(
                Issue::at(
                    spec.path.clone(),
                    format!(
                        "service `{id}` ({}) cannot start: {}",
                        service.key(),
                        crate::report(&error)
                    ),
                )
                .maybe_hint(error.hint().map(str::to_owned)),
            );
            break;
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        eprint!("{}", loaded.errors(issues).render());
        Err(ExitCode::from(EXIT_UNAVAILABLE))
    }
}

/// Every decided ticket as it is now, by (service, ticket id); gone tickets are missing.
async fn read_now(
    systems: &BTreeMap<String, Arc<dyn TicketSystem>>,
    decided: &[Decided],
) -> Result<BTreeMap<(String, String), UnifiedTicket>, String> {
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for d in decided {
        wanted.entry(&d.service).or_default().insert(&d.ticket);
    }
    let mut now = BTreeMap::new();
    for (service, tickets) in wanted {
        let Some(system) = systems.get(service) else {
            continue;
        };
        let ids: Vec<TicketId> = tickets.iter().map(|id| TicketId::from(*id)).collect();
        for batch in ids.chunks(BATCH) {
            let read = system.get_tickets(batch).await.map_err(|error| {
                format!(
                    "cannot read the decided tickets from the ticket-system service `{service}`: {}",
                    crate::report(&error)
                )
            })?;
            for ticket in read {
                if let Some(id) = &ticket.id {
                    now.insert((service.to_owned(), id.to_string()), ticket);
                }
            }
        }
        tracing::debug!(service, tickets = ids.len(), "decided tickets read");
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::interfaces::UnifiedEntity;
    use crate::value::json;

    fn decision(ticket: &str, field: &str, value: &str) -> Decision {
        serde_json::from_value(json!({
            "time": "2026-12-01T08:00:00.000Z", "service": "s", "ticket_id": ticket,
            "field": field, "before": "In", "value": value, "confidence": 0.9, "dry_run": true
        }))
        .unwrap()
    }

    #[test]
    fn the_last_decision_per_ticket_and_field_counts_and_notes_are_not_scored() {
        let decisions = vec![
            decision("1", "queue", "Sales"),
            decision("1", "note", "x"),
            decision("1", "queue", "Billing"),
            decision("2", "queue", "IT"),
        ];
        let (kept, not_scored) = latest(&decisions);
        assert_eq!(not_scored, 1);
        let kept: Vec<(String, Value)> = kept.into_iter().map(|d| (d.ticket, d.value)).collect();
        assert_eq!(
            kept,
            [("1".into(), json!("Billing")), ("2".into(), json!("IT"))]
        );
    }

    #[test]
    fn current_values_are_compared_by_name_or_by_id() {
        let ticket = UnifiedTicket {
            queue: Some(UnifiedEntity {
                id: Some("7".into()),
                name: Some("Billing".into()),
            }),
            ..UnifiedTicket::default()
        };
        assert_eq!(
            current(&ticket, "queue", "Billing").as_deref(),
            Some("Billing")
        );
        assert_eq!(current(&ticket, "queue", "#7").as_deref(), Some("#7"));
        assert_eq!(current(&ticket, "priority", "high"), None);
        assert_eq!(label(&json!(3)).as_deref(), Some("3"));
    }
}
