//! Injectables — pipes and services — as the registry knows them, and what their constructors see.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::app_config::AppConfig;
use crate::engine::node::{ErasedPipe, PipeNode, TypedPipe};
use crate::engine::params::{self, ParamTree, ParamsError};
use crate::pipe::{NestedPipes, Pipe};
use crate::plugin::naming::type_identifier;
use crate::service::{Interface, Service, ServiceInstance};
use crate::value::Value;

/// Whether an injectable is a pipe or a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InjectableKind {
    /// A unit of work in a pipeline.
    Pipe,
    /// A long-lived object shared by pipes.
    Service,
}

impl fmt::Display for InjectableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pipe => "pipe",
            Self::Service => "service",
        })
    }
}

/// A named place where a pipe or service receives a service (`injects: {slot: service_id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InjectSlot {
    /// The slot's name in `injects:`.
    pub name: &'static str,
    /// The interface the injected service must provide.
    pub interface: &'static str,
    /// The slot must be filled.
    pub required: bool,
}

impl InjectSlot {
    /// A slot that must be filled with a service providing `I`.
    pub const fn required<I: Interface + ?Sized>(name: &'static str) -> Self {
        Self {
            name,
            interface: I::NAME,
            required: true,
        }
    }

    /// A slot that may be left empty.
    pub const fn optional<I: Interface + ?Sized>(name: &'static str) -> Self {
        Self {
            name,
            interface: I::NAME,
            required: false,
        }
    }
}

type PipeConstructor = fn(&mut BuildContext<'_>) -> Result<Box<dyn ErasedPipe>, BuildError>;
type ServiceConstructor = fn(Value, &mut BuildContext<'_>) -> Result<ServiceInstance, BuildError>;
type SchemaFn = fn(&mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema;

#[derive(Clone, Copy)]
pub(crate) enum Constructor {
    Pipe(PipeConstructor),
    Service(ServiceConstructor),
}

/// Everything the core needs to know about one injectable: its name, kind, interfaces,
/// inject slots, params type and constructor. Plugins return these from
/// [`crate::Plugin::injectables`].
#[derive(Clone)]
pub struct InjectableDescriptor {
    name: Cow<'static, str>,
    rust_type: &'static str,
    kind: InjectableKind,
    interfaces: Vec<&'static str>,
    injects: &'static [InjectSlot],
    nested: &'static [NestedPipes],
    check_params: fn(&ParamTree) -> Result<(), ParamsError>,
    params_schema: SchemaFn,
    pub(crate) constructor: Constructor,
}

impl fmt::Debug for InjectableDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InjectableDescriptor")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("interfaces", &self.interfaces)
            .finish_non_exhaustive()
    }
}

impl InjectableDescriptor {
    /// Describes pipe type `P`, named after its Rust identifier.
    pub fn pipe<P: Pipe>() -> Self {
        Self {
            name: Cow::Borrowed(type_identifier::<P>()),
            rust_type: std::any::type_name::<P>(),
            kind: InjectableKind::Pipe,
            interfaces: Vec::new(),
            injects: P::INJECTS,
            nested: P::NESTED,
            check_params: params::check::<P::Params>,
            params_schema: |gen| gen.subschema_for::<P::Params>(),
            constructor: Constructor::Pipe(|ctx| {
                P::build(ctx).map(|pipe| Box::new(TypedPipe(pipe)) as Box<dyn ErasedPipe>)
            }),
        }
    }

    /// Describes service type `S`, named after its Rust identifier.
    pub fn service<S: Service>() -> Self {
        Self {
            name: Cow::Borrowed(type_identifier::<S>()),
            rust_type: std::any::type_name::<S>(),
            kind: InjectableKind::Service,
            interfaces: S::PROVIDES.iter().map(|p| p.interface()).collect(),
            injects: S::INJECTS,
            nested: &[],
            check_params: params::check::<S::Params>,
            params_schema: |gen| gen.subschema_for::<S::Params>(),
            constructor: Constructor::Service(|params, ctx| {
                let typed: S::Params = params::deserialize(params)
                    .map_err(|error| BuildError::invalid_params(error.path, error.message))?;
                let id = ctx.id().to_owned();
                let key = ctx.key().to_owned();
                S::build(typed, ctx).map(|service| ServiceInstance::new(&id, &key, service))
            }),
        }
    }

    /// Registers the injectable under another name than its Rust identifier.
    pub fn named(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = name.into();
        self
    }

    /// The registry name (without prefix).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full Rust type path, for diagnostics.
    pub fn rust_type(&self) -> &'static str {
        self.rust_type
    }

    /// Pipe or service.
    pub fn kind(&self) -> InjectableKind {
        self.kind
    }

    /// Interfaces a service provides (empty for pipes).
    pub fn interfaces(&self) -> &[&'static str] {
        &self.interfaces
    }

    /// The inject slots.
    pub fn inject_slots(&self) -> &'static [InjectSlot] {
        self.injects
    }

    /// Params holding nested pipe configs (pipes only).
    pub fn nested_pipes(&self) -> &'static [NestedPipes] {
        self.nested
    }

    /// Type-checks params whose templates are replaced by placeholders.
    pub(crate) fn check_params(&self, params: &ParamTree) -> Result<(), ParamsError> {
        (self.check_params)(params)
    }

    /// The JSON Schema of the params type.
    pub fn params_schema(
        &self,
        gen: &mut schemars::gen::SchemaGenerator,
    ) -> schemars::schema::Schema {
        (self.params_schema)(gen)
    }
}

