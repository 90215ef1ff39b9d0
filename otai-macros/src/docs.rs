//! What an injectable says about itself, read from its doc comment: a one-line description
//! (the first paragraph) and an example config (the first ```` ```yaml ```` block of its
//! `# Example` section). `otai describe` and `otai plugins` show them.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The description and example of an injectable.
pub struct Docs {
    /// The first paragraph of the doc comment, its lines joined by spaces; empty without one.
    pub description: String,
    /// The YAML of the `# Example` section, if there is one.
    pub example: Option<String>,
}

/// Reads the docs from the item's `#[doc = "…"]` attributes (`///` comments). Attributes whose
/// value is not a string literal (`#[doc = include_str!(…)]`) are skipped.
pub fn read(attributes: &[Attribute]) -> syn::Result<Docs> {
    let lines: Vec<String> = attributes
        .iter()
        .filter(|attribute| attribute.path().is_ident("doc"))
        .filter_map(|attribute| match &attribute.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| text.split('\n').map(str::to_owned).collect::<Vec<_>>())
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    let description = lines
        .iter()
        .map(|line| line.trim())
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Docs {
        description,
        example: example(&lines, attributes)?,
    })
}

/// The first ```` ```yaml ```` block of the `# Example` (or `# Examples`) section; other code
/// blocks there (Rust examples) are passed over.
fn example(lines: &[String], attributes: &[Attribute]) -> syn::Result<Option<String>> {
    let is_heading = |line: &str| line.trim_start().starts_with("# ");
    let Some(heading) = lines.iter().position(|line| {
        is_heading(line)
            && matches!(
                line.trim().trim_start_matches('#').trim(),
                "Example" | "Examples"
            )
    }) else {
        return Ok(None);
    };
    let mut in_other_block = false;
    let mut yaml: Option<Vec<&str>> = None;
    for line in &lines[heading + 1..] {
        let trimmed = line.trim();
        match &mut yaml {
            Some(body) if trimmed == "```" => return Ok(Some(body.join("\n") + "\n")),
            Some(body) => body.push(line.as_str()),
            None if in_other_block => in_other_block = trimmed != "```",
            None if trimmed == "```yaml" || trimmed == "```yml" => yaml = Some(Vec::new()),
            None if trimmed.starts_with("```") => in_other_block = true,
            None if is_heading(line) => return Ok(None),
            None => {}
        }
    }
    match yaml {
        None => Ok(None),
        Some(_) => {
            let span = attributes
                .iter()
                .find(|attribute| attribute.path().is_ident("doc"))
                .map_or_else(proc_macro2::Span::call_site, syn::spanned::Spanned::span);
            Err(syn::Error::new(
                span,
                "the ```yaml block of the `# Example` section is not closed with ```",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use syn::parse_quote;

    fn docs(item: syn::ItemStruct) -> syn::Result<Docs> {
        read(&item.attrs)
    }

    #[test]
    fn the_description_is_the_first_paragraph_joined_into_one_line() {
        let read = docs(parse_quote! {
            /// Moves a ticket
            /// to a queue.
            ///
            /// More detail that is not part of it.
            struct Move;
        })
        .unwrap();
        assert_eq!(read.description, "Moves a ticket to a queue.");
        assert_eq!(read.example, None);
    }

    #[test]
    fn the_example_is_the_yaml_block_of_the_example_section() {
        let read = docs(parse_quote! {
            /// Moves a ticket.
            ///
            /// ```yaml
            /// not: this one
            /// ```
            ///
            /// # Example
            ///
            /// ```
            /// let rust = "is passed over";
            /// ```
            ///
            /// ```yaml
            /// open_ticket_ai:
            ///   orchestrator: { use: "acme:Move" }
            /// ```
            struct Move;
        })
        .unwrap();
        assert_eq!(
            read.example.as_deref(),
            Some("open_ticket_ai:\n  orchestrator: { use: \"acme:Move\" }\n")
        );
    }

    #[test]
    fn a_section_without_yaml_has_no_example_and_no_docs_no_description() {
        let read = docs(parse_quote! {
            /// Moves a ticket.
            ///
            /// # Examples
            ///
            /// ```
            /// let x = 1;
            /// ```
            ///
            /// # Errors
            ///
            /// ```yaml
            /// not: an example
            /// ```
            struct Move;
        })
        .unwrap();
        assert_eq!(read.example, None);
        assert_eq!(
            docs(parse_quote!(
                struct Bare;
            ))
            .unwrap()
            .description,
            ""
        );
    }

    #[test]
    fn an_unclosed_yaml_block_is_an_error() {
        let error = docs(parse_quote! {
            /// Moves a ticket.
            ///
            /// # Example
            ///
            /// ```yaml
            /// open_ticket_ai: {}
            struct Move;
        })
        .err()
        .unwrap();
        assert!(error.to_string().contains("not closed"), "{error}");
    }
}
