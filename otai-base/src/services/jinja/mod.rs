//! `base:JinjaRenderer`: the [`TemplateRenderer`] of the pipeline, on `minijinja`.
//!
//! # Language
//!
//! Jinja as implemented by minijinja, with the rules of the original's native-types renderer:
//!
//! * A template that is exactly one `{{ expression }}` (whitespace around it allowed) yields the
//!   expression's **native value**: a list, a map, a number, a boolean, `none` or a string.
//!   `{{ get_pipe_result('ticket_fetcher', 'fetched_tickets')[0] }}` is a map.
//! * Anything else (text around the braces, several expressions, `{% … %}` blocks) renders to
//!   a string.
//! * Undefined variables are errors (minijinja's strict mode), not empty strings; an
//!   expression whose value is undefined (a missing map key) is an error too.
//!
//! # Scope and helpers
//!
//! Variables, as in the original: `pipe_results` (every result in scope by pipe id, each a
//! map of `succeeded`, `was_skipped`, `message`, `data`), `parent_params` (the rendered params
//! of the pipe whose steps are running: a composite's, an orchestrator's) and `params` (the
//! params of the whole run, empty unless an embedding application sets them).
//!
//! Functions: `get_pipe_result(pipe_id, data_key='value')`, `has_failed(pipe_id)`,
//! `get_parent_param(param_key)`, `get_env(name, default?)` (read through the application's
//! [`AppConfig`], so embedding applications and tests control it), `at_path(value, 'a.b.0')`
//! and `fail()`. All of minijinja's built-in filters and tests are available (`length`,
//! `round`, `lower`, `default`, `tojson`, …).
//!
//! # Cost
//!
//! Templates are parsed once, in [`TemplateRenderer::compile`]. A render hands minijinja a lazy
//! view of the [`PipeContext`]; only the values a template reads are converted.

mod convert;
mod helpers;
mod scope;
mod view;

use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use otai::interfaces::{CompiledTemplate, TemplateError, TemplateRenderer};
use otai::prelude::*;

use self::scope::Scope;

/// Name of the single template inside each text template's environment.
const TEMPLATE_NAME: &str = "template";

/// Params of `base:JinjaRenderer`: none.
pub type JinjaRendererParams = NoParams;

/// Compiles params templates as Jinja (see the [module docs](self) for the language). It is
/// the default `TemplateRenderer`: a config that configures none gets this one.
#[otai::service(provides(TemplateRenderer), default)]
pub struct JinjaRenderer {
    /// Settings and helpers shared by every template; cloned per template.
    prototype: Environment<'static>,
}

impl Default for JinjaRenderer {
    fn default() -> Self {
        Self::new(AppConfig::new())
    }
}

impl JinjaRenderer {
    /// A renderer whose `get_env` reads variables through `app`.
    pub fn new(app: AppConfig) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        helpers::register(&mut env, Arc::new(app));
        Self { prototype: env }
    }

    /// `expression` parsed as a native expression, in its own copy of the environment.
    fn compile_native(&self, expression: &str) -> Result<NativeCell, minijinja::Error> {
        NativeCell::try_new(self.prototype.clone(), |env| {
            env.compile_expression_owned(expression.to_owned())
        })
    }

    /// `source` parsed as a text template, in its own copy of the environment.
    fn compile_text(&self, source: &str) -> Result<TextCell, minijinja::Error> {
        let mut env = self.prototype.clone();
        env.add_template_owned(TEMPLATE_NAME, source.to_owned())?;
        TextCell::try_new(env, |env| env.get_template(TEMPLATE_NAME))
    }
}

impl Service for JinjaRenderer {
    type Params = JinjaRendererParams;

    fn build(_params: JinjaRendererParams, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Self::new(ctx.app_config().clone()))
    }
}

impl TemplateRenderer for JinjaRenderer {
    fn compile(&self, source: &str) -> Result<Arc<dyn CompiledTemplate>, TemplateError> {
        if let Some(expression) = single_expression(source) {
            if let Ok(parsed) = self.compile_native(expression) {
                return Ok(Arc::new(JinjaTemplate {
                    source: source.to_owned(),
                    parsed: Parsed::Native(parsed),
                }));
            }
            // Not an expression after all (`{{ '}}' }}`…): fall through to a text template,
            // whose error, if any, refers to the source as written.
        }
        match self.compile_text(source) {
            Ok(parsed) => Ok(Arc::new(JinjaTemplate {
                source: source.to_owned(),
                parsed: Parsed::Text(parsed),
            })),
            Err(error) => Err(template_error(&error)),
        }
    }
}

type ParsedExpression<'env> = minijinja::Expression<'env, 'static>;
type ParsedTemplate<'env> = minijinja::Template<'env, 'env>;

self_cell::self_cell!(
    /// An environment and the expression parsed in it.
    struct NativeCell {
        owner: Environment<'static>,
        #[covariant]
        dependent: ParsedExpression,
    }
);

self_cell::self_cell!(
    /// An environment and the text template parsed in it.
    struct TextCell {
        owner: Environment<'static>,
        #[covariant]
        dependent: ParsedTemplate,
    }
);

/// A template parsed once, with how it turns into a value.
enum Parsed {
    /// The source is one `{{ expression }}`: its native value.
    Native(NativeCell),
    /// Mixed text: a string.
    Text(TextCell),
}

/// A template parsed once and rendered per pipe run.
struct JinjaTemplate {
    source: String,
    parsed: Parsed,
}

impl std::fmt::Debug for JinjaTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.parsed {
            Parsed::Native(_) => "native",
            Parsed::Text(_) => "text",
        };
        f.debug_struct("JinjaTemplate")
            .field("source", &self.source)
            .field("mode", &mode)
            .finish()
    }
}

impl CompiledTemplate for JinjaTemplate {
    fn source(&self) -> &str {
        &self.source
    }

    fn render(&self, ctx: &PipeContext) -> Result<Value, TemplateError> {
        let root = Scope::root(ctx);
        match &self.parsed {
            Parsed::Text(parsed) => parsed
                .borrow_dependent()
                .render(root)
                .map(Value::String)
                .map_err(|error| template_error(&error)),
            Parsed::Native(parsed) => {
                let value = parsed
                    .borrow_dependent()
                    .eval(root)
                    .map_err(|error| template_error(&error))?;
                if value.is_undefined() {
                    return Err(TemplateError::new(
                        "the expression is undefined (a variable, attribute or key that does not exist)",
                    ));
                }
                convert::to_value(&value)
            }
        }
    }
}

/// The expression inside a source that is exactly one `{{ … }}`.
fn single_expression(source: &str) -> Option<&str> {
    let inner = source.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
    let nested = ["{{", "}}", "{%", "%}", "{#", "#}"];
    if inner.trim().is_empty() || nested.iter().any(|marker| inner.contains(marker)) {
        return None;
    }
    Some(inner)
}

/// minijinja's error as ours: kind and detail, plus the line inside the template.
fn template_error(error: &minijinja::Error) -> TemplateError {
    let message = match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    };
    let converted = TemplateError::new(message);
    match error.line() {
        Some(line) => converted.at_line(line),
        None => converted,
    }
}

#[cfg(test)]
mod tests;
