//! Configuration errors: what is wrong, where (file, config path, line:column) and how to fix it.

use std::fmt;
use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::NoColor};

use super::positions::{Position, PositionIndex};
use super::source::ConfigSource;
use crate::engine::{Anchor, Issue, Severity};
use crate::path::ConfigPath;
use crate::redact;

/// One configuration mistake (or, with [`Severity::Warning`], a likely one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Error or warning.
    pub severity: Severity,
    /// The file (or `<string>` for configs loaded from text).
    pub file: String,
    /// Path inside the config, below the root key (`orchestrator.params.steps[0].use`).
    pub path: ConfigPath,
    /// Line and column of the offending node, when known.
    pub position: Option<Position>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ConfigError {
    /// An error about the file as a whole.
    pub fn plain(file: &str, message: impl Into<String>, hint: &str) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            path: ConfigPath::root(),
            position: None,
            message: message.into(),
            hint: Some(hint.to_owned()),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.severity == Severity::Warning {
            f.write_str("warning: ")?;
        }
        write!(f, "{}", self.file)?;
        if let Some(position) = self.position {
            write!(f, ":{position}")?;
        }
        if !self.path.is_root() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " (hint: {hint})")?;
        }
        Ok(())
    }
}

/// Every mistake found in one config, reported together (warnings included).
#[derive(Debug, Clone)]
pub struct ConfigErrors {
    errors: Vec<ConfigError>,
    source: Option<Arc<ConfigSource>>,
}

impl ConfigErrors {
    /// Errors without source text to quote (e.g. the file could not be read).
    pub fn new(errors: Vec<ConfigError>) -> Self {
        Self {
            errors,
            source: None,
        }
    }

    pub(crate) fn from_issues(
        issues: Vec<Issue>,
        source: &Arc<ConfigSource>,
        positions: &PositionIndex,
        root: &ConfigPath,
    ) -> Self {
        let errors = issues
            .into_iter()
            .map(|issue| {
                let full = root.join(&issue.path);
                let position = match issue.anchor {
                    Anchor::Key => positions.key(&full).or_else(|| positions.nearest(&full)),
                    Anchor::Value => positions.nearest(&full),
                };
                let message = if redact::is_secret_path(&issue.path) {
                    redact::quoted_values(&issue.message)
                } else {
                    issue.message
                };
                ConfigError {
                    severity: issue.severity,
                    file: source.name().to_owned(),
                    path: issue.path,
                    position,
                    message,
                    hint: issue.hint,
                }
            })
            .collect();
        Self {
            errors,
            source: Some(Arc::clone(source)),
        }
    }

