//! Procedural macros of Open Ticket AI. Use them through `otai-core`: `#[otai::plugin]`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Item, LitStr};

const PLUGIN_NAME_PREFIX: &str = "otai-";

/// Registers a plugin at compile time. See `otai::plugin` for the documentation.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = TokenStream2::from(item);
    match expand(args.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        // Keep the item, so that one mistake in the attribute does not cascade into errors
        // about everything the item uses or provides.
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#item #error).into()
        }
    }
}

struct Args {
    prefix: Option<LitStr>,
}

fn parse_args(args: TokenStream2) -> syn::Result<Args> {
    let mut prefix = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("prefix") {
            if prefix.is_some() {
                return Err(meta.error("`prefix` is given twice"));
            }
            let value: LitStr = meta.value()?.parse()?;
            check_prefix(&value)?;
            prefix = Some(value);
            Ok(())
        } else {
            Err(meta.error("unknown argument; `#[otai::plugin]` accepts only `prefix = \"…\"`"))
        }
    });
    parser.parse2(args)?;
    Ok(Args { prefix })
}

fn check_prefix(prefix: &LitStr) -> syn::Result<()> {
    let text = prefix.value();
    let kebab = !text.is_empty()
        && !text.starts_with('-')
        && !text.ends_with('-')
        && !text.contains("--")
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if kebab {
        Ok(())
    } else {
        Err(syn::Error::new(
            prefix.span(),
            format!("the plugin prefix `{text}` must be kebab case (lowercase letters, digits and single `-`), e.g. `acme-tools`"),
        ))
    }
}

fn expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let args = parse_args(args)?;
    let item: Item = syn::parse2(item.clone()).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "#[otai::plugin] goes on the plugin type (a struct or enum implementing `otai::Plugin`) or on a factory function",
        )
    })?;

    if args.prefix.is_none() {
        check_package_name(&item)?;
    }

    let (factory, ident) = match &item {
        Item::Struct(s) => {
            check_no_generics(&s.generics)?;
            let ident = &s.ident;
            (factory_for_type(ident), ident.clone())
        }
        Item::Enum(e) => {
            check_no_generics(&e.generics)?;
            let ident = &e.ident;
            (factory_for_type(ident), ident.clone())
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

    let prefix = match &args.prefix {
        Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
        None => quote!(::core::option::Option::None),
    };
    let static_name = format_ident!("__OTAI_PLUGIN_ENTRY_{}", ident.to_string().to_uppercase());

    Ok(quote! {
        #item

        #[::otai::__private::linkme::distributed_slice(::otai::plugin::PLUGINS)]
        #[linkme(crate = ::otai::__private::linkme)]
        #[doc(hidden)]
        static #static_name: ::otai::plugin::PluginEntry = ::otai::plugin::PluginEntry {
            package_name: ::core::env!("CARGO_PKG_NAME"),
            package_version: ::core::env!("CARGO_PKG_VERSION"),
            core_version: ::otai::CORE_VERSION,
            explicit_prefix: #prefix,
            factory: #factory,
        };
    })
}

/// The factory for a plugin type; spanned on the type so that a missing `Plugin` impl is
/// reported there.
fn factory_for_type(ident: &syn::Ident) -> TokenStream2 {
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
    let normalized = package.replace('_', "-");
    let rest = normalized.strip_prefix(PLUGIN_NAME_PREFIX).unwrap_or("");
    if !rest.is_empty() {
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
            "the package `{package}` is not named like a plugin: plugin packages are named `otai-<name>` (the registry prefix is `<name>`, e.g. `otai-acme-tools` → `acme-tools:…`)\n\
             help: rename the package in Cargo.toml to `otai-{suggestion}`, or, in an application that embeds the framework, state the prefix: `#[otai::plugin(prefix = \"{suggestion}\")]`",
            suggestion = suggested_prefix(&package),
        ),
    ))
}

fn suggested_prefix(package: &str) -> String {
    let cleaned: String = package
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let trimmed = cleaned.trim_matches('-');
    if trimmed.is_empty() {
        "my-plugin".to_owned()
    } else {
        trimmed.to_owned()
    }
}
