//! Services: long-lived objects shared by the pipes that inject them.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::injectable::{BuildContext, BuildError, InjectSlot};

/// A trait object type that services provide and slots ask for (`dyn TicketSystem`).
///
/// Implement it for `dyn YourTrait` to let plugins exchange your own interfaces:
///
/// ```
/// pub trait Translator: Send + Sync {
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
/// that injects it.
///
/// ```
/// use otai::{provides, BuildContext, BuildError, Interface, Service};
///
/// pub trait Clock: Send + Sync {
///     fn now(&self) -> u64;
/// }
/// impl Interface for dyn Clock {
///     const NAME: &'static str = "Clock";
/// }
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// pub struct FixedClockParams {
///     at: u64,
/// }
///
/// pub struct FixedClock(u64);
///
/// impl Clock for FixedClock {
///     fn now(&self) -> u64 {
///         self.0
///     }
/// }
///
/// impl Service for FixedClock {
///     type Params = FixedClockParams;
///     const PROVIDES: &'static [otai::Provided<Self>] = provides![dyn Clock];
///
///     fn build(params: FixedClockParams, _ctx: &mut BuildContext<'_>) -> Result<Self, BuildError> {
///         Ok(FixedClock(params.at))
///     }
/// }
/// ```
pub trait Service: Send + Sync + Sized + 'static {
    /// The params, deserialized from the config (templates rendered once, at startup).
    type Params: DeserializeOwned + schemars::JsonSchema;

    /// Other services this one needs, by slot name.
    const INJECTS: &'static [InjectSlot] = &[];

    /// The interfaces this service provides; write it with [`provides!`](crate::provides).
    const PROVIDES: &'static [Provided<Self>];

    /// Builds the service.
    fn build(params: Self::Params, ctx: &mut BuildContext<'_>) -> Result<Self, BuildError>;
}

/// One interface a service type provides, with the cast that exposes it.
/// Created by [`provides!`](crate::provides).
pub struct Provided<S> {
    interface: &'static str,
    type_id: fn() -> TypeId,
    upcast: fn(Arc<S>) -> ErasedInterface,
}

type ErasedInterface = Arc<dyn Any + Send + Sync>;

impl<S> Provided<S> {
    /// Records that `S` provides `I`; `upcast` must wrap `Arc<dyn I>` (use [`provides!`](crate::provides)).
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

/// Lists the interfaces a [`Service`] provides: `provides![dyn TicketSystem, dyn Other]`.
/// Fails to compile when the service does not implement one of them.
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

/// A built service: its id and the interfaces it provides, type-erased.
pub struct ServiceInstance {
    id: String,
    key: String,
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
    /// Wraps a built service.
    pub(crate) fn new<S: Service>(id: &str, key: &str, service: S) -> Self {
        let service = Arc::new(service);
        let interfaces = S::PROVIDES
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
            interfaces,
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

    /// Names of the interfaces the service provides.
    pub fn interface_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.interfaces.iter().map(|(name, ..)| *name)
    }
}
