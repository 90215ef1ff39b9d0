//! `base:JinjaRenderer`: the [`TemplateRenderer`] of the pipeline, on `minijinja`.
//!
//! It renders as the original's renderer does: jinja2's `NativeEnvironment` with
//! `trim_blocks` and `lstrip_blocks` on and the default `Undefined`, whose results go through
//! Python literal evaluation. `otai-base/tests/jinja_parity.rs` checks this case by case
//! against the original's own engine (`tests/fixtures/jinja-parity/`).
//!
//! # What a template yields
//!
//! * A template that prints exactly one value and nothing else yields that **native value**:
//!   `{{ get_pipe_result('ticket_fetcher', 'fetched_tickets')[0] }}` is a map,
//!   `{{ {'p1': {'p2': 'test'}} }}` a nested map, `{% if x %}{{ [1, 2] }}{% endif %}` a list
//!   when `x` holds. One trailing newline of the source is dropped first (as jinja2 does), so
//!   a YAML block scalar `expression: >` works; other text around the braces, even a space,
//!   makes it text.
//! * When that value is a string, or the template renders to text, the text is read as a
//!   **Python literal** when it is one: `{{ '2' }}` and `{{ get_env('LIMIT') }}` holding `25`
//!   give numbers, `'True'` a boolean, `'None'` `null`, `'[1, 2]'` a list, `'1, 2'` a list
//!   (a tuple in Python); `"{{ 1 }}{{ 2 }}"` gives 12 and `"[{{ a }}, {{ b }}]"` a list.
//!   Text that is not a literal (`Billing`, `3 normal`, ` 5 ` with its leading space) stays
//!   a string. A ticket id `"1041"` read by a single expression is therefore the number 1041,
//!   as in the original (`TicketId` takes both).
//! * Except for a **text param** (a param whose type is a string, such as a classifier's
//!   `text` or a note's `body`): its template renders to the text as it is, never read as a
//!   literal, so a ticket whose subject is `None`, `True` or `[1, 2]` is classified as that
//!   text instead of failing (the original rejects it). The param's type decides, from its
//!   schema; see [`CompiledTemplate::render_text`](otai::interfaces::CompiledTemplate).
//! * A template that prints nothing (empty, only a comment, a false `{% if %}`) yields `null`.
//! * Values print as Python's `str()` does: `True`, `None`, `0.93`, `1e+16`,
//!   `{'a': [1, 'x']}`; `fail()` prints as the original's `FailMarker`.
//!
//! # Undefined names
//!
//! An undefined variable, attribute or key is jinja2's default `Undefined`: it prints as empty
//! text (`"Hello {{ undefined_var }}!"` → `"Hello !"`), is false, iterates as empty, has length
//! 0 and is `null` when it is the whole result; reading an attribute *of* it, or computing with
//! it, is an error. [`CompiledTemplate::undeclared_names`] lists the names a template reads
//! that are neither scope variables nor helpers, for `otai check` to warn about.
//!
//! # Scope and helpers
//!
//! Variables, as in the original: `pipe_results` (every result in scope by pipe id, each a
//! map of `succeeded`, `was_skipped`, `message`, `data`), `parent_params` (the rendered params
//! of the pipe whose steps are running: a composite's, an orchestrator's) and `params` (the
//! params of the whole run, empty unless an embedding application sets them).
//!
//! Functions: `get_pipe_result(pipe_id, data_key='value')` (an error when the pipe, the key
//! or its value is missing — a `null` value counts as missing, as in the original),
//! `has_failed(pipe_id)`, `get_parent_param(param_key)`, `get_env(name, default?)` (read
//! through the application's [`AppConfig`], so embedding applications and tests control it),
//! `at_path(value, 'a.b.0')` and `fail()`. minijinja's filters and tests, with jinja2's
//! `round` (Python's rounding, `method='ceil'|'floor'`), `string`, `tojson` and `length`;
//! Python's common methods on maps (`get`, `items`, `keys`, `values`), strings (`upper`,
//! `lower`, `strip`, `split`, `startswith`, `endswith`, `replace`, `join`, …) and lists.
//!
//! # Differences from the original
//!
//! Where an original configuration could behave differently, this renderer matches it (the
//! parity test shows each case). What remains:
//!
//! * A value JSON cannot hold is kept as text when it comes from literal evaluation (a set
//!   `{1, 2}`, bytes, a complex number, `...`, an infinite float, an integer beyond 64 bits;
//!   `\N{…}` escapes are not evaluated); an undefined value inside a list or map is `null`; a
//!   non-finite float as the whole result (`{{ 1 / 0 }}`, an error in Python) is an error.
//! * `at_path` also takes a path of one key and walks list indices; the original requires a
//!   dotted path (`'a.b'`) and raises for list indices. `get_env` takes a default.
//! * `~` and filters other than those above format values as minijinja does: floats in plain
//!   notation (`1e16` as `10000000000000000.0`) and strings in lists with double quotes.
//! * Python methods beyond those listed, jinja2-only filters and globals (`lipsum`, `cycler`,
//!   `joiner`) do not exist; minijinja's own extras (`split`, …) do.
//! * Templates whose output comes from `{% set %}` blocks, macros or `{% filter %}` blocks
//!   count their printed values differently and may yield text where jinja2 yields a value.
//!
//! # Limits
//!
//! * Templates cannot read files or run commands. No helper touches the filesystem or starts a
//!   process (`get_env` reads variables only), and a template cannot reach any other template:
//!   `{% include %}`, `{% import %}`, `{% from … import %}` and `{% extends %}` fail with an
//!   error that says so, whatever name they give (no loader is set, and every name resolves
//!   to one that is never registered).
//! * One render runs at most [`TEMPLATE_FUEL`] instructions (minijinja's fuel): a template
//!   that loops or recurses without end fails with an error naming the limit instead of
//!   hanging the pipeline. minijinja also bounds recursion depth, `range` (100,000 items) and
//!   string repetition; `tojson`'s `indent` is at most 100.
//! * Integer arithmetic in the Python helpers (`round` to tens, hundreds, …) is checked: a
//!   result beyond 128 bits is an error, never a wrapped number.
//!
//! # Cost
//!
//! Templates are parsed once, in [`TemplateRenderer::compile`]; a template that is exactly
//! one `{{ expression }}` is compiled as an expression and evaluated without text output. A
//! render hands minijinja a lazy view of the [`PipeContext`]; only the values a template
//! reads are converted. Literal evaluation rejects most text at its first character.

