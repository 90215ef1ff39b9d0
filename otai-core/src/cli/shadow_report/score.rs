//! The figures of a shadow report: decided values against what the tickets hold now. Pure
//! arithmetic on [`Case`]s, no I/O, so every number is unit-tested here.
//!
//! * A case whose ticket is gone is counted apart (`gone`).
//! * In a dry run, a case whose field still holds the value it had before (`before`) was not
//!   handled by an agent yet: counted apart (`untouched`), since nobody has said what is
//!   right. A live decision is always scored: its field holds what the run wrote unless an
//!   agent corrected it.
//! * Every other case is *scored*: right when the field now holds the proposed value.
//!
//! Per field: accuracy, per label support (how often agents chose it), precision (how often
//! a proposal of it was right) and recall (how often agents' choice of it was proposed), the
//! confusion matrix (rows: what agents chose, columns: what was proposed), and the curve by
//! confidence threshold — for each threshold *t*, the scored cases with a confidence ≥ *t*
//! (what a `confidence >= t` gate lets through): their share (coverage) and how many of
//! them were right (precision) — with the lowest thresholds reaching 95 % and 99 %
//! precision.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// The precision targets a report names the lowest threshold for, in percent.
pub const PRECISION_TARGETS: [u32; 2] = [95, 99];

/// One decided field of one ticket, with what the ticket holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Which ticket: service and ticket id.
    pub ticket: (String, String),
    /// `queue`, `priority`, …
    pub field: String,
    /// The value proposed (or written).
    pub proposed: String,
    /// The value before the decision, when known.
    pub before: Option<String>,
    /// What the ticket holds now.
    pub now: Now,
    /// The confidence of the classification behind the value.
    pub confidence: Option<f64>,
    /// Whether the decision was a dry run's proposal.
    pub dry_run: bool,
}

/// What a decided ticket holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Now {
    /// The ticket no longer exists.
    Gone,
    /// The field's value (`None`: unset).
    Value(Option<String>),
}

/// How a case counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Gone,
    Untouched,
    Scored { correct: bool },
}

impl Case {
    fn verdict(&self) -> Verdict {
        match &self.now {
            Now::Gone => Verdict::Gone,
            Now::Value(now) if self.dry_run && self.before.is_some() && *now == self.before => {
                Verdict::Untouched
            }
            Now::Value(now) => Verdict::Scored {
                correct: now.as_deref() == Some(self.proposed.as_str()),
            },
        }
    }

    /// The label agents chose (`(unset)` for a field cleared).
    fn chosen(&self) -> &str {
        match &self.now {
            Now::Value(Some(value)) => value,
            _ => UNSET,
        }
    }
}

/// The label of a field that holds no value now.
pub const UNSET: &str = "(unset)";

/// The whole report. Field names are stable (`--json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Decided tickets: how many, and how many of them are gone.
    pub tickets: TicketCounts,
    /// All scored fields together.
    pub overall: Counts,
    /// Per field, in name order.
    pub fields: Vec<FieldReport>,
}

/// Decided tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketCounts {
    /// Distinct tickets with a scored field decided.
    pub decided: usize,
    /// Of them, no longer in the ticket system.
    pub gone: usize,
    /// Of them, no field touched by an agent yet (every decided field untouched).
    pub untouched: usize,
}

/// How the decided fields count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counts {
    /// Decided fields (one per ticket and field).
    pub decisions: usize,
    /// Compared with an agent's choice.
    pub scored: usize,
    /// Of those, proposed what the agent chose.
    pub correct: usize,
    /// `correct / scored` (`null` when nothing was scored).
    pub accuracy: Option<f64>,
    /// Dry-run decisions whose field still holds the value it had before: not judged yet.
    pub untouched: usize,
    /// Decisions whose ticket is gone.
    pub gone: usize,
}

/// The figures of one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldReport {
    /// The field (`queue`, `priority`, …).
    pub field: String,
    /// How its decisions count.
    #[serde(flatten)]
    pub counts: Counts,
    /// Scored decisions without a confidence (left out of the threshold curve).
    pub without_confidence: usize,
    /// Every label proposed or chosen, in name order.
    pub labels: Vec<LabelScore>,
    /// Rows: what agents chose; columns: what was proposed.
    pub confusion: Confusion,
    /// Coverage and precision for each distinct confidence, lowest first.
    pub thresholds: Vec<ThresholdPoint>,
    /// The lowest threshold reaching each of [`PRECISION_TARGETS`].
    pub precision_targets: Vec<PrecisionTarget>,
}

