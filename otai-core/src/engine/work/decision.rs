//! Decisions: every change a run makes to a ticket — or, in a dry run, would make — as one
//! record: logged in one line, and appended as a JSON line to `--decisions FILE`.
//!
//! The confidence of a decision is traced back to the classification that led to it: starting
//! at the writing step, the engine follows the pipes whose results the step's params read
//! (`get_pipe_result('id')`, `pipe_results['id']`, `pipe_results.id`), and those pipes' own
//! params in turn, to the nearest result that carries a `confidence` (what
//! `ClassificationPipe` returns). In the original demo, `queue_update_ticket` reads
//! `queue_select_final`, which reads `queue_classify`: the queue decision carries
//! `queue_classify`'s confidence, also when the threshold replaced its label by a fallback.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::interfaces::{TicketWrite, UnifiedEntity, UnifiedTicket};
use crate::value::Value;
use crate::work::StepScope;

/// One change to one field of a ticket, made or (dry run) proposed. A line of the decisions
/// file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Decision {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// The ticket-system service's id in the config.
    pub service: String,
    /// The ticket (for a created ticket: its new id, or `null` in a dry run).
    pub ticket_id: Option<String>,
    /// The ticket's subject, when known.
    #[serde(default)]
    pub subject: Option<String>,
    /// The pipe that wrote (`null` when the write came from outside a pipe).
    #[serde(default)]
    pub step: Option<String>,
    /// What changes: `queue`, `priority`, `state`, `owner`, `customer`, `subject`,
    /// `extra.<name>` (a dynamic field), `note` or `create`.
    pub field: String,
    /// The value before, when known (`null` for a note).
    #[serde(default)]
    pub before: Value,
    /// The value written (or, in a dry run, proposed): an entity by name (else `#id`), a
    /// note as `{subject, body}`.
    pub value: Value,
    /// The confidence of the classification the value was traced back to (`null` when
    /// none led to it).
    #[serde(default)]
    pub confidence: Option<f64>,
    /// The pipe whose classification that was.
    #[serde(default)]
    pub classification: Option<String>,
    /// Whether this run was dry: the change was proposed, not made.
    pub dry_run: bool,
}

impl Decision {
    /// The one log line for it:
    /// `ticket 1042 "Rechnung doppelt": queue Incoming → Billing (0.93) [dry run]`.
    pub fn log_line(&self) -> String {
        let ticket = self.ticket_id.as_deref().unwrap_or("(new)");
        let subject = self
            .subject
            .as_deref()
            .map(|s| format!(" {:?}", shorten(s, 40)))
            .unwrap_or_default();
        let change = match self.field.as_str() {
            "note" => format!(
                "note {:?}",
                self.value
                    .get("subject")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            ),
            "create" => "created".to_owned(),
            field => match &self.before {
                Value::Null => format!("{field} → {}", shown(&self.value)),
                before => format!("{field} {} → {}", shown(before), shown(&self.value)),
            },
        };
        let confidence = self
            .confidence
            .map(|c| format!(" ({c:.2})"))
            .unwrap_or_default();
        let dry = if self.dry_run { " [dry run]" } else { "" };
        format!("ticket {ticket}{subject}: {change}{confidence}{dry}")
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() > chars {
        format!("{}…", text.chars().take(chars).collect::<String>())
    } else {
        text.to_owned()
    }
}

/// An entity as decisions show it: its name, else `#id`.
pub(crate) fn entity_value(entity: Option<&UnifiedEntity>) -> Value {
    match entity {
        Some(UnifiedEntity {
            name: Some(name), ..
        }) => Value::String(name.clone()),
        Some(UnifiedEntity { id: Some(id), .. }) => Value::String(format!("#{id}")),
        _ => Value::Null,
    }
}

/// What `ticket` holds in a decision's `field`, shown as decisions show values: an entity
/// (`queue`, `priority`, `state`, `owner`, `customer`) by name (else `#id`), the subject as
/// text, `extra.<name>` as the dynamic field's value; `null` when unset or for a field a
/// ticket has no value of (`note`, `create`). `otai shadow-report` compares a decision's
/// value with this, read from the ticket as it is now.
pub fn field_value(ticket: &UnifiedTicket, field: &str) -> Value {
    match field {
        "queue" => entity_value(ticket.queue.as_ref()),
        "priority" => entity_value(ticket.priority.as_ref()),
        "state" => entity_value(ticket.state.as_ref()),
        "customer" => entity_value(ticket.customer.as_ref()),
        "owner" => entity_value(ticket.owner.as_ref()),
        "subject" => ticket.subject.clone().map_or(Value::Null, Value::String),
        other => other
            .strip_prefix("extra.")
            .and_then(|key| ticket.extra.get(key).cloned())
            .unwrap_or(Value::Null),
    }
}

/// Which pipes' results each pipe's params read, by pipe id (all pipes of one id together).
#[derive(Debug, Clone, Default)]
pub(crate) struct PipeReads(BTreeMap<String, BTreeSet<String>>);

impl PipeReads {
    /// Records that pipe `id` has params with these template sources.
    pub(crate) fn add(&mut self, id: &str, sources: impl IntoIterator<Item = String>) {
        let reads = self.0.entry(id.to_owned()).or_default();
        for source in sources {
            reads.extend(referenced_pipes(&source));
        }
    }

