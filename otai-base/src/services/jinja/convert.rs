//! Conversions between the pipeline's values (`serde_json`) and minijinja's values.
//!
//! Lists and maps of the pipe context reach templates as lazy [`JsonView`]s; these eager
//! conversions serve the rest (scalars, values built by templates).

use minijinja::Value as Jinja;
use otai::interfaces::TemplateError;
use otai::Value;

use super::view::{scalar_to_jinja, JsonView};

/// A pipeline value as a template value, converted in full.
pub(crate) fn to_jinja(value: &Value) -> Jinja {
    match value {
        Value::Array(items) => Jinja::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Object(map) => map
            .iter()
            .map(|(key, item)| (Jinja::from(key.as_str()), to_jinja(item)))
            .collect(),
        scalar => scalar_to_jinja(scalar),
    }
}

/// A template value as a pipeline value. A view of the context is copied from the context
/// directly; undefined values inside lists and maps become `null`; `fail()`'s marker becomes
/// the marker map. A non-finite number is an error.
pub(crate) fn to_value(value: &Jinja) -> Result<Value, TemplateError> {
    if let Some(view) = value.downcast_object_ref::<JsonView>() {
        if let Some(found) = view.resolve() {
            return Ok(found.clone());
        }
    }
    if value.is_number() && !value.is_integer() {
        // JSON has no infinity or NaN (Python raises for `1 / 0`).
        if let Ok(float) = f64::try_from(value.clone()) {
            if !float.is_finite() {
                return Err(TemplateError::new(format!(
                    "the template's value {float} is not a finite number (a division by zero?)"
                )));
            }
        }
    }
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
