#![allow(clippy::unwrap_used)]

use super::*;
use crate::injectable::{Injectable, InjectableDescriptor};
use crate::interfaces::TicketSystem;
use crate::pipe::{Pipe, PipeContext, PipeResult};
use crate::plugin::PluginError;
use crate::NoParams;

/// A pipe without slots.
#[otai::pipe]
struct EchoPipe;

#[async_trait::async_trait]
impl Pipe for EchoPipe {
    type Params = NoParams;
    async fn process(&self, _params: NoParams, _ctx: &PipeContext) -> PipeResult {
        PipeResult::success(Default::default())
    }
}

/// A pipe with a ticket system slot.
#[allow(dead_code)]
#[otai::pipe]
struct StorePipe {
    ticket_system: std::sync::Arc<dyn TicketSystem>,
}

#[async_trait::async_trait]
impl Pipe for StorePipe {
    type Params = NoParams;
    async fn process(&self, _params: NoParams, _ctx: &PipeContext) -> PipeResult {
        PipeResult::success(Default::default())
    }
}

/// A plugin whose injectables are chosen per test.
struct ListPlugin(fn() -> Vec<InjectableDescriptor>);

impl Plugin for ListPlugin {
    fn injectables(&self) -> Vec<InjectableDescriptor> {
        (self.0)()
    }
}

fn echo_only() -> Vec<InjectableDescriptor> {
    otai::injectables![EchoPipe]
}

fn echo_and_store() -> Vec<InjectableDescriptor> {
    vec![
        EchoPipe::descriptor(),
        StorePipe::descriptor().named("Store"),
    ]
}

fn echo_twice() -> Vec<InjectableDescriptor> {
    vec![
        EchoPipe::descriptor(),
        StorePipe::descriptor().named("EchoPipe"),
    ]
}

/// An entry as `#[otai::plugin]` would emit it.
fn entry_with(
    package: &'static str,
    explicit_prefix: Option<&'static str>,
    factory: crate::plugin::PluginFactory,
) -> PluginEntry {
    crate::plugin::entry(package, "1.2.3", explicit_prefix, factory)
}

#[test]
fn keys_are_prefix_and_name() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-my_plugin", "0.1.0", &ListPlugin(echo_and_store));
    let registry = builder.finish().unwrap();
    let keys: Vec<&str> = registry.injectables().map(|i| i.key()).collect();
    assert_eq!(keys, ["my-plugin:EchoPipe", "my-plugin:Store"]);
    assert_eq!(registry.plugins()[0].prefix, "my-plugin");
    let store = registry.get("my-plugin:Store").unwrap();
    assert_eq!(
        store.descriptor().inject_slots()[0].interface,
        "TicketSystem"
    );
    assert_eq!(registry.plugin_of(store).package, "otai-my_plugin");
}

#[test]
fn duplicate_keys_name_both_sides() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-dup", "0.1.0", &ListPlugin(echo_twice));
    let errors = builder.finish().unwrap_err();
    let [RegistryError::DuplicateKey { key, first, second }] = errors.0.as_slice() else {
        panic!("unexpected errors: {errors}");
    };
    assert_eq!(key, "dup:EchoPipe");
    assert!(
        first.contains("EchoPipe") && second.contains("StorePipe"),
        "{first} / {second}"
    );
}

#[test]
fn duplicate_prefixes_name_both_packages() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-same", "0.1.0", &ListPlugin(echo_only));
    builder.add_plugin("otai_same", "0.2.0", &ListPlugin(echo_only));
    let errors = builder.finish().unwrap_err();
    let [RegistryError::DuplicatePrefix {
        prefix,
        first,
        second,
    }] = errors.0.as_slice()
    else {
        panic!("unexpected errors: {errors}");
    };
    assert_eq!(
        (prefix.as_str(), first.as_str(), second.as_str()),
        ("same", "otai-same", "otai_same")
    );
}

