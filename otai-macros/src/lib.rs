//! Procedural macros of Open Ticket AI. Use them through `otai-core`: `#[otai::plugin]`,
//! `#[otai::params]`, `#[otai::pipe]`, `#[otai::service]` (documented there).
//!
//! Every macro keeps the item it is placed on when it reports a mistake, so that one error
//! in an attribute does not cascade into errors about everything the item is used for.

mod args;
mod docs;
mod fields;
mod params;
mod pipe;
mod plugin;
mod service;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

/// Registers a plugin at compile time. See `otai::plugin`.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_keep(args, item, plugin::expand)
}

/// Declares the params of a pipe or service. See `otai::params`.
#[proc_macro_attribute]
pub fn params(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_keep(args, item, params::expand)
}

/// Declares a pipe. See `otai::pipe`.
#[proc_macro_attribute]
pub fn pipe(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_keep(args, item, pipe::expand)
}

/// Declares a service. See `otai::service`.
#[proc_macro_attribute]
pub fn service(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_or_keep(args, item, service::expand)
}

type Expand = fn(TokenStream2, TokenStream2) -> syn::Result<TokenStream2>;

/// Runs `expand`; on error, emits the item unchanged beside the error.
fn expand_or_keep(args: TokenStream, item: TokenStream, expand: Expand) -> TokenStream {
    let item = TokenStream2::from(item);
    match expand(args.into(), item.clone()) {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#item #error).into()
        }
    }
}
