//! Params as compiled at load time: literal values with templates in their leaves.

use std::fmt;
use std::sync::Arc;

use super::text::TextParams;
use crate::interfaces::template::{is_template, CompiledTemplate, TemplateError, TemplateRenderer};
use crate::path::ConfigPath;
use crate::pipe::PipeContext;
use crate::redact;
use crate::value::{Map, Value};

/// Params with their templates compiled. `Debug` masks secret-named entries.
#[derive(Clone)]
pub(crate) enum ParamTree {
    /// A subtree without templates, shared rather than copied when the whole params are literal.
    Literal(Arc<Value>),
    /// A template string, and how its output is read.
    Template(Arc<dyn CompiledTemplate>, Rendering),
    /// A list with templates inside.
    List(Vec<ParamTree>),
    /// A map with templates inside.
    Map(Vec<(String, ParamTree)>),
}

/// How a template's output becomes a param value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rendering {
    /// The renderer's value (`base:JinjaRenderer`: native values and Python literals).
    Value,
    /// The rendered text as it is: the param's type is text ([`TextParams`]).
    Text,
}

/// A template that did not compile, with where it is inside the params.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TemplateCompileError {
    /// Path inside the params (`note.body`).
    pub path: ConfigPath,
    /// The compiler's message.
    pub error: TemplateError,
}

/// A template that failed while rendering.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("params.{path}: template `{source_text}` failed")]
pub(crate) struct RenderError {
    /// Path inside the params.
    pub path: ConfigPath,
    /// The template's source.
    pub source_text: String,
    /// What went wrong.
    #[source]
    pub error: TemplateError,
}

impl fmt::Debug for ParamTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(value) => f
                .debug_tuple("Literal")
                .field(&redact::value(value))
                .finish(),
            Self::Template(template, rendering) => f
                .debug_tuple("Template")
                .field(&template.source())
                .field(rendering)
                .finish(),
            Self::List(items) => f.debug_tuple("List").field(items).finish(),
            Self::Map(entries) => {
                let mut map = f.debug_map();
                for (key, item) in entries {
                    if redact::is_secret_key(key) {
                        map.entry(key, &redact::MASK);
                    } else {
                        map.entry(key, item);
                    }
                }
                map.finish()
            }
        }
    }
}

impl ParamTree {
    /// Compiles every template in `value`; the templates of text params (`text`) render
    /// to text. Without a renderer, a template is an error.
    pub fn compile(
        value: &Value,
        renderer: Option<&dyn TemplateRenderer>,
        text: &TextParams,
    ) -> Result<Self, Vec<TemplateCompileError>> {
        let mut errors = Vec::new();
        let mut compiler = Compiler {
            renderer,
            text,
            errors: &mut errors,
        };
        let tree = compiler.compile_at(value, &mut ConfigPath::root());
        if errors.is_empty() {
            Ok(tree)
        } else {
            Err(errors)
        }
    }

    /// A tree holding a literal value.
    pub fn literal(value: Value) -> Self {
        Self::Literal(Arc::new(value))
    }

    /// Renders every template against `ctx`.
    pub fn render(&self, ctx: &PipeContext) -> Result<Value, RenderError> {
        self.render_at(ctx, &mut ConfigPath::root())
    }

    fn render_at(&self, ctx: &PipeContext, path: &mut ConfigPath) -> Result<Value, RenderError> {
        match self {
            Self::Literal(value) => Ok(Value::clone(value)),
            Self::Template(template, rendering) => {
                let rendered = match rendering {
                    Rendering::Value => template.render(ctx),
                    Rendering::Text => template
                        .render_text(ctx)
                        .map(|text| text.map_or(Value::Null, Value::String)),
                };
                rendered.map_err(|error| RenderError {
                    path: path.clone(),
                    source_text: template.source().to_owned(),
                    error,
                })
            }
            Self::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    path.push_index(index);
                    let rendered = item.render_at(ctx, path);
                    path.pop();
                    out.push(rendered?);
                }
                Ok(Value::Array(out))
            }
            Self::Map(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (key, item) in entries {
                    path.push_key(key);
                    let rendered = item.render_at(ctx, path);
                    path.pop();
                    out.insert(key.clone(), rendered?);
                }
                Ok(Value::Object(out))
            }
        }
    }

    /// The value, if the tree holds no template.
    pub fn as_literal(&self) -> Option<&Arc<Value>> {
        match self {
            Self::Literal(value) => Some(value),
            _ => None,
        }
    }

    /// The value of top-level param `key`, if it holds no template.
    pub fn literal_field(&self, key: &str) -> Option<&Value> {
        match self {
            Self::Literal(value) => value.get(key),
            Self::Map(entries) => entries
                .iter()
                .find(|(name, _)| name == key)
                .and_then(|(_, item)| item.as_literal())
                .map(Arc::as_ref),
            _ => None,
        }
    }

    /// Every template with its path inside the params.
    pub fn templates(&self) -> Vec<(ConfigPath, &Arc<dyn CompiledTemplate>)> {
        let mut found = Vec::new();
        self.collect_templates(&mut ConfigPath::root(), &mut found);
        found
    }

    fn collect_templates<'a>(
        &'a self,
        path: &mut ConfigPath,
        found: &mut Vec<(ConfigPath, &'a Arc<dyn CompiledTemplate>)>,
    ) {
        match self {
            Self::Literal(_) => {}
            Self::Template(template, _) => found.push((path.clone(), template)),
            Self::List(items) => {
                for (index, item) in items.iter().enumerate() {
                    path.push_index(index);
                    item.collect_templates(path, found);
                    path.pop();
                }
            }
            Self::Map(entries) => {
                for (key, item) in entries {
                    path.push_key(key);
                    item.collect_templates(path, found);
                    path.pop();
                }
            }
        }
    }
}

