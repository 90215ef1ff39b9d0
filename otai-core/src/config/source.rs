//! The text a config was loaded from.

use std::path::{Path, PathBuf};

/// A config's text and where it came from. `Debug` leaves the text out (it may hold secrets).
#[derive(Clone)]
pub struct ConfigSource {
    name: String,
    path: Option<PathBuf>,
    text: String,
}

impl std::fmt::Debug for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigSource")
            .field("name", &self.name)
            .field("len", &self.text.len())
            .finish_non_exhaustive()
    }
}

impl ConfigSource {
    /// Text read from `path`.
    pub fn from_file(path: &Path, text: String) -> Self {
        Self {
            name: path.display().to_string(),
            path: Some(path.to_owned()),
            text,
        }
    }

    /// Text given directly (embedding, tests); `name` is shown in errors.
    pub fn from_text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            path: None,
            text: text.into(),
        }
    }

    /// The name shown in errors (the path, or the given name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file, if loaded from one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The directory relative paths and `.env` are resolved against.
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}
