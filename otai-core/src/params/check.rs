//! Type-checking params before anything runs: templates stand in as placeholders.
//!
//! A placeholder answers whatever type is asked for, so a template is accepted wherever its
//! value will only be known at run time, while literal mistakes (a wrong type, an unknown or
//! missing field) are found up front, with their path.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::lenient::Lenient;
use super::tree::ParamTree;
use super::{config_path, ParamsError};
use crate::value::{Map, Value};

/// Type-checks `tree` against `T` with placeholders for templates.
///
/// A placeholder answers whatever type is asked for, but a type that decides for itself
/// (`deserialize_any`: durations, untagged enums) may reject it. Then the template is replaced
/// by the next literal candidate (`0`, `false`, `{}`, `[]`, `null`) and the check runs again,
/// so fields after it are still checked. A mistake found only at a templated position is not
/// one: the value is known only at run time.
pub(crate) fn check<T: DeserializeOwned>(tree: &ParamTree) -> Result<(), ParamsError> {
    let candidates = || {
        [
            Value::from(0),
            Value::Bool(false),
            Value::Object(Map::new()),
            Value::Array(Vec::new()),
            Value::Null,
        ]
    };
    let mut working = std::borrow::Cow::Borrowed(tree);
    // Templated positions already replaced by a candidate, with the next candidate to try.
    let mut replaced: Vec<(Vec<Step>, usize)> = Vec::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(TreeDeserializer(&working)) {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        let steps = working.template_steps(error.path()).or_else(|| {
            replaced
                .iter()
                .map(|(steps, _)| steps)
                .find(|steps| path_starts_with(error.path(), steps))
                .cloned()
        });
        let Some(steps) = steps else {
            return Err(ParamsError {
                path: config_path(error.path()),
                message: error.inner().to_string(),
            });
        };
        let slot = match replaced.iter().position(|(s, _)| *s == steps) {
            Some(slot) => slot,
            None => {
                replaced.push((steps.clone(), 0));
                replaced.len() - 1
            }
        };
        let Some(candidate) = candidates().into_iter().nth(replaced[slot].1) else {
            // No literal fits either: leave the judgement to run time.
            return Ok(());
        };
        replaced[slot].1 += 1;
        working
            .to_mut()
            .replace_at(&steps, ParamTree::literal(candidate));
    }
}

/// One step from a tree node to a child: a list index or a map entry index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Index(usize),
    Key(String),
}

fn path_starts_with(path: &serde_path_to_error::Path, steps: &[Step]) -> bool {
    use serde_path_to_error::Segment;
    let segments: Vec<&Segment> = path.iter().collect();
    segments.len() >= steps.len()
        && steps
            .iter()
            .zip(&segments)
            .all(|(step, segment)| match (step, segment) {
                (Step::Index(i), Segment::Seq { index }) => i == index,
                (Step::Key(k), Segment::Map { key }) => k == key,
                _ => false,
            })
}

impl ParamTree {
    /// The steps to the template at, or above, `path`; `None` if no template is there.
    fn template_steps(&self, path: &serde_path_to_error::Path) -> Option<Vec<Step>> {
        use serde_path_to_error::Segment;
        let mut node = self;
        let mut steps = Vec::new();
        for segment in path.iter() {
            if matches!(node, Self::Template(..)) {
                return Some(steps);
            }
            let next = match (node, segment) {
                (Self::List(items), Segment::Seq { index }) => {
                    steps.push(Step::Index(*index));
                    items.get(*index)
                }
                (Self::Map(entries), Segment::Map { key }) => {
                    steps.push(Step::Key(key.clone()));
                    entries.iter().find(|(k, _)| k == key).map(|(_, item)| item)
                }
                _ => None,
            };
            node = next?;
        }
        matches!(node, Self::Template(..)).then_some(steps)
    }

    /// Replaces the node reached by `steps`.
    fn replace_at(&mut self, steps: &[Step], replacement: ParamTree) {
        let Some((first, rest)) = steps.split_first() else {
            *self = replacement;
            return;
        };
        let child = match (self, first) {
            (Self::List(items), Step::Index(index)) => items.get_mut(*index),
            (Self::Map(entries), Step::Key(key)) => entries
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, item)| item),
            _ => None,
        };
        if let Some(child) = child {
            child.replace_at(rest, replacement);
        }
    }
}

/// Deserializes a [`ParamTree`], answering for templates with [`Placeholder`].
struct TreeDeserializer<'a>(&'a ParamTree);

#[derive(Debug)]
struct CheckError(String);

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckError {}

impl de::Error for CheckError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

