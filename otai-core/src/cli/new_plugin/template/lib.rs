//! # otai-__NAME__
//!
//! An Open Ticket AI plugin (registry prefix `__NAME__`): a pipe that classifies a ticket and
//! notes the label on it, and a classification service that labels texts by their length.
//!
//! | key | kind |
//! |---|---|
//! | `__NAME__:NoteClassification` | pipe |
//! | `__NAME__:LengthClassifier` | service (provides `ClassificationService`) |
//!
//! `otai describe __NAME__:NoteClassification` shows a pipe's params and an example config.

use otai::prelude::*;
use otai::value::Map;
use otai::ConfigPath;

/// The `__NAME__` plugin: the injectables it registers.
#[otai::plugin]
#[derive(Debug, Default)]
pub struct __PLUGIN__;

impl Plugin for __PLUGIN__ {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![NoteClassification, LengthClassifier]
    }
}

/// Params of `__NAME__:NoteClassification`.
#[otai::params]
#[derive(Debug)]
pub struct NoteClassificationParams {
    /// The ticket to classify (a string or an integer).
    pub ticket_id: TicketId,
    /// The model the classifier should use; a service with one model ignores it.
    #[serde(default = "default_model")]
    pub model_name: String,
}

fn default_model() -> String {
    "default".to_owned()
}

/// Classifies a ticket's subject and body and adds the label as an internal note.
///
/// The ticket comes from the `ticket_system` inject, the label from the `classifier` inject;
/// `data.label` and `data.confidence` hold the result for later steps.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets: [{ id: 1, subject: Printer, body: "The printer is broken." }]
///     length: { use: "__NAME__:LengthClassifier", params: { threshold: 40 } }
///   orchestrator:
///     use: __NAME__:NoteClassification
///     injects: { ticket_system: tickets, classifier: length }
///     params: { ticket_id: 1 }
/// ```
#[otai::pipe]
pub struct NoteClassification {
    ticket_system: Arc<dyn TicketSystem>,
    classifier: Arc<dyn ClassificationService>,
}

#[async_trait]
impl Pipe for NoteClassification {
    type Params = NoteClassificationParams;

    async fn process(&self, params: Self::Params, _ctx: &PipeContext) -> PipeResult {
        let id = params.ticket_id.as_str();
        let ticket = match self.ticket_system.get_ticket(id).await {
            Ok(Some(ticket)) => ticket,
            Ok(None) => return PipeResult::failure(format!("ticket {id} does not exist")),
            Err(error) => return PipeResult::failure(otai::report(&error)),
        };
        let request = ClassificationRequest {
            text: format!(
                "{}\n{}",
                ticket.subject.unwrap_or_default(),
                ticket.body.unwrap_or_default()
            ),
            model_name: params.model_name,
            api_token: None,
        };
        let result = match self.classifier.classify(&request).await {
            Ok(result) => result,
            Err(error) => return PipeResult::failure(otai::report(&error)),
        };
        let note = UnifiedNote {
            subject: "Classification".to_owned(),
            body: format!(
                "{} ({:.0}% confidence)",
                result.label,
                result.confidence * 100.0
            ),
            ..UnifiedNote::default()
        };
        if let Err(error) = self.ticket_system.add_note(id, &note).await {
            return PipeResult::failure(otai::report(&error));
        }
        let mut data = Map::new();
        data.insert("label".to_owned(), Value::from(result.label.clone()));
        data.insert("confidence".to_owned(), Value::from(result.confidence));
        PipeResult::success(data).with_message(format!("ticket {id}: {}", result.label))
    }
}

/// Params of `__NAME__:LengthClassifier`.
#[otai::params]
#[derive(Debug)]
pub struct LengthClassifierParams {
    /// Texts with at least this many characters are long (at least 1).
    #[serde(default = "default_threshold")]
    pub threshold: usize,
    /// The label of a short text.
    #[serde(default = "default_short")]
    pub short_label: String,
    /// The label of a long text.
    #[serde(default = "default_long")]
    pub long_label: String,
}

fn default_threshold() -> usize {
    200
}

fn default_short() -> String {
    "short".to_owned()
}

fn default_long() -> String {
    "long".to_owned()
}

/// Labels a text `short` or `long` by its number of characters.
///
/// A rule, not a model: every answer has confidence 1.
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     length:
///       use: __NAME__:LengthClassifier
///       params: { threshold: 40, short_label: quick, long_label: detailed }
///     tickets:
///       use: base:InMemoryTicketSystem
///       params:
///         tickets: [{ id: 1, subject: VPN, body: "No connection since this morning, error 812." }]
///   orchestrator:
///     use: __NAME__:NoteClassification
///     injects: { ticket_system: tickets, classifier: length }
///     params: { ticket_id: 1 }
/// ```
#[otai::service(provides(ClassificationService))]
pub struct LengthClassifier {
    params: LengthClassifierParams,
}

impl Service for LengthClassifier {
    type Params = LengthClassifierParams;

    fn build(params: Self::Params, _ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        if params.threshold == 0 {
            return Err(BuildError::new("`threshold` must be at least 1")
                .at_param(ConfigPath::of_key("threshold")));
        }
        Ok(Self { params })
    }
}

#[async_trait]
impl ClassificationService for LengthClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        let long = request.text.chars().count() >= self.params.threshold;
        let label = if long {
            &self.params.long_label
        } else {
            &self.params.short_label
        };
        Ok(ClassificationResult {
            label: label.clone(),
            confidence: 1.0,
        })
    }
}
