//! The one view of environment variables that configs, templates and plugins share.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Environment variables as Open Ticket AI sees them: explicit overrides first (set by an
/// embedding application or a test), then the process environment, then a fallback layer (the
/// `.env` file beside a config, which never overrides the real environment).
///
/// `${VAR}` in a config, `{{ get_env('VAR') }}` in a template and [`AppConfig::env`] in a
/// plugin all read through the same `Env`, so they always agree. `Debug` shows names only:
/// values may be secrets.
///
/// [`AppConfig::env`]: crate::AppConfig::env
#[derive(Clone, Default)]
pub struct Env {
    overrides: Arc<BTreeMap<String, Option<String>>>,
    fallback: Arc<BTreeMap<String, String>>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .field("fallback", &self.fallback.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Env {
    /// The process environment, with no overrides and no fallback.
    pub fn process() -> Self {
        Self::default()
    }

    /// Sets (or, with `None`, hides) a variable ahead of the process environment.
    pub fn with_var(mut self, name: impl Into<String>, value: Option<&str>) -> Self {
        Arc::make_mut(&mut self.overrides).insert(name.into(), value.map(str::to_owned));
        self
    }

    /// Adds variables seen only where neither an override nor the process environment has
    /// them (a `.env` file).
    pub fn with_fallback<K: Into<String>, V: Into<String>>(
        mut self,
        variables: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Arc::make_mut(&mut self.fallback).extend(
            variables
                .into_iter()
                .map(|(name, value)| (name.into(), value.into())),
        );
        self
    }

    /// The value of `name`: override, else process environment, else fallback.
    pub fn get(&self, name: &str) -> Option<String> {
        match self.overrides.get(name) {
            Some(value) => value.clone(),
            None => std::env::var(name)
                .ok()
                .or_else(|| self.fallback.get(name).cloned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_shadow_the_process_environment_which_shadows_the_fallback() {
        let env = Env::process()
            .with_var("OTAI_TEST_SET", Some("yes"))
            .with_var("PATH", None)
            .with_fallback([("OTAI_TEST_FALLBACK_ONLY", "dotenv"), ("HOME", "dotenv")]);
        assert_eq!(env.get("OTAI_TEST_SET").as_deref(), Some("yes"));
        assert_eq!(env.get("PATH"), None);
        assert_eq!(
            env.get("OTAI_TEST_FALLBACK_ONLY").as_deref(),
            Some("dotenv")
        );
        if std::env::var("HOME").is_ok() {
            assert_ne!(env.get("HOME").as_deref(), Some("dotenv"));
        }
    }

    #[test]
    fn debug_shows_names_only() {
        let env = Env::process()
            .with_var("TOKEN", Some("hunter2"))
            .with_fallback([("PASSWORD", "s3cr3t")]);
        let shown = format!("{env:?}");
        assert!(
            shown.contains("TOKEN") && shown.contains("PASSWORD"),
            "{shown}"
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