/// The figures of one label of a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScore {
    /// The label (a queue's name, …).
    pub label: String,
    /// How often agents chose it (among scored decisions).
    pub support: usize,
    /// How often it was proposed.
    pub proposed: usize,
    /// How often it was proposed and chosen.
    pub correct: usize,
    /// `correct / proposed` (`null`: never proposed).
    pub precision: Option<f64>,
    /// `correct / support` (`null`: never chosen).
    pub recall: Option<f64>,
}

/// A confusion matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Row and column labels, in name order.
    pub labels: Vec<String>,
    /// `counts[i][j]`: agents chose `labels[i]`, `labels[j]` was proposed.
    pub counts: Vec<Vec<usize>>,
}

/// One point of the curve by confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdPoint {
    /// Decide only at a confidence of at least this.
    pub threshold: f64,
    /// Scored decisions at or above it.
    pub decided: usize,
    /// Of those, right.
    pub correct: usize,
    /// `decided` as a share of the scored decisions with a confidence.
    pub coverage: f64,
    /// `correct / decided`.
    pub precision: f64,
}

/// The lowest threshold reaching a precision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrecisionTarget {
    /// The precision aimed at (0.95, 0.99).
    pub precision: f64,
    /// The lowest threshold reaching it (`null`: none does).
    pub threshold: Option<f64>,
    /// The coverage at that threshold.
    pub coverage: Option<f64>,
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Scores `cases` (one per ticket and field).
pub fn score(cases: &[Case]) -> Report {
    let mut by_field: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for case in cases {
        by_field.entry(case.field.as_str()).or_default().push(case);
    }
    let fields: Vec<FieldReport> = by_field
        .into_iter()
        .map(|(field, cases)| field_report(field, &cases))
        .collect();
    let mut overall = Counts {
        decisions: 0,
        scored: 0,
        correct: 0,
        accuracy: None,
        untouched: 0,
        gone: 0,
    };
    for field in &fields {
        overall.decisions += field.counts.decisions;
        overall.scored += field.counts.scored;
        overall.correct += field.counts.correct;
        overall.untouched += field.counts.untouched;
        overall.gone += field.counts.gone;
    }
    overall.accuracy = ratio(overall.correct, overall.scored);
    let decided: BTreeSet<&(String, String)> = cases.iter().map(|c| &c.ticket).collect();
    let gone: BTreeSet<&(String, String)> = cases
        .iter()
        .filter(|c| c.now == Now::Gone)
        .map(|c| &c.ticket)
        .collect();
    let mut touched: BTreeMap<&(String, String), bool> = BTreeMap::new();
    for case in cases {
        *touched.entry(&case.ticket).or_default() |= case.verdict() != Verdict::Untouched;
    }
    Report {
        tickets: TicketCounts {
            decided: decided.len(),
            gone: gone.len(),
            untouched: touched.values().filter(|touched| !**touched).count(),
        },
        overall,
        fields,
    }
}

