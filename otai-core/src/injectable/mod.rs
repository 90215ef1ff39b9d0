//! Injectables — pipes and services — as the registry knows them.
//!
//! `#[otai::pipe]` and `#[otai::service]` implement [`Injectable`] for a type: its
//! [`InjectableDescriptor`] carries the registry name, the kind, the inject slots and nested
//! pipes, the params type and the constructor. A hand-written implementation calls
//! [`InjectableDescriptor::pipe`] or [`InjectableDescriptor::service`] itself.

mod context;
mod error;

use std::fmt;
use std::sync::Arc;

pub use context::BuildContext;
pub use error::BuildError;

pub(crate) use context::NestedBuilt;

use crate::params::{self, ParamTree, ParamsError};
use crate::pipe::node::{ErasedPipe, TypedPipe};
use crate::pipe::Pipe;
use crate::service::{Interface, Provided, Service, ServiceInstance};
use crate::value::Value;

/// A type the registry can hold: a pipe or a service. Implemented by `#[otai::pipe]` and
/// `#[otai::service]`.
pub trait Injectable: 'static {
    /// Everything the core needs to know about the type.
    fn descriptor() -> InjectableDescriptor;
}

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
    /// The slot's name in `injects:` (the field's name).
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

/// A param that holds nested pipe configuration (`steps`, `on`, `run`): the engine builds
/// those pipes once, up front, and never renders the param.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NestedSlot {
    /// The param's name (the field's name).
    pub field: &'static str,
    /// A list of pipes (`steps`) rather than a single one (`run`).
    pub many: bool,
    /// The param must be present.
    pub required: bool,
}

impl NestedSlot {
    /// A required single nested pipe (`run: {use: …}`).
    pub const fn one(field: &'static str) -> Self {
        Self {
            field,
            many: false,
            required: true,
        }
    }

    /// An optional single nested pipe.
    pub const fn optional(field: &'static str) -> Self {
        Self {
            field,
            many: false,
            required: false,
        }
    }

    /// A list of nested pipes (`steps: [{use: …}, …]`); an absent list is empty.
    pub const fn many(field: &'static str) -> Self {
        Self {
            field,
            many: true,
            required: false,
        }
    }
}

