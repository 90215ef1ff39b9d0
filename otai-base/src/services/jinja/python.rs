//! Python's text forms of values and the filters whose results depend on them.
//!
//! The original prints values with Python's `str()`: `True`, `None`, `0.93`, `1e+16`,
//! `{'a': [1, 'x']}`. What a template prints matters twice: it is the text of a note body,
//! and the original's native rendering reads mixed text back as a Python literal
//! ([`super::literal`]), so `[{{ a }}, {{ b }}]` is a list only when `a` and `b` print as
//! Python literals. The renderer's formatter prints every `{{ … }}` this way; the filters
//! `string`, `round` and `tojson` follow jinja2's (Python's) rules too.

use std::fmt::{self, Write};
use std::sync::Arc;

use minijinja::value::{Kwargs, Object, ObjectRepr, Rest, ValueKind};
use minijinja::{Error, ErrorKind, Value as Jinja};
use otai::interfaces::template::FAIL_MARKER_KEY;

/// How the original's `FailMarker` prints (its address left out).
const FAIL_MARKER_TEXT: &str =
    "<otai_base.template_renderers.jinja_renderer_extras.FailMarker object>";

/// What `fail()` returns: the original's `FailMarker`. It prints as the original's does and
/// converts to the marker map `base:ExpressionPipe` recognises.
#[derive(Debug)]
pub(crate) struct FailMarker;

impl Object for FailMarker {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        (key.as_str() == Some(FAIL_MARKER_KEY)).then(|| Jinja::from(true))
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(&[FAIL_MARKER_KEY])
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(FAIL_MARKER_TEXT)
    }
}

/// `repr(float)`: the shortest text that reads back as the same float, in exponent form
/// below `1e-4` and from `1e16` on (`0.93`, `2.0`, `1e+16`, `1e-05`).
pub(crate) fn float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `9.312e-1`, `-0e0`, `1e16`.
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::from(sign);
    if !(-4..16).contains(&exponent) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exponent < 0 { '-' } else { '+' },
            exponent.unsigned_abs()
        );
    } else if exponent < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
        out.push_str(&digits);
    } else {
        let point = exponent as usize + 1;
        if digits.len() > point {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        } else {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        }
    }
    out
}

/// Python's `str(value)`, written to `out`.
pub(crate) fn write_str(out: &mut impl Write, value: &Jinja) -> fmt::Result {
    match value.kind() {
        ValueKind::Undefined => Ok(()),
        ValueKind::String => out.write_str(value.as_str().unwrap_or_default()),
        _ => write_repr(out, value),
    }
}

/// Python's `str(value)`.
pub(crate) fn to_str(value: &Jinja) -> String {
    let mut out = String::new();
    let _ = write_str(&mut out, value);
    out
}

/// Python's `repr(value)`, written to `out` (how values print inside lists and dicts).
fn write_repr(out: &mut impl Write, value: &Jinja) -> fmt::Result {
    match value.kind() {
        ValueKind::Undefined => out.write_str("Undefined"),
        ValueKind::None => out.write_str("None"),
        ValueKind::Bool => out.write_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number => write_number(out, value),
        ValueKind::String => write_string_repr(out, value.as_str().unwrap_or_default()),
        ValueKind::Bytes => {
            out.write_str("b")?;
            write_string_repr(
                out,
                &String::from_utf8_lossy(value.as_bytes().unwrap_or_default()),
            )
        }
        // Iterators (`range(3)`, `map(…)`) print as lists, not as Python's `range(0, 3)`.
        ValueKind::Seq | ValueKind::Iterable => {
            out.write_char('[')?;
            if let Ok(items) = value.try_iter() {
                for (index, item) in items.enumerate() {
                    if index > 0 {
                        out.write_str(", ")?;
                    }
                    write_repr(out, &item)?;
                }
            }
            out.write_char(']')
        }
        ValueKind::Map if value.downcast_object_ref::<FailMarker>().is_some() => {
            out.write_str(FAIL_MARKER_TEXT)
        }
        ValueKind::Map => {
            out.write_char('{')?;
            if let Ok(keys) = value.try_iter() {
                for (index, key) in keys.enumerate() {
                    if index > 0 {
                        out.write_str(", ")?;
                    }
                    write_repr(out, &key)?;
                    out.write_str(": ")?;
                    write_repr(out, &value.get_item(&key).unwrap_or_default())?;
                }
            }
            out.write_char('}')
        }
        // Functions, macros, errors: as minijinja prints them.
        _ => write!(out, "{value}"),
    }
}

