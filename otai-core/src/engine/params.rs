//! Params as compiled at load time: literal values with templates in their leaves.
//!
//! Templates are compiled once per config load ([`ParamTree::compile`]) and rendered before
//! every run of their pipe ([`ParamTree::render`]). Before anything runs, [`check`] type-checks
//! a tree against the injectable's params type with every template replaced by a placeholder
//! that fits whatever type is asked for, so literal mistakes are found up front while values
//! known only at run time are accepted.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::interfaces::template::{is_template, CompiledTemplate, TemplateError, TemplateRenderer};
use crate::logging::redact;
use crate::pipe::PipeContext;
use crate::value::{Map, Value};

/// Params with their templates compiled. `Debug` masks secret-named entries.
#[derive(Clone)]
pub enum ParamTree {
    /// A subtree without templates, shared rather than copied when the whole params are literal.
    Literal(Arc<Value>),
    /// A template string.
    Template(Arc<dyn CompiledTemplate>),
    /// A list with templates inside.
    List(Vec<ParamTree>),
    /// A map with templates inside.
    Map(Vec<(String, ParamTree)>),
}

/// A template that did not compile, with where it is inside the params.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateCompileError {
    /// Path inside the params (`note.body`).
    pub path: String,
    /// The compiler's message.
    pub error: TemplateError,
}

/// A template that failed while rendering.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("params.{path}: template `{source_text}` failed: {error}")]
pub struct RenderError {
    /// Path inside the params.
    pub path: String,
    /// The template's source.
    pub source_text: String,
    /// What went wrong.
    pub error: TemplateError,
}

/// Params that do not fit their type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParamsError {
    /// Path inside the params (empty for the params as a whole).
    pub path: String,
    /// Serde's message.
    pub message: String,
}

