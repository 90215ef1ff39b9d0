//! What a pipe or service constructor can reach.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{BuildError, InjectSlot};
use crate::app_config::AppConfig;
use crate::pipe::PipeNode;
use crate::service::{Interface, ServiceInstance};

/// A nested pipe (or list of them) built by the engine and waiting for its parent to take it.
pub(crate) enum NestedBuilt {
    One(PipeNode),
    Many(Vec<PipeNode>),
}

/// What a pipe or service constructor can reach: its id, the application settings, the
/// services wired into its slots and, for pipes, its nested pipes. Generated constructors
/// (`#[otai::pipe]`) use it for you; a service's [`crate::Service::build`] reads injected
/// services from it with [`BuildContext::injected`].
pub struct BuildContext<'a> {
    id: &'a str,
    key: &'a str,
    app: &'a AppConfig,
    slots: &'static [InjectSlot],
    injects: BTreeMap<String, Arc<ServiceInstance>>,
    nested: BTreeMap<&'static str, NestedBuilt>,
}

impl<'a> BuildContext<'a> {
    pub(crate) fn new(
        id: &'a str,
        key: &'a str,
        app: &'a AppConfig,
        slots: &'static [InjectSlot],
        injects: BTreeMap<String, Arc<ServiceInstance>>,
        nested: BTreeMap<&'static str, NestedBuilt>,
    ) -> Self {
        Self {
            id,
            key,
            app,
            slots,
            injects,
            nested,
        }
    }

    /// The id of the pipe or service being built.
    pub fn id(&self) -> &str {
        self.id
    }

    /// The registry key it was configured with.
    pub fn key(&self) -> &str {
        self.key
    }

    /// Application settings: the environment as configs see it, the config's directory.
    pub fn app_config(&self) -> &AppConfig {
        self.app
    }

    /// A path from the params, resolved against the config file's directory when relative.
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        self.app.resolve_path(path)
    }

    /// The service wired into slot `slot`, as interface `I`.
    pub fn inject<I: Interface + ?Sized>(&self, slot: &str) -> Result<Arc<I>, BuildError> {
        self.inject_optional::<I>(slot)?.ok_or_else(|| {
            BuildError::new(format!("the inject slot `{slot}` is empty"))
                .with_hint(format!("add `injects: {{ {slot}: <service id> }}`"))
        })
    }

    /// The service wired into slot `slot`, if the slot is filled.
    pub fn inject_optional<I: Interface + ?Sized>(
        &self,
        slot: &str,
    ) -> Result<Option<Arc<I>>, BuildError> {
        let Some(service) = self.injects.get(slot) else {
            return Ok(None);
        };
        service.get::<I>().map(Some).ok_or_else(|| {
            BuildError::new(format!(
                "service `{}` ({}) does not provide `{}`",
                service.id(),
                service.key(),
                I::NAME
            ))
        })
    }

    /// The service wired into the one slot that asks for interface `I` — so a service's
    /// constructor need not repeat the slot's name (its field's name) as a string.
    pub fn injected<I: Interface + ?Sized>(&self) -> Result<Arc<I>, BuildError> {
        let slot = self.slot_of::<I>()?;
        self.inject::<I>(slot)
    }

    /// [`BuildContext::injected`] for an optional slot.
    pub fn injected_optional<I: Interface + ?Sized>(&self) -> Result<Option<Arc<I>>, BuildError> {
        let slot = self.slot_of::<I>()?;
        self.inject_optional::<I>(slot)
    }

    fn slot_of<I: Interface + ?Sized>(&self) -> Result<&'static str, BuildError> {
        let mut matching = self.slots.iter().filter(|slot| slot.interface == I::NAME);
        match (matching.next(), matching.next()) {
            (Some(slot), None) => Ok(slot.name),
            (None, _) => Err(BuildError::new(format!(
                "`{}` declares no inject slot for `{}`",
                self.key,
                I::NAME
            ))
            .with_hint(format!(
                "add a field of type `Arc<dyn {}>` to the type",
                I::NAME
            ))),
            (Some(first), Some(second)) => Err(BuildError::new(format!(
                "`{}` has several slots for `{}` (`{}`, `{}`, …)",
                self.key,
                I::NAME,
                first.name,
                second.name
            ))
            .with_hint("name the slot: `ctx.inject::<dyn …>(\"slot\")`")),
        }
    }

    /// Takes the nested pipe of param `field` (declared with [`super::NestedSlot::one`]).
    pub fn take_nested(&mut self, field: &str) -> Result<PipeNode, BuildError> {
        self.take_nested_optional(field)?
            .ok_or_else(|| BuildError::new(format!("the nested pipe `{field}` is missing")))
    }

    /// Takes the nested pipe of an optional param.
    pub fn take_nested_optional(&mut self, field: &str) -> Result<Option<PipeNode>, BuildError> {
        match self.nested.remove(field) {
            None => Ok(None),
            Some(NestedBuilt::One(node)) => Ok(Some(node)),
            Some(NestedBuilt::Many(_)) => Err(BuildError::new(format!(
                "`{field}` holds a list of pipes, not one"
            ))),
        }
    }

    /// Takes the nested pipes of param `field` (declared with [`super::NestedSlot::many`]);
    /// an absent list is empty.
    pub fn take_nested_list(&mut self, field: &str) -> Result<Vec<PipeNode>, BuildError> {
        match self.nested.remove(field) {
            None => Ok(Vec::new()),
            Some(NestedBuilt::Many(nodes)) => Ok(nodes),
            Some(NestedBuilt::One(node)) => Ok(vec![node]),
        }
    }
}
