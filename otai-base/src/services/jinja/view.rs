//! Lazy views of the pipe context's data: a list or map from a pipe result or the params is
//! handed to minijinja as a [`JsonView`] that resolves its path on access, so a template that
//! reads `ticket['subject']` converts one string, not the whole ticket.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::Value as Jinja;
use otai::Value;

use super::scope::Scope;

/// Where a view's root value lives.
#[derive(Debug, Clone)]
pub(crate) enum Root {
    /// `data[key]` of the result of pipe `pipe_id`.
    Data {
        /// The pipe.
        pipe_id: Arc<str>,
        /// The data key.
        key: Arc<str>,
    },
    /// The enclosing pipe's params.
    Params,
    /// The params one level further out.
    ParentParams,
}

/// One step from a value to a member.
#[derive(Debug, Clone)]
enum Step {
    Key(Arc<str>),
    Index(usize),
}

/// A list or map inside the pipe context, resolved when accessed.
#[derive(Debug)]
pub(crate) struct JsonView {
    scope: Arc<Scope>,
    root: Root,
    path: Vec<Step>,
}

impl JsonView {
    /// `value` (found at `root` in `scope`) as a template value: scalars are converted, lists
    /// and maps become views.
    pub(crate) fn of(scope: &Arc<Scope>, root: Root, value: &Value) -> Jinja {
        Self::wrap(scope, root, Vec::new(), value)
    }

    fn wrap(scope: &Arc<Scope>, root: Root, path: Vec<Step>, value: &Value) -> Jinja {
        match value {
            Value::Array(_) | Value::Object(_) => Jinja::from_object(JsonView {
                scope: Arc::clone(scope),
                root,
                path,
            }),
            scalar => scalar_to_jinja(scalar),
        }
    }

    /// The value the view stands for.
    pub(crate) fn resolve(&self) -> Option<&Value> {
        let ctx = self.scope.ctx();
        let mut value = match &self.root {
            Root::Data { pipe_id, key } => ctx.pipe_result(pipe_id)?.data.get(&**key)?,
            Root::Params => ctx.params(),
            Root::ParentParams => ctx.parent_params(),
        };
        for step in &self.path {
            value = match (step, value) {
                (Step::Key(key), Value::Object(map)) => map.get(&**key)?,
                (Step::Index(index), Value::Array(items)) => items.get(*index)?,
                _ => return None,
            };
        }
        Some(value)
    }

    fn child(&self, step: Step, value: &Value) -> Jinja {
        let mut path = self.path.clone();
        path.push(step);
        Self::wrap(&self.scope, self.root.clone(), path, value)
    }
}

impl Object for JsonView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        match self.resolve() {
            Some(Value::Array(_)) => ObjectRepr::Seq,
            _ => ObjectRepr::Map,
        }
    }

    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        match self.resolve()? {
            Value::Object(map) => {
                let name = key.as_str()?;
                let value = map.get(name)?;
                Some(self.child(Step::Key(Arc::from(name)), value))
            }
            Value::Array(items) => {
                let index = key.as_i64()?;
                let index = if index < 0 {
                    items
                        .len()
                        .checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
                } else {
                    usize::try_from(index).ok()?
                };
                let value = items.get(index)?;
                Some(self.child(Step::Index(index), value))
            }
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.resolve() {
            Some(Value::Array(items)) => Enumerator::Seq(items.len()),
            Some(Value::Object(map)) => {
                Enumerator::Values(map.keys().map(|key| Jinja::from(key.as_str())).collect())
            }
            _ => Enumerator::Empty,
        }
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        match self.resolve()? {
            Value::Array(items) => Some(items.len()),
            Value::Object(map) => Some(map.len()),
            _ => None,
        }
    }

    fn is_true(self: &Arc<Self>) -> bool {
        self.enumerator_len().is_some_and(|len| len > 0)
    }
}

/// A scalar as a template value (lists and maps are handled by the callers).
pub(crate) fn scalar_to_jinja(value: &Value) -> Jinja {
    match value {
        Value::Null => Jinja::from(()),
        Value::Bool(flag) => Jinja::from(*flag),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Jinja::from(int)
            } else if let Some(uint) = number.as_u64() {
                Jinja::from(uint)
            } else {
                Jinja::from(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(text) => Jinja::from(text.as_str()),
        Value::Array(_) | Value::Object(_) => super::convert::to_jinja(value),
    }
}
