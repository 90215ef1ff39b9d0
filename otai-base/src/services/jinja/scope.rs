//! The pipe context as minijinja sees it: a lazy object, so a render never converts more of
//! the context than the template reads.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object};
use minijinja::{Error, ErrorKind, State, Value as Jinja};
use otai::{PipeContext, Value};

use super::view::{scalar_to_jinja, JsonView, Root};

/// Hidden root variable through which the helpers reach the scope.
const SCOPE_KEY: &str = "__otai_scope";

/// The root of every render: `pipe_results`, `params`, `parent_params`.
#[derive(Debug)]
pub(crate) struct Scope {
    ctx: PipeContext,
}

impl Scope {
    /// The render root for `ctx`.
    pub(crate) fn root(ctx: &PipeContext) -> Jinja {
        Jinja::from_object(Scope { ctx: ctx.clone() })
    }

    /// The scope of the render `state` belongs to.
    pub(crate) fn of(state: &State<'_, '_>) -> Result<Arc<Scope>, Error> {
        state
            .lookup(SCOPE_KEY)
            .and_then(|value| value.downcast_object::<Scope>())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "pipe helpers work only in templates rendered against a pipe context",
                )
            })
    }

    /// The pipe context.
    pub(crate) fn ctx(&self) -> &PipeContext {
        &self.ctx
    }

    /// `data[key]` of pipe `pipe_id`'s result as a template value, if it exists.
    pub(crate) fn data(self: &Arc<Self>, pipe_id: &str, key: &str) -> Option<Jinja> {
        let value = self.ctx.pipe_result(pipe_id)?.data.get(key)?;
        Some(self.data_value(pipe_id, key, value))
    }

    /// `value`, found at `data[key]` of pipe `pipe_id`'s result, as a template value.
    pub(crate) fn data_value(self: &Arc<Self>, pipe_id: &str, key: &str, value: &Value) -> Jinja {
        if !(value.is_array() || value.is_object()) {
            return scalar_to_jinja(value);
        }
        let root = Root::Data {
            pipe_id: Arc::from(pipe_id),
            key: Arc::from(key),
        };
        JsonView::of(self, root, value)
    }
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        match key.as_str()? {
            "pipe_results" => Some(Jinja::from_object(PipeResults(Arc::clone(self)))),
            "params" => Some(JsonView::of(self, Root::Params, self.ctx.params())),
            "parent_params" => Some(JsonView::of(
                self,
                Root::ParentParams,
                self.ctx.parent_params(),
            )),
            SCOPE_KEY => Some(Jinja::from_dyn_object(Arc::clone(self))),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["pipe_results", "params", "parent_params"])
    }
}

/// `pipe_results`: every result in scope by pipe id.
#[derive(Debug)]
struct PipeResults(Arc<Scope>);

impl Object for PipeResults {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        let pipe_id = key.as_str()?;
        let result = self.0.ctx.pipe_result(pipe_id)?;
        Some(Jinja::from_iter([
            ("succeeded", Jinja::from(result.succeeded())),
            ("was_skipped", Jinja::from(result.was_skipped())),
            ("message", Jinja::from(result.message.as_str())),
            (
                "data",
                Jinja::from_object(ResultData {
                    scope: Arc::clone(&self.0),
                    pipe_id: Arc::from(pipe_id),
                }),
            ),
        ]))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .ctx
                .pipe_results()
                .map(|(id, _)| Jinja::from(id))
                .collect(),
        )
    }
}

/// `pipe_results[id].data`: the data of one result, each value a lazy view.
#[derive(Debug)]
struct ResultData {
    scope: Arc<Scope>,
    pipe_id: Arc<str>,
}

impl Object for ResultData {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        self.scope.data(&self.pipe_id, key.as_str()?)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        match self.scope.ctx.pipe_result(&self.pipe_id) {
            Some(result) => Enumerator::Values(
                result
                    .data
                    .keys()
                    .map(|key| Jinja::from(key.as_str()))
                    .collect(),
            ),
            None => Enumerator::Empty,
        }
    }
}
