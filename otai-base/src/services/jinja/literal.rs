//! Python literal evaluation, as the original's native rendering applies it to rendered text:
//! `ast.literal_eval(ast.parse(text, mode="eval"))`, falling back to the text.
//!
//! Accepted is exactly what Python accepts and evaluates, restricted to values that have a
//! JSON form: numbers (`2`, `-3`, `1_000`, `0x1F`, `1e3`, `.5`), strings in any quoting with
//! their escapes and implicit concatenation (`'a' "b"`), `True`, `False`, `None`, lists,
//! tuples (as lists) and dicts, with Python's rules for whitespace (no indentation before the
//! first token, line joining inside brackets and after `\`, `#` comments, blank lines).
//!
//! Everything else keeps its text ([`eval`] answers `None`): text Python cannot parse or
//! evaluate (`Billing`, `3 normal`, `1 + 2`, ` 5`), and — where Python would produce a value
//! JSON cannot hold — sets, bytes, complex numbers, `...`, infinite floats, integers beyond
//! 64 bits, `\N{…}` escapes (unsupported here) and dicts with tuple keys.

use otai::value::{Map, Number, Value};

/// The value Python's literal evaluation gives for `text`, if it has one JSON can hold.
pub(crate) fn eval(text: &str) -> Option<Value> {
    if !may_start_literal(text) {
        return None;
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        depth: 0,
    };
    let value = parser.top()?;
    (parser.pos == tokens.len()).then_some(value)
}

/// A cheap filter: most rendered text (`Billing`, `Das Ticket …`) cannot start a literal.
fn may_start_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        None => false,
        Some(b'0'..=b'9' | b'.' | b'+' | b'-' | b'(' | b'[' | b'{' | b'\'' | b'"') => true,
        Some(b'#' | b'\n' | b'\r' | b'\x0c') => true,
        // `True`, `False`, `None` as whole words.
        Some(b'T' | b'F' | b'N') => ["True", "False", "None"].iter().any(|word| {
            text.starts_with(word)
                && !bytes
                    .get(word.len())
                    .is_some_and(|next| next.is_ascii_alphanumeric() || *next == b'_')
        }),
        // A string prefix: `r'…'`, `u"…"`.
        Some(b'r' | b'R' | b'u' | b'U') => matches!(bytes.get(1), Some(b'\'' | b'"')),
        Some(_) => false,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Int(Number),
    Float(f64),
    Str(String),
    True,
    False,
    None,
    Open(u8),
    Close(u8),
    Comma,
    Colon,
    Plus,
    Minus,
}

