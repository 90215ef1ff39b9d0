//! Services: resolution, build order (dependencies first, no cycles), construction, and the
//! template renderer every template needs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::{Builder, RendererMissing};
use crate::engine::issue::Issue;
use crate::engine::pipeline::ServiceSummary;
use crate::engine::spec::ServiceSpec;
use crate::injectable::{BuildContext, Constructor, InjectableKind};
use crate::engine::work::TicketGate;
use crate::interfaces::{TemplateRenderer, TicketSystem};
use crate::pipe::PipeContext;
use crate::registry::RegisteredInjectable;
use crate::service::Interface;
use crate::value::{Map, Value};

/// The id given to a template renderer the engine creates because the config names none.
pub const DEFAULT_RENDERER_ID: &str = "default_template_renderer";

impl<'a> Builder<'a> {
    /// Resolves, orders and builds every service; the renderer comes first, since every other
    /// service's params may hold templates.
    pub(super) fn build_services(&mut self, services: &[ServiceSpec]) {
        let mut resolved: BTreeMap<&str, (&ServiceSpec, &'a RegisteredInjectable)> =
            BTreeMap::new();
        for service in services {
            let found = self.resolve(&service.use_key, InjectableKind::Service, &service.path);
            self.summaries.insert(
                service.id.clone(),
                ServiceSummary {
                    key: service.use_key.clone(),
                    interfaces: found
                        .map(|f| f.descriptor().interfaces().to_vec())
                        .unwrap_or_default(),
                    unresolved: found.is_none(),
                },
            );
            if let Some(found) = found {
                resolved.insert(&service.id, (service, found));
            }
        }
        // Service → service injects, checked before anything is built.
        let mut dependencies: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, (service, found)) in &resolved {
            self.check_injects(
                &service.injects,
                found.descriptor().inject_slots(),
                &service.path,
                found.key(),
            );
            dependencies.insert(id, service.injects.values().map(String::as_str).collect());
        }
        let renderer_id = services
            .iter()
            .find(|s| {
                self.summaries.get(&s.id).is_some_and(|summary| {
                    summary
                        .interfaces
                        .contains(&<dyn TemplateRenderer as Interface>::NAME)
                })
            })
            .map(|s| s.id.as_str());
        if renderer_id.is_none() {
            self.create_default_renderer();
        }
        let Some(order) = self.service_order(&dependencies, renderer_id, services) else {
            // The cycle is reported; templates cannot be judged without the renderer.
            if renderer_id.is_some() {
                self.renderer_missing = RendererMissing::Reported;
            }
            return;
        };
        for id in order {
            let Some((service, found)) = resolved.get(id) else {
                continue;
            };
            self.build_service(service, found);
            if Some(id) == renderer_id {
                self.renderer = self
                    .services
                    .get(id)
                    .and_then(|instance| instance.get::<dyn TemplateRenderer>());
                // A renderer that failed to build is reported; do not blame every template.
                if self.renderer.is_none() {
                    self.renderer_missing = RendererMissing::Reported;
                }
            }
        }
    }