/// The interface name of `I`, for generated `Debug` output of inject slots.
#[doc(hidden)]
pub struct InterfaceName(pub &'static str);

impl fmt::Debug for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

type PipeConstructor =
    Arc<dyn Fn(&mut BuildContext<'_>) -> Result<Box<dyn ErasedPipe>, BuildError> + Send + Sync>;
type ServiceConstructor =
    Arc<dyn Fn(&Value, &BuildContext<'_>) -> Result<ServiceInstance, BuildError> + Send + Sync>;
type SchemaFn = fn(&mut schemars::SchemaGenerator) -> schemars::Schema;

#[derive(Clone)]
pub(crate) enum Constructor {
    Pipe(PipeConstructor),
    Service(ServiceConstructor),
}

/// Everything the core needs to know about one injectable: its name, kind, interfaces,
/// inject slots, nested pipes, params type and constructor. Plugins return these from
/// [`crate::Plugin::injectables`].
#[derive(Clone)]
pub struct InjectableDescriptor {
    name: &'static str,
    rust_type: &'static str,
    kind: InjectableKind,
    interfaces: Vec<&'static str>,
    injects: &'static [InjectSlot],
    nested: &'static [NestedSlot],
    default_for: Vec<&'static str>,
    description: &'static str,
    example: Option<&'static str>,
    check_params: fn(&ParamTree) -> Result<(), ParamsError>,
    params_schema: SchemaFn,
    /// Which params are text, read from the schema on first use (once per process).
    text_params: Arc<std::sync::OnceLock<params::TextParams>>,
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
    /// Describes pipe type `P` registered as `name`, with its inject slots, its nested pipe
    /// params and the function that builds it from a [`BuildContext`].
    pub fn pipe<P: Pipe>(
        name: &'static str,
        injects: &'static [InjectSlot],
        nested: &'static [NestedSlot],
        build: fn(&mut BuildContext<'_>) -> Result<P, BuildError>,
    ) -> Self {
        Self {
            name,
            rust_type: std::any::type_name::<P>(),
            kind: InjectableKind::Pipe,
            interfaces: Vec::new(),
            injects,
            nested,
            default_for: Vec::new(),
            description: "",
            example: None,
            check_params: params::check::<P::Params>,
            params_schema: |gen| gen.subschema_for::<P::Params>(),
            text_params: Arc::default(),
            constructor: Constructor::Pipe(Arc::new(move |ctx| {
                build(ctx).map(|pipe| Box::new(TypedPipe(pipe)) as Box<dyn ErasedPipe>)
            })),
        }
    }

    /// Describes service type `S` registered as `name`, providing `provides` (write each with
    /// [`crate::provides!`]), with its inject slots.
    pub fn service<S: Service>(
        name: &'static str,
        provides: &'static [Provided<S>],
        injects: &'static [InjectSlot],
    ) -> Self {
        Self {
            name,
            rust_type: std::any::type_name::<S>(),
            kind: InjectableKind::Service,
            interfaces: provides.iter().map(Provided::interface).collect(),
            injects,
            nested: &[],
            default_for: Vec::new(),
            description: "",
            example: None,
            check_params: params::check::<S::Params>,
            params_schema: |gen| gen.subschema_for::<S::Params>(),
            text_params: Arc::default(),
            constructor: Constructor::Service(Arc::new(move |params, ctx| {
                construct_service::<S>(params, ctx, provides)
            })),
        }
    }

    /// Declares this injectable the default for `role`: for a service, an interface it
    /// provides (the engine creates it, with empty params, when no configured service provides
    /// that interface); for a pipe, `"orchestrator"` or `"runner"` (used by the
    /// `orchestrator: { runners: [...] }` form of a config).
    pub fn default_for(mut self, role: &'static str) -> Self {
        self.default_for.push(role);
        self
    }

    /// A service of the test bed ([`crate::testing`]): registered under `name` (the interface's
    /// name), providing that interface, built by `build` (which finds the object by the
    /// service's id).
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn stand_in(
        interface: &'static str,
        build: impl Fn(&BuildContext<'_>) -> Result<ServiceInstance, BuildError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: interface,
            rust_type: "otai::testing stand-in",
            kind: InjectableKind::Service,
            interfaces: vec![interface],
            injects: &[],
            nested: &[],
            default_for: Vec::new(),
            description: "A stand-in service given by the test (otai::testing).",
            example: None,
            check_params: params::check::<params::NoParams>,
            params_schema: |gen| gen.subschema_for::<params::NoParams>(),
            text_params: Arc::default(),
            constructor: Constructor::Service(Arc::new(move |_params, ctx| build(ctx))),
        }
    }

    /// Sets the one-line description `otai describe` and `otai plugins` show (the attributes
    /// take the first paragraph of the type's doc comment).
    pub fn described(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Sets the example config `otai describe` shows: a complete config (YAML) that passes
    /// `otai check` (the attributes take the ```` ```yaml ```` block of the doc comment's
    /// `# Example` section).
    pub fn with_example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }

    /// The one-line description; empty when the type has no doc comment.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The example config, if the injectable has one.
    pub fn example(&self) -> Option<&'static str> {
        self.example
    }

    /// Registers the injectable under another name than the one it was declared with.
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The registry name (without prefix).
    pub fn name(&self) -> &'static str {
        self.name
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

    /// Interfaces or roles this injectable is the default for.
    pub fn defaults(&self) -> &[&'static str] {
        &self.default_for
    }

    /// The inject slots.
    pub fn inject_slots(&self) -> &'static [InjectSlot] {
        self.injects
    }

    /// Params holding nested pipe configs (pipes only).
    pub fn nested_pipes(&self) -> &'static [NestedSlot] {
        self.nested
    }

    /// Type-checks params whose templates are replaced by placeholders.
    pub(crate) fn check_params(&self, params: &ParamTree) -> Result<(), ParamsError> {
        (self.check_params)(params)
    }

    /// Which params are text (their templates render to text, without literal evaluation).
    pub(crate) fn text_params(&self) -> &params::TextParams {
        self.text_params
            .get_or_init(|| params::TextParams::from_schema(self.params_schema))
    }

    /// The JSON Schema of the params type.
    pub fn params_schema(&self, gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
        (self.params_schema)(gen)
    }
}

fn construct_service<S: Service>(
    params: &Value,
    ctx: &BuildContext<'_>,
    provides: &'static [Provided<S>],
) -> Result<ServiceInstance, BuildError> {
    let typed: S::Params = params::deserialize(params)
        .map_err(|error| BuildError::new(error.message).at_param(error.path))?;
    S::build(typed, ctx).map(|service| ServiceInstance::new(ctx.id(), ctx.key(), service, provides))
}
