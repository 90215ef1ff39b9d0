//! Params: how an injectable's settings are declared, compiled, checked and read.
//!
//! * [`Params`] is what a params type is: `Deserialize` + `JsonSchema` (write it with
//!   `#[otai::params]`); [`NoParams`] is the empty one.
//! * Inside the crate, [`ParamTree`] holds a config's params with their templates compiled
//!   once per load and rendered before every run; [`check`] type-checks a tree with templates
//!   standing in as placeholders; [`deserialize`] reads rendered params into their type,
//!   leniently as the original does (a number may be written as a string).

mod check;
mod lenient;
mod text;
mod tree;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

pub(crate) use check::check;
pub(crate) use text::TextParams;
pub(crate) use tree::ParamTree;

use crate::path::ConfigPath;
use crate::value::Value;

/// The params of a pipe or service: read from the config (after rendering templates) and
/// described in `otai schema`. Implemented for every type that is `Deserialize` and
/// `JsonSchema`; declare one with `#[otai::params]`.
pub trait Params: DeserializeOwned + JsonSchema + Send + 'static {}

impl<T: DeserializeOwned + JsonSchema + Send + 'static> Params for T {}

/// The params of an injectable that takes none: `params:` must be absent or empty.
#[otai::params]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoParams {}

/// Params that do not fit their type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct ParamsError {
    /// Path inside the params (the root for the params as a whole).
    pub path: ConfigPath,
    /// Serde's message.
    pub message: String,
}

/// serde_path_to_error's path as a [`ConfigPath`].
fn config_path(path: &serde_path_to_error::Path) -> ConfigPath {
    use serde_path_to_error::Segment;
    let mut out = ConfigPath::root();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_index(*index),
            Segment::Map { key } => out.push_key(key),
            Segment::Enum { variant } => out.push_key(variant),
            Segment::Unknown => {}
        }
    }
    out
}

/// Reads rendered params into their type without copying them; the path of a mistake is
/// worked out only when there is one.
pub(crate) fn deserialize<T: DeserializeOwned>(value: &Value) -> Result<T, ParamsError> {
    match T::deserialize(lenient::Lenient(value)) {
        Ok(typed) => Ok(typed),
        Err(_) => {
            serde_path_to_error::deserialize::<_, T>(lenient::Lenient(value)).map_err(|error| {
                ParamsError {
                    path: config_path(error.path()),
                    message: error.inner().to_string(),
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[otai::params]
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Note {
        subject: String,
        limit: u32,
    }

    #[test]
    fn deserialize_reports_the_path_of_the_mistake() {
        let error = deserialize::<Vec<Note>>(&json!([
            {"subject": "s", "limit": 1},
            {"subject": "s", "limit": -1}
        ]))
        .unwrap_err();
        assert_eq!(error.path, ConfigPath::root().index(1).key("limit"));
    }

    #[test]
    fn no_params_accepts_only_an_empty_map() {
        assert!(deserialize::<NoParams>(&json!({})).is_ok());
        let error = deserialize::<NoParams>(&json!({"x": 1})).unwrap_err();
        assert!(
            error.message.contains("unknown field `x`"),
            "{}",
            error.message
        );
    }
}
