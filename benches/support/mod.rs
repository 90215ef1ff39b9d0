//! Shared by the benches against the fake OTOBO: the agent password, the keyword benches'
//! ticket texts, and building a pipeline from a config file the way `otai run` does.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use otai::config::load_file;
use otai::engine::Pipeline;
use otai::{AppConfig, ComponentRegistry};

/// The agent password the benches' fake servers accept.
pub const PASSWORD: &str = "bench";

/// Ticket texts for the keyword classifier: billing, IT, sales and an unclear mix.
pub const TEXTS: [(&str, &str); 4] = [
    (
        "Rechnung doppelt abgebucht",
        "Der Betrag der Rechnung wurde zweimal abgebucht, bitte um Gutschrift. Dringend.",
    ),
    (
        "VPN-Verbindung bricht ab",
        "Seit heute Morgen bricht die VPN-Verbindung alle paar Minuten ab, Fehlercode 809.",
    ),
    (
        "Angebot für 50 Lizenzen",
        "Bitte senden Sie uns ein Angebot mit Rabatt, keine Eile.",
    ),
    (
        "Frage zur Rechnung und zum Login",
        "Ich kann mich nicht einloggen und die Rechnung ist falsch.",
    ),
];

/// The config file `config` loaded and built against the OTOBO at `otobo_url` (its
/// `OTOBO_URL` and `OTAI_OTOBO_DEMO_PASSWORD`), panicking with the rendered errors.
pub fn pipeline(config: &Path, otobo_url: &str) -> Pipeline {
    let app = AppConfig::new()
        .with_env("OTOBO_URL", Some(otobo_url))
        .with_env("OTAI_OTOBO_DEMO_PASSWORD", Some(PASSWORD));
    let loaded = load_file(config, &app).unwrap_or_else(|errors| panic!("{}", errors.render()));
    let registry = ComponentRegistry::from_linked(loaded.app_config()).unwrap();
    loaded
        .build(&registry)
        .unwrap_or_else(|errors| panic!("{}", errors.render()))
}
