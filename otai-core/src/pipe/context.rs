//! What a pipe sees while it runs: earlier results, the params in scope, run control.

use std::sync::Arc;

use crate::pipe::{PipeResult, RunControl};
use crate::value::{Map, Value};

/// The immutable scope a pipe runs in; extending it (with a result, or for a pipe's nested
/// steps) makes a new context and leaves the old one untouched.
///
/// The scope has the original's three names, which templates read:
///
/// * `pipe_results` — results of the steps that ran before, by pipe id
///   ([`PipeContext::pipe_result`]);
/// * `parent_params` — the rendered params of the pipe whose steps are running: inside a
///   composite, the composite's params ([`PipeContext::parent_params`]; `get_parent_param(key)`
///   in templates);
/// * `params` — the params of the whole run, passed down unchanged (empty unless an embedding
///   application sets them with [`PipeContext::with_params`]).
///
/// A pipe that runs nested steps decides what they see: a composite hands them
/// [`PipeContext::nested`] (its own params become their `parent_params`), a runner hands them
/// its own context unchanged — as the original's composite and runner do.
///
/// Extending is O(1): results form a persistent list shared by every context derived from
/// the same scope, so a step costs one small allocation however many steps came before.
#[derive(Debug, Clone)]
pub struct PipeContext {
    results: Option<Arc<ResultLink>>,
    params: Arc<Value>,
    parent_params: Arc<Value>,
    /// The rendered params of the pipe being processed (set by the engine).
    own_params: Option<Arc<Value>>,
    control: RunControl,
}

/// One entry of the persistent result list, newest first.
#[derive(Debug)]
struct ResultLink {
    id: Arc<str>,
    result: Arc<PipeResult>,
    older: Option<Arc<ResultLink>>,
}

impl Default for PipeContext {
    fn default() -> Self {
        Self::new(RunControl::default())
    }
}

fn empty_map() -> Arc<Value> {
    Arc::new(Value::Object(Map::new()))
}

impl PipeContext {
    /// The outermost context of a run.
    pub fn new(control: RunControl) -> Self {
        Self {
            results: None,
            params: empty_map(),
            parent_params: empty_map(),
            own_params: None,
            control,
        }
    }

    /// This context with the run's `params` (what templates read as `params`).
    pub fn with_params(mut self, params: Value) -> Self {
        self.params = Arc::new(params);
        self
    }

    /// This context plus the result of pipe `id` (shadowing an earlier one of that id).
    pub fn with_result(&self, id: &str, result: PipeResult) -> Self {
        self.with_shared_result(id, Arc::new(result))
    }

    /// [`PipeContext::with_result`] for a result that is shared already.
    pub fn with_shared_result(&self, id: &str, result: Arc<PipeResult>) -> Self {
        Self {
            results: Some(Arc::new(ResultLink {
                id: Arc::from(id),
                result,
                older: self.results.clone(),
            })),
            ..self.clone()
        }
    }

    /// The scope for the nested steps of the pipe being processed: its own rendered params
    /// become their `parent_params`. Earlier results stay visible.
    pub fn nested(&self) -> Self {
        Self {
            parent_params: self.own_params.clone().unwrap_or_else(empty_map),
            own_params: None,
            ..self.clone()
        }
    }

    /// The scope for nested steps with `parent_params` given explicitly.
    pub fn with_parent_params(&self, parent_params: Value) -> Self {
        Self {
            parent_params: Arc::new(parent_params),
            own_params: None,
            ..self.clone()
        }
    }

    /// This context while the pipe with rendered params `own` is processed.
    pub(crate) fn for_pipe(&self, own: Arc<Value>) -> Self {
        Self {
            own_params: Some(own),
            ..self.clone()
        }
    }

    fn links(&self) -> impl Iterator<Item = &ResultLink> {
        std::iter::successors(self.results.as_deref(), |link| link.older.as_deref())
    }

