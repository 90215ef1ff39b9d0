//! What a pipe reports after it ran.

use serde::{Deserialize, Serialize};

use crate::value::{Map, Value};

/// The outcome of one pipe execution.
///
/// `data` is what later steps read through templates
/// (`get_pipe_result('classify', 'label')` reads `data.label`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PipeResult {
    /// The pipe did its work.
    pub succeeded: bool,
    /// The pipe decided not to do its work (a trigger that did not fire, a runner whose
    /// condition failed). A skipped pipe has not failed.
    pub was_skipped: bool,
    /// A human-readable account of what happened.
    pub message: String,
    /// Values later steps may read.
    pub data: Map<String, Value>,
}

impl PipeResult {
    /// A success carrying `data`.
    pub fn success(data: Map<String, Value>) -> Self {
        Self {
            succeeded: true,
            was_skipped: false,
            message: String::new(),
            data,
        }
    }

    /// A success with a single value under `key`.
    pub fn success_with(key: &str, value: impl Into<Value>) -> Self {
        let mut data = Map::new();
        data.insert(key.to_owned(), value.into());
        Self::success(data)
    }

    /// A failure with a message saying what went wrong.
    pub fn failure(message: impl Into<String>) -> Self {
        Self {
            succeeded: false,
            was_skipped: false,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// A deliberate non-run with the reason.
    pub fn skipped(message: impl Into<String>) -> Self {
        Self {
            succeeded: false,
            was_skipped: true,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Failed, as opposed to succeeded or skipped.
    pub fn has_failed(&self) -> bool {
        !self.succeeded && !self.was_skipped
    }

    /// Combines results: skipped if all were skipped, failed if any failed, succeeded
    /// otherwise (a skipped step next to successful ones is not a failure); messages joined
    /// with `; `, data merged with later keys winning. The union of nothing is a success.
    pub fn union<'a>(results: impl IntoIterator<Item = &'a PipeResult>) -> PipeResult {
        Self::merge(results.into_iter().cloned())
    }

    /// [`PipeResult::union`] of owned results: their data is moved, not copied.
    pub fn merge(results: impl IntoIterator<Item = PipeResult>) -> PipeResult {
        let mut failed = false;
        let mut was_skipped = true;
        let mut any = false;
        let mut message = String::new();
        let mut data = Map::new();
        for result in results {
            any = true;
            failed |= result.has_failed();
            was_skipped &= result.was_skipped;
            if !result.message.is_empty() {
                if !message.is_empty() {
                    message.push_str("; ");
                }
                message.push_str(&result.message);
            }
            if data.is_empty() {
                data = result.data;
            } else {
                data.extend(result.data);
            }
        }
        let was_skipped = was_skipped && any;
        PipeResult {
            succeeded: !failed && !was_skipped,
            was_skipped,
            message,
            data,
        }
    }
}

impl std::ops::BitAnd for PipeResult {
    type Output = PipeResult;

    fn bitand(self, other: PipeResult) -> PipeResult {
        PipeResult::merge([self, other])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn has_failed_distinguishes_skipped() {
        assert!(!PipeResult::success(Map::new()).has_failed());
        assert!(!PipeResult::skipped("not due").has_failed());
        assert!(PipeResult::failure("boom").has_failed());
    }

    #[test]
    fn union_requires_every_success_and_merges_data() {
        let a = PipeResult::success_with("a", 1);
        let b = PipeResult::success_with("b", 2).with_message("two");
        let both = a.clone() & b;
        assert!(both.succeeded);
        assert_eq!(Value::Object(both.data), json!({"a": 1, "b": 2}));
        assert_eq!(both.message, "two");

        let failed = a & PipeResult::failure("boom");
        assert!(failed.has_failed());
        assert_eq!(failed.message, "boom");
    }

    #[test]
    fn union_is_skipped_only_when_all_were() {
        let skipped = PipeResult::skipped("x") & PipeResult::skipped("y");
        assert!(skipped.was_skipped);
        assert_eq!(skipped.message, "x; y");
        let mixed = PipeResult::skipped("x") & PipeResult::success(Map::new());
        assert!(!mixed.was_skipped);
        assert!(mixed.succeeded, "a skipped step is not a failure");
        let failed = PipeResult::skipped("x") & PipeResult::failure("y");
        assert!(failed.has_failed());
    }

    #[test]
    fn union_of_nothing_succeeds() {
        let none = PipeResult::union([]);
        assert!(none.succeeded && !none.was_skipped);
    }
}
