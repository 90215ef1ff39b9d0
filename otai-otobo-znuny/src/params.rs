//! Params of `otobo-znuny:OTOBOZnunyTicketSystemService`, named as in the original plugin.
//!
//! ```yaml
//! services:
//!   otobo_znuny:
//!     use: "otobo-znuny:OTOBOZnunyTicketSystemService"
//!     params:
//!       base_url: "https://helpdesk.example.com/otobo/nph-genericinterface.pl"
//!       password: "{{ get_env('OTAI_OTOBO_PASSWORD') }}"
//!       # everything below is optional; these are the defaults
//!       username: open_ticket_ai
//!       webservice_name: OpenTicketAI
//!       operation_urls:
//!         TicketSearch: ticket-search
//!         TicketGet: ticket-get
//!         TicketUpdate: ticket-update
//!         TicketCreate: ticket-create
//!       timeout: 30s
//!       max_retries: 2
//!       max_concurrency: 8
//!       article_limit: 5
//!       update_method: PUT
//!       ca_certificate: null          # a PEM file with the internal CA
//!       accept_invalid_certs: false
//! ```

use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use otai::{Duration, Secret};

use crate::operation::Operation;

/// Params of the OTOBO / Znuny / OTRS ticket system service. Unknown fields are rejected.
#[otai::params]
#[derive(Debug, Clone, PartialEq)]
pub struct OtoboZnunyParams {
    /// The GenericInterface entry point, e.g.
    /// `https://helpdesk.example.com/otobo/nph-genericinterface.pl` (Znuny and OTRS:
    /// `…/otrs/nph-genericinterface.pl`). A trailing slash is ignored.
    pub base_url: String,
    /// The agent the web service authenticates (`UserLogin`).
    #[serde(default = "default_username")]
    pub username: String,
    /// The agent's password. Sent in every request body, never logged or shown in errors.
    /// A number is taken as its text (`1234` → `"1234"`), as in the original.
    pub password: Secret,
    /// The web service's name in the admin interface (`Webservice/<name>/<route>`).
    #[serde(default = "default_webservice_name")]
    pub webservice_name: String,
    /// The route of each operation, as configured in the web service. Operations left out
    /// keep their default route; an unknown operation name is an error.
    #[serde(default)]
    pub operation_urls: OperationUrls,
    /// How long one request may take, from connecting to the last byte of the answer
    /// (`30s`, `PT30S`).
    #[serde(default = "default_timeout")]
    pub timeout: Duration,
    /// How often a failed search or get is retried (with exponential backoff and jitter).
    /// Updates, notes and creates are retried only when the request provably never left
    /// (the connection could not be made), whatever this says.
    #[serde(default = "default_max_retries")]
    pub max_retries: u32,
    /// How many `TicketGet` requests run at once when fetching several tickets.
    #[serde(default = "default_max_concurrency")]
    pub max_concurrency: NonZeroUsize,
    /// How many articles `TicketGet` returns per ticket (oldest first).
    #[serde(default = "default_article_limit")]
    pub article_limit: u32,
    /// The HTTP method of `TicketUpdate`: `PUT` (the default) or `POST`, as the web
    /// service's route is mapped.
    #[serde(default)]
    pub update_method: UpdateMethod,
    /// A PEM file with the certificate(s) of an internal CA, trusted in addition to the
    /// system's roots. Read when the service connects, not when the config is checked.
    #[serde(default)]
    pub ca_certificate: Option<PathBuf>,
    /// Accept any TLS certificate, even expired or self-signed ones. Only for tests: it
    /// makes the connection open to interception (a warning is logged).
    #[serde(default)]
    pub accept_invalid_certs: bool,
}

impl OtoboZnunyParams {
    /// Params with the given entry point and password and every default.
    pub fn new(base_url: impl Into<String>, password: Secret) -> Self {
        Self {
            base_url: base_url.into(),
            username: default_username(),
            password,
            webservice_name: default_webservice_name(),
            operation_urls: OperationUrls::default(),
            timeout: default_timeout(),
            max_retries: default_max_retries(),
            max_concurrency: default_max_concurrency(),
            article_limit: default_article_limit(),
            update_method: UpdateMethod::default(),
            ca_certificate: None,
            accept_invalid_certs: false,
        }
    }

    /// Makes a relative `ca_certificate` path relative to `base` (the config file's
    /// directory, where relative paths in configs resolve).
    pub fn resolve_relative_paths(&mut self, base: &Path) {
        if let Some(path) = &self.ca_certificate {
            if path.is_relative() {
                self.ca_certificate = Some(base.join(path));
            }
        }
    }
}

