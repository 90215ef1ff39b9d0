//! Configuration files: YAML, `${VAR}`, positions, located errors, the schema.
//!
//! The format (see `docs/config.md`): a root key `open_ticket_ai` (aliases `otai`, `cfg`) with
//! `api_version`, `plugins`, `infrastructure.logging`, `services` and `orchestrator`. Values
//! may use `${VAR}` / `${VAR:-default}`; durations are ISO-8601 or humane.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use otai::{AppConfig, ComponentRegistry};
//!
//! let loaded = otai::config::load_file("config.yml".as_ref(), &AppConfig::new())?;
//! let registry = ComponentRegistry::from_linked(loaded.app_config())?;
//! let pipeline = loaded.build(&registry)?;
//! # Ok(()) }
//! ```

mod dotenv;
pub mod error;
pub mod limits;
mod load;
pub mod model;
pub(crate) mod positions;
pub mod schema;
pub mod source;
mod substitute;

pub use dotenv::DotenvError;
pub use error::{ConfigError, ConfigErrors};
pub use limits::{MAX_ALIAS_NODES, MAX_CONFIG_BYTES, MAX_NESTING, MAX_NODES};
pub use load::{load_file, load_source, load_str, pipe_from_yaml, LoadedConfig, ROOT_KEYS};
pub use model::{Infrastructure, ListenConfig, LogFormat, LoggingConfig, OtaiConfig};
pub use positions::Position;
pub use source::ConfigSource;