    /// The nearest result with a `confidence` that the step's params lead to.
    pub(crate) fn trace_confidence(&self, step: &StepScope) -> Option<(String, f64)> {
        let mut queue: VecDeque<String> = VecDeque::from([step.pipe_id.to_string()]);
        let mut seen = BTreeSet::new();
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id.clone()) || seen.len() > 64 {
                continue;
            }
            if id.as_str() != &*step.pipe_id {
                let confidence = step
                    .ctx
                    .pipe_result(&id)
                    .and_then(|result| result.data.get("confidence"))
                    .and_then(Value::as_f64);
                if let Some(confidence) = confidence {
                    return Some((id, confidence));
                }
            }
            queue.extend(self.0.get(&id).into_iter().flatten().cloned());
        }
        None
    }
}

/// The pipe ids a template reads results of: `get_pipe_result('id'…)`,
/// `has_failed('id')`, `pipe_results['id']` and `pipe_results.id`.
fn referenced_pipes(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for call in ["get_pipe_result(", "has_failed(", "pipe_results["] {
        let mut rest = source;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            let trimmed = rest.trim_start();
            let Some(quote) = trimmed.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            if let Some(end) = trimmed[1..].find(quote) {
                found.push(trimmed[1..=end].to_owned());
            }
        }
    }
    let mut rest = source;
    while let Some(at) = rest.find("pipe_results.") {
        rest = &rest[at + "pipe_results.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.push(name);
        }
    }
    found
}

/// The decisions one write makes, one per field (and one for its note).
pub(crate) fn decisions_of(
    service: &str,
    write: &TicketWrite,
    before: Option<&UnifiedTicket>,
    step: Option<&StepScope>,
    confidence: Option<(String, f64)>,
    dry_run: bool,
    ticket_id: Option<String>,
) -> Vec<Decision> {
    let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let subject = match write {
        TicketWrite::Create(ticket) => ticket.subject.clone(),
        _ => before.and_then(|ticket| ticket.subject.clone()),
    };
    let (classification, confidence) = match confidence {
        Some((pipe, value)) => (Some(pipe), Some(value)),
        None => (None, None),
    };
    let make = |field: &str, before: Value, value: Value| Decision {
        time: time.clone(),
        service: service.to_owned(),
        ticket_id: ticket_id.clone(),
        subject: subject.clone(),
        step: step.map(|s| s.pipe_id.to_string()),
        field: field.to_owned(),
        before,
        value,
        confidence,
        classification: classification.clone(),
        dry_run,
    };
    let mut decisions = Vec::new();
    match write {
        TicketWrite::Create(ticket) => decisions.push(make(
            "create",
            Value::Null,
            serde_json::to_value(ticket).unwrap_or(Value::Null),
        )),
        TicketWrite::Update(update) => {
            let old = |field: &str| {
                before
                    .map(|ticket| field_value(ticket, field))
                    .unwrap_or(Value::Null)
            };
            for (field, entity) in update.changes.entities() {
                decisions.push(make(field, old(field), entity_value(Some(entity))));
            }
            if let Some(subject) = &update.changes.subject {
                decisions.push(make(
                    "subject",
                    old("subject"),
                    Value::String(subject.clone()),
                ));
            }
            for (key, value) in &update.changes.extra {
                let field = format!("extra.{key}");
                decisions.push(make(&field, old(&field), value.clone()));
            }
            if let Some(note) = &update.note {
                decisions.push(make(
                    "note",
                    Value::Null,
                    serde_json::json!({"subject": note.subject, "body": note.body}),
                ));
            }
        }
    }
    decisions
}

