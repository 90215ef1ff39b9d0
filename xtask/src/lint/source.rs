//! Reading Rust sources: `#[otai::plugin]` attributes and `extern crate` force-link lines.

use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Attribute, Expr, ExprLit, Lit, Meta, MetaNameValue, Token};

/// One `#[otai::plugin]` found in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginAttribute {
    /// The file it is in.
    pub file: PathBuf,
    /// `prefix = "…"`, if stated.
    pub explicit_prefix: Option<String>,
}

/// One `extern crate` item of the thin binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForceLink {
    /// The crate named (`otai_base` in `extern crate otai_base;`).
    pub crate_ident: String,
    /// The `cfg` attributes on it, as `feature = "x"` → `Feature("x")`, anything else → `Other`.
    pub cfgs: Vec<Cfg>,
}

/// A `#[cfg(…)]` predicate on a force-link line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cfg {
    /// `#[cfg(feature = "x")]`.
    Feature(String),
    /// Any other predicate (`all(…)`, `not(…)`, `unix`, …), as written.
    Other(String),
}

impl ForceLink {
    /// Whether the line is linked exactly when `feature` is on: one `cfg(feature = "…")` and
    /// no other condition.
    pub fn is_gated_by(&self, feature: &str) -> bool {
        matches!(self.cfgs.as_slice(), [Cfg::Feature(f)] if f == feature)
    }
}

/// The `extern crate` items of a source file (top level and inline modules).
pub fn force_links(source: &str) -> Result<Vec<ForceLink>, syn::Error> {
    let file = syn::parse_file(source)?;
    let mut links = Vec::new();
    collect_force_links(&file.items, &mut links);
    Ok(links)
}

fn collect_force_links(items: &[syn::Item], links: &mut Vec<ForceLink>) {
    for item in items {
        match item {
            syn::Item::ExternCrate(extern_crate) => links.push(ForceLink {
                crate_ident: extern_crate.ident.to_string(),
                cfgs: extern_crate
                    .attrs
                    .iter()
                    .filter(|attr| attr.path().is_ident("cfg"))
                    .map(cfg_of)
                    .collect(),
            }),
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_force_links(items, links);
                }
            }
            _ => {}
        }
    }
}

fn cfg_of(attr: &Attribute) -> Cfg {
    let text = match &attr.meta {
        Meta::List(list) => list.tokens.to_string(),
        other => quote_meta(other),
    };
    match attr.parse_args::<MetaNameValue>() {
        Ok(pair) if pair.path.is_ident("feature") => match string_literal(&pair.value) {
            Some(feature) => Cfg::Feature(feature),
            None => Cfg::Other(text),
        },
        _ => Cfg::Other(text),
    }
}

fn quote_meta(meta: &Meta) -> String {
    match meta {
        Meta::Path(path) => path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect::<Vec<_>>()
            .join("::"),
        Meta::List(list) => list.tokens.to_string(),
        Meta::NameValue(_) => "…".to_owned(),
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    }
}

/// Every `#[otai::plugin]` (or `#[::otai::plugin]`) attribute in a source file, anywhere.
///
/// A file syn cannot parse is searched as text instead, so a syntax syn does not know yet
/// never hides a plugin.
pub fn plugin_attributes(file: &Path, source: &str) -> Vec<PluginAttribute> {
    match syn::parse_file(source) {
        Ok(parsed) => {
            let mut finder = AttributeFinder {
                file,
                found: Vec::new(),
            };
            finder.visit_file(&parsed);
            finder.found
        }
        Err(_) => textual_plugin_attributes(file, source),
    }
}

struct AttributeFinder<'a> {
    file: &'a Path,
    found: Vec<PluginAttribute>,
}

impl<'ast> Visit<'ast> for AttributeFinder<'_> {
    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        let segments: Vec<String> = attr
            .path()
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        if segments == ["otai", "plugin"] {
            self.found.push(PluginAttribute {
                file: self.file.to_path_buf(),
                explicit_prefix: explicit_prefix(attr),
            });
        }
    }
}