#[test]
fn packages_without_the_otai_prefix_are_rejected() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("acme-tools", "0.1.0", &ListPlugin(echo_only));
    let errors = builder.finish().unwrap_err();
    assert!(
        matches!(&errors.0[0], RegistryError::InvalidPrefix { package, .. } if package == "acme-tools")
    );
    assert!(
        errors.to_string().contains("must start with `otai-`"),
        "{errors}"
    );
}

#[test]
fn explicit_prefixes_are_used() {
    let acme = entry_with("acme-app", Some("acme"), |_| {
        Ok(Box::new(ListPlugin(echo_only)))
    });
    let registry = ComponentRegistry::from_entries(&[acme], &AppConfig::new()).unwrap();
    assert!(registry.get("acme:EchoPipe").is_ok());
}

#[test]
fn refusing_factories_show_their_message_verbatim_and_keep_it_as_the_source() {
    let licensed = entry_with("otai-licensed", None, |_| {
        Err(PluginError::refused(
            "Valid license key required. Set ACME_LICENSE_KEY.",
        ))
    });
    let errors = ComponentRegistry::from_entries(&[licensed], &AppConfig::new()).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "error: plugin `otai-licensed` refused to start: Valid license key required. Set ACME_LICENSE_KEY."
    );
    let source = std::error::Error::source(&errors.0[0]).unwrap();
    assert!(source.downcast_ref::<PluginError>().is_some());
}

#[test]
fn factories_see_the_application_environment() {
    let licensed = entry_with("otai-licensed", None, |app| {
        match app.env("OTAI_TEST_LICENCE").as_deref() {
            Some("valid") => Ok(Box::new(ListPlugin(echo_only))),
            _ => Err(PluginError::refused("no licence")),
        }
    });
    let app = AppConfig::new().with_env_fallback([("OTAI_TEST_LICENCE", "valid")]);
    assert!(ComponentRegistry::from_entries(&[licensed], &app).is_ok());
    assert!(ComponentRegistry::from_entries(&[licensed], &AppConfig::new()).is_err());
}

#[test]
fn every_problem_is_reported_together() {
    let refused = entry_with("otai-a", None, |_| Err(PluginError::refused("no")));
    let bad_prefix = entry_with("otai-b", Some("Not Kebab"), |_| {
        Ok(Box::new(ListPlugin(echo_only)))
    });
    let errors =
        ComponentRegistry::from_entries(&[refused, bad_prefix], &AppConfig::new()).unwrap_err();
    assert_eq!(errors.0.len(), 2);
}

#[test]
fn defaults_are_found_by_role() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin(
        "otai-base",
        "0.1.0",
        &ListPlugin(|| vec![EchoPipe::descriptor().default_for("orchestrator")]),
    );
    let registry = builder.finish().unwrap();
    let defaults: Vec<&str> = registry
        .defaults_for("orchestrator")
        .map(|i| i.key())
        .collect();
    assert_eq!(defaults, ["base:EchoPipe"]);
    assert_eq!(registry.defaults_for("runner").count(), 0);
}

#[test]
fn unknown_keys_suggest_the_closest() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-base", "0.1.0", &ListPlugin(echo_and_store));
    let registry = builder.finish().unwrap();
    let error = registry.get("base:EchoPip").unwrap_err();
    assert_eq!(error.suggestions, ["base:EchoPipe"]);
    assert_eq!(
        error.to_string(),
        "unknown registry key `base:EchoPip` (did you mean `base:EchoPipe`?); run `otai plugins` to list every key"
    );
}

#[test]
fn listing_by_kind_and_interface() {
    let mut builder = ComponentRegistry::builder();
    builder.add_plugin("otai-base", "0.1.0", &ListPlugin(echo_and_store));
    let registry = builder.finish().unwrap();
    assert_eq!(registry.by_kind(InjectableKind::Pipe).count(), 2);
    assert_eq!(registry.by_kind(InjectableKind::Service).count(), 0);
    assert_eq!(registry.by_interface("TicketSystem").count(), 0);
}

#[test]
fn the_linked_slice_is_readable() {
    // otai-core's own unit tests link no plugin.
    let registry = ComponentRegistry::from_linked(&AppConfig::new()).unwrap();
    assert!(registry.plugins().is_empty());
}
