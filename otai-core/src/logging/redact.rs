//! Keeping secrets out of logs and error messages.
//!
//! A param is secret when its name contains `password`, `token`, `secret` or `api_key`
//! (any case), or when it is typed [`crate::Secret`].

use crate::value::Value;

/// The mask written in place of a secret.
pub const MASK: &str = "***";

const SECRET_WORDS: &[&str] = &["password", "passwd", "token", "secret", "api_key", "apikey"];

/// Whether a param or key of this name holds a secret.
pub fn is_secret_key(name: &str) -> bool {
    let lower = name.to_lowercase().replace('-', "_");
    SECRET_WORDS.iter().any(|word| lower.contains(word))
}

/// A copy of `value` with every secret-named entry masked, at any depth.
pub fn value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, item)| {
                    let masked = if is_secret_key(key) && !item.is_null() {
                        Value::String(MASK.to_owned())
                    } else {
                        self::value(item)
                    };
                    (key.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(self::value).collect()),
        other => other.clone(),
    }
}

/// `message` with every double- or backtick-quoted part masked (serde quotes the offending
/// value: ``invalid type: string "hunter2"``).
pub fn quoted_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            for inner in chars.by_ref() {
                if inner == '"' {
                    out.push_str(MASK);
                    out.push('"');
                    break;
                }
            }
        }
    }
    out
}

/// Config source text with the values of secret-named keys masked, line by line, keeping
/// every line's byte length so positions still point at the right place.
pub fn source_text(text: &str) -> String {
    text.split_inclusive('\n').map(mask_line).collect()
}

fn mask_line(line: &str) -> String {
    let Some(colon) = line.find(':') else {
        return line.to_owned();
    };
    let key = line[..colon]
        .trim()
        .trim_start_matches("- ")
        .trim()
        .trim_matches(['"', '\'']);
    if !is_secret_key(key) {
        return line.to_owned();
    }
    let after = &line[colon + 1..];
    let value_offset = colon + 1 + (after.len() - after.trim_start().len());
    let body = line[value_offset..].trim_end_matches(['\n', '\r']);
    let value_len = body[..body.find(" #").unwrap_or(body.len())].trim_end().len();
    if value_len == 0 || body.starts_with('#') {
        return line.to_owned();
    }
    let mask = if value_len >= MASK.len() {
        format!("{MASK}{}", " ".repeat(value_len - MASK.len()))
    } else {
        "*".repeat(value_len)
    };
    format!("{}{mask}{}", &line[..value_offset], &line[value_offset + value_len..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_recognised() {
        for name in ["password", "Password", "api_token", "client-secret", "API_KEY", "apikey"] {
            assert!(is_secret_key(name), "{name}");
        }
        for name in ["user", "base_url", "queue"] {
            assert!(!is_secret_key(name), "{name}");
        }
    }

    #[test]
    fn values_are_masked_at_any_depth() {
        let masked = value(&json!({"user": "a", "auth": {"password": "hunter2"}, "list": [{"token": "t"}]}));
        assert_eq!(masked, json!({"user": "a", "auth": {"password": "***"}, "list": [{"token": "***"}]}));
    }

    #[test]
    fn quoted_parts_of_messages_are_masked() {
        assert_eq!(
            quoted_values("invalid type: string \"hunter2\", expected u16"),
            "invalid type: string \"***\", expected u16"
        );
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