    /// Build order: the renderer and its dependencies first, then the others in file order;
    /// every service after the services it injects. A cycle is an issue naming the cycle.
    fn service_order<'s>(
        &mut self,
        dependencies: &BTreeMap<&'s str, Vec<&'s str>>,
        renderer: Option<&'s str>,
        services: &'s [ServiceSpec],
    ) -> Option<Vec<&'s str>> {
        fn visit<'s>(
            id: &'s str,
            dependencies: &BTreeMap<&'s str, Vec<&'s str>>,
            done: &mut BTreeSet<&'s str>,
            stack: &mut Vec<&'s str>,
            order: &mut Vec<&'s str>,
        ) -> Result<(), Vec<&'s str>> {
            if done.contains(id) {
                return Ok(());
            }
            if let Some(start) = stack.iter().position(|s| *s == id) {
                let mut cycle = stack[start..].to_vec();
                cycle.push(id);
                return Err(cycle);
            }
            stack.push(id);
            for dependency in dependencies.get(id).into_iter().flatten() {
                if dependencies.contains_key(dependency) {
                    visit(dependency, dependencies, done, stack, order)?;
                }
            }
            stack.pop();
            done.insert(id);
            order.push(id);
            Ok(())
        }

        let mut done = BTreeSet::new();
        let mut order = Vec::new();
        let roots = renderer
            .into_iter()
            .chain(services.iter().map(|s| s.id.as_str()));
        for id in roots {
            if !dependencies.contains_key(id) {
                continue;
            }
            if let Err(cycle) = visit(id, dependencies, &mut done, &mut Vec::new(), &mut order) {
                let first = cycle[0];
                let path = services
                    .iter()
                    .find(|s| s.id == first)
                    .map(|s| s.path.key("injects"))
                    .unwrap_or_default();
                self.issue(
                    Issue::at(
                        path,
                        format!(
                            "services inject each other in a cycle: {}",
                            cycle.join(" → ")
                        ),
                    )
                    .hint("break the cycle: a service cannot (indirectly) inject itself"),
                );
                return None;
            }
        }
        Some(order)
    }

    /// Without a configured renderer, the one a plugin declares the default provider of
    /// `TemplateRenderer` renders templates (built with empty params).
    fn create_default_renderer(&mut self) {
        let interface = <dyn TemplateRenderer as Interface>::NAME;
        let defaults: Vec<&RegisteredInjectable> = self.registry.defaults_for(interface).collect();
        let chosen = match defaults.as_slice() {
            [one] => *one,
            [] => {
                self.renderer_missing = RendererMissing::Unprovided(format!(
                    "configure a service that provides `{interface}` (e.g. `jinja_default: {{ use: \"base:JinjaRenderer\" }}`); no linked plugin offers a default one"
                ));
                return;
            }
            several => {
                let keys: Vec<&str> = several.iter().map(|i| i.key()).collect();
                self.renderer_missing = RendererMissing::Unprovided(format!(
                    "several linked plugins offer a default `{interface}` ({}): configure the one to use under `services:`",
                    keys.join(", ")
                ));
                return;
            }
        };
        let Constructor::Service(construct) = &chosen.descriptor().constructor else {
            return;
        };
        let ctx = BuildContext::new(
            DEFAULT_RENDERER_ID,
            chosen.key(),
            self.app,
            chosen.descriptor().inject_slots(),
            BTreeMap::new(),
            BTreeMap::new(),
        );
        match construct(&Value::Object(Map::new()), &ctx) {
            Ok(instance) => self.renderer = instance.get::<dyn TemplateRenderer>(),
            Err(error) => {
                self.renderer_missing = RendererMissing::Unprovided(format!(
                    "the default `{interface}` `{}` could not be created ({}); configure one under `services:`",
                    chosen.key(),
                    crate::report(&error)
                ));
            }
        }
    }

    fn build_service(&mut self, service: &ServiceSpec, found: &RegisteredInjectable) {
        let errors_before = self.error_count();
        let params_path = service.path.key("params");
        let tree = self.compile_params(&service.params, &params_path);
        let injects = self.wire_injects(&service.injects);
        let (Some(tree), Some(injects)) = (tree, injects) else {
            return;
        };
        if self.error_count() > errors_before {
            return;
        }
        let rendered = match tree.render(&PipeContext::default()) {
            Ok(rendered) => rendered,
            Err(error) => {
                let message = crate::report(&error.error);
                self.issue(Issue::at(params_path.join(&error.path), message));
                return;
            }
        };
        let Constructor::Service(construct) = &found.descriptor().constructor else {
            return;
        };
        let ctx = BuildContext::new(
            &service.id,
            found.key(),
            self.app,
            found.descriptor().inject_slots(),
            injects,
            BTreeMap::new(),
        );
        match construct(&rendered, &ctx) {
            Ok(mut instance) => {
                let ledger = Arc::clone(&self.ledger);
                let id = service.id.clone();
                instance.wrap::<dyn TicketSystem>(move |inner| {
                    Arc::new(TicketGate::new(&id, inner, ledger))
                });
                self.services.insert(service.id.clone(), Arc::new(instance));
                self.service_order
                    .push((service.id.clone(), service.path.clone()));
            }
            Err(error) => self.build_error(&service.path, found.key(), &error),
        }
    }
}
