//! The classifier's watch: the engine wraps every classification service in one, so that
//! how long each classification takes, by model, reaches the [`super::WorkEvents`] listeners
//! (metrics), as the gate does for ticket systems. It only measures: requests
//! pass through unchanged (concurrent ones still meet in a model's micro-batcher).

use std::sync::Arc;
use std::time::Instant;

use super::ledger::Ledger;
use crate::interfaces::{
    ClassificationError, ClassificationRequest, ClassificationResult, ClassificationService,
};
use crate::secret::Secret;

/// A classification service whose calls are timed and reported.
#[derive(Debug)]
pub(crate) struct ObservedClassifier {
    service: String,
    inner: Arc<dyn ClassificationService>,
    ledger: Arc<Ledger>,
}

impl ObservedClassifier {
    pub(crate) fn new(
        service: &str,
        inner: Arc<dyn ClassificationService>,
        ledger: Arc<Ledger>,
    ) -> Self {
        Self {
            service: service.to_owned(),
            inner,
            ledger,
        }
    }
}

#[async_trait::async_trait]
impl ClassificationService for ObservedClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        let started = Instant::now();
        let outcome = self.inner.classify(request).await;
        let elapsed = started.elapsed();
        for events in self.ledger.events() {
            events.classification(
                &self.service,
                &request.model_name,
                elapsed,
                outcome.as_ref().err(),
            );
        }
        outcome
    }

    async fn prepare_model(
        &self,
        model_name: &str,
        api_token: Option<&Secret>,
    ) -> Result<(), ClassificationError> {
        self.inner.prepare_model(model_name, api_token).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::*;
    use crate::engine::work::{WorkEvents, WorkOptions};

    /// Labels by text length; fails for the model `broken`.
    #[derive(Debug)]
    struct Lengths;

    #[async_trait::async_trait]
    impl ClassificationService for Lengths {
        async fn classify(
            &self,
            request: &ClassificationRequest,
        ) -> Result<ClassificationResult, ClassificationError> {
            if request.model_name == "broken" {
                return Err(ClassificationError::UnknownModel {
                    model: request.model_name.clone(),
                    message: "no such model".into(),
                });
            }
            Ok(ClassificationResult {
                label: request.text.len().to_string(),
                confidence: 1.0,
            })
        }
    }

    #[derive(Debug, Default)]
    struct Seen(Mutex<Vec<(String, String, bool)>>);

    impl WorkEvents for Seen {
        fn classification(
            &self,
            service: &str,
            model: &str,
            _elapsed: Duration,
            error: Option<&ClassificationError>,
        ) {
            self.0
                .lock()
                .unwrap()
                .push((service.into(), model.into(), error.is_some()));
        }
    }

    #[tokio::test]
    async fn passes_requests_through_and_reports_each_by_model() {
        let ledger = Ledger::new();
        let seen = Arc::new(Seen::default());
        let mut options = WorkOptions::default();
        options
            .events
            .push(Arc::clone(&seen) as Arc<dyn WorkEvents>);
        ledger.configure(options, None).unwrap();
        let observed = ObservedClassifier::new("keywords", Arc::new(Lengths), ledger);
        let request = |model: &str| ClassificationRequest {
            text: "four".into(),
            model_name: model.into(),
            api_token: None,
        };
        let result = observed.classify(&request("queue")).await.unwrap();
        assert_eq!(result.label, "4");
        assert!(observed.classify(&request("broken")).await.is_err());
        assert_eq!(
            *seen.0.lock().unwrap(),
            vec![
                ("keywords".into(), "queue".into(), false),
                ("keywords".into(), "broken".into(), true),
            ]
        );
    }
}
