// The plugin of README.md ("Writing a plugin"), kept compiling.
use otai::prelude::*;

/// Params of `TagPipe`.
#[otai::params]
pub struct TagParams {
    /// The ticket, usually `"{{ get_pipe_result('ticket')['id'] }}"`.
    pub ticket_id: TicketId,
    /// The text to look at, usually the ticket's subject and body.
    pub text: String,
    /// The tag to note (default `billing`).
    #[serde(default = "default_tag")]
    pub tag: String,
}

fn default_tag() -> String {
    "billing".to_owned()
}

/// Notes a tag on tickets that mention an invoice. Registered as `acme:TagPipe`; its field
/// `ticket_system` is its inject slot (`injects: { ticket_system: <service id> }`).
#[otai::pipe]
pub struct TagPipe {
    ticket_system: Arc<dyn TicketSystem>,
}

#[async_trait]
impl Pipe for TagPipe {
    type Params = TagParams;

    async fn process(&self, params: TagParams, _ctx: &PipeContext) -> PipeResult {
        if !params.text.to_lowercase().contains("invoice") {
            return PipeResult::skipped("no invoice mentioned");
        }
        let note = UnifiedNote {
            subject: "Tag".into(),
            body: params.tag.clone(),
            ..Default::default()
        };
        match self.ticket_system.add_note(params.ticket_id.as_str(), &note).await {
            Ok(()) => PipeResult::success_with("tag", params.tag),
            Err(error) => PipeResult::failure(otai::report(&error)),
        }
    }
}

#[otai::plugin]
#[derive(Default)]
pub struct AcmePlugin;

impl Plugin for AcmePlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![TagPipe]
    }
}

fn main() {
    let registry =
        otai::ComponentRegistry::from_linked(&AppConfig::new()).unwrap_or_else(|e| panic!("{e}"));
    assert!(registry.get("ui-harness-tests:TagPipe").is_ok());
}
