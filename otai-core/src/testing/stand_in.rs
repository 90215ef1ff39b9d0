//! Stand-in services: objects made by a test, registered as `stand-in:<Interface>` and found
//! by their service id when the engine builds them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::engine::ServiceSpec;
use crate::injectable::{BuildError, InjectableDescriptor};
use crate::path::ConfigPath;
use crate::plugin::Plugin;
use crate::service::{Interface, ServiceInstance};
use crate::value::Map;

type MakeInstance = Arc<dyn Fn(&str, &str) -> ServiceInstance + Send + Sync>;

#[derive(Clone)]
struct StandIn {
    interface: &'static str,
    make: MakeInstance,
}

/// The stand-ins of a test bed, by service id.
#[derive(Clone, Default)]
pub(super) struct StandIns {
    by_id: BTreeMap<String, StandIn>,
}

impl fmt::Debug for StandIns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.by_id.iter().map(|(id, s)| (id, s.interface)))
            .finish()
    }
}

impl StandIns {
    /// Adds (or replaces) the stand-in with id `id`.
    pub(super) fn add<I: Interface + ?Sized>(&mut self, id: &str, object: Arc<I>) {
        let make: MakeInstance = Arc::new(move |id: &str, key: &str| {
            ServiceInstance::from_object::<I>(id, key, Arc::clone(&object))
        });
        self.by_id.insert(
            id.to_owned(),
            StandIn {
                interface: I::NAME,
                make,
            },
        );
    }

    /// The ids of the stand-ins providing `interface`.
    pub(super) fn ids_providing(&self, interface: &str) -> Vec<&str> {
        self.by_id
            .iter()
            .filter(|(_, s)| s.interface == interface)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The `services:` entries declaring every stand-in.
    pub(super) fn specs(&self) -> Vec<ServiceSpec> {
        self.by_id
            .iter()
            .map(|(id, stand_in)| ServiceSpec {
                id: id.clone(),
                use_key: format!("stand-in:{}", stand_in.interface),
                injects: BTreeMap::new(),
                params: Map::new(),
                path: ConfigPath::of_key("services").key(id),
            })
            .collect()
    }

    /// The plugin registering one injectable per interface the stand-ins provide.
    pub(super) fn plugin(&self) -> StandInPlugin {
        let mut interfaces: Vec<&'static str> = self.by_id.values().map(|s| s.interface).collect();
        interfaces.sort_unstable();
        interfaces.dedup();
        let by_id = Arc::new(self.by_id.clone());
        StandInPlugin {
            descriptors: interfaces
                .into_iter()
                .map(|interface| {
                    let by_id = Arc::clone(&by_id);
                    InjectableDescriptor::stand_in(interface, move |ctx| {
                        match by_id.get(ctx.id()).filter(|s| s.interface == interface) {
                            Some(stand_in) => Ok((stand_in.make)(ctx.id(), ctx.key())),
                            None => Err(BuildError::new(format!(
                                "the test bed has no stand-in {interface} with the id `{}`",
                                ctx.id()
                            ))
                            .with_hint("add it with `TestBed::with_service` (or `with_ticket_system`, `with_classifier`)")),
                        }
                    })
                })
                .collect(),
        }
    }
}

/// The registry entries of the stand-ins (prefix `stand-in`).
pub(super) struct StandInPlugin {
    descriptors: Vec<InjectableDescriptor>,
}

impl Plugin for StandInPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        self.descriptors.clone()
    }
}