    /// The errors (and warnings).
    pub fn errors(&self) -> &[ConfigError] {
        &self.errors
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether any of them is an error rather than a warning.
    pub fn has_errors(&self) -> bool {
        self.errors
            .iter()
            .any(|error| error.severity == Severity::Error)
    }

    /// Adds one.
    pub fn push(&mut self, error: ConfigError) {
        self.errors.push(error);
    }

    /// Adds the errors of `other`.
    pub fn extend(&mut self, other: ConfigErrors) {
        if self.source.is_none() {
            self.source = other.source;
        }
        self.errors.extend(other.errors);
    }

    /// Renders every error with the offending source line and a marker (secrets masked).
    pub fn render(&self) -> String {
        let mut out = NoColor::new(Vec::new());
        let config = term::Config::default();
        let file = self.source.as_ref().map(|source| {
            SimpleFile::new(source.name().to_owned(), redact::source_text(source.text()))
        });
        // Where each line starts, found once: a lookup per error stays cheap however many
        // errors a large config has.
        let line_starts = file
            .as_ref()
            .map(|file| LineStarts::new(file.source()))
            .unwrap_or_default();
        for error in self.errors.iter().take(MAX_RENDERED) {
            let mut diagnostic = match error.severity {
                Severity::Error => Diagnostic::error(),
                Severity::Warning => Diagnostic::warning(),
            }
            .with_message(&error.message);
            let mut notes = Vec::new();
            if !error.path.is_root() {
                notes.push(format!("at: {}", error.path));
            }
            if let Some(hint) = &error.hint {
                notes.push(format!("hint: {hint}"));
            }
            let quotable = |file: &SimpleFile<String, String>, position: Position| {
                line_starts
                    .line(position.line)
                    .and_then(|start| file.source().get(start..))
                    .is_some_and(|rest| rest.find('\n').unwrap_or(rest.len()) <= MAX_QUOTED_LINE)
            };
            match (&file, error.position) {
                (Some(file), Some(position)) if quotable(file, position) => {
                    let range = token_range(file.source(), &line_starts, position);
                    diagnostic = diagnostic.with_labels(vec![Label::primary((), range)]);
                    let _ = term::emit(&mut out, &config, file, &diagnostic.with_notes(notes));
                }
                _ => {
                    let location = match error.position {
                        Some(position) => format!("{}:{position}", error.file),
                        None => error.file.clone(),
                    };
                    notes.insert(0, format!("in: {location}"));
                    let empty = SimpleFile::new(error.file.clone(), String::new());
                    let _ = term::emit(&mut out, &config, &empty, &diagnostic.with_notes(notes));
                }
            }
        }
        let mut text = String::from_utf8_lossy(&out.into_inner()).into_owned();
        if let Some(hidden) = self
            .errors
            .len()
            .checked_sub(MAX_RENDERED)
            .filter(|n| *n > 0)
        {
            text.push_str(&format!(
                "… and {hidden} more not shown (the first {MAX_RENDERED} are above; fix them and check again)\n"
            ));
        }
        let errors = self
            .errors
            .iter()
            .filter(|error| error.severity == Severity::Error)
            .count();
        let warnings = self.errors.len() - errors;
        let mut counts = Vec::new();
        if errors > 0 {
            counts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            counts.push(plural(warnings, "warning"));
        }
        if !counts.is_empty() {
            text.push_str(&format!(
                "{} in {}\n",
                counts.join(", "),
                self.errors
                    .first()
                    .map_or("the configuration", |e| e.file.as_str())
            ));
        }
        text
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// At most this many errors are quoted by [`ConfigErrors::render`]; the rest are counted.
/// A config with a mistake repeated in 60,000 steps would otherwise print 28 MB.
const MAX_RENDERED: usize = 200;

/// Lines longer than this (bytes) are not quoted under an error, only located: quoting a
/// 200 KB line of brackets would bury the message.
const MAX_QUOTED_LINE: usize = 1_000;

/// The byte offset where each line of a text starts.
#[derive(Debug, Default)]
struct LineStarts(Vec<usize>);

impl LineStarts {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        Self(starts)
    }

    /// Where 1-based `line` starts, if the text has it.
    fn line(&self, line: usize) -> Option<usize> {
        self.0.get(line.checked_sub(1)?).copied()
    }
}

/// The byte range of the token starting at `position`: a quoted string up to its closing
/// quote, a key up to its colon, otherwise up to the end of the line (comments excluded).
/// Its cost is that of the line, not of the text before it.
fn token_range(
    source: &str,
    line_starts: &LineStarts,
    position: Position,
) -> std::ops::Range<usize> {
    let Some(line_start) = line_starts.line(position.line.max(1)) else {
        return 0..0;
    };
    let Some(line) = source
        .get(line_start..)
        .and_then(|rest| rest.lines().next())
    else {
        return 0..0;
    };
    let column_bytes: usize = line
        .chars()
        .take(position.column.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    let start = line_start + column_bytes;
    let rest = &line[column_bytes.min(line.len())..];
    let len = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => rest[1..].find(quote).map_or(rest.len(), |end| end + 2),
        Some(_) => {
            let end = rest.find(" #").unwrap_or(rest.len());
            let token = rest[..end].trim_end();
            if token.starts_with(['{', '[']) {
                token.len()
            } else {
                // In flow style a plain value ends at the next `,`, `}` or `]`.
                let stop = token.find([',', '}', ']']).unwrap_or(token.len());
                let token = token[..stop].trim_end();
                match token.find(": ") {
                    Some(colon) => colon,
                    None => token.strip_suffix(':').map_or(token.len(), str::len),
                }
            }
        }
        None => 0,
    };
    start..start + len.max(1).min(source.len().saturating_sub(start))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn render_quotes_the_first_errors_and_counts_the_rest() {
        let source = Arc::new(ConfigSource::from_text("many.yml", "a: 1\n"));
        let issues: Vec<Issue> = (0..MAX_RENDERED + 5)
            .map(|i| Issue::at(ConfigPath::root().key("a"), format!("mistake {i}")))
            .collect();
        let errors = ConfigErrors::from_issues(
            issues,
            &source,
            &PositionIndex::build("a: 1\n").unwrap(),
            &ConfigPath::root(),
        );
        let text = errors.render();
        assert!(text.contains("mistake 199"), "{text}");
        assert!(!text.contains("mistake 200"), "{text}");
        assert!(text.contains("… and 5 more not shown"), "{text}");
        assert!(text.ends_with("205 errors in many.yml\n"), "{text}");
    }

    #[test]
    fn token_ranges_cover_quoted_strings_and_keys() {
        let source = "a:\n  use: \"base:X\" # c\n  bad_key: 1\n";
        let starts = LineStarts::new(source);
        let quoted = token_range(source, &starts, Position { line: 2, column: 8 });
        assert_eq!(&source[quoted], "\"base:X\"");
        let key = token_range(source, &starts, Position { line: 3, column: 3 });
        assert_eq!(&source[key], "bad_key");
        assert_eq!(
            token_range(source, &starts, Position { line: 9, column: 1 }),
            0..0
        );
        let flow = "x: { slot: service_id }\n";
        let value = token_range(
            flow,
            &LineStarts::new(flow),
            Position {
                line: 1,
                column: 12,
            },
        );
        assert_eq!(&flow[value], "service_id");
    }
}
