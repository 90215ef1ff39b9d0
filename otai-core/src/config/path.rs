//! Where in a config file something is: `orchestrator.params.steps[0].injects.ticket_system`.

use std::fmt;

/// One step of a [`ConfigPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path into the config tree, printed as `a.b[0].c`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConfigPath(Vec<Segment>);

impl ConfigPath {
    /// The root.
    pub fn root() -> Self {
        Self::default()
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

    /// This path plus a relative path in `a.b[0]` notation (as params errors report it).
    pub fn join_dotted(&self, relative: &str) -> Self {
        let mut path = self.clone();
        for part in relative.split('.').filter(|p| !p.is_empty()) {
            let (key, indices) = match part.find('[') {
                Some(at) => (&part[..at], &part[at..]),
                None => (part, ""),
            };
            if !key.is_empty() {
                path = path.key(key);
            }
            for index in indices
                .split(['[', ']'])
                .filter_map(|i| i.parse::<usize>().ok())
            {
                path = path.index(index);
            }
        }
        path
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
}

impl fmt::Display for ConfigPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
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
    fn dotted_relative_paths_are_parsed() {
        let base = ConfigPath::root().key("params");
        assert_eq!(
            base.join_dotted("note.items[2][1].body").to_string(),
            "params.note.items[2][1].body"
        );
        assert_eq!(base.join_dotted("").to_string(), "params");
    }
}
