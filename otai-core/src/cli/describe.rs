//! `otai describe KEY`: one injectable — its description, params (from its JSON Schema),
//! inject slots, nested pipes, the interfaces it provides and its example config.

use std::fmt::Write as _;
use std::process::ExitCode;

use schemars::generate::SchemaSettings;
use serde::Serialize;

use crate::injectable::InjectableKind;
use crate::registry::{ComponentRegistry, RegisteredInjectable};
use crate::value::{Map, Value};

/// Options of `otai describe`.
#[derive(Debug, clap::Args)]
pub struct DescribeArgs {
    /// The registry key (`base:FetchTicketsPipe`); `otai plugins` lists them.
    #[arg(value_name = "KEY")]
    pub key: String,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Everything `otai describe` shows.
#[derive(Debug, Serialize)]
pub(crate) struct Description {
    key: String,
    kind: InjectableKind,
    plugin: String,
    plugin_version: String,
    description: &'static str,
    provides: Vec<&'static str>,
    default_for: Vec<&'static str>,
    injects: Vec<Slot>,
    nested_pipes: Vec<Nested>,
    params: Vec<Param>,
    example: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Slot {
    name: &'static str,
    interface: &'static str,
    required: bool,
}

#[derive(Debug, Serialize)]
struct Nested {
    name: &'static str,
    many: bool,
    required: bool,
}

/// One param, read from the params' JSON Schema.
#[derive(Debug, Serialize, PartialEq)]
pub(crate) struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    pub doc: String,
}

/// Prints the description of `args.key`, or the unknown-key error with suggestions.
pub(crate) fn print(registry: &ComponentRegistry, args: &DescribeArgs) -> ExitCode {
    let injectable = match registry.get(&args.key) {
        Ok(injectable) => injectable,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(super::EXIT_INVALID);
        }
    };
    let description = describe(registry, injectable);
    let text = if args.json {
        match serde_json::to_string_pretty(&description) {
            Ok(text) => text + "\n",
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        render(&description)
    };
    super::write_stdout(&text)
}

pub(crate) fn describe(
    registry: &ComponentRegistry,
    injectable: &RegisteredInjectable,
) -> Description {
    let descriptor = injectable.descriptor();
    let plugin = registry.plugin_of(injectable);
    Description {
        key: injectable.key().to_owned(),
        kind: descriptor.kind(),
        plugin: plugin.package.clone(),
        plugin_version: plugin.version.clone(),
        description: descriptor.description(),
        provides: descriptor.interfaces().to_vec(),
        default_for: descriptor.defaults().to_vec(),
        injects: descriptor
            .inject_slots()
            .iter()
            .map(|slot| Slot {
                name: slot.name,
                interface: slot.interface,
                required: slot.required,
            })
            .collect(),
        nested_pipes: descriptor
            .nested_pipes()
            .iter()
            .map(|nested| Nested {
                name: nested.field,
                many: nested.many,
                required: nested.required,
            })
            .collect(),
        params: params_of(injectable),
        example: descriptor.example(),
    }
}

/// The params of an injectable, from its JSON Schema: name, type, whether required, default
/// and doc, in declaration order.
pub(crate) fn params_of(injectable: &RegisteredInjectable) -> Vec<Param> {
    let mut gen = SchemaSettings::draft07().into_generator();
    let schema = injectable.descriptor().params_schema(&mut gen);
    let definitions: Map<String, Value> = gen.take_definitions(true);
    let schema = to_value(&schema);
    let root = resolve(&schema, &definitions);
    let required: Vec<&str> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = root.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| Param {
            name: name.clone(),
            ty: type_name(schema, &definitions),
            required: required.contains(&name.as_str()),
            default: schema.get("default").cloned(),
            doc: schema
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect()
}

fn to_value(schema: &impl Serialize) -> Value {
    serde_json::to_value(schema).unwrap_or(Value::Null)
}

/// The definition a `$ref` points at (or the schema itself).
fn resolve<'a>(schema: &'a Value, definitions: &'a Map<String, Value>) -> &'a Value {
    reference(schema)
        .and_then(|name| definitions.get(name))
        .unwrap_or(schema)
}

fn reference(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix("#/definitions/"))
}

/// A short type for people: `string`, `integer | null`, `list of string`, `map of
/// KeywordModel`, `TicketSearchCriteria`, `"a" | "b"`. A referenced struct is shown by its
/// name; any other referenced type (an enum, a string-or-integer) is spelled out.
fn type_name(schema: &Value, definitions: &Map<String, Value>) -> String {
    type_name_within(schema, definitions, 0)
}

/// [`type_name`], spelling out at most a few levels of references (a definition may refer to
/// itself).
fn type_name_within(schema: &Value, definitions: &Map<String, Value>, depth: usize) -> String {
    let type_name = |schema: &Value, definitions: &Map<String, Value>| {
        type_name_within(schema, definitions, depth + 1)
    };
    if let Some(name) = reference(schema) {
        return match definitions.get(name) {
            Some(definition) if definition.get("properties").is_none() && depth < 4 => {
                type_name(definition, definitions)
            }
            _ => name.to_owned(),
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
            let names: Vec<String> = options
                .iter()
                .map(|option| type_name(option, definitions))
                .collect();
            return names.join(if combinator == "allOf" { " & " } else { " | " });
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => return "any".to_owned(),
    };
    types
        .into_iter()
        .map(|ty| match ty {
            "array" => match schema.get("items") {
                Some(items) => format!("list of {}", type_name(items, definitions)),
                None => "list".to_owned(),
            },
            "object" => match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => {
                    format!("map of {}", type_name(values, definitions))
                }
                _ => "map".to_owned(),
            },
            other => other.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn render(description: &Description) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  ({} of {} {})",
        description.key, description.kind, description.plugin, description.plugin_version
    );
    let _ = writeln!(out);
    let summary = if description.description.is_empty() {
        "(no description)"
    } else {
        description.description
    };
    let _ = writeln!(out, "{summary}");
    if !description.provides.is_empty() {
        let _ = writeln!(out, "\nProvides: {}", description.provides.join(", "));
    }
    if !description.default_for.is_empty() {
        let _ = writeln!(out, "Default for: {}", description.default_for.join(", "));
    }
    let _ = writeln!(out, "\nInject slots:");
    if description.injects.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for slot in &description.injects {
        let required = if slot.required {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(out, "  {}: {} ({required})", slot.name, slot.interface);
    }
    if !description.nested_pipes.is_empty() {
        let _ = writeln!(out, "\nNested pipes:");
        for nested in &description.nested_pipes {
            let shape = match (nested.many, nested.required) {
                (true, _) => "a list of pipes",
                (false, true) => "one pipe, required",
                (false, false) => "one pipe, optional",
            };
            let _ = writeln!(out, "  {}: {shape}", nested.name);
        }
    }
    let _ = writeln!(out, "\nParams:");
    if description.params.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for param in &description.params {
        let presence = match (&param.default, param.required) {
            (Some(default), _) => format!("default {default}"),
            (None, true) => "required".to_owned(),
            (None, false) => "optional".to_owned(),
        };
        let _ = writeln!(out, "  {}: {} ({presence})", param.name, param.ty);
        if !param.doc.is_empty() {
            let _ = writeln!(out, "      {}", param.doc);
        }
    }
    match description.example {
        Some(example) => {
            let _ = writeln!(
                out,
                "\nExample (a whole config; `otai check` accepts it):\n"
            );
            out.push_str(example);
        }
        None => {
            let _ = writeln!(out, "\nExample: (none)");
        }
    }
    out
}
