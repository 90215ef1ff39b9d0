//! The report as one self-contained HTML file: inline CSS, inline SVG figures drawn with
//! `plotters` (its SVG backend; text is left to the browser's fonts), no scripts, nothing
//! loaded from anywhere. Per field: the counts, the labels, the confusion matrix as a heat
//! map (and as a table), the precision/coverage curve by confidence threshold (and as a
//! table). Every number cell carries `data-metric` (and the matrix `data-chosen` /
//! `data-proposed`), so scripts and tests can read the figures back.

use std::fmt::Write;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::score::{Confusion, Counts, FieldReport, ThresholdPoint};
use super::table::{counts_line, percent, threshold};
use super::ShadowReport;

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {figure}: {message}")]
pub struct FigureError {
    figure: &'static str,
    message: String,
}

fn figure_error<E: std::fmt::Debug>(figure: &'static str) -> impl Fn(E) -> FigureError {
    move |error| FigureError {
        figure,
        message: format!("{error:?}"),
    }
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:72em}\
table{border-collapse:collapse;margin:.5em 0 1em}\
th,td{border:1px solid #ccc;padding:.2em .6em}td{text-align:right}\
th{background:#f4f4f4;text-align:left}\
figure{margin:1em 0}figcaption{font-size:.9em;color:#555}\
section{border-top:2px solid #ddd;margin-top:2em}";

/// The report as HTML.
pub(super) fn render(report: &ShadowReport) -> Result<String, FigureError> {
    let scores = &report.scores;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Shadow report: {file}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Shadow report</h1>\n\
         <p>Decisions from <code>{file}</code> compared with what the tickets hold now. \
         Tickets decided: <span data-metric=\"tickets_decided\">{decided}</span>, gone: \
         <span data-metric=\"tickets_gone\">{gone}</span>, untouched: \
         <span data-metric=\"tickets_untouched\">{untouched}</span>; notes and creates not scored: \
         <span data-metric=\"not_scored\">{not_scored}</span>.</p>\n",
        file = escape(&report.decisions_file),
        decided = scores.tickets.decided,
        gone = scores.tickets.gone,
        untouched = scores.tickets.untouched,
        not_scored = report.not_scored,
    );
    out.push_str("<h2>Overall</h2>\n");
    counts_table(&mut out, "overall", &scores.overall);
    for field in &scores.fields {
        field_section(&mut out, field)?;
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn counts_table(out: &mut String, id: &str, counts: &Counts) {
    let _ = writeln!(
        out,
        "<table class=\"counts\" id=\"counts-{id}\">\n\
         <tr><th>decisions</th><th>scored</th><th>correct</th><th>accuracy</th><th>untouched</th><th>gone</th></tr>\n\
         <tr><td data-metric=\"decisions\">{}</td><td data-metric=\"scored\">{}</td>\
         <td data-metric=\"correct\">{}</td><td data-metric=\"accuracy\">{}</td>\
         <td data-metric=\"untouched\">{}</td><td data-metric=\"gone\">{}</td></tr>\n</table>",
        counts.decisions,
        counts.scored,
        counts.correct,
        percent(counts.accuracy),
        counts.untouched,
        counts.gone
    );
}

fn field_section(out: &mut String, field: &FieldReport) -> Result<(), FigureError> {
    let name = escape(&field.field);
    let _ = writeln!(
        out,
        "<section id=\"field-{name}\" data-field=\"{name}\">\n<h2>{name}</h2>\n<p>{}</p>",
        escape(&counts_line(&field.counts))
    );
    counts_table(out, &name, &field.counts);
    if field.labels.is_empty() {
        out.push_str("</section>\n");
        return Ok(());
    }
    out.push_str(
        "<h3>Labels</h3>\n<table class=\"labels\">\n<tr><th>label</th><th>support</th>\
         <th>proposed</th><th>correct</th><th>precision</th><th>recall</th></tr>\n",
    );
    for label in &field.labels {
        let _ = writeln!(
            out,
            "<tr data-label=\"{l}\"><th>{l}</th><td data-metric=\"support\">{}</td>\
             <td data-metric=\"proposed\">{}</td><td data-metric=\"correct\">{}</td>\
             <td data-metric=\"precision\">{}</td><td data-metric=\"recall\">{}</td></tr>",
            label.support,
            label.proposed,
            label.correct,
            percent(label.precision),
            percent(label.recall),
            l = escape(&label.label),
        );
    }
    out.push_str("</table>\n<h3>Confusion matrix</h3>\n");
    let _ = writeln!(
        out,
        "<figure class=\"heatmap\">\n{}\n<figcaption>Rows: what agents chose; columns: what \
         was proposed. Darker: more tickets.</figcaption>\n</figure>",
        heat_map(&field.confusion)?
    );
    confusion_table(out, &field.confusion);
    let _ = writeln!(
        out,
        "<h3>By confidence</h3>\n<p>Scored decisions without a confidence: <span \
         data-metric=\"without_confidence\">{}</span>.</p>",
        field.without_confidence
    );
    if !field.thresholds.is_empty() {
        let _ = writeln!(
            out,
            "<figure class=\"curve\">\n{}\n<figcaption>Precision and coverage when only \
             decisions with a confidence at or above the threshold are made.</figcaption>\n</figure>",
            curve(&field.thresholds)?
        );
        out.push_str(
            "<table class=\"thresholds\">\n<tr><th>threshold</th><th>decided</th>\
             <th>correct</th><th>coverage</th><th>precision</th></tr>\n",
        );
        for point in &field.thresholds {
            let _ = writeln!(
                out,
                "<tr data-threshold=\"{t}\"><th>{t}</th><td data-metric=\"decided\">{}</td>\
                 <td data-metric=\"correct\">{}</td><td data-metric=\"coverage\">{}</td>\
                 <td data-metric=\"precision\">{}</td></tr>",
                point.decided,
                point.correct,
                percent(Some(point.coverage)),
                percent(Some(point.precision)),
                t = threshold(point.threshold),
            );
        }
        out.push_str("</table>\n<ul class=\"targets\">\n");
        for target in &field.precision_targets {
            let aim = format!("{:.0}", target.precision * 100.0);
            let reached = match target.threshold {
                Some(at) => format!(
                    "from confidence &ge; <span data-metric=\"threshold\">{}</span> (coverage {})",
                    threshold(at),
                    percent(target.coverage)
                ),
                None => "not reached at any threshold".to_owned(),
            };
            let _ = writeln!(
                out,
                "<li data-precision=\"{aim}\">precision &ge; {aim} %: {reached}</li>"
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
    Ok(())
}

fn confusion_table(out: &mut String, confusion: &Confusion) {
    out.push_str("<table class=\"confusion\">\n<tr><th>chosen \\ proposed</th>");
    for label in &confusion.labels {
        let _ = write!(out, "<th>{}</th>", escape(label));
    }
    out.push_str("</tr>\n");
    for (row, chosen) in confusion.labels.iter().enumerate() {
        let chosen = escape(chosen);
        let _ = write!(out, "<tr><th>{chosen}</th>");
        for (column, count) in confusion.counts[row].iter().enumerate() {
            let _ = write!(
                out,
                "<td data-chosen=\"{chosen}\" data-proposed=\"{}\">{count}</td>",
                escape(&confusion.labels[column])
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The SVG document plotters wrote, without its XML declaration (it sits inside HTML).
fn inline(svg: String) -> String {
    match svg.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(svg.clone(), |(_, body)| body.trim_start().to_owned()),
        None => svg,
    }
}

/// The confusion matrix as a heat map: one cell per (chosen, proposed), shaded by count.
fn heat_map(confusion: &Confusion) -> Result<String, FigureError> {
    const CELL: i32 = 44;
    let failed = figure_error("confusion matrix");
    let n = confusion.labels.len() as i32;
    let longest = confusion
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1) as i32;
    let margin = 16 + longest * 8;
    let size = (
        u32::try_from(margin + n * CELL + 16).unwrap_or(400),
        u32::try_from(margin + n * CELL + 16).unwrap_or(400),
    );
    let highest = confusion
        .counts
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(&failed)?;
        // plotters draws text at 1/1.24 of the size asked for: 15 shows as about 12 px.
        let font = ("sans-serif", 15).into_font();
        let centered = Pos::new(HPos::Center, VPos::Center);
        for (i, label) in confusion.labels.iter().enumerate() {
            let at = margin + i as i32 * CELL + CELL / 2;
            // Row labels at the left, column labels above, turned upright.
            let row_style = TextStyle::from(font.clone()).pos(Pos::new(HPos::Right, VPos::Center));
            root.draw(&Text::new(label.clone(), (margin - 6, at), row_style))
                .map_err(&failed)?;
            let column_style = TextStyle::from(font.clone().transform(FontTransform::Rotate270))
                .pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(label.clone(), (at, margin - 6), column_style))
                .map_err(&failed)?;
        }
        for (row, counts) in confusion.counts.iter().enumerate() {
            for (column, count) in counts.iter().enumerate() {
                let x = margin + column as i32 * CELL;
                let y = margin + row as i32 * CELL;
                let shade = *count as f64 / highest as f64;
                let fill = RGBColor(
                    (255.0 - shade * (255.0 - 33.0)) as u8,
                    (255.0 - shade * (255.0 - 102.0)) as u8,
                    (255.0 - shade * (255.0 - 172.0)) as u8,
                );
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    fill.filled(),
                ))
                .map_err(&failed)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    RGBColor(200, 200, 200).stroke_width(1),
                ))
                .map_err(&failed)?;
                let ink = if shade > 0.5 { WHITE } else { BLACK };
                let style = TextStyle::from(font.clone()).color(&ink).pos(centered);
                root.draw(&Text::new(
                    count.to_string(),
                    (x + CELL / 2, y + CELL / 2),
                    style,
                ))
                .map_err(&failed)?;
            }
        }
        root.present().map_err(&failed)?;
    }
    Ok(inline(svg))
}

/// Precision and coverage by threshold, both from 0 to 100 %.
fn curve(points: &[ThresholdPoint]) -> Result<String, FigureError> {
    let failed = figure_error("curve by confidence");
    let low = points.first().map_or(0.0, |p| p.threshold).min(0.0);
    let high = points.last().map_or(1.0, |p| p.threshold).max(1.0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(&failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(64)
            .build_cartesian_2d(low..high, 0.0..1.0)
            .map_err(&failed)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 15))
            .x_desc("confidence threshold")
            .y_desc("share")
            .y_label_formatter(&|v| format!("{:.0} %", v * 100.0))
            .x_label_formatter(&|v| format!("{v:.1}"))
            .draw()
            .map_err(&failed)?;
        let precision = RGBColor(33, 102, 172);
        let coverage = RGBColor(214, 96, 77);
        chart
            .draw_series(
                LineSeries::new(
                    points.iter().map(|p| (p.threshold, p.precision)),
                    precision.stroke_width(2),
                )
                .point_size(3),
            )
            .map_err(&failed)?
            .label("precision")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], precision.stroke_width(2))
            });
        chart
            .draw_series(
                LineSeries::new(
                    points.iter().map(|p| (p.threshold, p.coverage)),
                    coverage.stroke_width(2),
                )
                .point_size(3),
            )
            .map_err(&failed)?
            .label("coverage")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], coverage.stroke_width(2))
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(&failed)?;
        root.present().map_err(&failed)?;
    }
    Ok(inline(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn figures_are_inline_svg_without_outside_resources() {
        let confusion = Confusion {
            labels: vec!["Billing".into(), "IT <Support>".into()],
            counts: vec![vec![3, 1], vec![0, 2]],
        };
        let map = heat_map(&confusion).unwrap_or_default();
        assert!(map.starts_with("<svg"), "{map}");
        assert!(map.contains("IT &lt;Support&gt;"), "{map}");
        assert!(!map.contains("<?xml") && !map.contains("href"), "{map}");
        let points = vec![
            ThresholdPoint {
                threshold: 0.5,
                decided: 4,
                correct: 3,
                coverage: 1.0,
                precision: 0.75,
            },
            ThresholdPoint {
                threshold: 1.0,
                decided: 2,
                correct: 2,
                coverage: 0.5,
                precision: 1.0,
            },
        ];
        let drawn = curve(&points).unwrap_or_default();
        assert!(
            drawn.starts_with("<svg") && drawn.contains("precision") && drawn.contains("coverage")
        );
    }
}