fn field_report(field: &str, cases: &[&Case]) -> FieldReport {
    let mut counts = Counts {
        decisions: cases.len(),
        scored: 0,
        correct: 0,
        accuracy: None,
        untouched: 0,
        gone: 0,
    };
    let mut scored: Vec<(&Case, bool)> = Vec::new();
    for case in cases {
        match case.verdict() {
            Verdict::Gone => counts.gone += 1,
            Verdict::Untouched => counts.untouched += 1,
            Verdict::Scored { correct } => {
                counts.scored += 1;
                counts.correct += usize::from(correct);
                scored.push((case, correct));
            }
        }
    }
    counts.accuracy = ratio(counts.correct, counts.scored);
    let labels: BTreeSet<&str> = scored
        .iter()
        .flat_map(|(case, _)| [case.proposed.as_str(), case.chosen()])
        .collect();
    let labels: Vec<String> = labels.into_iter().map(str::to_owned).collect();
    let index = |label: &str| labels.iter().position(|l| l == label).unwrap_or(0);
    let mut matrix = vec![vec![0usize; labels.len()]; labels.len()];
    for (case, _) in &scored {
        matrix[index(case.chosen())][index(&case.proposed)] += 1;
    }
    let label_scores = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let support: usize = matrix[i].iter().sum();
            let proposed: usize = matrix.iter().map(|row| row[i]).sum();
            let correct = matrix[i][i];
            LabelScore {
                label: label.clone(),
                support,
                proposed,
                correct,
                precision: ratio(correct, proposed),
                recall: ratio(correct, support),
            }
        })
        .collect();
    let confident: Vec<(f64, bool)> = scored
        .iter()
        .filter_map(|(case, correct)| case.confidence.map(|c| (c, *correct)))
        .collect();
    let thresholds = curve(&confident);
    let precision_targets = PRECISION_TARGETS
        .iter()
        .map(|&percent| lowest_threshold(&thresholds, percent))
        .collect();
    FieldReport {
        field: field.to_owned(),
        counts,
        without_confidence: scored.len() - confident.len(),
        labels: label_scores,
        confusion: Confusion {
            labels,
            counts: matrix,
        },
        thresholds,
        precision_targets,
    }
}

/// The curve: one point per distinct confidence, lowest first.
fn curve(confident: &[(f64, bool)]) -> Vec<ThresholdPoint> {
    let mut levels: Vec<f64> = confident.iter().map(|(c, _)| *c).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    levels
        .into_iter()
        .map(|threshold| point_at(confident, threshold))
        .collect()
}

/// The point of the curve at `threshold`: what a `confidence >= threshold` gate lets
/// through.
pub fn point_at(confident: &[(f64, bool)], threshold: f64) -> ThresholdPoint {
    let passed: Vec<bool> = confident
        .iter()
        .filter(|(c, _)| *c >= threshold)
        .map(|(_, correct)| *correct)
        .collect();
    let decided = passed.len();
    let correct = passed.iter().filter(|c| **c).count();
    ThresholdPoint {
        threshold,
        decided,
        correct,
        coverage: ratio(decided, confident.len()).unwrap_or(0.0),
        precision: ratio(correct, decided).unwrap_or(0.0),
    }
}

