//! Why a pipe or service could not be built.

use std::error::Error;

use crate::path::ConfigPath;

/// Why a pipe or service could not be built from its config. The engine reports it at the
/// injectable's place in the config — at the param it names, when it names one.
///
/// ```
/// use otai::{BuildError, ConfigPath};
///
/// let error = BuildError::new("the seed file does not exist")
///     .at_param(ConfigPath::of_key("tickets_file"))
///     .with_hint("check the path; it is relative to the config file");
/// assert_eq!(error.to_string(), "the seed file does not exist");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct BuildError {
    message: String,
    hint: Option<String>,
    params_path: Option<ConfigPath>,
    #[source]
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl BuildError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            params_path: None,
            source: None,
        }
    }

    /// Points the error at a param (a path inside `params`).
    pub fn at_param(mut self, path: ConfigPath) -> Self {
        self.params_path = Some(path).filter(|path| !path.is_root());
        self
    }

    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Records the error that caused this one.
    pub fn with_source(mut self, source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What is wrong (without the causes; [`crate::report()`] adds them).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The param the error is about, if any.
    pub fn params_path(&self) -> Option<&ConfigPath> {
        self.params_path.as_ref()
    }
}