/// Python's tokenizer, for the tokens a literal can consist of. `None` for anything else,
/// including a second logical line (a statement after the expression).
fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut nesting = 0usize;
    // At the start of a physical line outside brackets (where indentation counts).
    let mut line_start = true;
    // Whether the logical line holding the expression has ended.
    let mut ended = false;
    while i < chars.len() {
        let c = chars[i];
        if line_start && nesting == 0 {
            // Indentation: blank and comment-only lines are skipped; a form feed resets it.
            let mut column = 0;
            while i < chars.len() && matches!(chars[i], ' ' | '\t' | '\x0c') {
                column = if chars[i] == '\x0c' { 0 } else { column + 1 };
                i += 1;
            }
            match chars.get(i) {
                None => break,
                Some('#') => {
                    while i < chars.len() && !matches!(chars[i], '\n' | '\r') {
                        i += 1;
                    }
                    continue;
                }
                Some('\n' | '\r') => {
                    i = skip_newline(&chars, i);
                    continue;
                }
                Some(_) => {}
            }
            if column > 0 || ended {
                // Unexpected indent, or a second statement.
                return None;
            }
            line_start = false;
            continue;
        }
        match c {
            ' ' | '\t' | '\x0c' => i += 1,
            '#' => {
                while i < chars.len() && !matches!(chars[i], '\n' | '\r') {
                    i += 1;
                }
            }
            '\n' | '\r' => {
                i = skip_newline(&chars, i);
                if nesting == 0 {
                    line_start = true;
                    ended = true;
                }
            }
            '\\' => {
                // Explicit line joining; the line must go on.
                i = skip_newline(&chars, i + 1);
                if !matches!(chars.get(i - 1), Some('\n' | '\r')) || i >= chars.len() {
                    return None;
                }
            }
            '(' | '[' | '{' => {
                nesting += 1;
                tokens.push(Token::Open(c as u8));
                i += 1;
            }
            ')' | ']' | '}' => {
                nesting = nesting.checked_sub(1)?;
                tokens.push(Token::Close(c as u8));
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            ':' => {
                tokens.push(Token::Colon);
                i += 1;
            }
            '+' => {
                tokens.push(Token::Plus);
                i += 1;
            }
            '-' => {
                tokens.push(Token::Minus);
                i += 1;
            }
            '0'..='9' => {
                let (token, next) = number(&chars, i)?;
                tokens.push(token);
                i = next;
            }
            '.' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                let (token, next) = number(&chars, i)?;
                tokens.push(token);
                i = next;
            }
            '\'' | '"' => {
                let (text, next) = string(&chars, i, false)?;
                tokens.push(Token::Str(text));
                i = next;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if matches!(chars.get(i), Some('\'' | '"')) {
                    // A string prefix. Bytes (`b`) and f-strings have no value we keep.
                    let raw = match word.to_ascii_lowercase().as_str() {
                        "r" => true,
                        "u" => false,
                        _ => return None,
                    };
                    let (text, next) = string(&chars, i, raw)?;
                    tokens.push(Token::Str(text));
                    i = next;
                    continue;
                }
                tokens.push(match word.as_str() {
                    "True" => Token::True,
                    "False" => Token::False,
                    "None" => Token::None,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    (nesting == 0 && !tokens.is_empty()).then_some(tokens)
}

/// The index after the newline (`\n`, `\r\n` or `\r`) at `i`, or `i` if there is none.
fn skip_newline(chars: &[char], i: usize) -> usize {
    match chars.get(i) {
        Some('\r') if chars.get(i + 1) == Some(&'\n') => i + 2,
        Some('\n' | '\r') => i + 1,
        _ => i,
    }
}

/// Digits with single underscores between them (`1_000`); `None` if malformed.
fn digits(chars: &[char], mut i: usize, radix: u32, out: &mut String) -> Option<usize> {
    let start = i;
    while i < chars.len() {
        let c = chars[i];
        if c.is_digit(radix) {
            out.push(c);
            i += 1;
        } else if c == '_' && i > start && chars.get(i + 1).is_some_and(|next| next.is_digit(radix))
        {
            i += 1;
        } else {
            break;
        }
    }
    (i > start).then_some(i)
}

/// A number token at `i`: Python's integer and float literals. Imaginary numbers and a
/// letter right after the number are rejected.
fn number(chars: &[char], i: usize) -> Option<(Token, usize)> {
    let radix = match (chars[i], chars.get(i + 1).map(char::to_ascii_lowercase)) {
        ('0', Some('x')) => Some(16),
        ('0', Some('o')) => Some(8),
        ('0', Some('b')) => Some(2),
        _ => None,
    };
    if let Some(radix) = radix {
        let mut body = String::new();
        // An underscore may follow the prefix: `0x_1f`.
        let start = if chars.get(i + 2) == Some(&'_') {
            i + 3
        } else {
            i + 2
        };
        let end = digits(chars, start, radix, &mut body)?;
        ensure_number_ends(chars, end)?;
        let value = u128::from_str_radix(&body, radix).ok()?;
        return Some((Token::Int(int_number(value)?), end));
    }

    let mut whole = String::new();
    let mut end = if chars[i] == '.' {
        i
    } else {
        digits(chars, i, 10, &mut whole)?
    };
    let mut is_float = false;
    let mut text = whole.clone();
    if chars.get(end) == Some(&'.') {
        is_float = true;
        text.push('.');
        end += 1;
        if chars.get(end).is_some_and(char::is_ascii_digit) {
            end = digits(chars, end, 10, &mut text)?;
        }
    }
    if matches!(chars.get(end), Some('e' | 'E')) {
        is_float = true;
        text.push('e');
        let mut next = end + 1;
        if let Some(sign @ ('+' | '-')) = chars.get(next) {
            text.push(*sign);
            next += 1;
        }
        end = digits(chars, next, 10, &mut text)?;
    }
    if matches!(chars.get(end), Some('j' | 'J')) {
        // A complex number: no JSON form.
        return None;
    }
    ensure_number_ends(chars, end)?;
    if is_float {
        let value: f64 = text.parse().ok()?;
        return value.is_finite().then_some((Token::Float(value), end));
    }
    // `01` is a syntax error; `00` is zero.
    if whole.len() > 1 && whole.starts_with('0') && whole.bytes().any(|b| b != b'0') {
        return None;
    }
    let value: u128 = whole.parse().ok()?;
    Some((Token::Int(int_number(value)?), end))
}

/// A letter, digit, `_` or `.` right after a number is not Python (`1abc`, `1_`, `1.2.3`).
fn ensure_number_ends(chars: &[char], end: usize) -> Option<()> {
    match chars.get(end) {
        Some(c) if c.is_alphanumeric() || *c == '_' || *c == '.' => None,
        _ => Some(()),
    }
}

/// A non-negative integer as a JSON number, if it fits 64 bits.
fn int_number(value: u128) -> Option<Number> {
    u64::try_from(value).ok().map(Number::from)
}

/// A string literal whose quote is at `i`: its value and the index after it.
fn string(chars: &[char], i: usize, raw: bool) -> Option<(String, usize)> {
    let quote = chars[i];
    let triple = chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut out = String::new();
    loop {
        let c = *chars.get(j)?;
        if c == quote {
            if !triple {
                return Some((out, j + 1));
            }
            if chars.get(j + 1) == Some(&quote) && chars.get(j + 2) == Some(&quote) {
                return Some((out, j + 3));
            }
            out.push(c);
            j += 1;
            continue;
        }
        if matches!(c, '\n' | '\r') {
            if !triple {
                return None;
            }
            out.push('\n');
            j = skip_newline(chars, j);
            continue;
        }
        if c == '\0' {
            return None;
        }
        if c != '\\' {
            out.push(c);
            j += 1;
            continue;
        }
        let next = *chars.get(j + 1)?;
        if raw {
            // The backslash stays; it only keeps the next character from closing the string.
            out.push('\\');
            if matches!(next, '\n' | '\r') {
                out.push('\n');
                j = skip_newline(chars, j + 1);
            } else {
                out.push(next);
                j += 2;
            }
            continue;
        }
        j += 2;
        match next {
            '\n' | '\r' => j = skip_newline(chars, j - 1),
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut code = next.to_digit(8)?;
                for _ in 0..2 {
                    match chars.get(j).and_then(|c| c.to_digit(8)) {
                        Some(digit) => {
                            code = code * 8 + digit;
                            j += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(code)?);
            }
            'x' | 'u' | 'U' => {
                let len = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = chars.get(j..j + len)?.iter().collect();
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                // Lone surrogates exist in Python strings, not in ours.
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                j += len;
            }
            // `\N{NAME}` needs Unicode's name table.
            'N' => return None,
            other => {
                // Unknown escapes stay as they are.
                out.push('\\');
                out.push(other);
            }
        }
    }
}

/// Deeper nesting than this keeps its text (Python's parser has a limit too).
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.pos);
        self.pos += 1;
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == Some(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The whole text: an expression, or a tuple without parentheses (`1, 2`).
    fn top(&mut self) -> Option<Value> {
        let (items, tuple) = self.sequence(None)?;
        if tuple {
            Some(Value::Array(items))
        } else {
            items.into_iter().next()
        }
    }

    /// Comma-separated expressions up to `close` (or the end); whether a comma made it a tuple.
    fn sequence(&mut self, close: Option<u8>) -> Option<(Vec<Value>, bool)> {
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            match (self.peek(), close) {
                (Some(Token::Close(c)), Some(close)) if *c == close => break,
                (None, None) => break,
                _ => {}
            }
            items.push(self.expression()?);
            if self.eat(&Token::Comma) {
                comma = true;
            } else {
                break;
            }
        }
        if let Some(close) = close {
            if !self.eat(&Token::Close(close)) {
                return None;
            }
        } else if items.is_empty() {
            return None;
        }
        Some((items, comma))
    }

    fn expression(&mut self) -> Option<Value> {
        let (value, _) = self.signed()?;
        // `1 + 2` is not a literal; `1 + 2j` is complex: neither is kept.
        if matches!(self.peek(), Some(Token::Plus | Token::Minus)) {
            return None;
        }
        Some(value)
    }

    /// An atom with an optional sign, which applies to a bare number only: `-5`, `-(5)`, not
    /// `-True`, `--5` or `-(-5)`. Also answers whether the result is a bare number.
    fn signed(&mut self) -> Option<(Value, bool)> {
        let negative = match self.peek()? {
            Token::Minus => true,
            Token::Plus => false,
            _ => return self.atom(),
        };
        self.pos += 1;
        let (operand, number) = self.atom()?;
        if !number {
            return None;
        }
        let value = if negative { negate(operand)? } else { operand };
        Some((value, false))
    }

    /// An atom, and whether it is a bare number (possibly in parentheses).
    fn atom(&mut self) -> Option<(Value, bool)> {
        match self.next()?.clone() {
            Token::Int(number) => Some((Value::Number(number), true)),
            Token::Float(value) => Number::from_f64(value).map(|n| (Value::Number(n), true)),
            Token::Str(first) => {
                let mut text = first;
                while let Some(Token::Str(more)) = self.peek() {
                    text.push_str(more);
                    self.pos += 1;
                }
                Some((Value::String(text), false))
            }
            Token::True => Some((Value::Bool(true), false)),
            Token::False => Some((Value::Bool(false), false)),
            Token::None => Some((Value::Null, false)),
            Token::Open(open) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let atom = match open {
                    b'(' => self.parenthesized()?,
                    b'[' => (Value::Array(self.sequence(Some(b']'))?.0), false),
                    _ => (self.dict()?, false),
                };
                self.depth -= 1;
                Some(atom)
            }
            _ => None,
        }
    }

    /// After `(`: one expression in parentheses (still a bare number if it was one), or a
    /// tuple (`()`, `(1,)`, `(1, 2)`).
    fn parenthesized(&mut self) -> Option<(Value, bool)> {
        if self.eat(&Token::Close(b')')) {
            return Some((Value::Array(Vec::new()), false));
        }
        let (first, number) = self.signed()?;
        if matches!(self.peek(), Some(Token::Plus | Token::Minus)) {
            return None;
        }
        if self.eat(&Token::Close(b')')) {
            return Some((first, number));
        }
        if !self.eat(&Token::Comma) {
            return None;
        }
        let (mut items, _) = self.sequence(Some(b')'))?;
        items.insert(0, first);
        Some((Value::Array(items), false))
    }

    /// After `{`: a dict. A set (`{1, 2}`) has no JSON form.
    fn dict(&mut self) -> Option<Value> {
        let mut entries: Vec<(Value, Value)> = Vec::new();
        loop {
            if self.eat(&Token::Close(b'}')) {
                break;
            }
            let key = self.expression()?;
            if !self.eat(&Token::Colon) {
                return None;
            }
            let value = self.expression()?;
            // Python's dict: an equal key (1, 1.0 and True are equal) keeps its place and
            // takes the new value.
            match entries.iter_mut().find(|(k, _)| py_equal(k, &key)) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
            if !self.eat(&Token::Comma) {
                if !self.eat(&Token::Close(b'}')) {
                    return None;
                }
                break;
            }
        }
        let mut map = Map::with_capacity(entries.len());
        for (key, value) in entries {
            map.insert(json_key(&key)?, value);
        }
        Some(Value::Object(map))
    }
}

fn negate(value: Value) -> Option<Value> {
    let Value::Number(number) = value else {
        return None;
    };
    if let Some(int) = number.as_u64() {
        if int == 0 {
            return Some(Value::from(0));
        }
        return i64::try_from(int)
            .ok()
            .and_then(i64::checked_neg)
            .map(Value::from)
            // -(2**63) fits; beyond it has no 64-bit form.
            .or_else(|| (int == 1u64 << 63).then(|| Value::from(i64::MIN)));
    }
    Number::from_f64(-number.as_f64()?).map(Value::Number)
}

/// Python's equality of two dict keys (numbers compare by value, `True == 1`).
fn py_equal(a: &Value, b: &Value) -> bool {
    let numeric = |value: &Value| match value {
        Value::Bool(flag) => Some(f64::from(u8::from(*flag))),
        Value::Number(number) => number.as_f64(),
        _ => None,
    };
    match (numeric(a), numeric(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// A dict key as Python's `json.dumps` writes it; `None` for keys JSON cannot hold.
fn json_key(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => match number.as_f64() {
            Some(float) if number.is_f64() => Some(super::python::float_repr(float)),
            _ => Some(number.to_string()),
        },
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null => Some("null".to_owned()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai::value::json;

    fn kept(text: &str) {
        assert_eq!(
            eval(text),
            None,
            "`{}` should keep its text",
            text.escape_debug()
        );
    }

    fn value(text: &str, expected: Value) {
        assert_eq!(eval(text), Some(expected), "`{}`", text.escape_debug());
    }

    #[test]
    fn numbers() {
        value("2", json!(2));
        value("5 ", json!(5));
        value("5\n", json!(5));
        value("5\n\n", json!(5));
        value("\n5", json!(5));
        value("\x0c5", json!(5));
        value("5 # five", json!(5));
        value("# c\n5", json!(5));
        value("-3", json!(-3));
        value("- 3", json!(-3));
        value("+5.5", json!(5.5));
        value("-(5)", json!(-5));
        value("-0", json!(0));
        value("00", json!(0));
        value("0_0", json!(0));
        value("1_000", json!(1000));
        value("0x_1f", json!(31));
        value("0XfF", json!(255));
        value("0o777", json!(511));
        value("0b101", json!(5));
        value("1.", json!(1.0));
        value(".5", json!(0.5));
        value("1e5", json!(100000.0));
        value("1E+5", json!(100000.0));
        value("1.e3", json!(1000.0));
        value("1_0.5", json!(10.5));
        value("0.0_1", json!(0.01));
        value("0.30000000000000004", json!(0.30000000000000004));
        value("-9223372036854775808", json!(i64::MIN));
        value("18446744073709551615", json!(u64::MAX));
        for text in [
            " 5",
            "\t5",
            "\n 5",
            "01",
            "0777",
            "0_7",
            "1__0",
            "1_",
            "1e",
            "1e_5",
            "1_e5",
            "1._5",
            "1abc",
            "1.2.3",
            "--5",
            "-True",
            "1+2",
            "1 2",
            "5\n6",
            "5;",
            "1j",
            "1.5j",
            "1e400",
            "12345678901234567890123",
            "-18446744073709551615",
            "5 \\\n",
        ] {
            kept(text);
        }
    }

    #[test]
    fn constants_and_containers() {
        value("True", json!(true));
        value("False", json!(false));
        value("None", Value::Null);
        value("[1, 2,]", json!([1, 2]));
        value("[1,\n 2]", json!([1, 2]));
        value("[1, \\\n 2]", json!([1, 2]));
        value("1, 2", json!([1, 2]));
        value("1,", json!([1]));
        value("()", json!([]));
        value("(1)", json!(1));
        value("((1,))", json!([1]));
        value("[(1, 2)]", json!([[1, 2]]));
        value("{}", json!({}));
        value("{'a': 1,}", json!({"a": 1}));
        value("{'a': 1, 'a': 2}", json!({"a": 2}));
        value("{1: 'a', True: 'b'}", json!({"1": "b"}));
        value("{1.5: 0, None: 1}", json!({"1.5": 0, "null": 1}));
        value(
            "{\"a\": 1, \"b\": [None, True]}",
            json!({"a": 1, "b": [null, true]}),
        );
        value("[-1.5, {'a': -1}]", json!([-1.5, {"a": -1}]));
        for text in [
            "true",
            "none",
            "x",
            "not 1",
            "{1, 2}",
            "set()",
            "...",
            "{**{}}",
            "[*[]]",
            "{(1, 2): 3}",
            "[1 2]",
            "(1",
            "1)",
            "5 if 1 else 2",
            "",
            " ",
            "\n",
            "# only",
        ] {
            kept(text);
        }
        let deep = format!("{}1{}", "[".repeat(150), "]".repeat(150));
        kept(&deep);
    }

    #[test]
    fn strings() {
        value("'quoted'", json!("quoted"));
        value("\"it's\"", json!("it's"));
        value("'a' 'b'", json!("ab"));
        value("('a'\n'b')", json!("ab"));
        value("u'x'", json!("x"));
        value("r'a\\tb'", json!("a\\tb"));
        value("'a\\tb\\x41\\u00e4\\101'", json!("a\tbAäA"));
        value("'\\777'", json!("ǿ"));
        value("'\\d'", json!("\\d"));
        value("'\\''", json!("'"));
        value("'''a\nb'''", json!("a\nb"));
        value("'a\\\nb'", json!("ab"));
        value("'\\U0001F600'", json!("😀"));
        for text in [
            "'abc",
            "'''",
            "'a'\n'b'",
            "b'x'",
            "rb'x'",
            "f'x'",
            "'\\N{BULLET}'",
            "'\\x4'",
            "'\\ud800'",
            "'a\nb'",
            "'\0'",
        ] {
            kept(text);
        }
    }

    #[test]
    fn text_that_is_not_a_literal_is_rejected_quickly() {
        for text in [
            "Billing",
            "3 normal",
            "[URGENT] Drucker",
            "Tickets found",
            "Das Ticket wurde der Queue Billing zugeordnet (Konfidenz: 0.93).",
            "12345 Rechnung",
            "OpenTicketAI::Unclassified",
        ] {
            kept(text);
        }
    }
}