/// An integer in decimal, a float as Python's `repr`.
fn write_number(out: &mut impl Write, value: &Jinja) -> fmt::Result {
    if value.is_integer() {
        if let Some(int) = value.as_i64() {
            return write!(out, "{int}");
        }
    } else {
        if let Ok(float) = f64::try_from(value.clone()) {
            // Between 1e-4 and 1e16 Python's repr is Rust's shortest form, with `.0` when
            // whole; elsewhere it takes an exponent.
            if (1e-4..1e16).contains(&float.abs()) {
                return if float.fract() == 0.0 {
                    write!(out, "{float}.0")
                } else {
                    write!(out, "{float}")
                };
            }
            return out.write_str(&float_repr(float));
        }
    }
    match number_text(value) {
        Some(text) => out.write_str(&text),
        None => write!(out, "{value}"),
    }
}

/// An integer in decimal, a float as Python's `repr`.
fn number_text(value: &Jinja) -> Option<String> {
    if value.is_integer() {
        return i128::try_from(value.clone())
            .map(|int| int.to_string())
            .or_else(|_| u128::try_from(value.clone()).map(|int| int.to_string()))
            .ok();
    }
    f64::try_from(value.clone()).ok().map(float_repr)
}

/// Python's `repr(str)`: single quotes unless the text holds `'` and no `"`; escapes for
/// backslashes, the quote, control and non-printable characters.
fn write_string_repr(out: &mut impl Write, text: &str) -> fmt::Result {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    out.write_char(quote)?;
    for c in text.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '\t' => out.write_str("\\t")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            c if c == quote => {
                out.write_char('\\')?;
                out.write_char(c)?;
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(out, "\\x{:02x}", c as u32)?,
            c if (c as u32) < 0x7f || is_printable(c) => out.write_char(c)?,
            c if (c as u32) <= 0xff => write!(out, "\\x{:02x}", c as u32)?,
            c if (c as u32) <= 0xffff => write!(out, "\\u{:04x}", c as u32)?,
            c => write!(out, "\\U{:08x}", c as u32)?,
        }
    }
    out.write_char(quote)
}

/// Python's `str.isprintable` for one non-ASCII character, without Unicode's tables: control,
/// format, separator (other than the space), private-use characters are not printable.
/// (Unassigned code points, also not printable in Python, print as they are here.)
fn is_printable(c: char) -> bool {
    let code = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || matches!(
            code,
            0xad | 0x600..=0x605
                | 0x61c
                | 0x6dd
                | 0x70f
                | 0x180e
                | 0x200b..=0x200f
                | 0x202a..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x206f
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0x110bd
                | 0x1d173..=0x1d17a
                | 0xe0001
                | 0xe0020..=0xe007f
                | 0xe000..=0xf8ff
                | 0xf0000..=0xffffd
                | 0x100000..=0x10fffd
        ))
}

/// Positional arguments and keyword arguments of a filter called with `Rest`.
fn split_kwargs(args: Vec<Jinja>) -> Result<(Vec<Jinja>, Option<Kwargs>), Error> {
    let mut args = args;
    match args.last() {
        Some(last) if last.is_kwargs() => {
            let kwargs = Kwargs::try_from(args.pop().unwrap_or_default())?;
            Ok((args, Some(kwargs)))
        }
        _ => Ok((args, None)),
    }
}

