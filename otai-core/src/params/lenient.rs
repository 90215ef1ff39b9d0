//! Reading params into their types the way the original (pydantic) does: a number or a
//! boolean may be written as a string, and a string param may be given a number.
//!
//! This is what lets `port: ${PORT}`, `limit: "{{ n }}"` or a `.env` value reach a numeric
//! param, while a password `${PIN}` stays exactly the text it was (`007`, not `7`): the
//! *param's* type decides, never the key's name or the look of the value.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Error;

use crate::value::Value;

/// A [`Value`] deserializer that converts scalars into the type asked for.
#[derive(Clone, Copy)]
pub(crate) struct Lenient<'a>(pub(crate) &'a Value);

impl fmt::Debug for Lenient<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lenient")
    }
}

macro_rules! number_from_text {
    ($($method:ident => $ty:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::String(text) => match text.trim().parse::<$ty>() {
                    Ok(number) => visitor.$visit(number),
                    Err(_) => self.0.$method(visitor),
                },
                _ => self.0.$method(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Lenient<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Entries {
                entries: map.iter(),
                value: None,
            }),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    number_from_text! {
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128;
        deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => visitor.visit_bool(true),
                "false" => visitor.visit_bool(false),
                _ => self.0.deserialize_bool(visitor),
            },
            _ => self.0.deserialize_bool(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Number(number) => visitor.visit_string(number.to_string()),
            _ => self.0.deserialize_str(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'a> IntoDeserializer<'a, Error> for Lenient<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'a> SeqAccess<'a> for Items<'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Lenient(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    entries: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> MapAccess<'a> for Entries<'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Lenient(value)),
            None => Err(de::Error::custom(
                "a map value was asked for before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Settings {
        port: u16,
        ratio: f64,
        enabled: bool,
        name: String,
        pin: Option<String>,
        nested: Vec<Inner>,
        free: Value,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        limit: usize,
    }

    #[test]
    fn scalars_take_the_type_asked_for() {
        let value = json!({
            "port": "8080", "ratio": " 0.5 ", "enabled": "true", "name": 42,
            "pin": "007", "nested": [{"limit": "3"}], "free": "5"
        });
        let settings = Settings::deserialize(Lenient(&value)).unwrap();
        assert_eq!(settings.port, 8080);
        assert_eq!(settings.ratio, 0.5);
        assert!(settings.enabled);
        assert_eq!(settings.name, "42");
        assert_eq!(settings.pin.as_deref(), Some("007"), "text stays text");
        assert_eq!(settings.nested, [Inner { limit: 3 }]);
        assert_eq!(
            settings.free,
            json!("5"),
            "an untyped param keeps the string"
        );
    }

    #[test]
    fn text_that_is_no_number_is_still_an_error() {
        let value = json!({"limit": "ten"});
        let error = Inner::deserialize(Lenient(&value)).unwrap_err();
        assert!(
            error.to_string().contains("invalid type: string \"ten\""),
            "{error}"
        );
    }

    #[test]
    fn unknown_fields_are_still_rejected() {
        let value = json!({"limit": 1, "limt": 2});
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            limit: usize,
        }
        let error = Strict::deserialize(Lenient(&value)).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `limt`"),
            "{error}"
        );
    }
}
