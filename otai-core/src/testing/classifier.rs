//! [`FixedClassifier`]: a classification service whose answers the test decides.

use std::sync::Mutex;

use crate::interfaces::{
    ClassificationError, ClassificationRequest, ClassificationResult, ClassificationService,
};

/// A classification service for tests: answers `label` with `confidence`, unless a rule
/// added with [`FixedClassifier::when`] matches first (the text contains its word, ignoring
/// case). Remembers every request (text and model name).
#[derive(Debug)]
pub struct FixedClassifier {
    label: String,
    confidence: f64,
    rules: Vec<(String, String)>,
    requests: Mutex<Vec<(String, String)>>,
}

impl FixedClassifier {
    /// Answers `label` with `confidence` (in `[0, 1]`) for every text.
    pub fn new(label: &str, confidence: f64) -> Self {
        Self {
            label: label.to_owned(),
            confidence,
            rules: Vec::new(),
            requests: Mutex::new(Vec::new()),
        }
    }

    /// Answers `label` (same confidence) for texts containing `word`; rules are tried in the
    /// order they were added.
    pub fn when(mut self, word: &str, label: &str) -> Self {
        self.rules.push((word.to_lowercase(), label.to_owned()));
        self
    }

    /// The texts and model names classified so far, in order.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

#[async_trait::async_trait]
impl ClassificationService for FixedClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        self.requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((request.text.clone(), request.model_name.clone()));
        let text = request.text.to_lowercase();
        let label = self
            .rules
            .iter()
            .find(|(word, _)| text.contains(word.as_str()))
            .map_or(&self.label, |(_, label)| label);
        Ok(ClassificationResult {
            label: label.clone(),
            confidence: self.confidence,
        })
    }
}
