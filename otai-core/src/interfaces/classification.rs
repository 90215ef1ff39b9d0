//! The `ClassificationService` interface: text in, label and confidence out.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::service::Interface;

/// Classifies text with a named model (a HuggingFace model id, a keyword rule set, …).
#[async_trait::async_trait]
pub trait ClassificationService: fmt::Debug + Send + Sync {
    /// Classifies `request.text`.
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError>;

    /// Makes model `model_name` ready (loads it), so that a missing or broken model is found
    /// before the first ticket: called for every model a config names literally, before the
    /// first cycle and by `otai check --online`. The default does nothing.
    async fn prepare_model(
        &self,
        model_name: &str,
        api_token: Option<&Secret>,
    ) -> Result<(), ClassificationError> {
        let _ = (model_name, api_token);
        Ok(())
    }
}

impl Interface for dyn ClassificationService {
    const NAME: &'static str = "ClassificationService";
}

/// What to classify and with which model. Deliberately not `Serialize`: it holds a
/// [`Secret`]; a service that sends it elsewhere builds its own request and exposes the token
/// there, visibly.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassificationError {
    /// The service does not know the requested model, or cannot find it.
    #[error("unknown model `{model}`: {message}")]
    UnknownModel {
        /// The requested model.
        model: String,
        /// Which models exist, where the service looked, how to provide it.
        message: String,
    },
    /// The model exists but could not be loaded or run.
    #[error("model `{model}` failed")]
    Failed {
        /// The requested model.
        model: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
