//! What a service's (or a pipe's) start step sees, and how it fails.

use std::error::Error;

use crate::app_config::AppConfig;

/// What [`crate::Service::start`] and [`crate::Pipe::prepare`] can reach.
#[derive(Debug, Clone, Copy)]
pub struct StartContext<'a> {
    id: &'a str,
    key: &'a str,
    app: &'a AppConfig,
}

impl<'a> StartContext<'a> {
    pub(crate) fn new(id: &'a str, key: &'a str, app: &'a AppConfig) -> Self {
        Self { id, key, app }
    }

    /// The id of the service (or pipe) being started.
    pub fn id(&self) -> &str {
        self.id
    }

    /// Its registry key.
    pub fn key(&self) -> &str {
        self.key
    }

    /// Application settings: the environment as configs see it, the config's directory.
    pub fn app_config(&self) -> &AppConfig {
        self.app
    }
}

/// Why a service or pipe could not start: the server is unreachable, the password is wrong,
/// the model is missing. Reported with the injectable's place in the config.
///
/// ```
/// let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
/// let error = otai::StartError::new("cannot reach https://helpdesk.example.com")
///     .with_hint("check `base_url`")
///     .with_source(refused);
/// assert_eq!(otai::report(&error), "cannot reach https://helpdesk.example.com: connection refused");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StartError {
    message: String,
    hint: Option<String>,
    #[source]
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl StartError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            source: None,
        }
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

    /// How to fix it.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}
