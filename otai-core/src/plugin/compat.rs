//! Which core API versions a plugin may have been compiled against.

use semver::Version;

/// Why a plugin's core version does not fit the running core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompatError {
    /// The version string is not semver.
    #[error("`{0}` is not a semantic version")]
    Unparsable(String),
    /// Different major version (for 0.x: different minor), so the API is incompatible.
    #[error("built against otai-core {plugin}, which is incompatible with the running otai-core {core} (the major version differs)")]
    DifferentMajor {
        /// Core version the plugin was built against.
        plugin: String,
        /// Running core version.
        core: String,
    },
    /// Built against a newer core than the one running: it may use API that is missing.
    #[error("built against otai-core {plugin}, newer than the running otai-core {core}; update otai-core")]
    NewerThanCore {
        /// Core version the plugin was built against.
        plugin: String,
        /// Running core version.
        core: String,
    },
}

/// Checks semver compatibility: same major version (for `0.x`, same minor, as Cargo treats
/// it), and a plugin core version not newer than the running core.
pub fn check_core_compat(plugin_core: &str, running_core: &str) -> Result<(), CompatError> {
    let parse =
        |text: &str| Version::parse(text).map_err(|_| CompatError::Unparsable(text.to_owned()));
    let plugin = parse(plugin_core)?;
    let core = parse(running_core)?;
    let same_epoch = if core.major == 0 {
        plugin.major == 0 && plugin.minor == core.minor
    } else {
        plugin.major == core.major
    };
    if !same_epoch {
        return Err(CompatError::DifferentMajor {
            plugin: plugin.to_string(),
            core: core.to_string(),
        });
    }
    if plugin > core {
        return Err(CompatError::NewerThanCore {
            plugin: plugin.to_string(),
            core: core.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_version_is_compatible() {
        assert_eq!(check_core_compat("1.2.3", "1.2.3"), Ok(()));
    }

    #[test]
    fn older_minor_of_same_major_is_compatible() {
        assert_eq!(check_core_compat("1.0.0", "1.4.2"), Ok(()));
    }

    #[test]
    fn newer_than_core_is_rejected() {
        assert!(matches!(
            check_core_compat("1.5.0", "1.4.2"),
            Err(CompatError::NewerThanCore { .. })
        ));
    }

    #[test]
    fn different_major_is_rejected() {
        assert!(matches!(
            check_core_compat("2.0.0", "1.9.0"),
            Err(CompatError::DifferentMajor { .. })
        ));
        assert!(matches!(
            check_core_compat("1.9.0", "2.0.0"),
            Err(CompatError::DifferentMajor { .. })
        ));
    }

    #[test]
    fn zero_major_versions_compare_by_minor() {
        assert_eq!(check_core_compat("0.1.0", "0.1.7"), Ok(()));
        assert!(matches!(
            check_core_compat("0.1.0", "0.2.0"),
            Err(CompatError::DifferentMajor { .. })
        ));
    }

    #[test]
    fn garbage_is_reported() {
        assert_eq!(
            check_core_compat("one", "1.0.0"),
            Err(CompatError::Unparsable("one".to_owned()))
        );
    }
}
