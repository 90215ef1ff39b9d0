//! `#[otai::service(provides(…))]`: the registry entry and `Debug` of a service struct.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemStruct;

use crate::args::{self, Accepted};
use crate::docs;
use crate::fields::{self, Role};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = args::parse(
        args,
        &Accepted {
            attribute: "service",
            default_for: false,
            default: true,
            provides: true,
        },
    )?;
    let item: ItemStruct = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "#[otai::service(provides(…))] goes on the struct of a service (which implements `otai::Service`)",
        )
    })?;
    if args.provides.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "a service provides at least one interface: `#[otai::service(provides(TicketSystem))]`",
        ));
    }
    let fields = fields::read(&item, "service")?;
    if let Some(nested) = fields
        .iter()
        .find(|field| matches!(field.role, Role::Nested(_)))
    {
        return Err(syn::Error::new(
            nested.ty.span(),
            "a service cannot hold nested pipes; only pipes (`#[otai::pipe]`) can",
        ));
    }
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
    // Each cast is spanned on the interface, so a missing impl is reported there.
    let provides = args.provides.iter().map(|interface| {
        quote_spanned! {interface.span()=>
            ::otai::Provided::new::<dyn #interface>(|service| {
                ::std::sync::Arc::new(service as ::std::sync::Arc<dyn #interface>)
            })
        }
    });
    let defaults = args
        .provides
        .iter()
        .filter(|_| args.default)
        .map(|interface| quote!(.default_for(<dyn #interface as ::otai::Interface>::NAME)));
    let debug = (!fields::derives_debug(&item.attrs)).then(|| {
        let shown = ident.to_string();
        quote! {
            /// Shows the type only: a service holds credentials and large state.
            impl ::core::fmt::Debug for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#shown).finish_non_exhaustive()
                }
            }
        }
    });
    let descriptor = quote_spanned! {ident.span()=>
        ::otai::InjectableDescriptor::service::<#ident>(#name, PROVIDES, INJECTS)
    };

    Ok(quote! {
        #item

        impl ::otai::Injectable for #ident {
            fn descriptor() -> ::otai::InjectableDescriptor {
                const INJECTS: &[::otai::InjectSlot] = &[#(#injects),*];
                const PROVIDES: &[::otai::Provided<#ident>] = &[#(#provides),*];
                #descriptor
                    .described(#description)
                    #example
                    #(#defaults)*
            }
        }

        #debug
    })
}
