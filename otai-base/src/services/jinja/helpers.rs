//! The template helpers of the original: `get_pipe_result`, `has_failed`, `get_parent_param`,
//! `get_env`, `at_path` and `fail`.
//!
//! Each helper converts only the value it returns. A helper that cannot answer (unknown pipe,
//! missing key, unset variable) raises an error whose message names the missing thing; the
//! engine turns it into a failure of the pipe whose params were being rendered.

use std::sync::Arc;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State, Value as Jinja};
use otai::{AppConfig, PipeContext};

use super::convert::to_jinja;
use super::python::FailMarker;
use super::scope::Scope;

/// Registers every helper on `env`; `get_env` reads variables through `app`.
pub(crate) fn register(env: &mut Environment<'static>, app: Arc<AppConfig>) {
    env.add_function("get_pipe_result", get_pipe_result);
    env.add_function("has_failed", has_failed);
    env.add_function("get_parent_param", get_parent_param);
    env.add_function(
        "get_env",
        move |name: &str, default: Option<Jinja>| -> Result<Jinja, Error> {
            match (app.env(name), default) {
                (Some(value), _) => Ok(Jinja::from(value)),
                (None, Some(default)) => Ok(default),
                (None, None) => Err(helper_error(format!(
                    "get_env: the environment variable `{name}` is not set"
                ))),
            }
        },
    );
    env.add_function("at_path", at_path);
    env.add_function("fail", fail);
}

fn helper_error(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// Lists `names` for an error message (`a, b, c` or `none`).
fn listing<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

fn find_result<'a>(
    helper: &str,
    ctx: &'a PipeContext,
    pipe_id: &str,
) -> Result<&'a otai::PipeResult, Error> {
    ctx.pipe_result(pipe_id).ok_or_else(|| {
        helper_error(format!(
            "{helper}: no result of pipe `{pipe_id}` in scope (results in scope: {})",
            listing(ctx.pipe_results().map(|(id, _)| id))
        ))
    })
}

/// `get_pipe_result(pipe_id, data_key='value')`: `data[data_key]` of an earlier pipe's result;
/// an error when it is missing or null.
///
/// `data_key` is taken as a plain optional argument, which receives keyword arguments too:
/// only a call that names `data_key=` pays for parsing them.
fn get_pipe_result(
    state: &State<'_, '_>,
    pipe_id: &str,
    data_key: Option<Jinja>,
) -> Result<Jinja, Error> {
    let named: String;
    let key = match &data_key {
        None => "value",
        Some(arg) if arg.is_kwargs() => {
            let kwargs = Kwargs::try_from(arg.clone())?;
            named = kwargs
                .get::<Option<String>>("data_key")?
                .unwrap_or_else(|| "value".to_owned());
            kwargs.assert_all_used()?;
            &named
        }
        Some(arg) => arg.as_str().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "get_pipe_result: the data key must be a string, not {}",
                    arg.kind()
                ),
            )
        })?,
    };
    let scope = Scope::of(state)?;
    let result = find_result("get_pipe_result", scope.ctx(), pipe_id)?;
    match result.data.get(key) {
        // The original raises for a null value as for a missing key.
        Some(value) if value.is_null() => Err(helper_error(format!(
            "get_pipe_result: `{key}` of pipe `{pipe_id}` is null (a null value counts as missing)"
        ))),
        Some(value) => Ok(scope.data_value(pipe_id, key, value)),
        None => {
            let outcome = if result.has_failed() {
                format!("; the pipe failed: {}", result.message)
            } else if result.was_skipped() {
                format!("; the pipe was skipped: {}", result.message)
            } else {
                String::new()
            };
            Err(helper_error(format!(
                "get_pipe_result: the result of pipe `{pipe_id}` has no `{key}` (its data has: {}){outcome}",
                listing(result.data.keys().map(String::as_str))
            )))
        }
    }
}

/// `has_failed(pipe_id)`: whether an earlier pipe failed (skipped is not failed).
fn has_failed(state: &State<'_, '_>, pipe_id: &str) -> Result<bool, Error> {
    let scope = Scope::of(state)?;
    Ok(find_result("has_failed", scope.ctx(), pipe_id)?.has_failed())
}

/// `get_parent_param(param_key)`: `parent_params[param_key]`, a rendered param of the pipe
/// whose steps are running (a composite's, an orchestrator's).
fn get_parent_param(state: &State<'_, '_>, param_key: &str) -> Result<Jinja, Error> {
    let scope = Scope::of(state)?;
    let ctx = scope.ctx();
    match ctx.parent_param(param_key) {
        // A param is rarely a big structure: convert it whole.
        Some(value) => Ok(to_jinja(value)),
        None => {
            let known = ctx
                .parent_params()
                .as_object()
                .map(|map| listing(map.keys().map(String::as_str)))
                .unwrap_or_else(|| "none".to_owned());
            Err(helper_error(format!(
                "get_parent_param: the enclosing pipe has no param `{param_key}` (its params: {known})"
            )))
        }
    }
}

/// `at_path(value, 'a.b.0')`: walks map keys and list indices.
fn at_path(value: Jinja, path: &str) -> Result<Jinja, Error> {
    if path.is_empty() {
        return Ok(value);
    }
    let mut current = value;
    for (depth, segment) in path.split('.').enumerate() {
        let next = match current.kind() {
            ValueKind::Seq => segment
                .parse::<usize>()
                .ok()
                .map(|index| current.get_item_by_index(index))
                .transpose()?,
            ValueKind::Map => Some(current.get_item(&Jinja::from(segment))?),
            _ => None,
        };
        match next {
            Some(found) if !found.is_undefined() => current = found,
            _ => {
                let walked = path.split('.').take(depth).collect::<Vec<_>>().join(".");
                let at = if walked.is_empty() {
                    "the value".to_owned()
                } else {
                    format!("`{walked}`")
                };
                return Err(helper_error(format!(
                    "at_path: path `{path}`: {at} ({}) has no `{segment}`",
                    current.kind()
                )));
            }
        }
    }
    Ok(current)
}

/// `fail()`: the marker that makes `base:ExpressionPipe` fail.
fn fail() -> Jinja {
    Jinja::from_object(FailMarker)
}
