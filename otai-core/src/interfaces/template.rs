//! The `TemplateRenderer` interface: how params templates are compiled and rendered.
//!
//! The core decides *where* templates are (any string containing `{{` or `{%`) and *when* they
//! are compiled (once per config load) and rendered (before every run of their pipe). The
//! renderer service (`base:JinjaRenderer`) decides the language.

use std::fmt;
use std::sync::Arc;

use crate::pipe::PipeContext;
use crate::service::Interface;
use crate::value::{Map, Value};

/// Compiles template strings. Provided by a service (`base:JinjaRenderer`).
pub trait TemplateRenderer: fmt::Debug + Send + Sync {
    /// Compiles `source`; a syntax error is reported with the line inside the template.
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledTemplate>, TemplateError>;
}

impl Interface for dyn TemplateRenderer {
    const NAME: &'static str = "TemplateRenderer";
}

/// A compiled template, reused for every render.
pub trait CompiledTemplate: Send + Sync + fmt::Debug {
    /// The template's source text.
    fn source(&self) -> &str;

    /// Renders against a pipe context into a value: the renderer decides how text maps to
    /// values (`base:JinjaRenderer`: native values and Python literals, as the original).
    fn render(&self, ctx: &PipeContext) -> Result<Value, TemplateError>;

    /// Renders against a pipe context into text, as it is: for params whose type is text,
    /// so that ticket content reading like a literal (`None`, `[1, 2]`) stays the text it
    /// is. `None` when the template renders nothing at all (a single undefined or none
    /// value), which a param reads as null. The default reads [`render`](Self::render)'s
    /// value back as text; a renderer that evaluates literals overrides it.
    fn render_text(&self, ctx: &PipeContext) -> Result<Option<String>, TemplateError> {
        Ok(match self.render(ctx)? {
            Value::Null => None,
            Value::String(text) => Some(text),
            other => Some(other.to_string()),
        })
    }

    /// The names this template reads that are not in scope: neither the pipe context's
    /// variables (`pipe_results`, `params`, `parent_params`) nor one of the renderer's helpers
    /// or other globals. Names the template defines itself (loop variables, `{% set %}`) are
    /// in scope. At run time such a name is undefined, so `otai check` warns about each one
    /// with the template's position. Sorted, without duplicates; empty when the renderer
    /// cannot tell.
    fn undeclared_names(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A template that failed to compile or render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What went wrong.
    pub message: String,
    /// Line inside the template (1-based), when known.
    pub line: Option<usize>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl TemplateError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            hint: None,
        }
    }

    /// Records the line inside the template.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Whether a params string is a template (and is compiled) rather than a literal.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// Key of the map that stands for the `fail()` template helper's marker.
pub const FAIL_MARKER_KEY: &str = "__otai_fail__";

/// The value `fail()` renders to; `base:ExpressionPipe` fails when its expression yields it.
pub fn fail_marker() -> Value {
    let mut map = Map::new();
    map.insert(FAIL_MARKER_KEY.to_owned(), Value::Bool(true));
    Value::Object(map)
}

/// Whether `value` is the `fail()` marker.
pub fn is_fail_marker(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|map| map.len() == 1 && map.get(FAIL_MARKER_KEY) == Some(&Value::Bool(true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_recognised_by_their_delimiters() {
        assert!(is_template("{{ x }}"));
        assert!(is_template("a {% if x %}b{% endif %}"));
        assert!(!is_template("plain { text }"));
    }

    #[test]
    fn the_fail_marker_is_recognised() {
        assert!(is_fail_marker(&fail_marker()));
        assert!(!is_fail_marker(&Value::Bool(true)));
    }
}