/// The argument at `index` or named `name`.
fn argument(
    positional: &[Jinja],
    kwargs: Option<&Kwargs>,
    index: usize,
    name: &str,
) -> Result<Option<Jinja>, Error> {
    if let Some(value) = positional.get(index) {
        return Ok(Some(value.clone()));
    }
    match kwargs {
        Some(kwargs) => kwargs.get::<Option<Jinja>>(name),
        None => Ok(None),
    }
}

/// `round(value, precision=0, method='common')` as jinja2: Python's `round` (half to even,
/// on the float's exact value; an integer stays an integer), or `ceil`/`floor` to a float.
pub(crate) fn round(value: Jinja, args: Rest<Jinja>) -> Result<Jinja, Error> {
    // The common call, `confidence | round(2)` on a float, without the argument parsing.
    if args.0.len() <= 1 && value.is_number() && !value.is_integer() {
        let precision = match args.0.first() {
            None => Some(0),
            Some(precision) if precision.is_integer() => {
                precision.as_i64().and_then(|p| i32::try_from(p).ok())
            }
            Some(_) => None,
        };
        if let (Some(precision), Ok(float)) = (precision, f64::try_from(value.clone())) {
            return Ok(Jinja::from(round_half_even(float, precision)));
        }
    }
    let (positional, kwargs) = split_kwargs(args.0)?;
    if positional.len() > 2 {
        return Err(Error::from(ErrorKind::TooManyArguments));
    }
    let precision = match argument(&positional, kwargs.as_ref(), 0, "precision")? {
        Some(precision) => i32::try_from(precision)?,
        None => 0,
    };
    let method = argument(&positional, kwargs.as_ref(), 1, "method")?;
    let method = method.as_ref().and_then(Jinja::as_str).unwrap_or("common");
    if let Some(kwargs) = &kwargs {
        kwargs.assert_all_used()?;
    }
    let cannot = || {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("round: cannot round a {}", value.kind()),
        )
    };
    if !matches!(value.kind(), ValueKind::Number | ValueKind::Bool) {
        return Err(cannot());
    }
    match method {
        "common" if value.is_integer() || value.kind() == ValueKind::Bool => {
            let int = i128::try_from(value.clone()).map_err(|_| cannot())?;
            if precision >= 0 {
                return Ok(Jinja::from(int));
            }
            // Half to even at tens, hundreds, …
            let Some(unit) = 10i128.checked_pow(precision.unsigned_abs()) else {
                // A unit beyond 128 bits is more than twice any integer: it rounds to 0.
                return Ok(Jinja::from(0));
            };
            let (quotient, remainder) = (int.div_euclid(unit), int.rem_euclid(unit));
            // `remainder` against `unit - remainder`, not `2 * remainder` against `unit`:
            // the doubled remainder of a unit near 10^38 overflows.
            let up = match remainder.cmp(&(unit - remainder)) {
                std::cmp::Ordering::Greater => true,
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => quotient % 2 != 0,
            };
            quotient
                .checked_add(i128::from(up))
                .and_then(|units| units.checked_mul(unit))
                .map(Jinja::from)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "round: {int} rounded to {precision} digits does not fit in a 128-bit integer"
                        ),
                    )
                })
        }
        "common" => {
            let float = f64::try_from(value.clone()).map_err(|_| cannot())?;
            Ok(Jinja::from(round_half_even(float, precision)))
        }
        "ceil" | "floor" => {
            let float = f64::try_from(value.clone()).map_err(|_| cannot())?;
            let scale = 10f64.powi(precision);
            let scaled = float * scale;
            let rounded = if method == "ceil" {
                scaled.ceil()
            } else {
                scaled.floor()
            };
            let result = rounded / scale;
            if !result.is_finite() {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("round: {float} rounded to {precision} digits is not a finite number"),
                ));
            }
            Ok(Jinja::from(result))
        }
        _ => Err(Error::new(
            ErrorKind::InvalidOperation,
            "round: method must be 'common', 'ceil' or 'floor'",
        )),
    }
}

