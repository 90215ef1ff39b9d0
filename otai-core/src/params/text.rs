//! Which params are text: read from the params type's JSON Schema once per config load.
//!
//! The original renders every template to text and then reads that text as a Python literal,
//! so `{{ ticket.subject }}` of a ticket whose subject is `None`, `True` or `[1, 2]` becomes
//! null, a boolean or a list — and a param that wants text (a classifier's `text`) rejects
//! it. Ticket content is untrusted: a param whose type is text takes the rendered text as it
//! is, and literal evaluation applies only where the param's type wants a value (a number, a
//! list, a map, anything), so configurations that rely on it keep working.

use schemars::gen::{SchemaGenerator, SchemaSettings};
use schemars::schema::{InstanceType, RootSchema, Schema, SchemaObject, SingleOrVec};

use crate::path::{ConfigPath, Segment};

/// How many `$ref`/`allOf` hops a lookup follows before it gives up (a recursive type).
const MAX_HOPS: usize = 64;

/// The text params of one params type.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextParams {
    /// The params type's schema; `None` when every param is read as a value.
    root: Option<RootSchema>,
}

impl TextParams {
    /// Reads the params schema `schema_of` generates.
    pub(crate) fn from_schema(schema_of: impl FnOnce(&mut SchemaGenerator) -> Schema) -> Self {
        let mut gen = SchemaSettings::draft07().into_generator();
        let schema = schema_of(&mut gen);
        let definitions = gen.take_definitions();
        let schema = match schema {
            Schema::Object(object) => object,
            Schema::Bool(_) => return Self::default(),
        };
        Self {
            root: Some(RootSchema {
                meta_schema: None,
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
        let mut schema = match self.resolve(&root.schema) {
            Some(schema) => schema,
            None => return false,
        };
        for segment in path.segments() {
            let child = match segment {
                Segment::Key(key) => schema.object.as_ref().and_then(|object| {
                    object
                        .properties
                        .get(key.as_str())
                        .or(object.additional_properties.as_deref())
                }),
                Segment::Index(index) => {
                    schema.array.as_ref().and_then(|array| match &array.items {
                        Some(SingleOrVec::Single(item)) => Some(item.as_ref()),
                        Some(SingleOrVec::Vec(items)) => items.get(*index),
                        None => None,
                    })
                }
            };
            schema = match child.and_then(|child| self.resolve_schema(child)) {
                Some(next) => next,
                None => return false,
            };
        }
        is_string_only(schema)
    }

    /// `schema` with its references followed: a `$ref`, or an `allOf` of one schema (how
    /// schemars attaches a doc comment to a referenced type).
    fn resolve<'a>(&'a self, mut schema: &'a SchemaObject) -> Option<&'a SchemaObject> {
        for _ in 0..MAX_HOPS {
            if let Some(reference) = &schema.reference {
                let name = reference.rsplit('/').next()?;
                schema = match self.root.as_ref()?.definitions.get(name)? {
                    Schema::Object(object) => object,
                    Schema::Bool(_) => return None,
                };
                continue;
            }
            let single = schema
                .subschemas
                .as_ref()
                .and_then(|subs| subs.all_of.as_ref())
                .filter(|all| all.len() == 1 && schema.instance_type.is_none());
            match single.and_then(|all| all.first()) {
                Some(Schema::Object(object)) => schema = object,
                Some(Schema::Bool(_)) => return None,
                None => return Some(schema),
            }
        }
        None
    }

    fn resolve_schema<'a>(&'a self, schema: &'a Schema) -> Option<&'a SchemaObject> {
        match schema {
            Schema::Object(object) => self.resolve(object),
            Schema::Bool(_) => None,
        }
    }
}

/// Whether `schema` admits strings and nothing else but null.
fn is_string_only(schema: &SchemaObject) -> bool {
    if schema.subschemas.is_some() {
        return false;
    }
    match &schema.instance_type {
        Some(SingleOrVec::Single(kind)) => **kind == InstanceType::String,
        Some(SingleOrVec::Vec(kinds)) => {
            kinds.contains(&InstanceType::String)
                && kinds
                    .iter()
                    .all(|kind| matches!(kind, InstanceType::String | InstanceType::Null))
        }
        None => false,
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
