//! The `ClassificationService` interface: text in, label and confidence out.

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::service::Interface;

/// Classifies text with a named model (a HuggingFace model id, a keyword rule set, …).
#[async_trait::async_trait]
pub trait ClassificationService: Send + Sync {
    /// Classifies `request.text`.
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError>;
}

impl Interface for dyn ClassificationService {
    const NAME: &'static str = "ClassificationService";
}

/// What to classify and with which model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationRequest {
    /// The text (usually subject and body of a ticket).
    pub text: String,
    /// The model to use; services that have a single model may ignore it.
    pub model_name: String,
    /// A token for fetching the model, if the service needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<Secret>,
}

/// The winning label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationResult {
    /// The predicted label.
    pub label: String,
    /// Confidence in `[0, 1]`.
    pub confidence: f64,
}

/// Why a text could not be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassificationError {
    /// The service does not know the requested model.
    #[error("unknown model `{model}`: {message}")]
    UnknownModel {
        /// The requested model.
        model: String,
        /// Which models exist, or why it could not be loaded.
        message: String,
    },
    /// The classification itself failed.
    #[error("classification failed: {0}")]
    Failed(String),
}