/// The route of each operation (`operation_urls`). Keys are OTOBO operation names.
#[otai::params]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationUrls {
    /// Route of `TicketSearch` (default `ticket-search`).
    #[serde(rename = "TicketSearch", default = "default_search_route")]
    pub ticket_search: String,
    /// Route of `TicketGet` (default `ticket-get`).
    #[serde(rename = "TicketGet", default = "default_get_route")]
    pub ticket_get: String,
    /// Route of `TicketUpdate` (default `ticket-update`).
    #[serde(rename = "TicketUpdate", default = "default_update_route")]
    pub ticket_update: String,
    /// Route of `TicketCreate` (default `ticket-create`).
    #[serde(rename = "TicketCreate", default = "default_create_route")]
    pub ticket_create: String,
}

impl OperationUrls {
    /// The route configured for `operation`.
    pub fn route(&self, operation: Operation) -> &str {
        match operation {
            Operation::TicketSearch => &self.ticket_search,
            Operation::TicketGet => &self.ticket_get,
            Operation::TicketUpdate => &self.ticket_update,
            Operation::TicketCreate => &self.ticket_create,
        }
    }

    /// Sets the route of `operation`.
    pub fn set_route(&mut self, operation: Operation, route: impl Into<String>) {
        let slot = match operation {
            Operation::TicketSearch => &mut self.ticket_search,
            Operation::TicketGet => &mut self.ticket_get,
            Operation::TicketUpdate => &mut self.ticket_update,
            Operation::TicketCreate => &mut self.ticket_create,
        };
        *slot = route.into();
    }
}

impl Default for OperationUrls {
    fn default() -> Self {
        Self {
            ticket_search: default_search_route(),
            ticket_get: default_get_route(),
            ticket_update: default_update_route(),
            ticket_create: default_create_route(),
        }
    }
}

/// The HTTP method of `TicketUpdate`.
#[otai::params]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UpdateMethod {
    /// `PUT`, the usual mapping.
    #[default]
    #[serde(rename = "PUT", alias = "put", alias = "Put")]
    Put,
    /// `POST`, for web services whose update route only accepts POST.
    #[serde(rename = "POST", alias = "post", alias = "Post")]
    Post,
}

impl UpdateMethod {
    /// The method for reqwest.
    pub fn as_http(self) -> reqwest::Method {
        match self {
            UpdateMethod::Put => reqwest::Method::PUT,
            UpdateMethod::Post => reqwest::Method::POST,
        }
    }
}

impl fmt::Display for UpdateMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpdateMethod::Put => "PUT",
            UpdateMethod::Post => "POST",
        })
    }
}

fn default_username() -> String {
    "open_ticket_ai".to_owned()
}

fn default_webservice_name() -> String {
    "OpenTicketAI".to_owned()
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_max_retries() -> u32 {
    2
}

fn default_max_concurrency() -> NonZeroUsize {
    NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN)
}

fn default_article_limit() -> u32 {
    5
}

fn default_search_route() -> String {
    Operation::TicketSearch.default_route().to_owned()
}

fn default_get_route() -> String {
    Operation::TicketGet.default_route().to_owned()
}

fn default_update_route() -> String {
    Operation::TicketUpdate.default_route().to_owned()
}

