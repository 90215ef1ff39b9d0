//! Keeping secrets out of logs and error messages.
//!
//! A key names a secret when one of its words (split at `_`, `-` and case changes) is
//! `password`, `passwd`, `token`, `secret`, `apikey`, or the pair `api key`: `api_token`,
//! `clientSecret` and `API-KEY` are secrets; `max_tokens` and `tokens_per_minute` are not.
//! Values typed [`crate::Secret`] never print themselves in the first place.

use heck::ToSnakeCase;

use crate::path::ConfigPath;
use crate::value::{Map, Value};

/// The mask written in place of a secret.
pub const MASK: &str = "***";

const SECRET_WORDS: &[&str] = &["password", "passwd", "token", "secret", "apikey"];

/// Whether a param or key of this name holds a secret (see the [module docs](self)).
pub fn is_secret_key(name: &str) -> bool {
    let snake = name.replace('-', "_").to_snake_case();
    let words: Vec<&str> = snake.split('_').filter(|w| !w.is_empty()).collect();
    words.iter().any(|word| SECRET_WORDS.contains(word))
        || words.windows(2).any(|pair| pair == ["api", "key"])
}

/// A copy of `value` with every secret-named entry masked, at any depth.
pub fn value(value: &Value) -> Value {
    match value {
        Value::Object(entries) => Value::Object(map(entries)),
        Value::Array(items) => Value::Array(items.iter().map(self::value).collect()),
        other => other.clone(),
    }
}

/// `message` with every double-quoted and backtick-quoted part masked (serde quotes the
/// offending value: ``invalid type: string "hunter2"``, ``invalid type: integer `918273` ``).
pub fn quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' || c == '`' {
            for inner in chars.by_ref() {
                if inner == c {
                    out.push_str(MASK);
                    out.push(c);
                    break;
                }
            }
        }
    }
    out
}

/// Whether any key along `path` names a secret (`params.auth.password`, `auth_token[1]`).
pub fn is_secret_path(path: &ConfigPath) -> bool {
    path.keys().any(is_secret_key)
}

/// A copy of `map` with every secret-named entry masked, at any depth.
pub fn map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .map(|(key, item)| {
            let masked = if is_secret_key(key) && !item.is_null() {
                Value::String(MASK.to_owned())
            } else {
                value(item)
            };
            (key.clone(), masked)
        })
        .collect()
}

/// Config source text with the values of secret-named keys masked, line by line, keeping
/// every line's byte length so positions still point at the right place.
pub fn source_text(text: &str) -> String {
    text.split_inclusive('\n').map(mask_line).collect()
}

/// Masks the value after every secret-named key of a line, in block (`password: x`) and flow
/// (`{ password: x, user: y }`) style, keeping the line's byte length.
fn mask_line(line: &str) -> String {
    let bytes = line.as_bytes();
    let mut out = line.as_bytes().to_vec();
    let mut search_from = 0;
    while let Some(found) = line[search_from..].find(':') {
        let colon = search_from + found;
        search_from = colon + 1;
        let after_colon = bytes.get(colon + 1).copied();
        if !matches!(after_colon, None | Some(b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        let key_start = line[..colon]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '"' | '\'')))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let key = line[key_start..colon].trim_matches(['"', '\'']);
        if key.is_empty() || !is_secret_key(key) {
            continue;
        }
        let mut start = colon + 1;
        while start < bytes.len() && matches!(bytes[start], b' ' | b'\t') {
            start += 1;
        }
        let mut end = start;
        let mut depth = 0i32;
        while end < bytes.len() {
            match bytes[end] {
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth == 0 => break,
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => break,
                b'#' if end > start && bytes[end - 1] == b' ' => break,
                b'\n' | b'\r' => break,
                _ => {}
            }
            end += 1;
        }
        while end > start && bytes[end - 1] == b' ' {
            end -= 1;
        }
        for (i, byte) in out[start..end].iter_mut().enumerate() {
            *byte = if i < MASK.len() { b'*' } else { b' ' };
        }
        search_from = end.max(search_from);
    }
    // Only ASCII bytes inside the masked range were replaced by ASCII, but a multi-byte
    // character may have been cut; fall back to the lossy form in that case.
    String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_recognised_by_whole_words() {
        for name in [
            "password",
            "Password",
            "api_token",
            "client-secret",
            "clientSecret",
            "API_KEY",
            "apiKey",
            "apikey",
            "db_passwd",
            "token",
        ] {
            assert!(is_secret_key(name), "{name}");
        }
        for name in [
            "user",
            "base_url",
            "queue",
            "max_tokens",
            "tokens_per_minute",
            "tokenizer",
            "secretary",
            "keyboard_api",
        ] {
            assert!(!is_secret_key(name), "{name}");
        }
    }

    #[test]
    fn values_are_masked_at_any_depth() {
        let masked =
            value(&json!({"user": "a", "auth": {"password": "hunter2"}, "list": [{"token": "t"}]}));
        assert_eq!(
            masked,
            json!({"user": "a", "auth": {"password": "***"}, "list": [{"token": "***"}]})
        );
    }

    #[test]
    fn quoted_parts_of_messages_are_masked() {
        assert_eq!(
            quoted_values("invalid type: string \"hunter2\", expected u16"),
            "invalid type: string \"***\", expected u16"
        );
        assert_eq!(
            quoted_values("invalid type: integer `918273`, expected a string"),
            "invalid type: integer `***`, expected a string"
        );
    }

    #[test]
    fn secret_paths_are_recognised_at_any_segment() {
        let path = |keys: &[&str]| {
            keys.iter()
                .fold(ConfigPath::root(), |path, key| path.key(key))
        };
        assert!(is_secret_path(&path(&["params", "auth", "password"])));
        assert!(is_secret_path(&path(&["auth_token"]).index(1)));
        assert!(is_secret_path(&path(&["api_token", "value"])));
        assert!(!is_secret_path(&path(&[
            "params",
            "ticket_search_criteria",
            "limit"
        ])));
        assert!(!is_secret_path(&path(&["params", "max_tokens"])));
    }

    #[test]
    fn flow_style_secrets_are_masked() {
        let text = "    t: { use: x, params: { password: [\"hunter2\"], user: bob } }\n";
        let masked = source_text(text);
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains("user: bob"), "{masked}");
        assert_eq!(masked.len(), text.len());
    }

    #[test]
    fn source_lines_keep_their_shape_but_lose_the_secret() {
        let text = "  user: bob\n  password: \"hunter2\"  # x\n";
        let masked = source_text(text);
        assert!(!masked.contains("hunter2"), "{masked}");
        assert_eq!(masked.len(), text.len());
        assert!(masked.contains("user: bob"));
    }
}
