//! Line and column of every node of a YAML document, by config path.
//!
//! `serde_yaml::Value` carries no positions, yet errors found after decoding (unknown keys,
//! bad injects, params that do not fit their type) must point at the file. This index is
//! built from a second, event-level parse with `yaml-rust2`, which reports a marker for every
//! node, and is keyed by the same paths the loader uses.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::limits::{rough_flow_depth_exceeded, MAX_NESTING};
use crate::path::ConfigPath;

/// A position in the source: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct NodeInfo {
    key: Option<Position>,
    value: Option<Position>,
}

/// Positions of keys and values by path.
#[derive(Debug, Clone, Default)]
pub struct PositionIndex {
    nodes: HashMap<ConfigPath, NodeInfo>,
}

/// A config nested deeper than [`MAX_NESTING`]: where the first too-deep node starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep(pub Position);

impl PositionIndex {
    /// Indexes `source` in one pass, stopping at the first node nested deeper than
    /// [`MAX_NESTING`]. A document the event parser cannot read to its end yields the
    /// positions read so far, and the rest is checked by a rough bracket count (see
    /// [`super::limits`]), so that no deeply nested text reaches the value parser.
    pub(crate) fn build(source: &str) -> Result<Self, TooDeep> {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok((event, mark)) => {
                    let opens = matches!(event, Event::MappingStart(..) | Event::SequenceStart(..));
                    if opens && builder.stack.len() >= MAX_NESTING {
                        return Err(TooDeep(position(mark)));
                    }
                    builder.on_event(event, mark);
                }
                Err(_) => {
                    // The scanner reads flow collections ahead, so a deep one ends here (at
                    // its own limit of 255 levels) before its events arrive: count again,
                    // roughly, from the start.
                    if let Some(at) = rough_flow_depth_exceeded(source, MAX_NESTING) {
                        return Err(TooDeep(at));
                    }
                    return Ok(Self {
                        nodes: builder.nodes,
                    });
                }
            }
        }
        Ok(Self {
            nodes: builder.nodes,
        })
    }

    /// Where the value at `path` starts.
    #[cfg(test)]
    pub fn value(&self, path: &ConfigPath) -> Option<Position> {
        self.nodes.get(path).and_then(|n| n.value)
    }

    /// Where the key of the entry at `path` is (for unknown-key errors).
    pub fn key(&self, path: &ConfigPath) -> Option<Position> {
        self.nodes.get(path).and_then(|n| n.key)
    }

    /// The best position for `path`: its value, else its key, else the nearest ancestor.
    pub fn nearest(&self, path: &ConfigPath) -> Option<Position> {
        let mut current = path.segments().to_vec();
        loop {
            let candidate = ConfigPath::from_segments(current.clone());
            if let Some(info) = self.nodes.get(&candidate) {
                if let Some(position) = info.value.or(info.key) {
                    return Some(position);
                }
            }
            current.pop()?;
        }
    }
}

enum Frame {
    Mapping {
        path: ConfigPath,
        pending_key: Option<String>,
        seen_keys: usize,
    },
    Sequence {
        path: ConfigPath,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    nodes: HashMap<ConfigPath, NodeInfo>,
    documents: usize,
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder {
    /// Where a new node goes: `Some(path)` for a value, `None` when it is a mapping key
    /// (recorded here).
    fn place(&mut self, event: &Event, mark: Marker) -> Option<ConfigPath> {
        match self.stack.last_mut() {
            None => Some(ConfigPath::root()),
            Some(Frame::Sequence { path, next }) => {
                let child = path.index(*next);
                *next += 1;
                Some(child)
            }
            Some(Frame::Mapping {
                path,
                pending_key,
                seen_keys,
            }) => match pending_key.take() {
                Some(key) => Some(path.key(&key)),
                None => {
                    let key = match event {
                        Event::Scalar(text, ..) => text.clone(),
                        _ => String::from("?"),
                    };
                    let mapping = path.clone();
                    let first = *seen_keys == 0;
                    *seen_keys += 1;
                    *pending_key = Some(key.clone());
                    let at = position(mark);
                    self.nodes.entry(mapping.key(&key)).or_default().key = Some(at);
                    // A block mapping's start marker lies past its first key; the mapping
                    // starts where that key does.
                    if first {
                        let info = self.nodes.entry(mapping).or_default();
                        info.value = Some(info.value.map_or(at, |start| start.min(at)));
                    }
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match &event {
            Event::DocumentStart => self.documents += 1,
            Event::Scalar(..) => {
                if self.documents > 1 {
                    return;
                }
                if let Some(path) = self.place(&event, mark) {
                    let info = self.nodes.entry(path).or_default();
                    info.value = Some(position(mark));
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.place(&event, mark) {
                    self.nodes.entry(path).or_default().value = Some(position(mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if self.documents > 1 {
                    return;
                }
                // A complex (non-scalar) mapping key is indexed under `?`.
                let path = self
                    .place(&event, mark)
                    .unwrap_or_else(|| ConfigPath::root().key("?"));
                self.nodes.entry(path.clone()).or_default().value = Some(position(mark));
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        path,
                        pending_key: None,
                        seen_keys: 0,
                    },
                    _ => Frame::Sequence { path, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if self.documents > 1 {
                    return;
                }
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const SOURCE: &str = "\
root:
  services:
    a:
      use: \"x:Y\"
  steps:
    - id: one
      port: ${PORT}
    - id: two
";

    #[test]
    fn values_and_keys_have_positions() {
        let index = PositionIndex::build(SOURCE).unwrap();
        let use_path = ConfigPath::root()
            .key("root")
            .key("services")
            .key("a")
            .key("use");
        assert_eq!(
            index.value(&use_path),
            Some(Position {
                line: 4,
                column: 12
            })
        );
        assert_eq!(index.key(&use_path), Some(Position { line: 4, column: 7 }));
        let second = ConfigPath::root()
            .key("root")
            .key("steps")
            .index(1)
            .key("id");
        assert_eq!(
            index.value(&second),
            Some(Position {
                line: 8,
                column: 11
            })
        );
    }

    #[test]
    fn nearest_falls_back_to_ancestors() {
        let index = PositionIndex::build(SOURCE).unwrap();
        let missing = ConfigPath::root()
            .key("root")
            .key("steps")
            .index(0)
            .key("nope");
        assert_eq!(
            index.nearest(&missing),
            Some(Position { line: 6, column: 7 })
        );
    }
}
