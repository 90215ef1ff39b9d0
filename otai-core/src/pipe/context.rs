//! What a pipe sees while it runs: earlier results, the enclosing pipe's params, run control.

use std::collections::BTreeMap;
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
#[derive(Debug, Clone)]
pub struct PipeContext {
    pipe_results: Arc<BTreeMap<String, Arc<PipeResult>>>,
    params: Arc<Value>,
    parent: Option<Arc<PipeContext>>,
    control: RunControl,
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
            pipe_results: Arc::new(BTreeMap::new()),
            params: Arc::new(Value::Object(Map::new())),
            parent: None,
            control,
        }
    }

    /// This context plus the result of pipe `id` (replacing an earlier one of that id).
    pub fn with_result(&self, id: &str, result: PipeResult) -> Self {
        let mut results = (*self.pipe_results).clone();
        results.insert(id.to_owned(), Arc::new(result));
        Self {
            pipe_results: Arc::new(results),
            ..self.clone()
        }
    }

    /// The context a pipe hands to its nested pipes: `params` become the pipe's own rendered
    /// params, and this context becomes their parent. Earlier results stay visible.
    pub fn enter(&self, params: Value) -> Self {
        Self {
            pipe_results: Arc::clone(&self.pipe_results),
            params: Arc::new(params),
            parent: Some(Arc::new(self.clone())),
            control: self.control.clone(),
        }
    }

    /// The result of pipe `id`, if it ran in this scope.
    pub fn pipe_result(&self, id: &str) -> Option<&PipeResult> {
        self.pipe_results.get(id).map(Arc::as_ref)
    }

    /// Every result in scope, by pipe id.
    pub fn pipe_results(&self) -> impl Iterator<Item = (&str, &PipeResult)> {
        self.pipe_results
            .iter()
            .map(|(id, result)| (id.as_str(), result.as_ref()))
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
