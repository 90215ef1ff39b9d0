//! A string that never shows itself by accident.

use std::fmt;

use serde::{Deserialize, Deserializer, Serializer};

/// A secret value: a password, a token, a licence key.
///
/// **It never prints itself:** `Debug` shows `Secret(***)`, `Display` shows `***`, and it does
/// not implement `Serialize`, so a type holding one cannot be logged, traced or put into a
/// request body by a derive that nobody looked at — such a derive does not compile.
///
/// **Getting the value is explicit:** [`Secret::expose`] returns the text at the one place
/// that must send it (a request body, an `Authorization` header). To serialize a field that
/// holds a secret — a request to a remote API, say — mark the field, so the exposure is
/// visible where the type is declared:
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Login<'a> {
///     user: &'a str,
///     #[serde(serialize_with = "otai::secret::serialize_exposed")]
///     password: otai::Secret,
/// }
///
/// let body = serde_json::to_string(&Login { user: "bob", password: otai::Secret::new("hunter2") }).unwrap();
/// assert_eq!(body, r#"{"user":"bob","password":"hunter2"}"#);
/// ```
///
/// In configs, a secret is written like any string (`password: "{{ get_env('PW') }}"`);
/// deserializing accepts a number too (`${PIN}` → `1234`), keeping its text.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret text. Call it only where the value leaves the process.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string (a common sign of an unset variable).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;

        impl serde::de::Visitor<'_> for SecretVisitor {
            type Value = Secret;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret string")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Secret, E> {
                Ok(Secret::new(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Secret, E> {
                Ok(Secret::new(value.to_string()))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Secret, E> {
                Ok(Secret::new(value.to_string()))
            }
        }

        deserializer.deserialize_any(SecretVisitor)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = gen.subschema_for::<String>();
        schema.insert(
            "description".to_owned(),
            "A secret: never logged; prefer `{{ get_env('NAME') }}` or `${NAME}`".into(),
        );
        schema
    }
}

/// Serializes a [`Secret`] as its real text: `#[serde(serialize_with =
/// "otai::secret::serialize_exposed")]` on a field that must leave the process.
pub fn serialize_exposed<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

/// [`serialize_exposed`] for an optional secret.
pub fn serialize_exposed_option<S: Serializer>(
    secret: &Option<Secret>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => serializer.serialize_some(secret.expose()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_themselves() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?} {secret}"), "Secret(***) ***");
        let nested = Some(vec![secret.clone()]);
        assert!(!format!("{nested:?}").contains("hunter2"));
        assert!(!format!("{:#?}", (1, &secret)).contains("hunter2"));
    }

    #[test]
    fn the_value_is_reachable_explicitly() {
        let secret = Secret::new("hunter2");
        assert_eq!(secret.expose(), "hunter2");

        #[derive(serde::Serialize)]
        struct Body {
            #[serde(serialize_with = "serialize_exposed")]
            password: Secret,
            #[serde(serialize_with = "serialize_exposed_option")]
            token: Option<Secret>,
        }
        let body = Body {
            password: secret,
            token: Some(Secret::new("t0k")),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"password":"hunter2","token":"t0k"}"#
        );
    }

    #[test]
    fn numbers_keep_their_text() {
        let secret: Secret = serde_json::from_value(serde_json::json!(1234)).unwrap();
        assert_eq!(secret.expose(), "1234");
        let text: Secret = serde_json::from_value(serde_json::json!("007")).unwrap();
        assert_eq!(text.expose(), "007");
        assert!(serde_json::from_value::<Secret>(serde_json::json!([1])).is_err());
    }
}
