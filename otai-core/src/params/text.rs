//! Which params are text: read from the params type's JSON Schema once per config load.
//!
//! The original renders every template to text and then reads that text as a Python literal,
//! so `{{ ticket.subject }}` of a ticket whose subject is `None`, `True` or `[1, 2]` becomes
//! null, a boolean or a list — and a param that wants text (a classifier's `text`) rejects
//! it. Ticket content is untrusted: a param whose type is text takes the rendered text as it
//! is, and literal evaluation applies only where the param's type wants a value (a number, a
//! list, a map, anything), so configurations that rely on it keep working.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};

use crate::path::{ConfigPath, Segment};
use crate::value::{Map, Value};

/// How many `$ref`/`allOf` hops a lookup follows before it gives up (a recursive type).
const MAX_HOPS: usize = 64;

/// The keywords that combine schemas: a param behind one of them is not plain text.
const COMBINATORS: [&str; 7] = ["allOf", "anyOf", "oneOf", "not", "if", "then", "else"];

/// The text params of one params type.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextParams {
    /// The params type's schema; `None` when every param is read as a value.
    root: Option<Root>,
}

/// A params schema with the definitions its `$ref`s point at.
#[derive(Debug, Clone)]
struct Root {
    schema: Value,
    definitions: Map<String, Value>,
}

impl TextParams {
    /// Reads the params schema `schema_of` generates.
    pub(crate) fn from_schema(schema_of: impl FnOnce(&mut SchemaGenerator) -> Schema) -> Self {
        let mut gen = SchemaSettings::draft07().into_generator();
        let schema = schema_of(&mut gen).to_value();
        let definitions = gen.take_definitions(true);
        if !schema.is_object() {
            return Self::default();
        }
        Self {
            root: Some(Root {
                schema,
                definitions,
            }),
        }
    }

    /// No param is text (every template is read as a value, as the original does).
    #[cfg(test)]
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// Whether the param at `path` (inside the params) is text: its type is a string,
    /// possibly optional, and nothing else.
    pub(crate) fn is_text(&self, path: &ConfigPath) -> bool {
        let Some(root) = &self.root else {
            return false;
        };
        let Some(mut schema) = root.resolve(&root.schema) else {
            return false;
        };
        for segment in path.segments() {
            let child = match segment {
                Segment::Key(key) => schema
                    .get("properties")
                    .and_then(|properties| properties.get(key.as_str()))
                    .or_else(|| schema.get("additionalProperties")),
                Segment::Index(index) => match schema.get("items") {
                    Some(Value::Array(items)) => items.get(*index),
                    Some(item) => Some(item),
                    None => schema
                        .get("prefixItems")
                        .and_then(|items| items.get(*index)),
                },
            };
            schema = match child.and_then(|child| root.resolve(child)) {
                Some(next) => next,
                None => return false,
            };
        }
        is_string_only(schema)
    }
}

impl Root {
    /// `schema` with its references followed: a `$ref`, or an `allOf` of one schema (how
    /// schemars attaches a doc comment to a referenced type). `None` for a boolean schema or
    /// a reference that leads nowhere.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> Option<&'a Value> {
        for _ in 0..MAX_HOPS {
            let object = schema.as_object()?;
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let name = reference.rsplit('/').next()?;
                schema = self.definitions.get(name)?;
                continue;
            }
            let single = object
                .get("allOf")
                .and_then(Value::as_array)
                .filter(|all| all.len() == 1 && !object.contains_key("type"));
            match single.and_then(|all| all.first()) {
                Some(next) => schema = next,
                None => return Some(schema),
            }
        }
        None
    }
}

/// Whether `schema` admits strings and nothing else but null.
fn is_string_only(schema: &Value) -> bool {
    if COMBINATORS
        .iter()
        .any(|keyword| schema.get(keyword).is_some())
    {
        return false;
    }
    match schema.get("type") {
        Some(Value::String(kind)) => kind == "string",
        Some(Value::Array(kinds)) => {
            kinds.iter().any(|kind| kind == "string")
                && kinds.iter().all(|kind| kind == "string" || kind == "null")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;

    use super::*;
    use crate::value::Value;

    /// A note as a pipe's params would hold it.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Note {
        /// The subject.
        subject: String,
        body: Option<String>,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Params {
        text: String,
        limit: u32,
        anything: Value,
        /// Documented, so schemars wraps the reference in `allOf`.
        note: Note,
        notes: Vec<Note>,
        labels: BTreeMap<String, String>,
        either: Either,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(u32),
    }

    fn path(text: &str) -> ConfigPath {
        let mut path = ConfigPath::root();
        for part in text.split('.') {
            match part.parse::<usize>() {
                Ok(index) => path.push_index(index),
                Err(_) => path.push_key(part),
            }
        }
        path
    }

    #[test]
    fn strings_are_text_and_everything_else_a_value() {
        let types = TextParams::from_schema(|gen| gen.subschema_for::<Params>());
        for text in [
            "text",
            "note.subject",
            "note.body",
            "notes.3.subject",
            "labels.x",
        ] {
            assert!(types.is_text(&path(text)), "{text}");
        }
        for value in [
            "limit", "anything", "note", "notes", "either", "unknown", "text.x",
        ] {
            assert!(!types.is_text(&path(value)), "{value}");
        }
        assert!(!TextParams::none().is_text(&path("text")));
    }
}