mod convert;
mod helpers;
mod literal;
mod methods;
mod native;
mod python;
mod scope;
mod view;

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use otai::interfaces::{CompiledTemplate, TemplateError, TemplateRenderer};
use otai::prelude::*;

use self::scope::Scope;

/// Name of the single template inside each text template's environment.
const TEMPLATE_NAME: &str = "template";

/// The name every include, import and extends resolves to: registered nowhere.
const NO_OTHER_TEMPLATES: &str = "\u{0}no other templates";

/// How many instructions one render may run (minijinja's fuel): far above what a config's
/// template needs (a loop over a thousand tickets with a few lookups each takes about 20,000),
/// low enough that a runaway template fails within a fraction of a second.
pub const TEMPLATE_FUEL: u64 = 1_000_000;

/// Params of `base:JinjaRenderer`: none.
pub type JinjaRendererParams = NoParams;

/// Renders the Jinja templates in params; the default template renderer.
///
/// Compiles params templates as Jinja (see the [module docs](self) for the language). It is
/// the default `TemplateRenderer`: a config that configures none gets this one.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     jinja: { use: base:JinjaRenderer }   # optional: it is the default renderer
///   orchestrator:
///     use: base:ExpressionPipe
///     params: { expression: "{{ ['a', 'b'] | length }}" }
/// ```
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
        // The original's environment: jinja2's default `Undefined`, trim and lstrip blocks.
        env.set_undefined_behavior(UndefinedBehavior::Lenient);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(native::format);
        env.set_unknown_method_callback(methods::call);
        // Bounded: a template that loops or recurses without end fails instead of hanging
        // the pipeline (see "Limits" in the module docs).
        env.set_fuel(Some(TEMPLATE_FUEL));
        // No template can reach another: every name an `{% include %}`, `{% import %}`,
        // `{% from %}` or `{% extends %}` asks for (even the template's own) turns into one
        // that is never registered, and no loader is set, so none reaches the filesystem.
        env.set_path_join_callback(|_, _| Cow::Borrowed(NO_OTHER_TEMPLATES));
        env.add_filter("round", python::round);
        env.add_filter("string", python::string);
        env.add_filter("length", python::length);
        env.add_filter("count", python::length);
        env.add_filter("tojson", python::tojson);
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
        // jinja2 reads `\r\n` and `\r` as `\n`.
        let normalized = normalize_newlines(source);
        if let Some(expression) = single_expression(&normalized) {
            if let Ok(parsed) = self.compile_native(expression) {
                return Ok(Arc::new(JinjaTemplate {
                    source: source.to_owned(),
                    parsed: Parsed::Native(parsed),
                }));
            }
            // Not an expression after all: fall through to a text template, whose error, if
            // any, refers to the source as written.
        }
        match self.compile_text(&normalized) {
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
    /// The source is one `{{ expression }}`: its value, evaluated without text output.
    Native(NativeCell),
    /// Anything else: rendered, and what it printed turned into a value (see [`native`]).
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
            Parsed::Text(parsed) => native::render_text(parsed.borrow_dependent(), root),
            Parsed::Native(parsed) => {
                let value = parsed
                    .borrow_dependent()
                    .eval(root)
                    .map_err(|error| template_error(&error))?;
                native::single(&value)
            }
        }
    }

    fn render_text(&self, ctx: &PipeContext) -> Result<Option<String>, TemplateError> {
        let root = Scope::root(ctx);
        match &self.parsed {
            Parsed::Text(parsed) => native::render_text_only(parsed.borrow_dependent(), root),
            Parsed::Native(parsed) => {
                let value = parsed
                    .borrow_dependent()
                    .eval(root)
                    .map_err(|error| template_error(&error))?;
                Ok(native::single_text(&value))
            }
        }
    }

    fn undeclared_names(&self) -> Vec<String> {
        let (read, env) = match &self.parsed {
            Parsed::Native(parsed) => (
                parsed.borrow_dependent().undeclared_variables(false),
                parsed.borrow_owner(),
            ),
            Parsed::Text(parsed) => (
                parsed.borrow_dependent().undeclared_variables(false),
                parsed.borrow_owner(),
            ),
        };
        let globals: HashSet<&str> = env.globals().map(|(name, _)| name).collect();
        let mut names: Vec<String> = read
            .into_iter()
            .filter(|name| !SCOPE.contains(&name.as_str()) && !globals.contains(name.as_str()))
            .collect();
        names.sort();
        names
    }
}

