//! The report as text for the terminal: counts, then per field its labels, confusion matrix
//! and curve by confidence, in aligned columns.

use std::fmt::Write;

use super::score::{Confusion, Counts, FieldReport, ThresholdPoint};
use super::ShadowReport;

/// The most points of a curve the table lists; longer curves are shown at a grid of
/// thresholds.
const MAX_POINTS: usize = 20;

/// The thresholds a long curve is shown at.
const GRID: [f64; 12] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

/// `0.75` → `75.0 %`; `None` → `-`.
pub(super) fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// A threshold with two to four decimals: `0.50`, `0.934`, `1.00`.
pub(super) fn threshold(value: f64) -> String {
    let text = format!("{value:.4}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len);
    if decimals < 2 {
        format!("{value:.2}")
    } else {
        trimmed.to_owned()
    }
}

/// One line of counts: `16 decision(s), 9 scored, 7 correct (accuracy 77.8 %), 6 untouched, 1 gone`.
pub(super) fn counts_line(counts: &Counts) -> String {
    format!(
        "{} decision(s), {} scored, {} correct (accuracy {}), {} untouched, {} gone",
        counts.decisions,
        counts.scored,
        counts.correct,
        percent(counts.accuracy),
        counts.untouched,
        counts.gone
    )
}

/// The points of a curve worth listing: all of them, or for a long curve the first point at
/// or above each grid threshold (what a gate at that threshold lets through).
pub(super) fn shown_points(points: &[ThresholdPoint]) -> Vec<&ThresholdPoint> {
    if points.len() <= MAX_POINTS {
        return points.iter().collect();
    }
    let mut shown: Vec<&ThresholdPoint> = Vec::new();
    for grid in GRID {
        if let Some(point) = points.iter().find(|p| p.threshold >= grid) {
            if !shown.iter().any(|s| std::ptr::eq(*s, point)) {
                shown.push(point);
            }
        }
    }
    shown
}

/// The whole report as text.
pub(super) fn render(report: &ShadowReport) -> String {
    let mut out = String::new();
    let scores = &report.scores;
    let _ = writeln!(
        out,
        "Shadow report of {}: {} ticket(s) decided, {} gone, {} untouched; {} note(s) and create(s) not scored",
        report.decisions_file,
        scores.tickets.decided,
        scores.tickets.gone,
        scores.tickets.untouched,
        report.not_scored
    );
    let _ = writeln!(out, "overall: {}", counts_line(&scores.overall));
    for field in &scores.fields {
        out.push('\n');
        render_field(&mut out, field);
    }
    if scores.fields.is_empty() {
        let _ = writeln!(out, "\nno decided field to score");
    }
    out
}

fn render_field(out: &mut String, field: &FieldReport) {
    let _ = writeln!(out, "{}: {}", field.field, counts_line(&field.counts));
    if field.labels.is_empty() {
        return;
    }
    let width = field
        .labels
        .iter()
        .map(|l| l.label.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>7}  {:>8}  {:>7}  {:>9}  {:>8}",
        "label", "support", "proposed", "correct", "precision", "recall"
    );
    for label in &field.labels {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>7}  {:>8}  {:>7}  {:>9}  {:>8}",
            label.label,
            label.support,
            label.proposed,
            label.correct,
            percent(label.precision),
            percent(label.recall)
        );
    }
    render_confusion(out, &field.confusion, width);
    render_curve(out, field);
}

fn render_confusion(out: &mut String, confusion: &Confusion, width: usize) {
    let _ = writeln!(
        out,
        "  confusion matrix (rows: what agents chose; columns: what was proposed, by number)"
    );
    let cell = confusion
        .counts
        .iter()
        .flatten()
        .map(|n| n.to_string().len())
        .chain([confusion.labels.len().to_string().len()])
        .max()
        .unwrap_or(1)
        .max(3);
    let numbers = confusion.labels.len().to_string().len();
    let mut header = format!("  {:>numbers$} {:<width$}", "", "");
    for column in 1..=confusion.labels.len() {
        let _ = write!(header, "  {column:>cell$}");
    }
    let _ = writeln!(out, "{}", header.trim_end());
    for (row, label) in confusion.labels.iter().enumerate() {
        let _ = write!(out, "  {:>numbers$} {label:<width$}", row + 1);
        for count in &confusion.counts[row] {
            let _ = write!(out, "  {count:>cell$}");
        }
        out.push('\n');
    }
}

fn render_curve(out: &mut String, field: &FieldReport) {
    let confident: usize = field.thresholds.first().map_or(0, |p| p.decided);
    let _ = writeln!(
        out,
        "  by confidence ({confident} scored with a confidence, {} without)",
        field.without_confidence
    );
    if field.thresholds.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "  {:>9}  {:>7}  {:>7}  {:>8}  {:>9}",
        "threshold", "decided", "correct", "coverage", "precision"
    );
    for point in shown_points(&field.thresholds) {
        let _ = writeln!(
            out,
            "  {:>9}  {:>7}  {:>7}  {:>8}  {:>9}",
            threshold(point.threshold),
            point.decided,
            point.correct,
            percent(Some(point.coverage)),
            percent(Some(point.precision))
        );
    }
    for target in &field.precision_targets {
        let aim = format!("{:.0} %", target.precision * 100.0);
        match (target.threshold, target.coverage) {
            (Some(at), coverage) => {
                let _ = writeln!(
                    out,
                    "  precision >= {aim}: from confidence >= {} (coverage {})",
                    threshold(at),
                    percent(coverage)
                );
            }
            (None, _) => {
                let _ = writeln!(out, "  precision >= {aim}: not reached at any threshold");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shown_alike_everywhere() {
        assert_eq!(percent(Some(0.75)), "75.0 %");
        assert_eq!(percent(Some(2.0 / 3.0)), "66.7 %");
        assert_eq!(percent(None), "-");
        assert_eq!(threshold(0.5), "0.50");
        assert_eq!(threshold(1.0), "1.00");
        assert_eq!(threshold(0.934), "0.934");
        assert_eq!(threshold(0.123_456), "0.1235");
    }

    #[test]
    fn long_curves_are_shown_at_the_grid() {
        let points: Vec<ThresholdPoint> = (0..50)
            .map(|i| ThresholdPoint {
                threshold: f64::from(i) / 50.0,
                decided: 50 - i as usize,
                correct: 0,
                coverage: 0.0,
                precision: 0.0,
            })
            .collect();
        let shown = shown_points(&points);
        let thresholds: Vec<String> = shown.iter().map(|p| threshold(p.threshold)).collect();
        assert_eq!(
            thresholds,
            [
                "0.00", "0.10", "0.20", "0.30", "0.40", "0.50", "0.60", "0.70", "0.80", "0.90",
                "0.96"
            ]
        );
        assert_eq!(shown_points(&points[..3]).len(), 3);
    }
}
