//! Arguments of the injectable attributes: `name = "…"`, `default_for = "…"`, `default`,
//! `provides(…)`.

use proc_macro2::TokenStream;
use syn::parse::Parser;
use syn::{LitStr, Path};

/// What `#[otai::pipe(…)]` and `#[otai::service(…)]` accept.
#[derive(Default)]
pub struct InjectableArgs {
    /// `name = "…"`: the registry name instead of the identifier.
    pub name: Option<LitStr>,
    /// `default_for = "…"` (pipes): the role the pipe is the default for.
    pub default_for: Vec<LitStr>,
    /// `default` (services): the default provider of every interface it provides.
    pub default: bool,
    /// `provides(A, B)` (services).
    pub provides: Vec<Path>,
}

/// The arguments a given attribute accepts, for its error message.
pub struct Accepted {
    pub attribute: &'static str,
    pub default_for: bool,
    pub default: bool,
    pub provides: bool,
}

impl Accepted {
    fn listing(&self) -> String {
        let mut names = vec!["name = \"…\""];
        if self.default_for {
            names.push("default_for = \"orchestrator\" | \"runner\"");
        }
        if self.provides {
            names.push("provides(Interface, …)");
        }
        if self.default {
            names.push("default");
        }
        names.join(", ")
    }
}

pub fn parse(args: TokenStream, accepted: &Accepted) -> syn::Result<InjectableArgs> {
    let mut parsed = InjectableArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            if parsed.name.is_some() {
                return Err(meta.error("`name` is given twice"));
            }
            let value: LitStr = meta.value()?.parse()?;
            otai_naming::validate_injectable_name(&value.value())
                .map_err(|message| syn::Error::new(value.span(), message))?;
            parsed.name = Some(value);
            Ok(())
        } else if meta.path.is_ident("default_for") && accepted.default_for {
            let value: LitStr = meta.value()?.parse()?;
            if !matches!(value.value().as_str(), "orchestrator" | "runner") {
                return Err(syn::Error::new(
                    value.span(),
                    "a pipe can be the default `orchestrator` or `runner`",
                ));
            }
            parsed.default_for.push(value);
            Ok(())
        } else if meta.path.is_ident("default") && accepted.default {
            parsed.default = true;
            Ok(())
        } else if meta.path.is_ident("provides") && accepted.provides {
            meta.parse_nested_meta(|interface| {
                parsed.provides.push(interface.path);
                Ok(())
            })
        } else {
            Err(meta.error(format!(
                "unknown argument; `#[otai::{}]` accepts {}",
                accepted.attribute,
                accepted.listing()
            )))
        }
    });
    parser.parse2(args)?;
    Ok(parsed)
}
