//! The dynamic value type exchanged between pipes and seen by templates.
//!
//! It is `serde_json`'s value (with insertion-ordered maps), so any `Serialize` type converts
//! into it and plugin authors need to learn nothing new.

pub use serde_json::{json, Map, Number, Value};

/// Reads `value` at a dotted path (`a.b.0.c`): map keys, or list indices for lists.
pub fn at_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.')
        .try_fold(value, |current, segment| match current {
            Value::Object(map) => map.get(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
}

/// "a list", "a string"… for messages about a value of the wrong kind.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_path_walks_maps_and_lists() {
        let value = json!({"a": {"b": [10, {"c": "x"}]}});
        assert_eq!(at_path(&value, "a.b.1.c"), Some(&json!("x")));
        assert_eq!(at_path(&value, "a.b.0"), Some(&json!(10)));
        assert_eq!(at_path(&value, ""), Some(&value));
        assert_eq!(at_path(&value, "a.missing"), None);
        assert_eq!(at_path(&value, "a.b.x"), None);
    }
}
