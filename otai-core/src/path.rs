//! Where in a config something is: `orchestrator.params.steps[0].injects.ticket_system`.

use std::fmt;

/// One step of a [`ConfigPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path into a config tree (or into one injectable's params), kept as typed segments from
/// where a problem is found to where it is reported, so a key that contains `.` or `[` still
/// points at the right place.
///
/// Printed as `a.b[0].c`; a key that is not a plain word is quoted (`labels["2nd level"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConfigPath(Vec<Segment>);

impl ConfigPath {
    /// The root (the empty path).
    pub fn root() -> Self {
        Self::default()
    }

    /// A path of one map key.
    pub fn of_key(key: &str) -> Self {
        Self(vec![Segment::Key(key.to_owned())])
    }

    /// A path made of `segments`.
    pub fn from_segments(segments: impl IntoIterator<Item = Segment>) -> Self {
        Self(segments.into_iter().collect())
    }

    /// This path plus a map key.
    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self(segments)
    }

    /// This path plus a list index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Self(segments)
    }

    /// This path followed by `relative` (a path found inside the value at this path).
    pub fn join(&self, relative: &ConfigPath) -> Self {
        let mut segments = self.0.clone();
        segments.extend(relative.0.iter().cloned());
        Self(segments)
    }

    /// Adds a map key in place.
    pub fn push_key(&mut self, key: &str) {
        self.0.push(Segment::Key(key.to_owned()));
    }

    /// Adds a list index in place.
    pub fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    /// Removes the last segment in place.
    pub fn pop(&mut self) -> Option<Segment> {
        self.0.pop()
    }

    /// The segments.
    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The last map key of the path, if the path ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// Every map key along the path.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|segment| match segment {
            Segment::Key(key) => Some(key.as_str()),
            Segment::Index(_) => None,
        })
    }

    /// This path without its first segment, if that segment is the key `first`.
    pub fn strip_first(&self, first: &str) -> Option<Self> {
        match self.0.first() {
            Some(Segment::Key(key)) if key == first => Some(Self(self.0[1..].to_vec())),
            _ => None,
        }
    }

    /// Whether the path is empty.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix` is this path or an ancestor of it.
    pub fn starts_with(&self, prefix: &ConfigPath) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':'))
}

impl fmt::Display for ConfigPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if !is_plain_key(key) => write!(f, "[{key:?}]")?,
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_with_dots_and_brackets() {
        let path = ConfigPath::root()
            .key("orchestrator")
            .key("params")
            .key("steps")
            .index(0)
            .key("injects");
        assert_eq!(path.to_string(), "orchestrator.params.steps[0].injects");
    }

    #[test]
    fn keys_with_dots_or_brackets_are_quoted_not_split() {
        let path = ConfigPath::of_key("labels").key("a.b[0]").key("x");
        assert_eq!(path.to_string(), "labels[\"a.b[0]\"].x");
        assert_eq!(path.segments().len(), 3);
    }

    #[test]
    fn joining_keeps_segments() {
        let base = ConfigPath::of_key("params");
        let relative = ConfigPath::of_key("note").index(2).key("body");
        let joined = base.join(&relative);
        assert_eq!(joined.to_string(), "params.note[2].body");
        assert!(joined.starts_with(&base));
        assert_eq!(
            joined.keys().collect::<Vec<_>>(),
            ["params", "note", "body"]
        );
    }
}
