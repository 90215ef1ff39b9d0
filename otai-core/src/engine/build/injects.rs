//! `injects:`: slots that exist, services that exist and provide what the slot needs,
//! required slots filled.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Builder;
use crate::engine::issue::Issue;
use crate::injectable::InjectSlot;
use crate::path::ConfigPath;
use crate::registry::suggest::{closest, did_you_mean};
use crate::service::ServiceInstance;

impl Builder<'_> {
    /// Checks `injects:` against the slots; issues for unknown slots, unknown services,
    /// services without the needed interface, and empty required slots.
    pub(super) fn check_injects(
        &mut self,
        injects: &BTreeMap<String, String>,
        slots: &[InjectSlot],
        path: &ConfigPath,
        key: &str,
    ) {
        for (slot_name, service_id) in injects {
            let slot_path = path.key("injects").key(slot_name);
            let Some(slot) = slots.iter().find(|s| s.name == slot_name) else {
                let names: Vec<&str> = slots.iter().map(|s| s.name).collect();
                let hint =
                    did_you_mean(&closest(slot_name, names.iter().copied())).unwrap_or_else(|| {
                        if names.is_empty() {
                            format!("`{key}` takes no injects")
                        } else {
                            format!("its slots: {}", names.join(", "))
                        }
                    });
                self.issue(
                    Issue::at_key(
                        slot_path,
                        format!("`{key}` has no inject slot `{slot_name}`"),
                    )
                    .hint(hint),
                );
                continue;
            };
            let Some(summary) = self.summaries.get(service_id) else {
                let ids: Vec<&str> = self.summaries.keys().map(String::as_str).collect();
                let hint =
                    did_you_mean(&closest(service_id, ids.iter().copied())).unwrap_or_else(|| {
                        if ids.is_empty() {
                            "no services are configured; add one under `services:`".to_owned()
                        } else {
                            format!("configured services: {}", ids.join(", "))
                        }
                    });
                self.issue(
                    Issue::at(
                        slot_path,
                        format!("no service with id `{service_id}` is configured"),
                    )
                    .hint(hint),
                );
                continue;
            };
            if !summary.unresolved && !summary.interfaces.contains(&slot.interface) {
                let providers = self.providers_of(slot.interface);
                let hint = if providers.is_empty() {
                    format!("configure a service that provides `{}`", slot.interface)
                } else {
                    format!(
                        "services providing `{}`: {}",
                        slot.interface,
                        providers.join(", ")
                    )
                };
                self.issue(
                    Issue::at(
                        slot_path,
                        format!(
                            "service `{service_id}` ({}) does not provide `{}`, which slot `{slot_name}` needs",
                            summary.key, slot.interface
                        ),
                    )
                    .hint(hint),
                );
            }
        }
        for slot in slots
            .iter()
            .filter(|s| s.required && !injects.contains_key(s.name))
        {
            let providers = self.providers_of(slot.interface);
            let example = providers.first().copied().unwrap_or("<service id>");
            self.issue(
                Issue::at(
                    path.clone(),
                    format!(
                        "`{key}` needs a `{}` in inject slot `{}`, but none is given",
                        slot.interface, slot.name
                    ),
                )
                .hint(format!("add `injects: {{ {}: {example} }}`", slot.name)),
            );
        }
    }

    /// Ids of the configured services that provide `interface`.
    fn providers_of(&self, interface: &str) -> Vec<&str> {
        self.summaries
            .iter()
            .filter(|(_, summary)| summary.interfaces.contains(&interface))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The built services for `injects` (after `check_injects`); `None` if one is
    /// missing because it failed to build.
    pub(super) fn wire_injects(
        &self,
        injects: &BTreeMap<String, String>,
    ) -> Option<BTreeMap<String, Arc<ServiceInstance>>> {
        injects
            .iter()
            .map(|(slot, id)| self.services.get(id).map(|s| (slot.clone(), Arc::clone(s))))
            .collect()
    }
}