/// A nested pipe (or list of them) built by the engine and waiting for its parent to take it.
pub(crate) enum NestedBuilt {
    One(PipeNode),
    Many(Vec<PipeNode>),
}

/// What a pipe or service constructor can reach: its id, injected services, nested pipes.
pub struct BuildContext<'a> {
    id: &'a str,
    key: &'a str,
    app: &'a AppConfig,
    injects: BTreeMap<String, Arc<ServiceInstance>>,
    nested: BTreeMap<&'static str, NestedBuilt>,
}

impl<'a> BuildContext<'a> {
    pub(crate) fn new(
        id: &'a str,
        key: &'a str,
        app: &'a AppConfig,
        injects: BTreeMap<String, Arc<ServiceInstance>>,
        nested: BTreeMap<&'static str, NestedBuilt>,
    ) -> Self {
        Self {
            id,
            key,
            app,
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

    /// Application settings (environment access for plugins).
    pub fn app_config(&self) -> &AppConfig {
        self.app
    }

    /// The service wired into `slot`, as interface `I`.
    pub fn inject<I: Interface + ?Sized>(&self, slot: &str) -> Result<Arc<I>, BuildError> {
        self.inject_optional::<I>(slot)?.ok_or_else(|| {
            BuildError::new(format!("the inject slot `{slot}` is empty"))
                .with_hint(format!("add `injects: {{ {slot}: <service id> }}`"))
        })
    }

    /// The service wired into `slot`, if any.
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

    /// Takes the nested pipe of param `field` (declared with [`NestedPipes::one`]).
    pub fn take_child(&mut self, field: &str) -> Result<PipeNode, BuildError> {
        self.take_optional_child(field)?
            .ok_or_else(|| BuildError::new(format!("the nested pipe `{field}` is missing")))
    }

    /// Takes the nested pipe of an optional param.
    pub fn take_optional_child(&mut self, field: &str) -> Result<Option<PipeNode>, BuildError> {
        match self.nested.remove(field) {
            None => Ok(None),
            Some(NestedBuilt::One(node)) => Ok(Some(node)),
            Some(NestedBuilt::Many(_)) => Err(BuildError::new(format!(
                "`{field}` holds a list of pipes, not one"
            ))),
        }
    }

    /// Takes the nested pipes of param `field` (declared with [`NestedPipes::many`]); an absent
    /// optional list is empty.
    pub fn take_children(&mut self, field: &str) -> Result<Vec<PipeNode>, BuildError> {
        match self.nested.remove(field) {
            None => Ok(Vec::new()),
            Some(NestedBuilt::Many(nodes)) => Ok(nodes),
            Some(NestedBuilt::One(node)) => Ok(vec![node]),
        }
    }
}

/// Why a pipe or service could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BuildError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// Where inside `params` the problem is (`ticket_search_criteria.limit`), if it is there.
    pub params_path: Option<String>,
}

impl BuildError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            params_path: None,
        }
    }

    /// A param that does not fit its type or rules.
    pub fn invalid_params(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            params_path: Some(path.into()).filter(|p: &String| !p.is_empty() && p != "."),
        }
    }

    /// Adds how to fix it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}
