//! `base:ClassificationPipe`: classifies text with an injected `ClassificationService`.

use otai::prelude::*;
use otai::value::Map;

/// Params of `base:ClassificationPipe`.
#[otai::params]
#[derive(Debug, Clone)]
pub struct ClassificationPipeParams {
    /// The text to classify (usually subject and body of a ticket).
    pub text: String,
    /// The model (a HuggingFace id for `hf-local`, a model of `base:KeywordClassifier`).
    pub model_name: String,
    /// A token for fetching the model, if the service needs one. Never logged.
    #[serde(default)]
    pub api_token: Option<Secret>,
}

/// Classifies a text with the injected classification service (`data.label`, `data.confidence`).
///
/// Classifies `text` with the service injected as `classification_service` and returns
/// `data.label` and `data.confidence`. A classification error fails the pipe. A model named
/// literally (`model_name` without a template) is loaded before the first cycle and by
/// `otai check --online`, so a missing model is reported up front.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     keywords:
///       use: base:KeywordClassifier
///       params:
///         models:
///           queue: { default_label: Unclassified, labels: { Billing: [invoice, refund] } }
///   orchestrator:
///     id: classify
///     use: base:ClassificationPipe
///     injects: { classification_service: keywords }
///     params:
///       text: "Please refund the second invoice."
///       model_name: queue
/// ```
#[otai::pipe]
pub struct ClassificationPipe {
    classification_service: Arc<dyn ClassificationService>,
}

impl ClassificationPipe {
    /// A pipe classifying with `service`.
    pub fn new(classification_service: Arc<dyn ClassificationService>) -> Self {
        Self {
            classification_service,
        }
    }
}

#[async_trait]
impl Pipe for ClassificationPipe {
    type Params = ClassificationPipeParams;

    async fn prepare(
        &self,
        params: &PreparedParams<'_>,
        _ctx: &StartContext<'_>,
    ) -> Result<(), StartError> {
        let Some(model) = params.literal_as::<String>("model_name") else {
            return Ok(());
        };
        let token = params.literal_as::<Secret>("api_token");
        self.classification_service
            .prepare_model(&model, token.as_ref())
            .await
            .map_err(|error| {
                StartError::new(format!("model `{model}` cannot be loaded")).with_source(error)
            })
    }

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let request = ClassificationRequest {
            text: params.text,
            model_name: params.model_name,
            api_token: params.api_token,
        };
        match self.classification_service.classify(&request).await {
            Ok(result) => {
                let message = format!(
                    "`{}` says {} ({:.2})",
                    request.model_name, result.label, result.confidence
                );
                let mut data = Map::new();
                data.insert("label".to_owned(), Value::from(result.label));
                data.insert("confidence".to_owned(), Value::from(result.confidence));
                PipeResult::success(data).with_message(message)
            }
            Err(error) => PipeResult::failure(otai::report(&error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use otai::interfaces::{ClassificationError, ClassificationResult};
    use otai::value::json;

    use super::*;

    /// Answers with the model name as label and fails for model `broken`.
    #[derive(Debug)]
    struct Echo;

    #[async_trait]
    impl ClassificationService for Echo {
        async fn classify(
            &self,
            request: &ClassificationRequest,
        ) -> Result<ClassificationResult, ClassificationError> {
            if request.model_name == "broken" {
                return Err(ClassificationError::UnknownModel {
                    model: "broken".into(),
                    message: "not there".into(),
                });
            }
            assert_eq!(request.api_token.as_ref().map(Secret::expose), Some("tok"));
            Ok(ClassificationResult {
                label: format!("{}:{}", request.model_name, request.text),
                confidence: 0.75,
            })
        }
    }

    fn params(model_name: &str) -> ClassificationPipeParams {
        serde_json::from_value(json!({"text": "hi", "model_name": model_name, "api_token": "tok"}))
            .unwrap()
    }

    #[tokio::test]
    async fn returns_label_and_confidence() {
        let pipe = ClassificationPipe::new(Arc::new(Echo));
        let result = pipe.process(params("queue"), &PipeContext::default()).await;
        assert!(result.succeeded());
        assert_eq!(result.data["label"], json!("queue:hi"));
        assert_eq!(result.data["confidence"], json!(0.75));
        assert!(!result.message.contains("tok"), "the token never shows");
    }

    #[tokio::test]
    async fn a_classification_error_fails_the_pipe() {
        let pipe = ClassificationPipe::new(Arc::new(Echo));
        let result = pipe
            .process(params("broken"), &PipeContext::default())
            .await;
        assert!(result.has_failed());
        assert!(
            result.message.contains("unknown model `broken`"),
            "{}",
            result.message
        );
    }

    #[test]
    fn the_token_is_optional_and_unknown_fields_are_rejected() {
        let ok: ClassificationPipeParams =
            serde_json::from_value(json!({"text": "t", "model_name": "m"})).unwrap();
        assert!(ok.api_token.is_none());
        // Valid but for one extra key: only strictness can reject it.
        let error = serde_json::from_value::<ClassificationPipeParams>(
            json!({"text": "t", "model_name": "m", "model": "m"}),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("unknown field `model`"),
            "{error}"
        );
    }
}
