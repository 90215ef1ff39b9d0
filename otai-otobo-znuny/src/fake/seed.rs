//! The seed of the fake helpdesk: its queues, priorities, states, types, agents and
//! tickets, from a YAML or JSON file (`examples/otobo-tickets.yaml` is one).
//!
//! ```yaml
//! queues: [Postmaster, Raw, Junk, Misc, "OpenTicketAI::Incoming", Billing]  # ids 1, 2, …
//! priorities: [1 very low, 2 low, 3 normal, 4 high, 5 very high]           # optional
//! tickets:
//!   - id: 1001                      # optional: the next free id
//!     title: Rechnung doppelt abgebucht
//!     queue: "OpenTicketAI::Incoming"
//!     priority: 3 normal            # default `3 normal`
//!     customer_user: m.schneider@example.de
//!     body: |                       # the customer's message: the ticket's first article
//!       Guten Tag, …
//!     articles: [{subject: …, body: …}]   # further (or instead: all) articles
//! ```
//!
//! Every list is optional and defaults to a fresh OTOBO installation's (queues `Postmaster`,
//! `Raw`, `Junk`, `Misc`; priorities `1 very low` … `5 very high`; …). Ids of list entries
//! are their positions, from 1, as in a fresh installation.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The content of a seed file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Queue names; a queue's id is its position (from 1).
    #[serde(default = "default_queues")]
    pub queues: Vec<String>,
    /// Priority names, ids by position.
    #[serde(default = "default_priorities")]
    pub priorities: Vec<String>,
    /// State names, ids by position. The state type is read from the name (`new`, `open`,
    /// `closed…`, `pending…`, `removed`, `merged`).
    #[serde(default = "default_states")]
    pub states: Vec<String>,
    /// Ticket type names, ids by position.
    #[serde(default = "default_types")]
    pub types: Vec<String>,
    /// Agent logins (owners), ids by position.
    #[serde(default = "default_agents")]
    pub agents: Vec<String>,
    /// The tickets.
    #[serde(default)]
    pub tickets: Vec<SeedTicket>,
}

impl Default for Seed {
    fn default() -> Self {
        Self {
            queues: default_queues(),
            priorities: default_priorities(),
            states: default_states(),
            types: default_types(),
            agents: default_agents(),
            tickets: Vec::new(),
        }
    }
}

impl Seed {
    /// Reads a seed file (YAML, which includes JSON).
    pub fn from_file(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|e| SeedError {
            source_name: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_yaml(&text).map_err(|mut e| {
            e.source_name = path.display().to_string();
            e
        })
    }

    /// Reads a seed from YAML (or JSON) text.
    pub fn from_yaml(text: &str) -> Result<Seed, SeedError> {
        serde_yaml::from_str(text).map_err(|e| SeedError {
            source_name: "seed".to_owned(),
            message: e.to_string(),
        })
    }
}

/// What generated tickets say: a title and a body, `{n}` standing for the ticket's number.
/// They cover the demo's labels: billing, IT, sales, HR, urgent, not urgent and unclear.
const GENERATED: [(&str, &str); 6] = [
    (
        "Rechnung {n} doppelt abgebucht",
        "Guten Tag, die Rechnung {n} wurde doppelt abgebucht. Bitte erstatten Sie den Betrag, es ist dringend.",
    ),
    (
        "VPN bricht ab ({n})",
        "Seit heute bricht das VPN alle paar Minuten ab, Fehlercode 809.",
    ),
    (
        "Angebot für {n} Lizenzen",
        "Bitte senden Sie uns ein Angebot für {n} Lizenzen, keine Eile.",
    ),
    (
        "Urlaubsantrag {n}",
        "Ich möchte vom 3. bis 14. August Urlaub nehmen.",
    ),
    ("Frage {n}", "Hallo, ich hätte eine Frage zu Ihrem Schreiben."),
    (
        "Drucker im 2. Stock ({n})",
        "Der Drucker hat Papierstau, ich kann nicht arbeiten, bitte sofort.",
    ),
];

impl Seed {
    /// The seed with `count` generated tickets added in `queue`: varied German requests
    /// (billing, IT, sales, HR, unclear; urgent or not), created one second apart from
    /// `2025-12-01 08:00:00`, ids after the seed's, customers `kunde<n>@example.com`. For
    /// load and several-worker tests (`fake-otobo --generate 200`).
    pub fn with_generated_tickets(mut self, count: usize, queue: &str) -> Seed {
        for n in 1..=count {
            let (title, body) = GENERATED[(n - 1) % GENERATED.len()];
            let fill = |text: &str| text.replace("{n}", &n.to_string());
            let offset = n as u64; // seconds after 08:00:00
            let (days, rest) = (offset / 86_400, offset % 86_400);
            let created = format!(
                "2025-12-{:02} {:02}:{:02}:{:02}",
                1 + days % 28,
                (8 + rest / 3600) % 24,
                rest / 60 % 60,
                rest % 60
            );
            self.tickets.push(SeedTicket {
                id: None,
                number: None,
                title: fill(title),
                queue: queue.to_owned(),
                priority: None,
                state: None,
                type_name: None,
                lock: None,
                owner: None,
                customer_user: Some(format!("kunde{n}@example.com")),
                customer_id: None,
                created: Some(created),
                dynamic_fields: BTreeMap::new(),
                body: Some(fill(body)),
                articles: Vec::new(),
            });
        }
        self
    }
}

/// A ticket in a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTicket {
    /// Id; the next free one when absent.
    #[serde(default)]
    pub id: Option<u64>,
    /// Ticket number; made from the creation date and the id when absent.
    #[serde(default)]
    pub number: Option<String>,
    /// Title.
    pub title: String,
    /// Queue name.
    pub queue: String,
    /// Priority name (default `3 normal`, else the first priority).
    #[serde(default)]
    pub priority: Option<String>,
    /// State name (default `new`).
    #[serde(default)]
    pub state: Option<String>,
    /// Type name (default `Unclassified`, else the first type).
    #[serde(default, rename = "type")]
    pub type_name: Option<String>,
    /// Lock (`unlock` or `lock`, default `unlock`).
    #[serde(default)]
    pub lock: Option<String>,
    /// Owner login (default the first agent).
    #[serde(default)]
    pub owner: Option<String>,
    /// Customer user login or email.
    #[serde(default)]
    pub customer_user: Option<String>,
    /// Customer (company) id.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Creation time, `YYYY-MM-DD HH:MM:SS` (default: when the server starts).
    #[serde(default)]
    pub created: Option<String>,
    /// Dynamic fields and their values.
    #[serde(default)]
    pub dynamic_fields: BTreeMap<String, Value>,
    /// The customer's message: becomes the first article (subject = title, channel Email,
    /// from the customer user).
    #[serde(default)]
    pub body: Option<String>,
    /// Articles (after the one made from `body`).
    #[serde(default)]
    pub articles: Vec<SeedArticle>,
}