/// The lowest threshold whose precision is at least `percent` % (compared in whole
/// numbers, so 19 of 20 reaches 95 % exactly).
fn lowest_threshold(curve: &[ThresholdPoint], percent: u32) -> PrecisionTarget {
    let reached = curve
        .iter()
        .find(|p| p.decided > 0 && p.correct * 100 >= p.decided * percent as usize);
    PrecisionTarget {
        precision: f64::from(percent) / 100.0,
        threshold: reached.map(|p| p.threshold),
        coverage: reached.map(|p| p.coverage),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn case(
        ticket: &str,
        proposed: &str,
        before: &str,
        now: Option<&str>,
        confidence: f64,
    ) -> Case {
        Case {
            ticket: ("s".into(), ticket.into()),
            field: "queue".into(),
            proposed: proposed.into(),
            before: Some(before.into()),
            now: now.map_or(Now::Gone, |n| Now::Value(Some(n.into()))),
            confidence: Some(confidence),
            dry_run: true,
        }
    }

    /// Six queue decisions: three right, one wrong, one untouched, one gone.
    fn cases() -> Vec<Case> {
        vec![
            case("1", "Billing", "In", Some("Billing"), 1.0),
            case("2", "Billing", "In", Some("Sales"), 0.6),
            case("3", "IT", "In", Some("IT"), 0.9),
            case("4", "IT", "In", Some("IT"), 0.6),
            case("5", "Sales", "In", Some("In"), 0.9),
            case("6", "HR", "In", None, 1.0),
        ]
    }

    #[test]
    fn gone_and_untouched_are_counted_apart() {
        let report = score(&cases());
        let queue = &report.fields[0];
        assert_eq!(queue.field, "queue");
        assert_eq!(
            queue.counts,
            Counts {
                decisions: 6,
                scored: 4,
                correct: 3,
                accuracy: Some(0.75),
                untouched: 1,
                gone: 1,
            }
        );
        assert_eq!(report.overall, queue.counts);
        assert_eq!(
            report.tickets,
            TicketCounts {
                decided: 6,
                gone: 1,
                untouched: 1
            }
        );
    }

    #[test]
    fn labels_and_confusion() {
        let report = score(&cases());
        let queue = &report.fields[0];
        assert_eq!(queue.confusion.labels, ["Billing", "IT", "Sales"]);
        // rows: chosen; columns: proposed
        assert_eq!(
            queue.confusion.counts,
            vec![vec![1, 0, 0], vec![0, 2, 0], vec![1, 0, 0]]
        );
        let billing = &queue.labels[0];
        assert_eq!(
            (billing.support, billing.proposed, billing.correct),
            (1, 2, 1)
        );
        assert_eq!(billing.precision, Some(0.5));
        assert_eq!(billing.recall, Some(1.0));
        let sales = &queue.labels[2];
        assert_eq!((sales.support, sales.proposed), (1, 0));
        assert_eq!(sales.precision, None, "never proposed");
        assert_eq!(sales.recall, Some(0.0));
    }

    #[test]
    fn the_curve_and_the_thresholds_reaching_95_and_99_percent() {
        let report = score(&cases());
        let queue = &report.fields[0];
        let points: Vec<(f64, usize, usize)> = queue
            .thresholds
            .iter()
            .map(|p| (p.threshold, p.decided, p.correct))
            .collect();
        assert_eq!(points, [(0.6, 4, 3), (0.9, 2, 2), (1.0, 1, 1)]);
        assert_eq!(queue.thresholds[1].coverage, 0.5);
        assert_eq!(queue.thresholds[0].precision, 0.75);
        assert_eq!(queue.precision_targets[0].precision, 0.95);
        assert_eq!(queue.precision_targets[0].threshold, Some(0.9));
        assert_eq!(queue.precision_targets[0].coverage, Some(0.5));
        assert_eq!(queue.precision_targets[1].threshold, Some(0.9));
    }

    #[test]
    fn precision_targets_compare_exactly_and_may_not_be_reached() {
        let mut confident: Vec<(f64, bool)> = (0..19).map(|_| (0.5, true)).collect();
        confident.push((0.5, false));
        let curve = curve(&confident);
        assert_eq!(
            lowest_threshold(&curve, 95).threshold,
            Some(0.5),
            "19 of 20"
        );
        assert_eq!(lowest_threshold(&curve, 99).threshold, None);
        assert_eq!(lowest_threshold(&[], 95).coverage, None);
    }

    #[test]
    fn live_decisions_are_always_scored_and_cleared_fields_are_unset() {
        let mut reverted = case("1", "Billing", "In", Some("In"), 0.9);
        reverted.dry_run = false;
        let mut cleared = case("2", "Billing", "In", Some("x"), 0.9);
        cleared.now = Now::Value(None);
        let mut unknown_before = case("3", "IT", "In", Some("IT"), 0.9);
        unknown_before.before = None;
        unknown_before.confidence = None;
        let report = score(&[reverted, cleared, unknown_before]);
        let queue = &report.fields[0];
        assert_eq!((queue.counts.scored, queue.counts.correct), (3, 1));
        assert_eq!(queue.counts.untouched, 0);
        assert_eq!(queue.confusion.labels, ["(unset)", "Billing", "IT", "In"]);
        assert_eq!(queue.without_confidence, 1);
        assert_eq!(queue.thresholds.len(), 1);
    }

    #[test]
    fn fields_are_reported_apart_and_together() {
        let mut all = cases();
        let mut priority = case("1", "high", "normal", Some("normal"), 0.8);
        priority.field = "priority".into();
        all.push(priority);
        let report = score(&all);
        assert_eq!(
            report
                .fields
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>(),
            ["priority", "queue"]
        );
        assert_eq!(report.fields[0].counts.untouched, 1);
        assert_eq!(report.overall.untouched, 2);
        assert_eq!(report.overall.decisions, 7);
        assert_eq!(report.tickets.decided, 6);
        assert_eq!(
            report.tickets.untouched, 1,
            "ticket 5; ticket 1's queue was moved"
        );
        assert_eq!(score(&[]).overall.accuracy, None);
    }
}