fn explicit_prefix(attr: &Attribute) -> Option<String> {
    let Meta::List(_) = &attr.meta else {
        return None;
    };
    let pairs = attr
        .parse_args_with(Punctuated::<MetaNameValue, Token![,]>::parse_terminated)
        .ok()?;
    pairs
        .iter()
        .find(|pair| pair.path.is_ident("prefix"))
        .and_then(|pair| string_literal(&pair.value))
}

fn textual_plugin_attributes(file: &Path, source: &str) -> Vec<PluginAttribute> {
    source
        .match_indices("otai::plugin")
        .filter(|(index, _)| source[..*index].trim_end_matches(':').ends_with("#["))
        .map(|(index, _)| {
            let rest = &source[index..];
            let attribute = &rest[..rest.find(']').unwrap_or(rest.len())];
            PluginAttribute {
                file: file.to_path_buf(),
                explicit_prefix: attribute
                    .split_once("prefix")
                    .and_then(|(_, after)| after.split('"').nth(1))
                    .map(str::to_owned),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN_RS: &str = r#"
//! The thin binary.
#[cfg(feature = "base")]
extern crate otai_base;
#[cfg(feature = "hf-local")]
extern crate otai_hf_local;
extern crate otai_unconditional;
#[cfg(all(feature = "otobo-znuny", unix))]
extern crate otai_otobo_znuny;
mod inner {
    #[cfg(feature = "acme")]
    extern crate otai_acme as acme;
}
fn main() {}
"#;

    #[test]
    fn force_links_read_crates_and_their_cfgs() {
        let links = force_links(MAIN_RS).unwrap();
        let idents: Vec<&str> = links.iter().map(|l| l.crate_ident.as_str()).collect();
        assert_eq!(
            idents,
            [
                "otai_base",
                "otai_hf_local",
                "otai_unconditional",
                "otai_otobo_znuny",
                "otai_acme"
            ]
        );
        assert_eq!(links[0].cfgs, [Cfg::Feature("base".to_owned())]);
        assert!(links[0].is_gated_by("base"));
        assert!(!links[0].is_gated_by("hf-local"));
        assert!(links[1].is_gated_by("hf-local"));
        assert!(links[2].cfgs.is_empty());
        assert!(!links[2].is_gated_by("unconditional"));
        assert!(matches!(links[3].cfgs.as_slice(), [Cfg::Other(_)]));
        assert!(!links[3].is_gated_by("otobo-znuny"));
        assert!(links[4].is_gated_by("acme"));
    }

    #[test]
    fn force_links_of_unparsable_source_is_an_error() {
        assert!(force_links("fn main( {").is_err());
    }

    #[test]
    fn plugin_attributes_are_found_with_and_without_prefix() {
        let source = r#"
/// Docs mentioning #[otai::plugin] are not an attribute.
#[otai::plugin]
pub struct A;
mod nested {
    #[::otai::plugin(prefix = "acme")]
    pub struct B;
}
#[derive(Debug)]
#[otai::plugin(prefix = "tools")]
fn create() {}
#[plugin]
pub struct NotOurs;
"#;
        let found = plugin_attributes(Path::new("src/lib.rs"), source);
        let prefixes: Vec<Option<&str>> =
            found.iter().map(|a| a.explicit_prefix.as_deref()).collect();
        assert_eq!(prefixes, [None, Some("acme"), Some("tools")]);
        assert_eq!(found[0].file, Path::new("src/lib.rs"));
    }

    #[test]
    fn a_file_without_the_attribute_has_none() {
        let source = "//! #[otai::plugin] in a doc comment\npub fn helper() {}\n";
        assert!(plugin_attributes(Path::new("src/lib.rs"), source).is_empty());
    }

    #[test]
    fn unparsable_files_are_searched_as_text() {
        let source = "#[otai::plugin(prefix = \"acme\")]\npub struct A<;\n#[otai::plugin]\n";
        let found = plugin_attributes(Path::new("src/lib.rs"), source);
        let prefixes: Vec<Option<&str>> =
            found.iter().map(|a| a.explicit_prefix.as_deref()).collect();
        assert_eq!(prefixes, [Some("acme"), None]);
    }
}
