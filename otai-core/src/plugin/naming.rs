//! How package names become registry prefixes and keys.

use heck::ToKebabCase;

use crate::app_config::AppConfig;

/// The registry prefix of a plugin package: the package name without the leading `otai-`
/// (or `otai_`), in kebab case.
///
/// Returns `None` for a name that does not start with the prefix, or has nothing after it.
///
/// ```
/// use otai::plugin::naming::registry_prefix;
/// assert_eq!(registry_prefix("otai-otobo-znuny").as_deref(), Some("otobo-znuny"));
/// assert_eq!(registry_prefix("otai_my_plugin").as_deref(), Some("my-plugin"));
/// assert_eq!(registry_prefix("my-otai-plugin"), None);
/// ```
pub fn registry_prefix(package_name: &str) -> Option<String> {
    let normalized = package_name.replace('_', "-");
    let rest = normalized.strip_prefix(AppConfig::PLUGIN_NAME_PREFIX)?;
    let prefix = rest.to_kebab_case();
    (!prefix.is_empty()).then_some(prefix)
}

/// Checks an explicitly stated prefix (`#[otai::plugin(prefix = "acme")]`): it must already be
/// in kebab case, so that keys look the same whichever way a prefix was obtained.
pub fn validate_explicit_prefix(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() {
        return Err("the plugin prefix is empty".to_owned());
    }
    if prefix.contains(AppConfig::REGISTRY_IDENTIFIER_SEPARATOR) {
        return Err(format!(
            "the plugin prefix `{prefix}` contains the registry separator `{}`",
            AppConfig::REGISTRY_IDENTIFIER_SEPARATOR
        ));
    }
    if prefix.to_kebab_case() != prefix {
        return Err(format!(
            "the plugin prefix `{prefix}` is not kebab case; use `{}`",
            prefix.to_kebab_case()
        ));
    }
    Ok(())
}

/// The registry key of an injectable: `<prefix>:<name>`.
pub fn registry_key(prefix: &str, injectable_name: &str) -> String {
    format!(
        "{prefix}{}{injectable_name}",
        AppConfig::REGISTRY_IDENTIFIER_SEPARATOR
    )
}

/// Splits a registry key into prefix and injectable name.
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    key.split_once(AppConfig::REGISTRY_IDENTIFIER_SEPARATOR)
}

/// The identifier of a Rust type without its module path or generic arguments
/// (`otai_base::pipes::CompositePipe` → `CompositePipe`): the default injectable name.
pub fn type_identifier<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let without_generics = full.split('<').next().unwrap_or(full);
    without_generics
        .rsplit("::")
        .next()
        .unwrap_or(without_generics)
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
    }

    #[test]
    fn prefix_kebab_cases_mixed_case() {
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
        assert!(validate_explicit_prefix("acme").is_ok());
        assert!(validate_explicit_prefix("acme-tools").is_ok());
        assert!(validate_explicit_prefix("Acme").is_err());
        assert!(validate_explicit_prefix("acme:x").is_err());
        assert!(validate_explicit_prefix("").is_err());
    }

    struct Generic<T>(T);

    #[test]
    fn type_identifier_drops_path_and_generics() {
        assert_eq!(type_identifier::<AppConfig>(), "AppConfig");
        assert_eq!(type_identifier::<Generic<u8>>(), "Generic");
    }
}