/// `--decisions FILE`: appends one JSON line per decision, flushed at once so the file
/// survives a crash. Appending (not truncating) lets a long dry run be restarted.
#[derive(Clone)]
pub struct DecisionsFile {
    path: PathBuf,
    file: Arc<Mutex<File>>,
}

impl std::fmt::Debug for DecisionsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecisionsFile({})", self.path.display())
    }
}

impl DecisionsFile {
    /// Opens `path` for appending (creating it).
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            path: path.to_owned(),
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `decision`.
    pub(crate) fn append(&self, decision: &Decision) {
        let Ok(mut line) = serde_json::to_vec(decision) else {
            return;
        };
        line.push(b'\n');
        let mut file = match self.file.lock() {
            Ok(file) => file,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(error) = file.write_all(&line).and_then(|()| file.flush()) {
            tracing::error!(file = %self.path.display(), "cannot write a decision: {error}");
        }
    }
}

/// Reads a decisions file; lines that are not decisions are skipped with a warning naming
/// their line number.
pub fn read_decisions(path: &Path) -> std::io::Result<Vec<Decision>> {
    let reader = BufReader::new(File::open(path)?);
    let mut decisions = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Decision>(&line) {
            Ok(decision) => decisions.push(decision),
            Err(error) => tracing::warn!(
                file = %path.display(),
                line = number + 1,
                "not a decision, skipped: {error}"
            ),
        }
    }
    Ok(decisions)
}

/// Why a decisions file cannot be read for scoring.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionsError {
    /// The file cannot be opened or read.
    #[error("cannot read the decisions file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a decision.
    #[error("{path}:{line}: not a decision ({source}); each line must be one JSON object as `otai run --decisions` writes it — remove or repair the line")]
    Line {
        /// The file.
        path: PathBuf,
        /// The line number (from 1).
        line: usize,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },
}

