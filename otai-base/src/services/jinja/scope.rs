//! The pipe context as minijinja sees it: a lazy object, so a render never converts more of
//! the context than the template reads.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object};
use minijinja::{Error, ErrorKind, State, Value as Jinja};
use otai::{PipeContext, PipeResult};

use super::convert::to_jinja;

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
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        match key.as_str()? {
            "pipe_results" => Some(Jinja::from_object(PipeResults(Arc::clone(self)))),
            "params" => Some(to_jinja(self.ctx.params())),
            "parent_params" => Some(to_jinja(self.ctx.parent_params())),
            SCOPE_KEY => Some(Jinja::from_dyn_object(Arc::clone(self))),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["pipe_results", "params", "parent_params"])
    }
}

/// `pipe_results`: every result in scope by pipe id, converted when looked up.
#[derive(Debug)]
struct PipeResults(Arc<Scope>);

impl Object for PipeResults {
    fn get_value(self: &Arc<Self>, key: &Jinja) -> Option<Jinja> {
        self.0.ctx.pipe_result(key.as_str()?).map(result_to_jinja)
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

/// A pipe result as a map: `succeeded`, `was_skipped`, `message`, `data`.
pub(crate) fn result_to_jinja(result: &PipeResult) -> Jinja {
    Jinja::from_iter([
        ("succeeded", Jinja::from(result.succeeded)),
        ("was_skipped", Jinja::from(result.was_skipped)),
        ("message", Jinja::from(result.message.as_str())),
        (
            "data",
            result
                .data
                .iter()
                .map(|(key, value)| (Jinja::from(key.as_str()), to_jinja(value)))
                .collect(),
        ),
    ])
}
