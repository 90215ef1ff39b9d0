//! What a pipe sees while it runs: earlier results, the enclosing pipe's params, run control.

use std::sync::Arc;

use crate::engine::RunControl;
use crate::pipe::PipeResult;
use crate::value::{Map, Value};

/// The immutable scope a pipe runs in; extending it (with a result, or by entering a nested
/// pipe) makes a new context and leaves the old one untouched.
///
/// * `pipe_results` — results of the steps that ran before, by pipe id.
/// * `params` — the rendered params of the pipe whose steps are running (for a step of a
///   composite: the composite's params), read in templates as `params` and through
///   `get_parent_param(key)`.
/// * `parent_params` — the same one level further out.
///
/// Extending is O(1): results form a persistent list shared by every context derived from
/// the same scope, so a step costs one small allocation however many steps came before.
#[derive(Debug, Clone)]
pub struct PipeContext {
    results: Option<Arc<ResultLink>>,
    params: Arc<Value>,
    parent: Option<Arc<PipeContext>>,
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

impl PipeContext {
    /// The outermost context of a run.
    pub fn new(control: RunControl) -> Self {
        Self {
            results: None,
            params: Arc::new(Value::Object(Map::new())),
            parent: None,
            control,
        }
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
            params: Arc::clone(&self.params),
            parent: self.parent.clone(),
            control: self.control.clone(),
        }
    }

    /// The context a pipe hands to its nested pipes: `params` become the pipe's own rendered
    /// params, and this context becomes their parent. Earlier results stay visible.
    pub fn enter(&self, params: Value) -> Self {
        self.enter_shared(Arc::new(params))
    }

    /// [`PipeContext::enter`] with params that are shared already.
    pub fn enter_shared(&self, params: Arc<Value>) -> Self {
        Self {
            results: self.results.clone(),
            params,
            parent: Some(Arc::new(self.clone())),
            control: self.control.clone(),
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

    /// The rendered params of the enclosing pipe.
    pub fn params(&self) -> &Value {
        &self.params
    }

    /// The params one level further out (`Null` at the top).
    pub fn parent_params(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.parent
            .as_deref()
            .map_or(&NULL, |parent| parent.params())
    }

    /// One param of the enclosing pipe.
    pub fn parent_param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }

    /// How the current run is controlled (once mode, shutdown, tracing).
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
    fn enter_exposes_params_and_parent_params() {
        let root = PipeContext::default().with_result("x", PipeResult::success(Map::new()));
        let outer = root.enter(json!({"threshold": 0.8}));
        let inner = outer.enter(json!({"name": "inner"}));
        assert_eq!(inner.params(), &json!({"name": "inner"}));
        assert_eq!(inner.parent_params(), &json!({"threshold": 0.8}));
        assert_eq!(outer.parent_param("threshold"), Some(&json!(0.8)));
        assert!(inner.pipe_result("x").is_some());
        assert_eq!(root.parent_params(), &Value::Null);
    }
}
