//! Starting a built pipeline: services first (dependencies before dependants), then every
//! pipe's prepare step.

use super::issue::Issue;
use super::pipeline::Pipeline;
use crate::report::report;
use crate::service::{StartContext, StartError};

impl Pipeline {
    /// Starts every service in dependency order, then prepares every pipe (e.g. loads the
    /// models the config names literally). Runs on the async runtime; `otai run` calls it
    /// before the first cycle and `otai check --online` to find a wrong password, an
    /// unreachable server or a missing model up front.
    ///
    /// Returns every failure, each at the place of its service or pipe in the config. Pipes
    /// are not prepared when a service failed: they would fail again for the same reason.
    pub async fn start(&self) -> Result<(), Vec<Issue>> {
        let mut issues = Vec::new();
        for (id, path) in &self.service_order {
            let Some(service) = self.services.get(id) else {
                continue;
            };
            let ctx = StartContext::new(id, service.key(), &self.app);
            tracing::debug!(service = %id, r#use = %service.key(), "starting");
            if let Err(error) = service.start(&ctx).await {
                issues.push(start_issue(
                    path.clone(),
                    &format!("service `{id}` ({}) cannot start", service.key()),
                    &error,
                ));
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        for (path, node) in &self.nodes {
            let ctx = StartContext::new(node.id(), node.use_key(), &self.app);
            if let Err(error) = node.prepare(&ctx).await {
                issues.push(start_issue(
                    path.clone(),
                    &format!("pipe `{}` ({}) cannot start", node.id(), node.use_key()),
                    &error,
                ));
            }
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

fn start_issue(path: crate::path::ConfigPath, what: &str, error: &StartError) -> Issue {
    Issue::at(path, format!("{what}: {}", report(error)))
        .maybe_hint(error.hint().map(str::to_owned))
}
