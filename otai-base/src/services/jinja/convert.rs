//! Conversions between the pipeline's values (`serde_json`) and minijinja's values.
//!
//! Only what a template actually touches is converted: a helper converts the one value it
//! returns, never the whole context.

use minijinja::Value as Jinja;
use otai::interfaces::TemplateError;
use otai::Value;

/// A pipeline value as a template value.
pub(crate) fn to_jinja(value: &Value) -> Jinja {
    match value {
        Value::Null => Jinja::from(()),
        Value::Bool(flag) => Jinja::from(*flag),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Jinja::from(int)
            } else if let Some(uint) = number.as_u64() {
                Jinja::from(uint)
            } else {
                Jinja::from(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(text) => Jinja::from(text.as_str()),
        Value::Array(items) => Jinja::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| (Jinja::from(key.as_str()), to_jinja(item)))
            .collect(),
    }
}

/// A template value as a pipeline value. Undefined values inside lists and maps become `null`.
pub(crate) fn to_value(value: &Jinja) -> Result<Value, TemplateError> {
    serde_json::to_value(value).map_err(|error| {
        TemplateError::new(format!(
            "the template's value cannot be used as data: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai::value::json;

    #[test]
    fn values_round_trip() {
        let value = json!({
            "id": 7,
            "big": u64::MAX,
            "confidence": 0.87,
            "subject": "Rechnung",
            "tags": ["a", null, true],
            "queue": {"name": "Billing"},
        });
        let back = to_value(&to_jinja(&value)).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn map_order_is_kept() {
        let value = json!({"z": 1, "a": 2, "m": 3});
        let back = to_value(&to_jinja(&value)).unwrap();
        let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }
}