/// Reads a decisions file strictly, for scoring: a line that is not a decision is an error
/// naming the file and the line (empty lines are skipped). [`read_decisions`] is the
/// lenient reader a restarted dry run uses.
pub fn load_decisions(path: &Path) -> Result<Vec<Decision>, DecisionsError> {
    let read = |source| DecisionsError::Read {
        path: path.to_owned(),
        source,
    };
    let reader = BufReader::new(File::open(path).map_err(read)?);
    let mut decisions = Vec::new();
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(read)?;
        if line.trim().is_empty() {
            continue;
        }
        let decision =
            serde_json::from_str::<Decision>(&line).map_err(|source| DecisionsError::Line {
                path: path.to_owned(),
                line: number + 1,
                source,
            })?;
        decisions.push(decision);
    }
    Ok(decisions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::interfaces::{TicketChanges, TicketUpdate, UnifiedNote};
    use crate::pipe::{PipeContext, PipeResult};
    use crate::value::{json, Map};

    #[test]
    fn finds_the_pipes_a_template_reads() {
        let found = referenced_pipes(
            "{{ get_pipe_result('queue_classify','label') if get_pipe_result( \"c\" , 'confidence') >= 0.8 else pipe_results['x'].data }} {{ pipe_results.y_1 }} {{ has_failed('z') }}",
        );
        assert_eq!(found, ["queue_classify", "c", "z", "x", "y_1"]);
    }

    fn step_after_classification() -> StepScope {
        let mut classified = Map::new();
        classified.insert("label".into(), json!("Billing"));
        classified.insert("confidence".into(), json!(0.93));
        let ctx = PipeContext::default()
            .with_result("queue_classify", PipeResult::success(classified))
            .with_result(
                "queue_select_final",
                PipeResult::success_with("value", "Billing"),
            );
        StepScope {
            pipe_id: "queue_update_ticket".into(),
            ctx,
        }
    }

    #[test]
    fn confidence_is_traced_through_the_pipes_the_params_read() {
        let mut reads = PipeReads::default();
        reads.add(
            "queue_update_ticket",
            [
                "{{ get_pipe_result('ticket')['id'] }}".to_owned(),
                "{{ get_pipe_result('queue_select_final') }}".to_owned(),
            ],
        );
        reads.add(
            "queue_select_final",
            ["{{ get_pipe_result('queue_classify','label') if get_pipe_result('queue_classify','confidence') >= 0.8 else 'X' }}".to_owned()],
        );
        let step = step_after_classification();
        assert_eq!(
            reads.trace_confidence(&step),
            Some(("queue_classify".to_owned(), 0.93))
        );
        assert_eq!(PipeReads::default().trace_confidence(&step), None);
    }

    #[test]
    fn one_decision_per_field_with_before_values_and_one_line_each() {
        let before = UnifiedTicket {
            id: Some("1042".into()),
            subject: Some("Rechnung doppelt".into()),
            queue: Some(UnifiedEntity::named("Incoming")),
            ..UnifiedTicket::default()
        };
        let write = TicketWrite::Update(
            TicketUpdate::new("1042")
                .with_changes(TicketChanges {
                    queue: Some(UnifiedEntity::named("Billing")),
                    ..TicketChanges::default()
                })
                .with_note(UnifiedNote {
                    subject: "Queue".into(),
                    body: "Billing".into(),
                    ..UnifiedNote::default()
                }),
        );
        let step = step_after_classification();
        let decisions = decisions_of(
            "otobo",
            &write,
            Some(&before),
            Some(&step),
            Some(("queue_classify".into(), 0.93)),
            true,
            Some("1042".into()),
        );
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0].field, "queue");
        assert_eq!(decisions[0].before, json!("Incoming"));
        assert_eq!(
            decisions[0].log_line(),
            "ticket 1042 \"Rechnung doppelt\": queue Incoming → Billing (0.93) [dry run]"
        );
        assert_eq!(decisions[1].field, "note");
        assert_eq!(
            decisions[1].log_line(),
            "ticket 1042 \"Rechnung doppelt\": note \"Queue\" (0.93) [dry run]"
        );
    }

    #[test]
    fn scoring_reads_strictly_and_names_the_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let write = TicketWrite::Update(TicketUpdate::new("7").with_changes(TicketChanges {
            queue: Some(UnifiedEntity::named("Billing")),
            ..TicketChanges::default()
        }));
        let decision =
            decisions_of("s", &write, None, None, None, true, Some("7".into())).remove(0);
        let line = serde_json::to_string(&decision).unwrap();
        for name in ["step", "before", "confidence", "classification", "subject"] {
            assert!(
                line.contains(&format!("\"{name}\":null")),
                "{name} in {line}"
            );
        }
        std::fs::write(&path, format!("{line}\n\n{line}\n")).unwrap();
        assert_eq!(load_decisions(&path).unwrap().len(), 2);
        std::fs::write(&path, format!("{line}\n{{\"field\": 1}}\n")).unwrap();
        let error = load_decisions(&path).unwrap_err();
        assert!(
            matches!(error, DecisionsError::Line { line: 2, .. }),
            "{error}"
        );
        assert!(error
            .to_string()
            .starts_with(&format!("{}:2: not a decision", path.display())));
        assert!(matches!(
            load_decisions(&dir.path().join("missing")),
            Err(DecisionsError::Read { .. })
        ));
    }

    #[test]
    fn field_values_read_as_decisions_show_them() {
        let mut ticket = UnifiedTicket {
            subject: Some("Rechnung".into()),
            queue: Some(UnifiedEntity::named("Billing")),
            priority: Some(UnifiedEntity {
                id: Some("3".into()),
                name: None,
            }),
            ..UnifiedTicket::default()
        };
        ticket.extra.insert("Category".into(), json!("invoice"));
        assert_eq!(field_value(&ticket, "queue"), json!("Billing"));
        assert_eq!(field_value(&ticket, "priority"), json!("#3"));
        assert_eq!(field_value(&ticket, "subject"), json!("Rechnung"));
        assert_eq!(field_value(&ticket, "extra.Category"), json!("invoice"));
        assert_eq!(field_value(&ticket, "state"), Value::Null);
        assert_eq!(field_value(&ticket, "note"), Value::Null);
    }

    #[test]
    fn the_file_appends_lines_that_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let write = TicketWrite::Update(TicketUpdate::new("7").with_changes(TicketChanges {
            priority: Some(UnifiedEntity::named("high")),
            ..TicketChanges::default()
        }));
        let decision =
            decisions_of("s", &write, None, None, None, false, Some("7".into())).remove(0);
        DecisionsFile::open(&path).unwrap().append(&decision);
        DecisionsFile::open(&path).unwrap().append(&decision);
        std::fs::write(
            &path,
            std::fs::read_to_string(&path).unwrap() + "not json\n",
        )
        .unwrap();
        assert_eq!(
            read_decisions(&path).unwrap(),
            vec![decision.clone(), decision]
        );
    }
}
