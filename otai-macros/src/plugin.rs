//! `#[otai::plugin]`: one entry in the core's distributed slice of linked plugins.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Item, LitStr};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let prefix = parse_args(args)?;
    let item: Item = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "#[otai::plugin] goes on the plugin type (a struct or enum implementing `otai::Plugin`) or on a factory function",
        )
    })?;

    if prefix.is_none() {
        check_package_name(&item)?;
    }

    let (factory, ident) = match &item {
        Item::Struct(s) => {
            check_no_generics(&s.generics)?;
            (factory_for_type(&s.ident), s.ident.clone())
        }
        Item::Enum(e) => {
            check_no_generics(&e.generics)?;
            (factory_for_type(&e.ident), e.ident.clone())
        }
        Item::Fn(f) => {
            check_no_generics(&f.sig.generics)?;
            let ident = &f.sig.ident;
            (quote!(#ident), ident.clone())
        }
        other => {
            return Err(syn::Error::new(
                item_span(other),
                "#[otai::plugin] goes on the plugin type (a struct or enum implementing `otai::Plugin`) or on a factory function `fn(&otai::AppConfig) -> Result<Box<dyn otai::Plugin>, otai::PluginError>`",
            ))
        }
    };

    let prefix = match &prefix {
        Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
        None => quote!(::core::option::Option::None),
    };
    let static_name = format_ident!("__OTAI_PLUGIN_ENTRY_{}", ident.to_string().to_uppercase());

    Ok(quote! {
        #item

        #[::otai::__private::linkme::distributed_slice(::otai::__private::PLUGINS)]
        #[linkme(crate = ::otai::__private::linkme)]
        #[doc(hidden)]
        static #static_name: ::otai::plugin::PluginEntry = {
            // Typed first, so a factory of the wrong signature is reported against the
            // plugin's own function rather than inside the entry constructor.
            const FACTORY: ::otai::plugin::PluginFactory = #factory;
            ::otai::__private::plugin_entry(
                ::core::env!("CARGO_PKG_NAME"),
                ::core::env!("CARGO_PKG_VERSION"),
                #prefix,
                FACTORY,
            )
        };
    })
}

fn parse_args(args: TokenStream) -> syn::Result<Option<LitStr>> {
    let mut prefix = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("prefix") {
            if prefix.is_some() {
                return Err(meta.error("`prefix` is given twice"));
            }
            let value: LitStr = meta.value()?.parse()?;
            otai_naming::validate_prefix(&value.value())
                .map_err(|error| syn::Error::new(value.span(), error.to_string()))?;
            prefix = Some(value);
            Ok(())
        } else {
            Err(meta.error("unknown argument; `#[otai::plugin]` accepts only `prefix = \"…\"`"))
        }
    });
    parser.parse2(args)?;
    Ok(prefix)
}

/// The factory for a plugin type; spanned on the type so that a missing `Plugin` (or
/// `Default`) impl is reported there.
fn factory_for_type(ident: &syn::Ident) -> TokenStream {
    quote_spanned! {ident.span()=> ::otai::__private::factory_of::<#ident> }
}

fn check_no_generics(generics: &syn::Generics) -> syn::Result<()> {
    if generics.params.is_empty() {
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            generics,
            "#[otai::plugin] cannot register a generic item; register a concrete type",
        ))
    }
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Impl(i) => i.impl_token.span,
        Item::Trait(t) => t.trait_token.span,
        Item::Mod(m) => m.mod_token.span,
        Item::Const(c) => c.const_token.span,
        Item::Static(s) => s.static_token.span,
        Item::Type(t) => t.type_token.span,
        Item::Use(u) => u.use_token.span,
        other => other.span(),
    }
}

fn check_package_name(item: &Item) -> syn::Result<()> {
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    if otai_naming::registry_prefix(&package).is_some() {
        return Ok(());
    }
    let span = match item {
        Item::Struct(s) => s.ident.span(),
        Item::Enum(e) => e.ident.span(),
        Item::Fn(f) => f.sig.ident.span(),
        other => item_span(other),
    };
    Err(syn::Error::new(
        span,
        format!(
            "the package `{package}` is not named like a plugin: plugin packages are named `{prefix}<name>` (the registry prefix is `<name>`, e.g. `otai-acme-tools` → `acme-tools:…`)\n\
             help: rename the package in Cargo.toml to `{prefix}{suggestion}`, or, in an application that embeds the framework, state the prefix: `#[otai::plugin(prefix = \"{suggestion}\")]`",
            prefix = otai_naming::PLUGIN_NAME_PREFIX,
            suggestion = otai_naming::suggested_prefix(&package),
        ),
    ))
}
