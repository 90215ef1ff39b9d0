//! `#[otai::params]`: `Deserialize` + `JsonSchema` through otai's re-exports, strict about
//! unknown fields.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Fields, Item};

pub fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !args.is_empty() {
        return Err(syn::Error::new_spanned(
            args,
            "#[otai::params] takes no arguments; use `#[serde(…)]` on the type or its fields",
        ));
    }
    let item: Item = syn::parse2(item)?;
    let collects_unknown = match &item {
        Item::Struct(item) => has_flatten(&item.fields),
        Item::Enum(item) => item
            .variants
            .iter()
            .any(|variant| has_flatten(&variant.fields)),
        _ => {
            return Err(syn::Error::new(
                Span::call_site(),
                "#[otai::params] goes on the struct (or enum) holding an injectable's params",
            ))
        }
    };
    // `deny_unknown_fields` cannot be combined with `flatten`, which collects the unknown
    // fields itself (free-form params, as a composite's).
    let strict = (!collects_unknown).then(|| quote!(#[serde(deny_unknown_fields)]));
    Ok(quote! {
        #[derive(::otai::serde::Deserialize, ::otai::schemars::JsonSchema)]
        #[serde(crate = "::otai::serde")]
        #strict
        #[schemars(crate = "::otai::schemars")]
        #item
    })
}

fn has_flatten(fields: &Fields) -> bool {
    fields
        .iter()
        .any(|field| field.attrs.iter().any(is_serde_flatten))
}

fn is_serde_flatten(attribute: &Attribute) -> bool {
    if !attribute.path().is_ident("serde") {
        return false;
    }
    let mut found = false;
    let _ = attribute.parse_nested_meta(|meta| {
        found |= meta.path.is_ident("flatten");
        if meta.input.peek(syn::Token![=]) {
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    found
}
