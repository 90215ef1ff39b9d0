//! How long the loader takes to judge pathological configs (issue 14, section 5).
//!
//! Each case is loaded with [`otai::config::load_str`] and, when rejected, its errors are
//! rendered (what `otai check` prints), so every part a user waits for is timed. Run with
//! `cargo bench -p otai-core --bench pathological_config` (release profile); pass a case name
//! to run only the cases containing it. Each case prints its best and median time over a few
//! runs and whether the config was accepted or rejected (with the first error).

use std::time::{Duration, Instant};

use otai::config::load_str;
use otai::AppConfig;

const MB: usize = 1_000_000;

/// Runs of each case (`OTAI_BENCH_RUNS`, default 3); the best and the median are printed.
fn runs() -> usize {
    std::env::var("OTAI_BENCH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .filter(|runs| *runs > 0)
        .unwrap_or(3)
}

fn brackets(len: usize) -> String {
    format!("open_ticket_ai: {}", "[".repeat(len))
}

/// Nesting that stays within reasonable depth but repeats until `size` bytes: `[[..[1]..]]`
/// `depth` levels deep, many times over, in one flow sequence.
fn deep_nesting(depth: usize, size: usize) -> String {
    let one = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let mut text = String::from("open_ticket_ai: [");
    while text.len() < size {
        text.push_str(&one);
        text.push_str(", ");
    }
    text.push_str("1]\n");
    text
}

/// Block-style nesting `depth` levels deep (`a:\n  a:\n    a: …`).
fn deep_block(depth: usize) -> String {
    let mut text = String::from("open_ticket_ai:\n");
    for level in 1..=depth {
        text.push_str(&"  ".repeat(level));
        text.push_str("a:\n");
    }
    text
}

/// A valid config of about `size` bytes: one orchestrator with many steps.
fn many_steps(size: usize) -> String {
    let mut text = String::from(
        "open_ticket_ai:\n  api_version: \">=1.0.0\"\n  services:\n    renderer:\n      use: \"base:JinjaRenderer\"\n  orchestrator:\n    use: \"base:SimpleSequentialOrchestrator\"\n    params:\n      steps:\n",
    );
    let mut step: usize = 0;
    while text.len() < size {
        text.push_str(&format!(
            "        - id: step_{step}\n          use: \"base:ExpressionPipe\"\n          params:\n            expression: \"{{{{ get_pipe_result('step_{prev}', 'value') }}}} and some text\"\n            labels: [a, b, c]\n",
            prev = step.saturating_sub(1)
        ));
        step += 1;
    }
    text
}

/// The same shape with a mistake in every step (a variable that is not set), to time error
/// positions and rendering when there are very many errors.
fn many_errors(size: usize) -> String {
    let mut text = String::from(
        "open_ticket_ai:\n  orchestrator:\n    use: \"base:SimpleSequentialOrchestrator\"\n    params:\n      steps:\n",
    );
    let mut step: usize = 0;
    while text.len() < size {
        text.push_str(&format!(
            "        - id: step_{step}\n          params: {{ text: \"${{OTAI_BENCH_UNSET_{step}}}\" }}\n"
        ));
        step += 1;
    }
    text
}

/// Billion laughs: each anchor is ten aliases of the one before.
fn laughs(levels: usize) -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..levels {
        let prev = format!("*a{}", level - 1);
        let items = [prev.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text.push_str(&format!("open_ticket_ai: *a{}\n", levels - 1));
    text
}

/// An anchor of `keys` entries and `aliases` aliases of it: within serde_yaml's own
/// repetition limit (jumps, not nodes), yet it expands to `keys × aliases` entries.
fn large_anchor(keys: usize, aliases: usize) -> String {
    let entries: Vec<String> = (0..keys).map(|i| format!("k{i}: {i}")).collect();
    let mut text = format!("shared: &big {{{}}}\nopen_ticket_ai: [", entries.join(", "));
    for _ in 0..aliases {
        text.push_str("*big, ");
    }
    text.push_str("1]\n");
    text
}

/// One long line of aliases to a single anchor, about `size` bytes.
fn alias_line(size: usize) -> String {
    let mut text = String::from("base: &x {a: 1, b: [1, 2, 3]}\nopen_ticket_ai: [");
    while text.len() < size {
        text.push_str("*x, ");
    }
    text.push_str("*x]\n");
    text
}

fn cases() -> Vec<(&'static str, String)> {
    vec![
        ("brackets 40 KB", brackets(40_000)),
        ("brackets 200 KB", brackets(200_000)),
        ("brackets 5 MB", brackets(5 * MB)),
        (
            "deep flow nesting 60 levels, 5 MB",
            deep_nesting(60, 5 * MB),
        ),
        (
            "deep flow nesting 100 levels, 5 MB",
            deep_nesting(100, 5 * MB),
        ),
        ("deep block nesting 1,000 levels", deep_block(1_000)),
        ("valid config with many steps, 5 MB", many_steps(5 * MB)),
        ("an error in every step, 5 MB", many_errors(5 * MB)),
        ("billion laughs, 9 levels", laughs(9)),
        ("many aliases of a large anchor", large_anchor(2_000, 1_000)),
        ("aliases on one line, 5 MB", alias_line(5 * MB)),
        ("flat list of 2.5 million items, 5 MB", {
            let mut text = String::from("open_ticket_ai: [");
            text.push_str(&"1,".repeat(5 * MB / 2));
            text.push_str("1]\n");
            text
        }),
        ("over the size limit (9 MB of comments)", {
            let mut text = "# padding\n".repeat(9 * MB / 10);
            text.push_str("open_ticket_ai: {}\n");
            text
        }),
    ]
}

fn judge(text: &str) -> String {
    let errors = match load_str("bench.yml", text, &AppConfig::new()) {
        // Mistakes below the root are kept for the build; `otai check` reports them then.
        Ok(loaded) if loaded.issues().is_empty() => return "accepted".to_owned(),
        Ok(loaded) => loaded.errors(loaded.issues().to_vec()),
        Err(errors) => errors,
    };
    let rendered = errors.render();
    let first = errors
        .errors()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut first: String = first.chars().take(110).collect();
    first.push_str(&format!(
        " … ({} errors, {} KB rendered)",
        errors.errors().len(),
        rendered.len() / 1000
    ));
    format!("rejected: {first}")
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    println!("| case | size | best | median | outcome |");
    println!("|---|---|---|---|---|");
    for (name, text) in cases() {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let runs = runs();
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        let mut outcome = String::new();
        for _ in 0..runs {
            let start = Instant::now();
            outcome = judge(&text);
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "| {name} | {} KB | {:.1?} | {:.1?} | {outcome} |",
            text.len() / 1000,
            times[0],
            times[runs / 2]
        );
    }
}
