//! Where a licence key is read from.
//!
//! A plugin should read its key the way configs read variables: through `otai::AppConfig`,
//! which sees the process environment *and* the `.env` file beside the config (feature
//! `otai`). [`ProcessEnv`] is the process environment alone, for programs outside `otai`.

/// A source of variables that can say where it looks (for the "not set" message).
pub trait EnvSource {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;

    /// Where `name` is looked up, for a message that says where to set it, e.g. "read from
    /// the environment of the otai process and from /srv/otai/.env".
    fn place(&self, name: &str) -> String;
}

/// The process environment (`std::env`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn place(&self, _name: &str) -> String {
        "read from the environment of this process".to_owned()
    }
}

/// The environment as `otai` configs see it: the process environment, then the `.env` file
/// beside the config (when a config was loaded).
#[cfg(feature = "otai")]
impl EnvSource for otai::AppConfig {
    fn var(&self, name: &str) -> Option<String> {
        self.env(name)
    }

    fn place(&self, _name: &str) -> String {
        match self.base_dir() {
            Some(dir) => format!(
                "read from the environment of the otai process and from {}",
                dir.join(".env").display()
            ),
            None => "read from the environment of the otai process; this command reads no config, so no `.env` file".to_owned(),
        }
    }
}

#[cfg(all(test, feature = "otai"))]
mod tests {
    use super::*;

    #[test]
    fn the_app_config_reads_the_dotenv_layer_and_names_the_file() {
        let config = otai::AppConfig::new()
            .with_env_fallback([("OTAI_LICENSE_TEST_DOTENV_ONLY", "from .env")])
            .with_base_dir("/srv/otai");
        assert_eq!(
            config.var("OTAI_LICENSE_TEST_DOTENV_ONLY").as_deref(),
            Some("from .env")
        );
        let place = config.place("X");
        assert!(place.contains("/srv/otai/.env"), "{place}");
        assert!(otai::AppConfig::new().place("X").contains("no `.env`"));
    }
}
