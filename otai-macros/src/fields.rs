//! What an injectable's fields are, read from their types: inject slots, nested pipes, state.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Fields, GenericArgument, Ident, ItemStruct, PathArguments, Type};

/// How a nested pipe param is held.
#[derive(Clone, Copy)]
pub enum Nested {
    /// `PipeNode`: required.
    One,
    /// `Option<PipeNode>`.
    Optional,
    /// `Vec<PipeNode>`, `Arc<[PipeNode]>`, `Box<[PipeNode]>`: a list, may be absent.
    Many,
}

/// What a field is for.
pub enum Role {
    /// `Arc<dyn Interface>` (required) or `Option<Arc<dyn Interface>>`.
    Inject {
        interface: Box<Type>,
        required: bool,
    },
    /// A nested pipe param.
    Nested(Nested),
    /// Anything else: starts at `Default::default()`.
    State,
}

/// One named field with its role.
pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub role: Role,
}

/// The fields of a struct that the macros accept: named fields or none.
pub fn read(item: &ItemStruct, attribute: &str) -> syn::Result<Vec<Field>> {
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            format!("#[otai::{attribute}] cannot register a generic type; register a concrete one"),
        ));
    }
    match &item.fields {
        Fields::Unit => Ok(Vec::new()),
        Fields::Named(named) => Ok(named
            .named
            .iter()
            .filter_map(|field| {
                field.ident.clone().map(|ident| Field {
                    ident,
                    ty: field.ty.clone(),
                    role: role_of(&field.ty),
                })
            })
            .collect()),
        Fields::Unnamed(unnamed) if unnamed.unnamed.is_empty() => Ok(Vec::new()),
        Fields::Unnamed(unnamed) => Err(syn::Error::new(
            unnamed.span(),
            format!("#[otai::{attribute}] needs named fields: a field's name is its inject slot or nested pipe param"),
        )),
    }
}

fn role_of(ty: &Type) -> Role {
    if let Some(interface) = arc_of_dyn(ty) {
        return Role::Inject {
            interface: Box::new(interface.clone()),
            required: true,
        };
    }
    if is_pipe_node(ty) {
        return Role::Nested(Nested::One);
    }
    if let Some(inner) = generic_arg(ty, "Option") {
        if let Some(interface) = arc_of_dyn(inner) {
            return Role::Inject {
                interface: Box::new(interface.clone()),
                required: false,
            };
        }
        if is_pipe_node(inner) {
            return Role::Nested(Nested::Optional);
        }
    }
    let list_of_nodes = generic_arg(ty, "Vec").is_some_and(is_pipe_node)
        || ["Arc", "Box"].iter().any(|wrapper| {
            generic_arg(ty, wrapper).is_some_and(
                |inner| matches!(inner, Type::Slice(slice) if is_pipe_node(&slice.elem)),
            )
        });
    if list_of_nodes {
        return Role::Nested(Nested::Many);
    }
    Role::State
}

/// The single type argument of `ty` when its last path segment is `wrapper<…>`.
fn generic_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let segment = path.path.segments.last()?;
    if segment.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(arguments) = &segment.arguments else {
        return None;
    };
    match arguments.args.first()? {
        GenericArgument::Type(inner) if arguments.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// `dyn Interface` when `ty` is `Arc<dyn Interface>`.
fn arc_of_dyn(ty: &Type) -> Option<&Type> {
    generic_arg(ty, "Arc").filter(|inner| matches!(inner, Type::TraitObject(_)))
}

fn is_pipe_node(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|segment| segment.ident == "PipeNode"
            && segment.arguments.is_empty()))
}

/// `InjectSlot` constants for the inject fields.
pub fn inject_slots(fields: &[Field]) -> Vec<TokenStream> {
    fields
        .iter()
        .filter_map(|field| match &field.role {
            Role::Inject {
                interface,
                required,
            } => {
                let name = field.ident.to_string();
                let constructor = if *required {
                    quote!(required)
                } else {
                    quote!(optional)
                };
                Some(quote_spanned! {field.ty.span()=>
                    ::otai::InjectSlot::#constructor::<#interface>(#name)
                })
            }
            _ => None,
        })
        .collect()
}

/// Whether the item's attributes derive `Debug` already.
pub fn derives_debug(attributes: &[Attribute]) -> bool {
    attributes
        .iter()
        .filter(|attribute| attribute.path().is_ident("derive"))
        .any(|attribute| {
            let mut found = false;
            let _ = attribute.parse_nested_meta(|meta| {
                found |= meta
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "Debug");
                Ok(())
            });
            found
        })
}
