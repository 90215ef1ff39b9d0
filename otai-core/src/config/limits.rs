//! Bounds that keep judging a config fast, whatever its text.
//!
//! The YAML value parser (`serde_yaml`, on libyaml) spends time proportional to the number of
//! tokens times the depth of flow nesting (`[[[[…`), so a single 200 KB line of brackets took
//! 20 s to reject; and it expands aliases before anything can count them, so a few thousand
//! aliases of one large anchor make millions of nodes. Configs are therefore checked before
//! that parser sees them: their size ([`MAX_CONFIG_BYTES`]) first, then, in the position scan
//! (`yaml-rust2`, one linear pass, see `Shape`), their nesting depth ([`MAX_NESTING`]), their
//! node count ([`MAX_NODES`]) and what their aliases add ([`MAX_ALIAS_NODES`]). Where that
//! scan stops early at a syntax error, a rough bracket count of the whole text stands in for
//! the depth, so no text reaches the value parser nested deeper than [`MAX_NESTING`]. Real
//! configs stay far below every limit.

use std::collections::HashMap;

use yaml_rust2::parser::Event;

use super::positions::Position;

/// The largest config accepted, in bytes (8 MiB). A config of a few thousand steps is well
/// under 1 MiB.
pub const MAX_CONFIG_BYTES: usize = 8 * 1024 * 1024;

/// The deepest nesting of maps and lists accepted. The original demo config nests 14 levels;
/// each nested composite pipe adds about four.
pub const MAX_NESTING: usize = 64;

/// The most nodes that aliases (`*name`) may add to a config by repeating their anchors
/// (`&name`), counted as the parser would expand them: bounds "billion laughs" (each anchor ten
/// aliases of the one before) and a few thousand aliases of one large anchor alike. Sharing
/// a few settings through anchors adds hundreds.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// The most nodes (keys, values, items; what aliases add included) a config may have. A
/// config of 40,000 ordinary steps (5 MB) has about 360,000; the time to judge a config
/// grows with this count, so the limit keeps every config within a fraction of a second.
pub const MAX_NODES: usize = 500_000;

/// Which limit a config went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// [`MAX_NESTING`].
    Nesting,
    /// [`MAX_ALIAS_NODES`].
    Aliases,
    /// [`MAX_NODES`].
    Nodes,
}

/// A limit a config went past, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LimitExceeded {
    pub what: Exceeded,
    pub at: Position,
}

/// The shape of a document as its events arrive: the nesting depth, and how many nodes each
/// anchor stands for, so that what aliases would add is known before anything expands them.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Open collections: their anchor id (0: none) and their node count so far.
    open: Vec<(usize, usize)>,
    /// Node count of every anchor closed so far.
    anchors: HashMap<usize, usize>,
    /// Nodes added by aliases.
    added: usize,
    /// Nodes seen, what aliases add included.
    nodes: usize,
}

impl Shape {
    /// Takes in the next event; an error when it goes past a limit.
    pub(crate) fn see(&mut self, event: &Event) -> Result<(), Exceeded> {
        let nodes = match event {
            Event::Alias(anchor) => self.anchors.get(anchor).copied().unwrap_or(1),
            Event::Scalar(..) | Event::MappingStart(..) | Event::SequenceStart(..) => 1,
            _ => 0,
        };
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(Exceeded::Nodes);
        }
        match event {
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if self.open.len() >= MAX_NESTING {
                    return Err(Exceeded::Nesting);
                }
                self.open.push((*anchor, 1));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((anchor, count)) = self.open.pop() {
                    if anchor != 0 {
                        self.anchors.insert(anchor, count);
                    }
                    self.add(count);
                }
            }
            Event::Scalar(_, _, anchor, _) => {
                if *anchor != 0 {
                    self.anchors.insert(*anchor, 1);
                }
                self.add(1);
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(anchor).copied().unwrap_or(1);
                self.added = self.added.saturating_add(size);
                if self.added > MAX_ALIAS_NODES {
                    return Err(Exceeded::Aliases);
                }
                self.add(size);
            }
            _ => {}
        }
        Ok(())
    }

    fn add(&mut self, nodes: usize) {
        if let Some((_, count)) = self.open.last_mut() {
            *count = count.saturating_add(nodes);
        }
    }
}

