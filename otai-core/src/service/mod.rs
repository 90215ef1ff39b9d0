//! Services: long-lived objects shared by the pipes that inject them.
//!
//! A service's life has two steps:
//!
//! 1. **build** ([`Service::build`]) — from its params, at load time. Fast, and touching
//!    nothing outside the process: `otai check` builds every service.
//! 2. **start** ([`Service::start`]) — on the async runtime, before the first cycle of
//!    `otai run` and in `otai check --online`: connect, authenticate, load a model. A failure
//!    is reported with the service's place in the config.

mod start;

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

pub use start::{StartContext, StartError};

use crate::injectable::{BuildContext, BuildError};
use crate::params::Params;

/// A trait object type that services provide and slots ask for (`dyn TicketSystem`).
///
/// Implement it for `dyn YourTrait` to let plugins exchange your own interfaces; make `Debug`
/// a supertrait so that pipes holding one can derive `Debug`:
///
/// ```
/// pub trait Translator: std::fmt::Debug + Send + Sync {
///     fn translate(&self, text: &str) -> String;
/// }
/// impl otai::Interface for dyn Translator {
///     const NAME: &'static str = "Translator";
/// }
/// ```
pub trait Interface: Send + Sync + 'static {
    /// The interface's name as configs and `otai plugins` show it.
    const NAME: &'static str;
}

/// A service: built once per `services:` entry and shared (`Arc`) by every pipe or service
/// that injects it. Declare it with `#[otai::service(provides(…))]` (see there for an
/// example).
#[async_trait::async_trait]
pub trait Service: Send + Sync + Sized + 'static {
    /// The params, read from the config (templates rendered once, at load time).
    type Params: Params;

    /// Builds the service from its params: fast and offline (no network, no model loading,
    /// no files written). Injected services come from `ctx` ([`BuildContext::injected`]);
    /// relative paths resolve with [`BuildContext::resolve_path`].
    fn build(params: Self::Params, ctx: &BuildContext<'_>) -> Result<Self, BuildError>;

    /// Starts the service on the async runtime: connect, authenticate, load. Called once,
    /// before the first cycle and by `otai check --online`, after the services it injects
    /// have started. Work that blocks belongs in `tokio::task::spawn_blocking`. The default
    /// does nothing.
    async fn start(&self, ctx: &StartContext<'_>) -> Result<(), StartError> {
        let _ = ctx;
        Ok(())
    }
}

/// One interface a service type provides, with the cast that exposes it. Written by
/// `#[otai::service(provides(…))]`, or by hand with [`provides!`](crate::provides).
pub struct Provided<S> {
    interface: &'static str,
    type_id: fn() -> TypeId,
    upcast: fn(Arc<S>) -> ErasedInterface,
}

type ErasedInterface = Arc<dyn Any + Send + Sync>;

impl<S> Provided<S> {
    /// Records that `S` provides `I`; `upcast` must wrap `Arc<dyn I>` (use
    /// [`provides!`](crate::provides)).
    #[doc(hidden)]
    pub const fn new<I: Interface + ?Sized>(upcast: fn(Arc<S>) -> ErasedInterface) -> Self {
        Self {
            interface: I::NAME,
            type_id: type_id_of::<Arc<I>>,
            upcast,
        }
    }

    /// The interface's name.
    pub fn interface(&self) -> &'static str {
        self.interface
    }
}

fn type_id_of<T: ?Sized + 'static>() -> TypeId {
    TypeId::of::<T>()
}

/// Lists the interfaces a [`Service`] provides, for a hand-written
/// [`crate::Injectable`] impl: `provides![dyn TicketSystem, dyn Other]`. Fails to compile when
/// the service does not implement one of them.
#[macro_export]
macro_rules! provides {
    ($($interface:ty),* $(,)?) => {
        &[$(
            $crate::Provided::new::<$interface>(|service| {
                ::std::sync::Arc::new(service as ::std::sync::Arc<$interface>)
            })
        ),*]
    };
}

/// The type-erased start step of a built service.
#[async_trait::async_trait]
trait Startable: Send + Sync {
    async fn start(&self, ctx: &StartContext<'_>) -> Result<(), StartError>;
}

#[async_trait::async_trait]
impl<S: Service> Startable for S {
    async fn start(&self, ctx: &StartContext<'_>) -> Result<(), StartError> {
        Service::start(self, ctx).await
    }
}

/// The start step of a service given as an object: there is none.
#[cfg(any(test, feature = "testing"))]
struct NothingToStart;

#[cfg(any(test, feature = "testing"))]
#[async_trait::async_trait]
impl Startable for NothingToStart {
    async fn start(&self, _ctx: &StartContext<'_>) -> Result<(), StartError> {
        Ok(())
    }
}

/// A built service: its id and the interfaces it provides, type-erased.
pub struct ServiceInstance {
    id: String,
    key: String,
    service: Arc<dyn Startable>,
    interfaces: Vec<(&'static str, TypeId, ErasedInterface)>,
}

impl fmt::Debug for ServiceInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceInstance")
            .field("id", &self.id)
            .field("use", &self.key)
            .field(
                "interfaces",
                &self
                    .interfaces
                    .iter()
                    .map(|(name, ..)| *name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl ServiceInstance {
    /// Wraps a built service with the interfaces its descriptor lists.
    pub(crate) fn new<S: Service>(
        id: &str,
        key: &str,
        service: S,
        provides: &'static [Provided<S>],
    ) -> Self {
        let service = Arc::new(service);
        let interfaces = provides
            .iter()
            .map(|provided| {
                (
                    provided.interface,
                    (provided.type_id)(),
                    (provided.upcast)(Arc::clone(&service)),
                )
            })
            .collect();
        Self {
            id: id.to_owned(),
            key: key.to_owned(),
            service,
            interfaces,
        }
    }

    /// A service given as a ready object that provides interface `I` only and has nothing to
    /// start: the stand-in services of [`crate::testing`].
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn from_object<I: Interface + ?Sized>(id: &str, key: &str, object: Arc<I>) -> Self {
        Self {
            id: id.to_owned(),
            key: key.to_owned(),
            service: Arc::new(NothingToStart),
            interfaces: vec![(I::NAME, TypeId::of::<Arc<I>>(), Arc::new(object))],
        }
    }

    /// The service's id in the config.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The service's registry key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The service as interface `I`, if it provides it.
    pub fn get<I: Interface + ?Sized>(&self) -> Option<Arc<I>> {
        let wanted = TypeId::of::<Arc<I>>();
        self.interfaces
            .iter()
            .find(|(_, type_id, _)| *type_id == wanted)
            .and_then(|(_, _, erased)| erased.downcast_ref::<Arc<I>>())
            .cloned()
    }

    /// Replaces the service's interface `I` by `wrap` of it (the engine puts every ticket
    /// system behind its gate this way).
    pub(crate) fn wrap<I: Interface + ?Sized>(&mut self, wrap: impl FnOnce(Arc<I>) -> Arc<I>) {
        let wanted = TypeId::of::<Arc<I>>();
        let found = self
            .interfaces
            .iter_mut()
            .find(|(_, type_id, _)| *type_id == wanted);
        if let Some((_, _, erased)) = found {
            if let Some(inner) = erased.downcast_ref::<Arc<I>>().cloned() {
                *erased = Arc::new(wrap(inner));
            }
        }
    }

    /// Names of the interfaces the service provides.
    pub fn interface_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.interfaces.iter().map(|(name, ..)| *name)
    }

    /// Runs the service's start step.
    pub async fn start(&self, ctx: &StartContext<'_>) -> Result<(), StartError> {
        self.service.start(ctx).await
    }
}