/// The variables every render has (see [`Scope`]).
const SCOPE: [&str; 3] = ["pipe_results", "params", "parent_params"];

/// `source` with `\r\n` and `\r` as `\n`.
fn normalize_newlines(source: &str) -> Cow<'_, str> {
    if source.contains('\r') {
        Cow::Owned(source.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(source)
    }
}

/// The expression inside a source that is exactly one `{{ … }}` and nothing else (one
/// trailing newline aside, which jinja2 drops): such a template prints one value.
fn single_expression(source: &str) -> Option<&str> {
    let body = source.strip_suffix('\n').unwrap_or(source);
    let inner = body.strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    // Another tag inside means several blocks (`{{ a }} {{ b }}`), or a string holding one
    // (`{{ '{{' }}`): the text template decides.
    let tags = ["{{", "{%", "{#"];
    if inner.trim().is_empty() || tags.iter().any(|tag| inner.contains(tag)) {
        return None;
    }
    Some(inner)
}

/// minijinja's error as ours: kind and detail, plus the line inside the template.
fn template_error(error: &minijinja::Error) -> TemplateError {
    let message = match (error.kind(), error.detail()) {
        (minijinja::ErrorKind::OutOfFuel, _) => format!(
            "the template ran more than {TEMPLATE_FUEL} steps and was stopped: is there a loop \
             or recursion without end? (templates are bounded so that none can hang the pipeline)"
        ),
        (minijinja::ErrorKind::TemplateNotFound, _) => "templates cannot include, import or \
             extend other templates (`{% include %}`, `{% import %}`, `{% from %}`, \
             `{% extends %}`): a template reads only its scope and helpers, never files; \
             use a macro defined in the same template instead"
            .to_owned(),
        (kind, Some(detail)) => format!("{kind}: {detail}"),
        (kind, None) => kind.to_string(),
    };
    let converted = TemplateError::new(message);
    match error.line() {
        Some(line) => converted.at_line(line),
        None => converted,
    }
}

#[cfg(test)]
mod tests;
