//! What a pipe reports after it ran.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::value::{Map, Value};

/// How a pipe run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PipeState {
    /// The pipe did its work.
    #[default]
    Succeeded,
    /// The pipe decided not to do its work (a trigger that did not fire, a runner whose
    /// condition failed). A skipped pipe has not failed.
    Skipped,
    /// The pipe could not do its work.
    Failed,
}

/// The outcome of one pipe execution.
///
/// `data` is what later steps read through templates
/// (`get_pipe_result('classify', 'label')` reads `data.label`). Templates, traces and
/// serialization see the original's shape: `{succeeded, was_skipped, message, data}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipeResult {
    /// How the run ended.
    pub state: PipeState,
    /// A human-readable account of what happened.
    pub message: String,
    /// Values later steps may read.
    pub data: Map<String, Value>,
}

impl PipeResult {
    /// A success carrying `data`.
    pub fn success(data: Map<String, Value>) -> Self {
        Self {
            state: PipeState::Succeeded,
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
            state: PipeState::Failed,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// A deliberate non-run with the reason.
    pub fn skipped(message: impl Into<String>) -> Self {
        Self {
            state: PipeState::Skipped,
            message: message.into(),
            data: Map::new(),
        }
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The pipe did its work.
    pub fn succeeded(&self) -> bool {
        self.state == PipeState::Succeeded
    }

    /// The pipe decided not to do its work.
    pub fn was_skipped(&self) -> bool {
        self.state == PipeState::Skipped
    }

    /// Failed, as opposed to succeeded or skipped.
    pub fn has_failed(&self) -> bool {
        self.state == PipeState::Failed
    }

    /// Combines results: failed if any failed, skipped if all were skipped, succeeded
    /// otherwise (a skipped step next to successful ones is not a failure); messages joined
    /// with `; `, data merged with later keys winning. The union of nothing is a success.
    pub fn union<'a>(results: impl IntoIterator<Item = &'a PipeResult>) -> PipeResult {
        Self::merge(results.into_iter().cloned())
    }

    /// [`PipeResult::union`] of owned results: their data is moved, not copied.
    pub fn merge(results: impl IntoIterator<Item = PipeResult>) -> PipeResult {
        let mut failed = false;
        let mut all_skipped = true;
        let mut any = false;
        let mut message = String::new();
        let mut data = Map::new();
        for result in results {
            any = true;
            failed |= result.has_failed();
            all_skipped &= result.was_skipped();
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
        let state = if failed {
            PipeState::Failed
        } else if all_skipped && any {
            PipeState::Skipped
        } else {
            PipeState::Succeeded
        };
        PipeResult {
            state,
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

/// The original's field-wise shape, used for (de)serialization.
#[derive(Serialize, Deserialize)]
struct Shape<S, M> {
    succeeded: bool,
    was_skipped: bool,
    message: S,
    data: M,
}

impl Serialize for PipeResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Shape {
            succeeded: self.succeeded(),
            was_skipped: self.was_skipped(),
            message: &self.message,
            data: &self.data,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for PipeResult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let shape = Shape::<String, Map<String, Value>>::deserialize(deserializer)?;
        let state = match (shape.succeeded, shape.was_skipped) {
            (true, _) => PipeState::Succeeded,
            (false, true) => PipeState::Skipped,
            (false, false) => PipeState::Failed,
        };
        Ok(PipeResult {
            state,
            message: shape.message,
            data: shape.data,
        })
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
        assert!(both.succeeded());
        assert_eq!(Value::Object(both.data), json!({"a": 1, "b": 2}));
        assert_eq!(both.message, "two");

        let failed = a & PipeResult::failure("boom");
        assert!(failed.has_failed());
        assert_eq!(failed.message, "boom");
    }

    #[test]
    fn union_is_skipped_only_when_all_were() {
        let skipped = PipeResult::skipped("x") & PipeResult::skipped("y");
        assert!(skipped.was_skipped());
        assert_eq!(skipped.message, "x; y");
        let mixed = PipeResult::skipped("x") & PipeResult::success(Map::new());
        assert!(mixed.succeeded(), "a skipped step is not a failure");
        let failed = PipeResult::skipped("x") & PipeResult::failure("y");
        assert!(failed.has_failed());
        assert!(PipeResult::union([]).succeeded());
    }

    #[test]
    fn serializes_in_the_original_shape() {
        let shapes = [
            (
                PipeResult::success_with("v", 1),
                json!({"succeeded": true, "was_skipped": false, "message": "", "data": {"v": 1}}),
            ),
            (
                PipeResult::skipped("later"),
                json!({"succeeded": false, "was_skipped": true, "message": "later", "data": {}}),
            ),
            (
                PipeResult::failure("boom"),
                json!({"succeeded": false, "was_skipped": false, "message": "boom", "data": {}}),
            ),
        ];
        for (result, shape) in shapes {
            assert_eq!(serde_json::to_value(&result).unwrap(), shape);
            assert_eq!(serde_json::from_value::<PipeResult>(shape).unwrap(), result);
        }
    }
}