impl fmt::Debug for ParamTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal(value) => f
                .debug_tuple("Literal")
                .field(&redact::value(value))
                .finish(),
            Self::Template(template) => {
                f.debug_tuple("Template").field(&template.source()).finish()
            }
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
    /// Compiles every template in `value`. Without a renderer, a template is an error.
    pub fn compile(
        value: &Value,
        renderer: Option<&dyn TemplateRenderer>,
    ) -> Result<Self, Vec<TemplateCompileError>> {
        let mut errors = Vec::new();
        let tree = compile_at(value, renderer, &mut String::new(), &mut errors);
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
        self.render_at(ctx, &mut String::new())
    }

    fn render_at(&self, ctx: &PipeContext, path: &mut String) -> Result<Value, RenderError> {
        match self {
            Self::Literal(value) => Ok(Value::clone(value)),
            Self::Template(template) => template.render(ctx).map_err(|error| RenderError {
                path: display_path(path),
                source_text: template.source().to_owned(),
                error,
            }),
            Self::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    let len = path.len();
                    push_index(path, index);
                    out.push(item.render_at(ctx, path)?);
                    path.truncate(len);
                }
                Ok(Value::Array(out))
            }
            Self::Map(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (key, item) in entries {
                    let len = path.len();
                    push_key(path, key);
                    out.insert(key.clone(), item.render_at(ctx, path)?);
                    path.truncate(len);
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
}

fn compile_at(
    value: &Value,
    renderer: Option<&dyn TemplateRenderer>,
    path: &mut String,
    errors: &mut Vec<TemplateCompileError>,
) -> ParamTree {
    match value {
        Value::String(text) if is_template(text) => match renderer {
            Some(renderer) => match renderer.compile(text) {
                Ok(template) => ParamTree::Template(template),
                Err(error) => {
                    errors.push(TemplateCompileError {
                        path: display_path(path),
                        error,
                    });
                    ParamTree::literal(value.clone())
                }
            },
            None => {
                errors.push(TemplateCompileError {
                    path: display_path(path),
                    error: TemplateError::new(
                        "this is a template, but no service provides `TemplateRenderer`",
                    )
                    .with_hint("add a service `jinja_default: { use: \"base:JinjaRenderer\" }`"),
                });
                ParamTree::literal(value.clone())
            }
        },
        Value::Array(items) => {
            let compiled: Vec<ParamTree> = items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    let len = path.len();
                    push_index(path, index);
                    let tree = compile_at(item, renderer, path, errors);
                    path.truncate(len);
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
                    let len = path.len();
                    push_key(path, key);
                    let tree = compile_at(item, renderer, path, errors);
                    path.truncate(len);
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

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

fn push_index(path: &mut String, index: usize) {
    use std::fmt::Write;
    let _ = write!(path, "[{index}]");
}

fn display_path(path: &str) -> String {
    path.to_owned()
}

/// Turns serde_path_to_error's path (`a.b[0].c` style, `.` for the root) into ours.
fn clean_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => push_index(&mut out, *index),
            serde_path_to_error::Segment::Map { key } => push_key(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut out, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    out
}

/// Deserializes rendered params into their type, with the path of the first mistake.
pub fn deserialize<T: DeserializeOwned>(value: Value) -> Result<T, ParamsError> {
    serde_path_to_error::deserialize(value).map_err(|error| ParamsError {
        path: clean_path(error.path()),
        message: error.inner().to_string(),
    })
}

/// Deserializes rendered params without copying them; the path of a mistake is worked out
/// only when there is one.
pub fn deserialize_ref<T: DeserializeOwned>(value: &Value) -> Result<T, ParamsError> {
    match T::deserialize(value) {
        Ok(typed) => Ok(typed),
        Err(_) => serde_path_to_error::deserialize::<_, T>(value).map_err(|error| ParamsError {
            path: clean_path(error.path()),
            message: error.inner().to_string(),
        }),
    }
}

/// Type-checks `tree` against `T` with placeholders for templates.
///
/// A placeholder answers whatever type is asked for, but a type that decides for itself
/// (`deserialize_any`: durations, untagged enums) may reject it. Then the template is replaced
/// by the next literal candidate (`0`, `false`, `{}`, `[]`, `null`) and the check runs again,
/// so fields after it are still checked. A mistake found only at a templated position is not
/// one: the value is known only at run time.
pub fn check<T: DeserializeOwned>(tree: &ParamTree) -> Result<(), ParamsError> {
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
                path: clean_path(error.path()),
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
            if matches!(node, Self::Template(_)) {
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
        matches!(node, Self::Template(_)).then_some(steps)
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
                ParamTree::Literal(value) => value.as_ref().$method($($arg,)* visitor).map_err(de::Error::custom),
                ParamTree::Template(_) => Placeholder.$method($($arg,)* visitor),
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for TreeDeserializer<'de> {
    type Error = CheckError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CheckError> {
        match self.0 {
            ParamTree::Literal(value) => value
                .as_ref()
                .deserialize_any(visitor)
                .map_err(de::Error::custom),
            ParamTree::Template(_) => Placeholder.deserialize_any(visitor),
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
            ParamTree::Literal(value) => value
                .as_ref()
                .deserialize_option(visitor)
                .map_err(de::Error::custom),
            ParamTree::Template(_) => Placeholder.deserialize_option(visitor),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CheckError> {
        match self.0 {
            ParamTree::Literal(value) => value
                .as_ref()
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
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// A renderer whose templates render to their source with the braces stripped.
    struct EchoRenderer;

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

    fn compile(value: Value) -> ParamTree {
        ParamTree::compile(&value, Some(&EchoRenderer)).unwrap()
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
    }

    #[test]
    fn compile_errors_carry_their_path() {
        let errors = ParamTree::compile(&json!({"note": {"body": "{{ {{"}}), Some(&EchoRenderer))
            .unwrap_err();
        assert_eq!(errors[0].path, "note.body");
    }

    #[test]
    fn templates_without_renderer_are_errors() {
        let errors = ParamTree::compile(&json!({"items": ["a", "{{ b }}"]}), None).unwrap_err();
        assert_eq!(errors[0].path, "items[1]");
        assert!(errors[0].error.hint.is_some());
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
        assert_eq!(error.path, "limit");
        assert!(error.message.contains("invalid type"), "{}", error.message);
    }

    #[test]
    fn unknown_fields_are_found_beside_templates() {
        let tree = compile(json!({
            "ticket_id": "{{ t }}",
            "limit": 1,
            "note": {"subject": "s", "body": "{{ b }}", "bdy": "x"},
        }));
        let error = check::<Params>(&tree).unwrap_err();
        assert_eq!(error.path, "note.bdy");
        assert!(error.message.contains("unknown field"), "{}", error.message);
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
        interval: crate::config::Duration,
        small: u8,
        name: String,
    }

    #[test]
    fn checking_goes_on_after_templates_that_refuse_the_placeholder() {
        // `Duration` rejects the string placeholder; the check retries with `0` and goes on
        // to find the literal mistake after it.
        let tree = compile(json!({"interval": "{{ i }}", "small": "{{ s }}", "name": 5}));
        let error = check::<Timed>(&tree).unwrap_err();
        assert_eq!(error.path, "name");
        let typo = compile(json!({"interval": "{{ i }}", "small": 1, "name": "n", "intervall": 5}));
        assert_eq!(check::<Timed>(&typo).unwrap_err().path, "intervall");
        let fine = compile(json!({"interval": "{{ i }}", "small": "{{ s }}", "name": "{{ n }}"}));
        assert_eq!(check::<Timed>(&fine), Ok(()));
    }

    #[test]
    fn deserialize_reports_the_path() {
        let error = deserialize::<Params>(json!({
            "ticket_id": "1", "limit": -1, "note": {"subject": "s", "body": "b"}
        }))
        .unwrap_err();
        assert_eq!(error.path, "limit");
    }
}