/// Python's `round(x, ndigits)` for a float: correctly rounded, ties to even.
fn round_half_even(value: f64, ndigits: i32) -> f64 {
    if !value.is_finite() || ndigits > 308 {
        return value;
    }
    if ndigits >= 0 {
        if ndigits <= 22 {
            // Fast path: scaled, the value is an exact enough float, and when it is clearly
            // not halfway between two integers, rounding it rounds the exact value the same
            // way; dividing the (exact) integer by the (exact) power of ten is correctly
            // rounded, as Python's conversion of the decimal text is.
            let scale = 10f64.powi(ndigits);
            let scaled = value * scale;
            if scaled.abs() < 2f64.powi(50) {
                let margin = scaled.abs() * 2f64.powi(-48) + f64::MIN_POSITIVE;
                let fraction = (scaled - scaled.trunc()).abs();
                if (fraction - 0.5).abs() > margin {
                    return scaled.round() / scale;
                }
            }
        }
        // Rust formats with the exact decimal value and ties to even, as Python's round.
        let text = format!("{value:.*}", ndigits as usize);
        return text.parse().unwrap_or(value);
    }
    let scale = 10f64.powi(ndigits.saturating_neg());
    if scale.is_infinite() {
        // Beyond any finite float: Python rounds to a zero of the value's sign.
        return 0f64.copysign(value);
    }
    (value / scale).round_ties_even() * scale
}

/// `string`: Python's `str()` (`True`, `None`, `[1, 'a']`).
pub(crate) fn string(value: &Jinja) -> Jinja {
    if value.kind() == ValueKind::String {
        return value.clone();
    }
    Jinja::from(to_str(value))
}

/// `length` (and `count`): as the builtin, but an undefined value has length 0 as in jinja2.
pub(crate) fn length(value: &Jinja) -> Result<Jinja, Error> {
    if value.is_undefined() {
        return Ok(Jinja::from(0));
    }
    minijinja::filters::length(value).map(Jinja::from)
}

/// The largest `indent` `tojson` takes: a larger one only fills memory with spaces.
pub(crate) const MAX_JSON_INDENT: usize = 100;

/// `tojson(indent=None)` as jinja2: `json.dumps` with sorted keys and Python's separators and
/// ASCII escapes, then `<`, `>`, `&`, `'` escaped for HTML.
pub(crate) fn tojson(value: &Jinja, args: Rest<Jinja>) -> Result<Jinja, Error> {
    let (positional, kwargs) = split_kwargs(args.0)?;
    let indent = match argument(&positional, kwargs.as_ref(), 0, "indent")? {
        None => None,
        Some(indent) if indent.is_none() => None,
        Some(indent) => Some(usize::try_from(indent)?),
    };
    if indent.is_some_and(|indent| indent > MAX_JSON_INDENT) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("tojson: indent must be at most {MAX_JSON_INDENT}"),
        ));
    }
    if let Some(kwargs) = &kwargs {
        kwargs.assert_all_used()?;
    }
    let mut out = String::new();
    write_json(&mut out, value, indent, 0)?;
    Ok(Jinja::from_safe_string(out))
}

