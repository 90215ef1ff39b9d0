//! The original's native rendering (`jinja2.nativetypes.native_concat`): what a rendered
//! template is worth.
//!
//! jinja2 renders a template to a sequence of chunks — each piece of text between tags and
//! each `{{ … }}`'s value — and the original turns them into one value:
//!
//! * no chunk (an empty template, a false `{% if %}`, a loop over nothing): `None`;
//! * one chunk that is not a string (a template that printed exactly one value, a list, a
//!   map, a number…): that value;
//! * otherwise the chunks' text (Python's `str()` of each, joined), read as a Python literal
//!   when it is one (`'2'` → 2, `"{{ 1 }}{{ 2 }}"` → 12, `"[{{ a }}, {{ b }}]"` → a list),
//!   and the text itself when not.
//!
//! minijinja renders to text. To know the chunks, the environment's formatter
//! ([`format()`]), which prints every `{{ … }}`, records how many values it printed, how many
//! bytes they took and the first value, in a per-thread record that [`render_text`] opens
//! and closes around each render. One printed value and no other bytes in the output means
//! a single chunk.

use std::cell::RefCell;
use std::fmt;

use minijinja::{Error, ErrorKind, Output, State, Value as Jinja};
use otai::interfaces::TemplateError;
use otai::Value;

use super::{convert, literal, python, template_error};

/// What the formatter printed during one render.
#[derive(Default)]
struct Printed {
    /// How many values.
    count: usize,
    /// How many bytes of output they took.
    bytes: usize,
    /// The first value.
    first: Option<Jinja>,
}

thread_local! {
    static PRINTED: RefCell<Printed> = RefCell::new(Printed::default());
}

/// Counts the bytes written through it.
struct Counting<'a, 'b> {
    out: &'a mut Output<'b>,
    bytes: usize,
}

impl fmt::Write for Counting<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.bytes += text.len();
        fmt::Write::write_str(self.out, text)
    }
}

/// The environment's formatter: prints a value as Python's `str()` does and records it.
pub(crate) fn format(
    out: &mut Output<'_>,
    _state: &State<'_, '_>,
    value: &Jinja,
) -> Result<(), Error> {
    let mut counting = Counting { out, bytes: 0 };
    python::write_str(&mut counting, value)
        .map_err(|_| Error::new(ErrorKind::WriteFailure, "formatting failed"))?;
    let bytes = counting.bytes;
    PRINTED.with(|printed| {
        let mut printed = printed.borrow_mut();
        if printed.count == 0 {
            printed.first = Some(value.clone());
        }
        printed.count += 1;
        printed.bytes += bytes;
    });
    Ok(())
}

/// Renders a text template and turns its chunks into a value.
pub(crate) fn render_text(
    template: &minijinja::Template<'_, '_>,
    root: Jinja,
) -> Result<Value, TemplateError> {
    // Renders do not nest, but keep an outer record intact should one ever do.
    let outer = PRINTED.with(|printed| printed.replace(Printed::default()));
    let rendered = template.render(root);
    let printed = PRINTED.with(|printed| printed.replace(outer));
    let text = rendered.map_err(|error| template_error(&error))?;
    if printed.count == 0 && text.is_empty() {
        return Ok(Value::Null);
    }
    if printed.count == 1 && printed.bytes == text.len() {
        if let Some(value) = printed.first.filter(|value| value.as_str().is_none()) {
            return single(&value);
        }
    }
    Ok(literal_or_text(text))
}

/// Renders a text template to its text as it is, for a param whose type is text: no literal
/// evaluation, so ticket content such as `None` or `[1, 2]` stays text. `None` when the
/// template printed nothing, or only a none or undefined value.
pub(crate) fn render_text_only(
    template: &minijinja::Template<'_, '_>,
    root: Jinja,
) -> Result<Option<String>, TemplateError> {
    let outer = PRINTED.with(|printed| printed.replace(Printed::default()));
    let rendered = template.render(root);
    let printed = PRINTED.with(|printed| printed.replace(outer));
    let text = rendered.map_err(|error| template_error(&error))?;
    if printed.count == 0 && text.is_empty() {
        return Ok(None);
    }
    let only_nothing = printed.count == 1
        && printed.bytes == text.len()
        && printed
            .first
            .as_ref()
            .is_some_and(|value| value.is_undefined() || value.is_none());
    Ok((!only_nothing).then_some(text))
}

/// A single expression's value as text (Python's `str()`), for a param whose type is text;
/// `None` for none or undefined.
pub(crate) fn single_text(value: &Jinja) -> Option<String> {
    if value.is_undefined() || value.is_none() {
        return None;
    }
    Some(match value.as_str() {
        Some(text) => text.to_owned(),
        None => python::to_str(value),
    })
}

/// The value of a template that is one chunk: a value as it is, a string read as a literal.
/// An undefined value (a single expression that reads nothing) is `null`: JSON has no
/// undefined.
pub(crate) fn single(value: &Jinja) -> Result<Value, TemplateError> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(text) = value.as_str() {
        return Ok(literal::eval(text).unwrap_or_else(|| Value::String(text.to_owned())));
    }
    convert::to_value(value)
}

/// `text` read as a Python literal, or `text` itself.
fn literal_or_text(text: String) -> Value {
    literal::eval(&text).unwrap_or(Value::String(text))
}
