//! The naming rules of Open Ticket AI plugins, in one place.
//!
//! * A plugin is a package named `otai-<name>` (or `otai_<name>`).
//! * Its registry prefix is `<name>` in kebab case (`otai-otobo-znuny` → `otobo-znuny`), or a
//!   prefix stated explicitly (`#[otai::plugin(prefix = "acme")]`), which must already be kebab
//!   case.
//! * Registry keys join prefix and injectable name with `:`
//!   (`otobo-znuny:OTOBOZnunyTicketSystemService`).
//!
//! `otai-macros` applies these rules at compile time (so a misnamed crate does not build) and
//! `otai-core` at startup (so a registry assembled by hand obeys them too). Use them through
//! `otai::plugin::naming`.

use heck::ToKebabCase;

/// Package-name prefix every plugin crate carries.
pub const PLUGIN_NAME_PREFIX: &str = "otai-";

/// Separator between a plugin prefix and an injectable name in registry keys.
pub const REGISTRY_IDENTIFIER_SEPARATOR: &str = ":";

/// The registry prefix of a plugin package: the package name without the leading `otai-`
/// (or `otai_`), in kebab case.
///
/// Returns `None` for a name that does not start with the prefix, or has nothing after it.
///
/// ```
/// use otai_naming::registry_prefix;
/// assert_eq!(registry_prefix("otai-otobo-znuny").as_deref(), Some("otobo-znuny"));
/// assert_eq!(registry_prefix("otai_my_plugin").as_deref(), Some("my-plugin"));
/// assert_eq!(registry_prefix("my-otai-plugin"), None);
/// ```
pub fn registry_prefix(package_name: &str) -> Option<String> {
    let normalized = package_name.replace('_', "-");
    let rest = normalized.strip_prefix(PLUGIN_NAME_PREFIX)?;
    let prefix = rest.to_kebab_case();
    (!prefix.is_empty()).then_some(prefix)
}

/// Why an explicitly stated prefix cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPrefix {
    /// The prefix as given.
    pub prefix: String,
    /// The kebab-case form to use instead, when there is one.
    pub suggestion: Option<String>,
}

impl std::fmt::Display for InvalidPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the plugin prefix `{}` must be kebab case (lowercase letters, digits and single `-`, not at either end)",
            self.prefix
        )?;
        if let Some(suggestion) = &self.suggestion {
            write!(f, "; use `{suggestion}`")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidPrefix {}

/// Checks an explicitly stated prefix: lowercase ASCII letters and digits separated by single
/// `-`, so that keys look the same whichever way a prefix was obtained (and never contain the
/// separator `:`).
pub fn validate_prefix(prefix: &str) -> Result<(), InvalidPrefix> {
    let valid = !prefix.is_empty()
        && !prefix.starts_with('-')
        && !prefix.ends_with('-')
        && !prefix.contains("--")
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        return Ok(());
    }
    let kebab = prefix.to_kebab_case();
    let suggestion =
        (!kebab.is_empty() && kebab != prefix && validate_prefix(&kebab).is_ok()).then_some(kebab);
    Err(InvalidPrefix {
        prefix: prefix.to_owned(),
        suggestion,
    })
}

/// A prefix to suggest for a package that is not named like a plugin (`Acme Tools` →
/// `acme-tools`).
pub fn suggested_prefix(package_name: &str) -> String {
    let kebab = package_name
        .trim_start_matches("otai")
        .trim_start_matches(['-', '_'])
        .to_kebab_case();
    if validate_prefix(&kebab).is_ok() {
        kebab
    } else {
        "my-plugin".to_owned()
    }
}

/// The registry key of an injectable: `<prefix>:<name>`.
pub fn registry_key(prefix: &str, injectable_name: &str) -> String {
    format!("{prefix}{REGISTRY_IDENTIFIER_SEPARATOR}{injectable_name}")
}

/// Splits a registry key into prefix and injectable name.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    key.split_once(REGISTRY_IDENTIFIER_SEPARATOR)
}

/// Checks an injectable name given with `name = "…"`: it must be non-empty and free of the
/// separator and of whitespace, since configs write it after the prefix.
pub fn validate_injectable_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the injectable name is empty".to_owned());
    }
    if name.contains(REGISTRY_IDENTIFIER_SEPARATOR) || name.chars().any(char::is_whitespace) {
        return Err(format!(
            "the injectable name `{name}` must not contain `{REGISTRY_IDENTIFIER_SEPARATOR}` or whitespace"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_strips_otai_and_kebab_cases() {
        assert_eq!(registry_prefix("otai-base").as_deref(), Some("base"));
        assert_eq!(
            registry_prefix("otai-otobo-znuny").as_deref(),
            Some("otobo-znuny")
        );
        assert_eq!(
            registry_prefix("otai_my_plugin").as_deref(),
            Some("my-plugin")
        );
        assert_eq!(
            registry_prefix("otai-hf_local").as_deref(),
            Some("hf-local")
        );
        assert_eq!(
            registry_prefix("otai-MyPlugin").as_deref(),
            Some("my-plugin")
        );
        assert_eq!(
            registry_prefix("otai-HTTPTools").as_deref(),
            Some("http-tools")
        );
    }

    #[test]
    fn otai_counts_only_at_the_start() {
        assert_eq!(registry_prefix("my-otai-plugin"), None);
        assert_eq!(registry_prefix("base"), None);
        assert_eq!(registry_prefix("otai"), None);
        assert_eq!(registry_prefix("otai-"), None);
        assert_eq!(
            registry_prefix("otai-otai-nested").as_deref(),
            Some("otai-nested")
        );
    }

    #[test]
    fn keys_join_prefix_and_name_with_the_separator() {
        let key = registry_key("otobo-znuny", "OTOBOZnunyTicketSystemService");
        assert_eq!(key, "otobo-znuny:OTOBOZnunyTicketSystemService");
        assert_eq!(
            split_key(&key),
            Some(("otobo-znuny", "OTOBOZnunyTicketSystemService"))
        );
    }

    #[test]
    fn explicit_prefixes_must_be_kebab_case() {
        assert!(validate_prefix("acme").is_ok());
        assert!(validate_prefix("acme-tools2").is_ok());
        let error = validate_prefix("Acme").unwrap_err();
        assert_eq!(error.suggestion.as_deref(), Some("acme"));
        assert!(error.to_string().contains("use `acme`"), "{error}");
        for bad in ["acme:x", "", "-acme", "acme-", "ac--me", "acme_tools"] {
            assert!(validate_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggestions_are_valid_prefixes() {
        assert_eq!(suggested_prefix("acme_tools"), "acme-tools");
        assert_eq!(suggested_prefix("AcmeTools"), "acme-tools");
        assert_eq!(suggested_prefix("otai"), "my-plugin");
        assert_eq!(suggested_prefix("???"), "my-plugin");
    }

    #[test]
    fn injectable_names_cannot_hold_the_separator() {
        assert!(validate_injectable_name("FetchTicketsPipe").is_ok());
        assert!(validate_injectable_name("a:b").is_err());
        assert!(validate_injectable_name("a b").is_err());
        assert!(validate_injectable_name("").is_err());
    }
}
