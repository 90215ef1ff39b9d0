// The whole author surface: `#[otai::params]`, `#[otai::pipe]` (slots, nested pipes and state
// read from the field types), `#[otai::service]` (interfaces, default provider, injected
// services), `otai::injectables!`, and nothing but `otai` as a dependency.
use std::sync::atomic::AtomicUsize;

use otai::prelude::*;
use otai::{ComponentRegistry, Injectable, InjectableKind};

/// Params of `Route`.
#[otai::params]
pub struct RouteParams {
    /// Where to.
    pub queue: String,
    /// How sure.
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// A pipe with a required and an optional slot, nested pipes and state.
#[otai::pipe(name = "RoutePipe")]
pub struct Route {
    ticket_system: Arc<dyn TicketSystem>,
    classifier: Option<Arc<dyn ClassificationService>>,
    on: PipeNode,
    fallback: Option<PipeNode>,
    steps: Vec<PipeNode>,
    runs: AtomicUsize,
}

#[async_trait]
impl Pipe for Route {
    type Params = RouteParams;

    async fn process(&self, params: RouteParams, _ctx: &PipeContext) -> PipeResult {
        PipeResult::success_with("queue", params.queue)
    }
}

/// A renderer-ish service injecting a ticket system.
#[otai::service(provides(TicketSystem), default)]
pub struct Tickets {
    upstream: Option<Arc<dyn TicketSystem>>,
}

impl Service for Tickets {
    type Params = NoParams;

    fn build(_params: NoParams, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        Ok(Tickets {
            upstream: ctx.injected_optional()?,
        })
    }
}

#[async_trait]
impl TicketSystem for Tickets {
    async fn find_ticket_ids(&self, _: &TicketSearchCriteria) -> Result<Vec<TicketId>, TicketSystemError> {
        Ok(Vec::new())
    }
    async fn get_ticket(&self, _: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        Ok(None)
    }
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        Ok(WriteReceipt::new(write.ticket_id().cloned().unwrap_or_else(|| "1".into())))
    }
}

#[otai::plugin]
#[derive(Default)]
pub struct UiPlugin;

impl Plugin for UiPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        otai::injectables![Route, Tickets]
    }
}

fn main() {
    let route = Route::descriptor();
    assert_eq!(route.name(), "RoutePipe");
    assert_eq!(route.kind(), InjectableKind::Pipe);
    let slots: Vec<(&str, &str, bool)> = route
        .inject_slots()
        .iter()
        .map(|slot| (slot.name, slot.interface, slot.required))
        .collect();
    assert_eq!(
        slots,
        [
            ("ticket_system", "TicketSystem", true),
            ("classifier", "ClassificationService", false),
        ]
    );
    let nested: Vec<(&str, bool, bool)> = route
        .nested_pipes()
        .iter()
        .map(|slot| (slot.field, slot.many, slot.required))
        .collect();
    assert_eq!(
        nested,
        [("on", false, true), ("fallback", false, false), ("steps", true, false)]
    );

    let tickets = Tickets::descriptor();
    assert_eq!(tickets.name(), "Tickets");
    assert_eq!(tickets.interfaces(), ["TicketSystem"]);
    assert_eq!(tickets.defaults(), ["TicketSystem"]);
    assert_eq!(tickets.inject_slots()[0].name, "upstream");
    assert_eq!(format!("{:?}", Tickets { upstream: None }), "Tickets { .. }");

    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    assert!(registry.get("ui-harness-tests:RoutePipe").is_ok());
    assert!(registry.get("ui-harness-tests:Tickets").is_ok());
}