fn write_json(
    out: &mut String,
    value: &Jinja,
    indent: Option<usize>,
    level: usize,
) -> Result<(), Error> {
    let not_json = |kind: ValueKind| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("tojson: a value of type {kind} is not JSON serializable"),
        )
    };
    let newline = |out: &mut String, level: usize| {
        if let Some(indent) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent * level));
        }
    };
    let separator = if indent.is_some() { "," } else { ", " };
    match value.kind() {
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            if value.is_integer() {
                out.push_str(&number_text(value).unwrap_or_default());
            } else {
                let float = f64::try_from(value.clone())?;
                if float.is_nan() {
                    out.push_str("NaN");
                } else if float.is_infinite() {
                    out.push_str(if float > 0.0 { "Infinity" } else { "-Infinity" });
                } else {
                    out.push_str(&float_repr(float));
                }
            }
        }
        ValueKind::String => write_json_string(out, value.as_str().unwrap_or_default()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Jinja> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(separator);
                }
                newline(out, level + 1);
                write_json(out, item, indent, level + 1)?;
            }
            newline(out, level);
            out.push(']');
        }
        ValueKind::Map if value.downcast_object_ref::<FailMarker>().is_none() => {
            let mut keys: Vec<Jinja> = value.try_iter()?.collect();
            if keys.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            if keys.iter().all(|key| key.kind() == ValueKind::String) {
                keys.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            } else {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "tojson: keys of different types cannot be sorted",
                ));
            }
            out.push('{');
            for (index, key) in keys.iter().enumerate() {
                if index > 0 {
                    out.push_str(separator);
                }
                newline(out, level + 1);
                write_json_string(out, key.as_str().unwrap_or_default());
                out.push_str(": ");
                write_json(out, &value.get_item(key)?, indent, level + 1)?;
            }
            newline(out, level);
            out.push('}');
        }
        kind => return Err(not_json(kind)),
    }
    Ok(())
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`), made HTML-safe as
/// jinja2's `tojson` does.
fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\'' => out.push_str("\\u0027"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_repr() {
        for (value, text) in [
            (0.93, "0.93"),
            (2.0, "2.0"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1.5e16, "1.5e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0.0"),
            (-2.5, "-2.5"),
            (123456789.123, "123456789.123"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
        ] {
            assert_eq!(float_repr(value), text);
        }
    }

    #[test]
    fn values_print_as_python_str() {
        let value = Jinja::from_serialize(otai::value::json!({
            "a": [1, "it's", "x\ny", null, true, 2.5],
            "b": {"c": "\"q\" 'p'", "ä": "\u{a0}"},
        }));
        assert_eq!(
            to_str(&value),
            r#"{'a': [1, "it's", 'x\ny', None, True, 2.5], 'b': {'c': '"q" \'p\'', 'ä': '\xa0'}}"#
        );
        assert_eq!(to_str(&Jinja::from("plain")), "plain");
        assert_eq!(to_str(&Jinja::UNDEFINED), "");
        assert_eq!(to_str(&Jinja::from_object(FailMarker)), FAIL_MARKER_TEXT);
    }

    #[test]
    fn round_is_pythons() {
        let round = |value: Jinja, args: Vec<Jinja>| round(value, Rest(args)).unwrap();
        assert_eq!(
            round(Jinja::from(0.125), vec![Jinja::from(2)]),
            Jinja::from(0.12)
        );
        assert_eq!(round(Jinja::from(2.5), vec![]), Jinja::from(2.0));
        assert_eq!(round(Jinja::from(3), vec![Jinja::from(2)]), Jinja::from(3));
        assert_eq!(
            round(Jinja::from(1250), vec![Jinja::from(-2)]),
            Jinja::from(1200)
        );
        assert_eq!(
            round(Jinja::from(1350), vec![Jinja::from(-2)]),
            Jinja::from(1400)
        );
        assert_eq!(
            round(
                Jinja::from(2.77),
                vec![Jinja::from(1), Jinja::from("floor")]
            ),
            Jinja::from(2.7)
        );
    }

    #[test]
    fn the_fast_rounding_agrees_with_the_exact_one() {
        // Ordinary values and values around halfway points, against the exact decimal path.
        let exact = |value: f64, digits: i32| -> f64 {
            format!("{value:.*}", digits as usize).parse().unwrap()
        };
        let mut value = 0.0005f64;
        while value < 3.0 {
            for digits in 0..6 {
                assert_eq!(
                    round_half_even(value, digits),
                    exact(value, digits),
                    "round({value}, {digits})"
                );
                assert_eq!(
                    round_half_even(-value, digits),
                    exact(-value, digits),
                    "round(-{value}, {digits})"
                );
            }
            value += 0.000_731;
        }
        for (value, digits) in [
            (0.125, 2),
            (0.375, 2),
            (2.675, 2),
            (1.005, 2),
            (0.285, 2),
            (2.5, 0),
        ] {
            assert_eq!(
                round_half_even(value, digits),
                exact(value, digits),
                "round({value}, {digits})"
            );
        }
    }
}
