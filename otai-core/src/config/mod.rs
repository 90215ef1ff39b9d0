//! Loading Open Ticket AI configuration files.
//!
//! The format (see `docs/config.md`): a root key `open_ticket_ai` (aliases `otai`, `cfg`) with
//! `api_version`, `plugins`, `infrastructure.logging`, `services` and `orchestrator`. Values
//! may use `${VAR}` / `${VAR:-default}`; durations are ISO-8601 or humane. Loading checks the
//! structure; [`crate::engine::Pipeline::build`] checks everything against the registry.

pub mod duration;
pub mod env;
pub mod error;
mod load;
pub mod model;
pub mod path;
pub mod positions;
pub mod source;

pub use duration::Duration;
pub use env::EnvSource;
pub use error::{ConfigError, ConfigErrors};
pub use load::{load_file, load_source, load_str, LoadedConfig, ROOT_KEYS};
pub(crate) use load::{load_file_lenient, load_pipe_str};
pub use model::{OtaiConfig, PipeConfig, ServiceConfig};
pub use path::ConfigPath;
pub use source::ConfigSource;