    /// The result of pipe `id`, if it ran in this scope.
    pub fn pipe_result(&self, id: &str) -> Option<&PipeResult> {
        self.links()
            .find(|link| &*link.id == id)
            .map(|link| link.result.as_ref())
    }

    /// The result of pipe `id` as a shared handle (for values that outlive the borrow).
    pub fn pipe_result_shared(&self, id: &str) -> Option<Arc<PipeResult>> {
        self.links()
            .find(|link| &*link.id == id)
            .map(|link| Arc::clone(&link.result))
    }

    /// Every result in scope, by pipe id, in the order the pipes ran (a re-run id appears
    /// once, with its latest result).
    pub fn pipe_results(&self) -> impl Iterator<Item = (&str, &PipeResult)> {
        let mut newest_first: Vec<&ResultLink> = Vec::new();
        for link in self.links() {
            if !newest_first.iter().any(|seen| seen.id == link.id) {
                newest_first.push(link);
            }
        }
        newest_first
            .into_iter()
            .rev()
            .map(|link| (&*link.id, link.result.as_ref()))
    }

    /// The params of the run (`params` in templates).
    pub fn params(&self) -> &Value {
        &self.params
    }

    /// The rendered params of the pipe whose steps are running (`parent_params` in
    /// templates).
    pub fn parent_params(&self) -> &Value {
        &self.parent_params
    }

    /// One of [`PipeContext::parent_params`] (`get_parent_param(key)` in templates).
    pub fn parent_param(&self, key: &str) -> Option<&Value> {
        self.parent_params.get(key)
    }

    /// The rendered params of the pipe being processed, as a value (the typed form is the
    /// `params` argument of [`crate::Pipe::process`]).
    pub fn own_params(&self) -> Option<&Value> {
        self.own_params.as_deref()
    }

    /// How the current run is controlled (once mode, shutdown, observers).
    pub fn control(&self) -> &RunControl {
        &self.control
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn with_result_leaves_the_original_untouched() {
        let root = PipeContext::default();
        let next = root.with_result("a", PipeResult::success_with("value", 1));
        assert!(root.pipe_result("a").is_none());
        assert_eq!(
            next.pipe_result("a").map(|r| r.data["value"].clone()),
            Some(json!(1))
        );
    }

    #[test]
    fn later_results_shadow_earlier_ones_of_the_same_id() {
        let ctx = PipeContext::default()
            .with_result("a", PipeResult::success_with("value", 1))
            .with_result("b", PipeResult::success_with("value", 2))
            .with_result("a", PipeResult::success_with("value", 3));
        assert_eq!(ctx.pipe_result("a").unwrap().data["value"], json!(3));
        let listed: Vec<(&str, i64)> = ctx
            .pipe_results()
            .map(|(id, r)| (id, r.data["value"].as_i64().unwrap()))
            .collect();
        assert_eq!(listed, [("b", 2), ("a", 3)]);
        assert!(Arc::ptr_eq(
            &ctx.pipe_result_shared("b").unwrap(),
            &ctx.pipe_result_shared("b").unwrap()
        ));
    }

    #[test]
    fn nested_steps_see_the_pipes_own_params_as_parent_params() {
        let root = PipeContext::default()
            .with_params(json!({"x": 5}))
            .with_result("r", PipeResult::success(Map::new()));
        let composite = root.for_pipe(Arc::new(json!({"threshold": 0.8})));
        assert_eq!(
            composite.parent_params(),
            &json!({}),
            "its own caller's scope"
        );
        let steps = composite.nested();
        assert_eq!(steps.parent_params(), &json!({"threshold": 0.8}));
        assert_eq!(steps.parent_param("threshold"), Some(&json!(0.8)));
        assert_eq!(
            steps.params(),
            &json!({"x": 5}),
            "run params pass down unchanged"
        );
        assert!(steps.pipe_result("r").is_some());
        assert_eq!(steps.own_params(), None);
    }
}