macro_rules! tree_forward {
    ($($method:ident ( $($arg:ident : $ty:ty),* )),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, CheckError> {
            match self.0 {
                ParamTree::Literal(value) => Lenient(value.as_ref()).$method($($arg,)* visitor).map_err(de::Error::custom),
                ParamTree::Template(..) => Placeholder.$method($($arg,)* visitor),
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for TreeDeserializer<'de> {
    type Error = CheckError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        match self.0 {
            ParamTree::Literal(value) => Lenient(value.as_ref())
                .deserialize_any(visitor)
                .map_err(de::Error::custom),
            ParamTree::Template(..) => Placeholder.deserialize_any(visitor),
            ParamTree::List(items) => visitor.visit_seq(de::value::SeqDeserializer::new(
                items.iter().map(TreeDeserializer),
            )),
            ParamTree::Map(entries) => visitor.visit_map(de::value::MapDeserializer::new(
                entries
                    .iter()
                    .map(|(key, item)| (key.as_str(), TreeDeserializer(item))),
            )),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        match self.0 {
            ParamTree::Literal(value) => Lenient(value.as_ref())
                .deserialize_option(visitor)
                .map_err(de::Error::custom),
            ParamTree::Template(..) => Placeholder.deserialize_option(visitor),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        match self.0 {
            ParamTree::Literal(value) => Lenient(value.as_ref())
                .deserialize_newtype_struct(name, visitor)
                .map_err(de::Error::custom),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    tree_forward! {
        deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(),
        deserialize_i64(), deserialize_u8(), deserialize_u16(), deserialize_u32(),
        deserialize_u64(), deserialize_f32(), deserialize_f64(), deserialize_char(),
        deserialize_str(), deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
        deserialize_unit(), deserialize_unit_struct(name: &'static str),
        deserialize_seq(), deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(), deserialize_ignored_any(),
    }
}

impl<'de> IntoDeserializer<'de, CheckError> for TreeDeserializer<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Stands in for a template's future value: answers every request with a plausible value of
/// the requested type, so type checks pass where the value is known only at run time.
#[derive(Clone, Copy)]
struct Placeholder;

impl<'de> IntoDeserializer<'de, CheckError> for Placeholder {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Placeholder {
    type Error = CheckError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_str("")
    }
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_bool(false)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_i64(0)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_u64(0)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_f64(0.0)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_char('x')
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_none()
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_seq(de::value::SeqDeserializer::new(std::iter::empty::<
            Placeholder,
        >()))
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        visitor.visit_seq(de::value::SeqDeserializer::new(std::iter::repeat_n(
            Placeholder,
            len,
        )))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        self.deserialize_tuple(len, visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<(
            &str,
            Placeholder,
        )>()))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        visitor.visit_map(de::value::MapDeserializer::new(
            fields.iter().map(|field| (*field, Placeholder)),
        ))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        let variant = variants.first().copied().unwrap_or_default();
        visitor.visit_enum(PlaceholderEnum(variant))
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_unit()
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_i8(0)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_i16(0)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_i32(0)
    }
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_i128(0)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_u8(0)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_u16(0)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_u32(0)
    }
    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_u128(0)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        visitor.visit_f32(0.0)
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct identifier
    }
}

struct PlaceholderEnum(&'static str);

impl<'de> de::EnumAccess<'de> for PlaceholderEnum {
    type Error = CheckError;
    type Variant = Placeholder;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Placeholder), CheckError> {
        let variant = seed.deserialize(self.0.into_deserializer())?;
        Ok((variant, Placeholder))
    }
}

impl<'de> de::VariantAccess<'de> for Placeholder {
    type Error = CheckError;

    fn unit_variant(self) -> Result<(), CheckError> {
        Ok(())
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, CheckError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::super::tree::tests::compile;
    use super::*;
    use crate::path::ConfigPath;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Note {
        subject: String,
        body: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        ticket_id: String,
        limit: u32,
        note: Note,
        tags: Option<Vec<String>>,
    }

    #[test]
    fn templated_fields_pass_the_type_check() {
        let tree = compile(json!({
            "ticket_id": "{{ t }}",
            "limit": "{{ n }}",
            "note": "{{ whole_note }}",
        }));
        assert_eq!(check::<Params>(&tree), Ok(()));
    }

    #[test]
    fn literal_mistakes_fail_the_type_check_with_their_path() {
        let tree = compile(json!({
            "ticket_id": "{{ t }}",
            "limit": "ten",
            "note": {"subject": "s", "body": "{{ b }}"},
        }));
        let error = check::<Params>(&tree).unwrap_err();
        assert_eq!(error.path, ConfigPath::of_key("limit"));
        assert!(error.message.contains("invalid type"), "{}", error.message);
    }

    #[test]
    fn numbers_written_as_text_pass() {
        let tree = compile(json!({
            "ticket_id": 7, "limit": "10", "note": {"subject": "s", "body": "b"},
        }));
        assert_eq!(check::<Params>(&tree), Ok(()));
    }

    #[test]
    fn unknown_fields_are_found_beside_templates() {
        // Everything required is there: only the extra key can fail the check.
        let tree = compile(json!({
            "ticket_id": "{{ t }}",
            "limit": 1,
            "note": {"subject": "s", "body": "{{ b }}", "bdy": "x"},
        }));
        let error = check::<Params>(&tree).unwrap_err();
        assert_eq!(error.path, ConfigPath::of_key("note").key("bdy"));
        assert!(
            error.message.contains("unknown field `bdy`"),
            "{}",
            error.message
        );
    }

    #[test]
    fn missing_fields_are_found() {
        let tree = compile(json!({"ticket_id": "{{ t }}", "note": "{{ n }}"}));
        let error = check::<Params>(&tree).unwrap_err();
        assert!(
            error.message.contains("missing field `limit`"),
            "{}",
            error.message
        );
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Timed {
        interval: crate::Duration,
        small: u8,
        name: String,
    }

    #[test]
    fn checking_goes_on_after_templates_that_refuse_the_placeholder() {
        // `Duration` rejects the string placeholder; the check retries with `0` and goes on
        // to find the literal mistake after it.
        let tree = compile(json!({"interval": "{{ i }}", "small": "{{ s }}", "name": [5]}));
        let error = check::<Timed>(&tree).unwrap_err();
        assert_eq!(error.path, ConfigPath::of_key("name"));
        let typo = compile(json!({"interval": "{{ i }}", "small": 1, "name": "n", "intervall": 5}));
        assert_eq!(
            check::<Timed>(&typo).unwrap_err().path,
            ConfigPath::of_key("intervall")
        );
        let fine = compile(json!({"interval": "{{ i }}", "small": "{{ s }}", "name": "{{ n }}"}));
        assert_eq!(check::<Timed>(&fine), Ok(()));
    }
}