fn default_create_route() -> String {
    Operation::TicketCreate.default_route().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<OtoboZnunyParams, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn only_base_url_and_password_are_required() {
        let params =
            parse(json!({"base_url": "http://h/otobo/nph-genericinterface.pl", "password": "pw"}))
                .unwrap();
        assert_eq!(
            params,
            OtoboZnunyParams::new("http://h/otobo/nph-genericinterface.pl", Secret::new("pw"))
        );
        assert_eq!(params.username, "open_ticket_ai");
        assert_eq!(params.webservice_name, "OpenTicketAI");
        assert_eq!(
            params.operation_urls.route(Operation::TicketSearch),
            "ticket-search"
        );
        assert_eq!(
            params.operation_urls.route(Operation::TicketGet),
            "ticket-get"
        );
        assert_eq!(
            params.operation_urls.route(Operation::TicketUpdate),
            "ticket-update"
        );
        assert_eq!(
            params.operation_urls.route(Operation::TicketCreate),
            "ticket-create"
        );
        assert_eq!(params.timeout.get(), std::time::Duration::from_secs(30));
        assert_eq!(params.max_retries, 2);
        assert_eq!(params.max_concurrency.get(), 8);
        assert_eq!(params.article_limit, 5);
        assert_eq!(params.update_method, UpdateMethod::Put);
        assert_eq!(params.ca_certificate, None);
        assert!(!params.accept_invalid_certs);

        let missing = parse(json!({"base_url": "http://h"}))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing field `password`"), "{missing}");
        let missing = parse(json!({"password": "pw"})).unwrap_err().to_string();
        assert!(missing.contains("missing field `base_url`"), "{missing}");
    }

    #[test]
    fn every_field_can_be_set() {
        let params = parse(json!({
            "base_url": "https://h/otrs/nph-genericinterface.pl/",
            "username": "agent",
            "password": "pw",
            "webservice_name": "Tickets",
            "operation_urls": {"TicketSearch": "search", "TicketUpdate": "update"},
            "timeout": "PT2.5S",
            "max_retries": 0,
            "max_concurrency": 50,
            "article_limit": 1,
            "update_method": "POST",
            "ca_certificate": "certs/ca.pem",
            "accept_invalid_certs": true,
        }))
        .unwrap();
        assert_eq!(params.username, "agent");
        assert_eq!(params.webservice_name, "Tickets");
        assert_eq!(
            params.operation_urls.route(Operation::TicketSearch),
            "search"
        );
        assert_eq!(
            params.operation_urls.route(Operation::TicketGet),
            "ticket-get"
        );
        assert_eq!(
            params.operation_urls.route(Operation::TicketUpdate),
            "update"
        );
        assert_eq!(params.timeout.get(), std::time::Duration::from_millis(2500));
        assert_eq!(params.max_retries, 0);
        assert_eq!(params.max_concurrency.get(), 50);
        assert_eq!(params.update_method, UpdateMethod::Post);
        assert!(params.accept_invalid_certs);

        let mut params = params;
        params.resolve_relative_paths(Path::new("/etc/otai"));
        assert_eq!(
            params.ca_certificate,
            Some(PathBuf::from("/etc/otai/certs/ca.pem"))
        );
    }

    #[test]
    fn humane_durations_and_lowercase_methods_are_accepted() {
        let params = parse(json!({
            "base_url": "http://h", "password": "pw", "timeout": "500ms", "update_method": "post"
        }))
        .unwrap();
        assert_eq!(params.timeout.get(), std::time::Duration::from_millis(500));
        assert_eq!(params.update_method, UpdateMethod::Post);
        let wrong =
            parse(json!({"base_url": "http://h", "password": "pw", "update_method": "PATCH"}));
        assert!(wrong
            .unwrap_err()
            .to_string()
            .contains("unknown variant `PATCH`"));
    }

    #[test]
    fn unknown_fields_and_operations_are_rejected() {
        let unknown = parse(json!({"base_url": "http://h", "password": "pw", "pasword": "x"}));
        assert!(unknown
            .unwrap_err()
            .to_string()
            .contains("unknown field `pasword`"));
        let operation = parse(json!({
            "base_url": "http://h", "password": "pw",
            "operation_urls": {"TicketDelete": "ticket-delete"}
        }))
        .unwrap_err()
        .to_string();
        assert!(
            operation.contains("unknown field `TicketDelete`"),
            "{operation}"
        );
        assert!(operation.contains("TicketSearch"), "{operation}");
        let zero = parse(json!({"base_url": "http://h", "password": "pw", "max_concurrency": 0}));
        assert!(zero.is_err());
    }

    #[test]
    fn numeric_passwords_become_text_and_never_show() {
        let params =
            parse(json!({"base_url": "http://h", "password": 1234567890123456u64})).unwrap();
        assert_eq!(params.password.expose(), "1234567890123456");
        let debug = format!("{params:?}");
        assert!(!debug.contains("1234567890123456"), "{debug}");
        // A float cannot be a password: `1.50` would already have lost its last digit.
        let error = parse(json!({"base_url": "http://h", "password": 123.456})).unwrap_err();
        assert!(error.to_string().contains("floating point"), "{error}");
    }

    #[test]
    fn the_schema_names_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(OtoboZnunyParams)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        for key in [
            "base_url",
            "username",
            "password",
            "webservice_name",
            "operation_urls",
            "timeout",
            "max_retries",
            "max_concurrency",
            "article_limit",
            "update_method",
            "ca_certificate",
            "accept_invalid_certs",
        ] {
            assert!(
                properties.contains_key(key),
                "{key} missing from the schema"
            );
        }
        let required = schema["required"].as_array().unwrap();
        assert_eq!(required.len(), 2, "{required:?}");
    }
}
