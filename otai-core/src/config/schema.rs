//! `otai schema`: a JSON Schema of the whole config, with every registered injectable's params,
//! so editors can validate and complete config files.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::json;

use super::model::Infrastructure;
use super::ROOT_KEYS;
use crate::engine::PluginRequirement;
use crate::registry::ComponentRegistry;
use crate::value::{Map, Value};
use crate::InjectableKind;

/// The JSON Schema (draft-07) of configs this registry can run.
///
/// Each `services` entry and each pipe (`orchestrator`, and nested `steps` / `on` / `run`) is
/// a `oneOf` over the registered keys, selected by `use` and carrying that injectable's params
/// and inject slots. Values that are templates (`"{{ … }}"`) stand where a typed value is
/// expected, so an editor may flag them; `otai check` knows better.
pub fn config_schema(registry: &ComponentRegistry) -> Value {
    let mut gen = SchemaSettings::draft07().into_generator();
    let infrastructure = schema_value(gen.subschema_for::<Infrastructure>());
    let plugins = schema_value(gen.subschema_for::<Vec<PluginRequirement>>());

    let mut pipes = Vec::new();
    let mut services = Vec::new();
    for injectable in registry.injectables() {
        let descriptor = injectable.descriptor();
        let params_schema = descriptor.params_schema(&mut gen);
        let mut params = inline(&gen, params_schema);
        if let Some(properties) = params.get_mut("properties").and_then(Value::as_object_mut) {
            for nested in descriptor.nested_pipes() {
                let pipe_ref = json!({"$ref": "#/definitions/Pipe"});
                let schema = if nested.many {
                    json!({"type": "array", "items": pipe_ref})
                } else {
                    pipe_ref
                };
                properties.insert(nested.field.to_owned(), schema);
            }
        }
        if let Some(required) = params.get_mut("required").and_then(Value::as_array_mut) {
            required.extend(
                descriptor
                    .nested_pipes()
                    .iter()
                    .filter(|n| n.required)
                    .map(|n| Value::String(n.field.to_owned())),
            );
        }
        let injects: Map<String, Value> = descriptor
            .inject_slots()
            .iter()
            .map(|slot| {
                (
                    slot.name.to_owned(),
                    json!({"type": "string", "description": format!("id of a service providing {}", slot.interface)}),
                )
            })
            .collect();
        let required_slots: Vec<&str> = descriptor
            .inject_slots()
            .iter()
            .filter(|s| s.required)
            .map(|s| s.name)
            .collect();
        let mut properties = Map::new();
        if descriptor.kind() == InjectableKind::Pipe {
            properties.insert("id".into(), json!({"type": "string"}));
        }
        properties.insert("use".into(), json!({"const": injectable.key()}));
        properties.insert(
            "injects".into(),
            json!({"type": "object", "properties": injects, "required": required_slots, "additionalProperties": false}),
        );
        properties.insert("params".into(), params);
        let entry = json!({
            "type": "object",
            "title": injectable.key(),
            "properties": properties,
            "required": ["use"],
            "additionalProperties": false,
        });
        match descriptor.kind() {
            InjectableKind::Pipe => pipes.push(entry),
            InjectableKind::Service => services.push(entry),
        }
    }

    let mut definitions: Map<String, Value> = gen.take_definitions(true);
    definitions.insert("Pipe".into(), one_of(pipes));
    definitions.insert("Service".into(), one_of(services));
    definitions.insert(
        "Runners".into(),
        json!({
            "type": "object",
            "description": "The short form: the default orchestrator running each entry's `run` when its optional `on` succeeds",
            "properties": {
                "runners": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "on": {"$ref": "#/definitions/Pipe"},
                            "run": {"$ref": "#/definitions/Pipe"},
                        },
                        "required": ["run"],
                        "additionalProperties": false,
                    },
                },
            },
            "required": ["runners"],
            "additionalProperties": false,
        }),
    );
    definitions.insert(
        "OtaiConfig".into(),
        json!({
            "type": "object",
            "properties": {
                "api_version": {"type": "string", "description": "semver requirement on otai-core, e.g. \">=1.0.0\""},
                "plugins": plugins,
                "infrastructure": infrastructure,
                "services": {"type": "object", "additionalProperties": {"$ref": "#/definitions/Service"}},
                "orchestrator": {"oneOf": [{"$ref": "#/definitions/Pipe"}, {"$ref": "#/definitions/Runners"}]},
            },
            "required": ["orchestrator"],
            "additionalProperties": false,
        }),
    );
    let roots: Map<String, Value> = ROOT_KEYS
        .iter()
        .map(|key| {
            (
                (*key).to_owned(),
                json!({"$ref": "#/definitions/OtaiConfig"}),
            )
        })
        .collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Open Ticket AI configuration",
        "type": "object",
        "properties": roots,
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
        "definitions": definitions,
    })
}

fn one_of(entries: Vec<Value>) -> Value {
    if entries.is_empty() {
        json!({"not": {}, "description": "no injectable of this kind is linked"})
    } else {
        json!({ "oneOf": entries })
    }
}

fn schema_value(schema: Schema) -> Value {
    schema.to_value()
}

/// The schema itself rather than a `$ref` to it, so nested pipe fields can be added.
fn inline(gen: &SchemaGenerator, schema: Schema) -> Value {
    let value = schema_value(schema);
    let target = value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|reference| reference.strip_prefix("#/definitions/"))
        .and_then(|name| gen.definitions().get(name))
        .cloned();
    target.unwrap_or(value)
}

/// The schema, pretty-printed.
pub fn config_schema_text(registry: &ComponentRegistry) -> String {
    serde_json::to_string_pretty(&config_schema(registry)).unwrap_or_default()
}
