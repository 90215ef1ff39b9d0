//! Line and column of every node of a YAML document, by config path.
//!
//! `serde_yaml::Value` carries no positions, yet errors found after decoding (unknown keys,
//! bad injects, params that do not fit their type) must point at the file. This index is
//! built from a second, event-level parse with `yaml-rust2`, which reports a marker for every
//! node, and is keyed by the same paths the loader uses.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::limits::{rough_flow_depth_exceeded, Exceeded, LimitExceeded, Shape, MAX_NESTING};
use crate::path::{ConfigPath, Segment};

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

/// The root node's number.
const ROOT: usize = 0;

/// Positions of keys and values by path, as a tree: node 0 is the document, each other node
/// is reached from its parent by one path segment. Building it costs one short key per node
/// (not a whole path), and a lookup walks the path once.
#[derive(Debug, Clone, Default)]
pub struct PositionIndex {
    nodes: Vec<NodeInfo>,
    children: HashMap<(usize, Segment), usize>,
}

impl PositionIndex {
    /// Indexes `source` in one pass, stopping at the first node past a limit of
    /// [`super::limits`] (nesting, nodes added by aliases). A document the event parser cannot
    /// read to its end yields the positions read so far, and its nesting is checked by a rough
    /// bracket count, so that no deeply nested text reaches the value parser.
    pub(crate) fn build(source: &str) -> Result<Self, LimitExceeded> {
        let mut builder = Builder::default();
        // About one node per 20 bytes in block-style configs: sized once, not rehashed.
        builder.index.children.reserve(source.len() / 20);
        builder.index.nodes.reserve(source.len() / 20);
        let mut shape = Shape::default();
        let mut parser = Parser::new_from_str(source);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                Ok((event, mark)) => {
                    shape.see(&event).map_err(|what| LimitExceeded {
                        what,
                        at: position(mark),
                    })?;
                    builder.on_event(event, mark);
                }
                Err(_) => {
                    // The scanner reads flow collections ahead, so a deep one ends here (at
                    // its own limit of 255 levels) before its events arrive: count again,
                    // roughly, from the start.
                    if let Some(at) = rough_flow_depth_exceeded(source, MAX_NESTING) {
                        return Err(LimitExceeded {
                            what: Exceeded::Nesting,
                            at,
                        });
                    }
                    break;
                }
            }
        }
        Ok(builder.index)
    }

    /// The node at `path`, if indexed.
    fn find(&self, path: &ConfigPath) -> Option<&NodeInfo> {
        let mut node = ROOT;
        self.nodes.get(node)?;
        for segment in path.segments() {
            node = *self.children.get(&(node, segment.clone()))?;
        }
        self.nodes.get(node)
    }

    /// Where the value at `path` starts.
    #[cfg(test)]
    pub fn value(&self, path: &ConfigPath) -> Option<Position> {
        self.find(path).and_then(|n| n.value)
    }

    /// Where the key of the entry at `path` is (for unknown-key errors).
    pub fn key(&self, path: &ConfigPath) -> Option<Position> {
        self.find(path).and_then(|n| n.key)
    }

    /// The best position for `path`: its value, else its key, else the nearest ancestor's.
    pub fn nearest(&self, path: &ConfigPath) -> Option<Position> {
        let info = self.nodes.get(ROOT)?;
        let mut best = info.value.or(info.key);
        let mut node = ROOT;
        for segment in path.segments() {
            let Some(&child) = self.children.get(&(node, segment.clone())) else {
                break;
            };
            node = child;
            let info = self.nodes.get(node)?;
            best = info.value.or(info.key).or(best);
        }
        best
    }

    /// The child of `parent` at `segment`, created if new.
    fn child(&mut self, parent: usize, segment: Segment) -> usize {
        let next = self.nodes.len();
        let child = *self.children.entry((parent, segment)).or_insert(next);
        if child == next {
            self.nodes.push(NodeInfo::default());
        }
        child
    }

    /// The root node, created if new.
    fn root(&mut self) -> usize {
        if self.nodes.is_empty() {
            self.nodes.push(NodeInfo::default());
        }
        ROOT
    }
}

enum Frame {
    Mapping {
        node: usize,
        /// The entry whose key was read and whose value comes next.
        pending: Option<usize>,
        seen_keys: usize,
    },
    Sequence {
        node: usize,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    index: PositionIndex,
    documents: usize,
}

fn position(mark: Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

impl Builder {
    /// Where a new node goes: `Some(node)` for a value, `None` when it is a mapping key
    /// (recorded here).
    fn place(&mut self, event: &Event, mark: Marker) -> Option<usize> {
        match self.stack.last_mut() {
            None => Some(self.index.root()),
            Some(Frame::Sequence { node, next }) => {
                let (parent, at) = (*node, *next);
                *next += 1;
                Some(self.index.child(parent, Segment::Index(at)))
            }
            Some(Frame::Mapping {
                node,
                pending,
                seen_keys,
            }) => match pending.take() {
                Some(entry) => Some(entry),
                None => {
                    let key = match event {
                        Event::Scalar(text, ..) => text.clone(),
                        _ => String::from("?"),
                    };
                    let mapping = *node;
                    let first = *seen_keys == 0;
                    *seen_keys += 1;
                    let entry = self.index.child(mapping, Segment::Key(key));
                    *pending = Some(entry);
                    let at = position(mark);
                    self.index.nodes[entry].key = Some(at);
                    // A block mapping's start marker lies past its first key; the mapping
                    // starts where that key does.
                    if first {
                        let info = &mut self.index.nodes[mapping];
                        info.value = Some(info.value.map_or(at, |start| start.min(at)));
                    }
                    None
                }
            },
        }
    }

    /// A complex (non-scalar) mapping key is indexed under `?` at the root.
    fn complex_key(&mut self) -> usize {
        let root = self.index.root();
        self.index.child(root, Segment::Key(String::from("?")))
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
                if let Some(node) = self.place(&event, mark) {
                    self.index.nodes[node].value = Some(position(mark));
                }
            }
            Event::Alias(_) => {
                if let Some(node) = self.place(&event, mark) {
                    self.index.nodes[node].value = Some(position(mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if self.documents > 1 {
                    return;
                }
                let node = match self.place(&event, mark) {
                    Some(node) => node,
                    None => self.complex_key(),
                };
                self.index.nodes[node].value = Some(position(mark));
                self.stack.push(match event {
                    Event::MappingStart(..) => Frame::Mapping {
                        node,
                        pending: None,
                        seen_keys: 0,
                    },
                    _ => Frame::Sequence { node, next: 0 },
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