/// An article in a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedArticle {
    /// Sender.
    #[serde(default)]
    pub from: Option<String>,
    /// Subject (default: the ticket's title).
    #[serde(default)]
    pub subject: Option<String>,
    /// Text.
    pub body: String,
    /// MIME type with charset (default `text/plain; charset=utf-8`).
    #[serde(default)]
    pub content_type: Option<String>,
    /// `Email` (default), `Phone`, `Internal`, `Chat`.
    #[serde(default)]
    pub communication_channel: Option<String>,
    /// Whether the customer sees it (default: yes, unless the channel is `Internal`).
    #[serde(default)]
    pub visible_for_customer: Option<bool>,
    /// Creation time (default: the ticket's).
    #[serde(default)]
    pub created: Option<String>,
}

/// A seed that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct SeedError {
    /// The file (or `seed`).
    pub source_name: String,
    /// Why.
    pub message: String,
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn default_queues() -> Vec<String> {
    names(&["Postmaster", "Raw", "Junk", "Misc"])
}

fn default_priorities() -> Vec<String> {
    names(&["1 very low", "2 low", "3 normal", "4 high", "5 very high"])
}

fn default_states() -> Vec<String> {
    names(&[
        "new",
        "closed successful",
        "closed unsuccessful",
        "open",
        "removed",
        "pending reminder",
        "pending auto close+",
        "pending auto close-",
        "merged",
    ])
}

fn default_types() -> Vec<String> {
    names(&["Unclassified", "Incident", "Service Request", "Problem"])
}

fn default_agents() -> Vec<String> {
    names(&["root@localhost", "open_ticket_ai"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_seed_gets_the_default_lists() {
        let seed = Seed::from_yaml("tickets: [{title: T, queue: Raw, body: Hi}]").unwrap();
        assert_eq!(seed.queues, ["Postmaster", "Raw", "Junk", "Misc"]);
        assert_eq!(seed.priorities[2], "3 normal");
        assert_eq!(seed.tickets[0].body.as_deref(), Some("Hi"));
        let typo = Seed::from_yaml("tickets: [{title: T, queue: Raw, boddy: Hi}]").unwrap_err();
        assert!(typo.message.contains("unknown field `boddy`"), "{typo}");
    }

    #[test]
    fn generated_tickets_are_varied_and_ordered() {
        let seed = Seed::default().with_generated_tickets(7, "Raw");
        assert_eq!(seed.tickets.len(), 7);
        assert_eq!(seed.tickets[0].title, "Rechnung 1 doppelt abgebucht");
        assert_eq!(seed.tickets[6].title, "Rechnung 7 doppelt abgebucht");
        assert_eq!(
            seed.tickets[1].created.as_deref(),
            Some("2025-12-01 08:00:02")
        );
        assert!(seed.tickets.iter().all(|t| t.queue == "Raw"));
        let titles: std::collections::BTreeSet<_> = seed.tickets.iter().map(|t| &t.title).collect();
        assert_eq!(titles.len(), 7);
    }

    #[test]
    fn the_example_seed_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/otobo-tickets.yaml");
        let seed = Seed::from_file(&path).unwrap();
        assert!(seed.tickets.len() >= 10, "{} tickets", seed.tickets.len());
    }
}