/// Where a config first nests deeper than [`MAX_NESTING`] by a rough count of flow brackets
/// (`[`, `{` against `]`, `}`) outside quotes and comments. Used only for text the event
/// parser could not read to its end; it may over-count brackets inside plain scalars, which
/// is harmless there (the text is invalid YAML already, and the error names the limit).
pub(crate) fn rough_flow_depth_exceeded(text: &str, limit: usize) -> Option<Position> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut column = 0usize;
    let mut chars = text.chars().peekable();
    let mut previous = '\n';
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '#' if previous.is_whitespace() => {
                // A comment: skip to the end of the line.
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        line += 1;
                        column = 0;
                        break;
                    }
                }
                previous = '\n';
                continue;
            }
            '"' | '\'' if matches!(previous, ' ' | '\t' | '\n' | '[' | '{' | ',' | ':') => {
                // A quoted scalar: skip to its closing quote (`\"` and `''` escape).
                while let Some(inner) = chars.next() {
                    column += 1;
                    match inner {
                        '\n' => {
                            line += 1;
                            column = 0;
                        }
                        '\\' if c == '"' => {
                            if chars.next() == Some('\n') {
                                line += 1;
                                column = 0;
                            } else {
                                column += 1;
                            }
                        }
                        _ if inner == c => {
                            if c == '\'' && chars.peek() == Some(&'\'') {
                                chars.next();
                                column += 1;
                            } else {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some(Position { line, column });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rough_depth_counts_brackets_outside_quotes_and_comments() {
        assert_eq!(rough_flow_depth_exceeded("a: [[[1]]]", 3), None);
        assert_eq!(
            rough_flow_depth_exceeded("a: [[[[1]]]]", 3),
            Some(Position { line: 1, column: 7 })
        );
        assert_eq!(rough_flow_depth_exceeded("a: \"[[[[\"\nb: '[[[['", 3), None);
        assert_eq!(rough_flow_depth_exceeded("a: 1 # [[[[[\n", 3), None);
        assert_eq!(
            rough_flow_depth_exceeded("a: 1\nb: {[{[", 3),
            Some(Position { line: 2, column: 7 })
        );
    }
}

#[cfg(test)]
mod load_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::config::{load_str, ConfigErrors};
    use crate::AppConfig;

    fn rejected(text: &str) -> ConfigErrors {
        load_str("deep.yml", text, &AppConfig::new()).expect_err("the config must be rejected")
    }

    fn the_error(errors: &ConfigErrors) -> &crate::config::ConfigError {
        assert_eq!(errors.errors().len(), 1, "{errors}");
        &errors.errors()[0]
    }

    #[test]
    fn a_long_line_of_brackets_is_rejected_by_the_nesting_limit() {
        let errors = rejected(&format!("open_ticket_ai: {}", "[".repeat(200_000)));
        let error = the_error(&errors);
        assert_eq!(error.file, "deep.yml");
        assert_eq!(
            error.position,
            Some(Position {
                line: 1,
                column: 17 + MAX_NESTING
            })
        );
        assert!(
            error
                .message
                .contains("more than 64 levels deep (line 1, column 81)"),
            "{error}"
        );
        // The 200 KB line is located, not quoted.
        assert!(errors.render().len() < 2_000, "{}", errors.render());
    }

    #[test]
    fn deep_block_nesting_is_rejected_with_its_line() {
        let mut text = String::from("open_ticket_ai:\n");
        for level in 1..=200 {
            text.push_str(&format!("{}a:\n", "  ".repeat(level)));
        }
        let error = the_error(&rejected(&text)).clone();
        // The map at nesting level 65 starts on the line of its first key.
        assert_eq!(error.position.map(|p| p.line), Some(MAX_NESTING + 1));
        assert!(error.message.contains("64 levels"), "{error}");
    }

    #[test]
    fn nesting_behind_a_syntax_error_is_still_bounded() {
        // yaml-rust2 stops at the stray `]`; the brackets after it are counted roughly.
        let text = format!("open_ticket_ai: ]\nrest: {}", "{".repeat(100_000));
        let error = the_error(&rejected(&text)).clone();
        assert_eq!(error.position.map(|p| p.line), Some(2));
        assert!(error.message.contains("64 levels"), "{error}");
    }

    #[test]
    fn nesting_within_the_limit_reaches_the_usual_checks() {
        let depth = MAX_NESTING - 2;
        let text = format!(
            "open_ticket_ai: {{services: {}1{}}}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let errors = rejected(&text);
        assert!(
            errors
                .errors()
                .iter()
                .all(|e| !e.message.contains("levels deep")),
            "{errors}"
        );
    }

    #[test]
    fn an_oversized_config_names_the_limit() {
        let mut text = "# padding\n".repeat(MAX_CONFIG_BYTES / 10 + 1);
        text.push_str("open_ticket_ai: {}\n");
        let error = the_error(&rejected(&text)).clone();
        assert_eq!(error.file, "deep.yml");
        assert!(
            error.message.contains("limit of 8388608 bytes (8 MiB)"),
            "{error}"
        );
    }

    #[test]
    fn an_oversized_file_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yml");
        let mut text = "# padding\n".repeat(MAX_CONFIG_BYTES / 10 + 1);
        text.push_str("open_ticket_ai: {}\n");
        std::fs::write(&path, text).unwrap();
        let errors = crate::config::load_file(&path, &AppConfig::new()).unwrap_err();
        let error = the_error(&errors);
        assert!(error.file.ends_with("big.yml"), "{error}");
        assert!(error.message.contains("8 MiB"), "{error}");
    }

    #[test]
    fn many_aliases_of_a_large_anchor_are_rejected() {
        let anchor: Vec<String> = (0..1_000).map(|i| format!("k{i}: {i}")).collect();
        let mut text = format!("shared: &big {{{}}}\nopen_ticket_ai: [", anchor.join(", "));
        for _ in 0..200 {
            text.push_str("*big, ");
        }
        text.push_str("1]\n");
        let error = the_error(&rejected(&text)).clone();
        assert_eq!(error.file, "deep.yml");
        assert!(error.message.contains("100000 nodes"), "{error}");
        assert_eq!(error.position.map(|p| p.line), Some(2));
    }

    #[test]
    fn a_few_aliases_are_fine() {
        let text =
            "base: &svc { use: \"x:Y\" }\nopen_ticket_ai:\n  services: { a: *svc, b: *svc }\n";
        let errors = rejected(text);
        assert!(
            errors
                .errors()
                .iter()
                .all(|e| !e.message.contains("aliases")),
            "{errors}"
        );
    }

    #[test]
    fn a_config_of_too_many_nodes_is_rejected_early() {
        let mut text = String::from("open_ticket_ai:\n  services: [");
        for _ in 0..MAX_NODES {
            text.push_str("1,");
        }
        text.push_str("1]\n");
        let error = the_error(&rejected(&text)).clone();
        assert!(
            error
                .message
                .contains("more than 500000 keys, values and items"),
            "{error}"
        );
        assert_eq!(error.position.map(|p| p.line), Some(2));
    }

    #[test]
    fn billion_laughs_is_rejected() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..9 {
            let items = vec![format!("*a{}", level - 1); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        text.push_str("open_ticket_ai: *a8\n");
        let error = the_error(&rejected(&text)).clone();
        assert!(error.message.contains("aliases"), "{error}");
        // Each anchor is ten of the one before: `a4`'s line is the first past the budget.
        assert_eq!(error.position.map(|p| p.line), Some(5));
    }
}
