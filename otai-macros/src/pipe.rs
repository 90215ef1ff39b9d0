//! `#[otai::pipe]`: the registry entry, constructor and `Debug` of a pipe struct.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemStruct;

use crate::args::{self, Accepted};
use crate::docs;
use crate::fields::{self, Field, Nested, Role};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = args::parse(
        args,
        &Accepted {
            attribute: "pipe",
            default_for: true,
            default: false,
            provides: false,
        },
    )?;
    let item: ItemStruct = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "#[otai::pipe] goes on the struct of a pipe (which implements `otai::Pipe`)",
        )
    })?;
    let fields = fields::read(&item, "pipe")?;
    let docs = docs::read(&item.attrs)?;
    let description = &docs.description;
    let example = docs
        .example
        .as_ref()
        .map(|text| quote!(.with_example(#text)));
    let ident = &item.ident;
    let name = args
        .name
        .as_ref()
        .map_or_else(|| ident.to_string(), syn::LitStr::value);

    let injects = fields::inject_slots(&fields);
    let nested: Vec<TokenStream> = fields
        .iter()
        .filter_map(|field| {
            let Role::Nested(kind) = field.role else {
                return None;
            };
            let name = field.ident.to_string();
            Some(match kind {
                Nested::One => quote!(::otai::NestedSlot::one(#name)),
                Nested::Optional => quote!(::otai::NestedSlot::optional(#name)),
                Nested::Many => quote!(::otai::NestedSlot::many(#name)),
            })
        })
        .collect();
    let initializers = fields.iter().map(initializer);
    let construct = if matches!(item.fields, syn::Fields::Named(_)) {
        quote!(#ident { #(#initializers),* })
    } else {
        quote!(#ident)
    };
    let defaults = args
        .default_for
        .iter()
        .map(|role| quote!(.default_for(#role)));
    let debug = (!fields::derives_debug(&item.attrs)).then(|| debug_impl(&item, &fields));
    // Spanned on the type, so that a missing `Pipe` impl is reported there.
    let descriptor = quote_spanned! {ident.span()=>
        ::otai::InjectableDescriptor::pipe::<#ident>(#name, INJECTS, NESTED, build)
    };

    Ok(quote! {
        #item

        impl ::otai::Injectable for #ident {
            fn descriptor() -> ::otai::InjectableDescriptor {
                const INJECTS: &[::otai::InjectSlot] = &[#(#injects),*];
                const NESTED: &[::otai::NestedSlot] = &[#(#nested),*];
                fn build(
                    ctx: &mut ::otai::BuildContext<'_>,
                ) -> ::core::result::Result<#ident, ::otai::BuildError> {
                    let _ = &ctx;
                    ::core::result::Result::Ok(#construct)
                }
                #descriptor
                    .described(#description)
                    #example
                    #(#defaults)*
            }
        }

        #debug
    })
}

fn initializer(field: &Field) -> TokenStream {
    let ident = &field.ident;
    let name = ident.to_string();
    match &field.role {
        Role::Inject {
            interface,
            required: true,
        } => quote!(#ident: ctx.inject::<#interface>(#name)?),
        Role::Inject {
            interface,
            required: false,
        } => quote!(#ident: ctx.inject_optional::<#interface>(#name)?),
        Role::Nested(Nested::One) => quote!(#ident: ctx.take_nested(#name)?),
        Role::Nested(Nested::Optional) => quote!(#ident: ctx.take_nested_optional(#name)?),
        Role::Nested(Nested::Many) => {
            quote!(#ident: ::core::convert::Into::into(ctx.take_nested_list(#name)?))
        }
        Role::State => quote_spanned! {field.ty.span()=>
            #ident: ::core::default::Default::default()
        },
    }
}

/// `Debug` showing the inject slots (by interface, never the service) and nested pipes; state
/// is left out.
fn debug_impl(item: &ItemStruct, fields: &[Field]) -> TokenStream {
    let ident = &item.ident;
    let name = ident.to_string();
    let entries = fields.iter().filter_map(|field| {
        let field_ident = &field.ident;
        let field_name = field_ident.to_string();
        match &field.role {
            Role::Inject { interface, .. } => Some(quote! {
                .field(#field_name, &::otai::__private::InterfaceName(
                    <#interface as ::otai::Interface>::NAME,
                ))
            }),
            Role::Nested(_) => Some(quote!(.field(#field_name, &self.#field_ident))),
            Role::State => None,
        }
    });
    let finish = if fields.iter().any(|field| matches!(field.role, Role::State)) {
        quote!(.finish_non_exhaustive())
    } else {
        quote!(.finish())
    };
    quote! {
        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name) #(#entries)* #finish
            }
        }
    }
}