/// Compiles the templates of one params value.
struct Compiler<'a> {
    renderer: Option<&'a dyn TemplateRenderer>,
    text: &'a TextParams,
    errors: &'a mut Vec<TemplateCompileError>,
}

impl Compiler<'_> {
    fn compile_at(&mut self, value: &Value, path: &mut ConfigPath) -> ParamTree {
        match value {
            Value::String(text) if is_template(text) => self.template(value, text, path),
            Value::Array(items) => {
                let compiled: Vec<ParamTree> = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| {
                        path.push_index(index);
                        let tree = self.compile_at(item, path);
                        path.pop();
                        tree
                    })
                    .collect();
                if compiled.iter().all(|t| matches!(t, ParamTree::Literal(_))) {
                    ParamTree::literal(value.clone())
                } else {
                    ParamTree::List(compiled)
                }
            }
            Value::Object(map) => {
                let compiled: Vec<(String, ParamTree)> = map
                    .iter()
                    .map(|(key, item)| {
                        path.push_key(key);
                        let tree = self.compile_at(item, path);
                        path.pop();
                        (key.clone(), tree)
                    })
                    .collect();
                if compiled
                    .iter()
                    .all(|(_, t)| matches!(t, ParamTree::Literal(_)))
                {
                    ParamTree::literal(value.clone())
                } else {
                    ParamTree::Map(compiled)
                }
            }
            other => ParamTree::literal(other.clone()),
        }
    }

    fn template(&mut self, value: &Value, text: &str, path: &ConfigPath) -> ParamTree {
        let Some(renderer) = self.renderer else {
            self.errors.push(TemplateCompileError {
                path: path.clone(),
                error: TemplateError::new(
                    "this is a template, but no service provides `TemplateRenderer`",
                )
                .with_hint(
                    "configure a template renderer service (e.g. `jinja_default: { use: \"base:JinjaRenderer\" }`) or link a plugin that provides a default one",
                ),
            });
            return ParamTree::literal(value.clone());
        };
        match renderer.compile(text) {
            Ok(template) => {
                let rendering = if self.text.is_text(path) {
                    Rendering::Text
                } else {
                    Rendering::Value
                };
                ParamTree::Template(template, rendering)
            }
            Err(error) => {
                self.errors.push(TemplateCompileError {
                    path: path.clone(),
                    error,
                });
                ParamTree::literal(value.clone())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A renderer whose templates render to their source with the braces stripped.
    pub(crate) struct EchoRenderer;

    #[derive(Debug)]
    struct Echo(String);

    impl CompiledTemplate for Echo {
        fn source(&self) -> &str {
            &self.0
        }
        fn render(&self, _ctx: &PipeContext) -> Result<Value, TemplateError> {
            Ok(Value::String(
                self.0.replace("{{", "").replace("}}", "").trim().to_owned(),
            ))
        }
    }

    impl TemplateRenderer for EchoRenderer {
        fn compile(&self, source: &str) -> Result<Arc<dyn CompiledTemplate>, TemplateError> {
            if source.contains("{{ {{") {
                return Err(TemplateError::new("unexpected `{{`"));
            }
            Ok(Arc::new(Echo(source.to_owned())))
        }
    }

    impl fmt::Debug for EchoRenderer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("EchoRenderer")
        }
    }

    pub(crate) fn compile(value: Value) -> ParamTree {
        ParamTree::compile(&value, Some(&EchoRenderer), &TextParams::none()).unwrap()
    }

    #[test]
    fn literal_subtrees_collapse() {
        let tree = compile(json!({"a": [1, 2], "b": {"c": "x"}}));
        assert!(tree.as_literal().is_some());
    }

    #[test]
    fn templates_render_in_place() {
        let tree = compile(json!({"a": ["{{ x }}", 2], "b": "plain"}));
        let rendered = tree.render(&PipeContext::default()).unwrap();
        assert_eq!(rendered, json!({"a": ["x", 2], "b": "plain"}));
        assert_eq!(tree.literal_field("b"), Some(&json!("plain")));
        assert_eq!(tree.literal_field("a"), None);
        assert_eq!(tree.templates()[0].0.to_string(), "a[0]");
    }

    #[test]
    fn compile_errors_carry_their_path() {
        let errors = ParamTree::compile(
            &json!({"note": {"body.text": "{{ {{"}}),
            Some(&EchoRenderer),
            &TextParams::none(),
        )
        .unwrap_err();
        assert_eq!(errors[0].path, ConfigPath::of_key("note").key("body.text"));
    }

    #[test]
    fn templates_without_renderer_are_errors() {
        let errors = ParamTree::compile(
            &json!({"items": ["a", "{{ b }}"]}),
            None,
            &TextParams::none(),
        )
        .unwrap_err();
        assert_eq!(errors[0].path, ConfigPath::of_key("items").index(1));
        assert!(errors[0].error.hint.is_some());
    }
}
