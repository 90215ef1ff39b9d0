//! `otobo-znuny:OTOBOZnunyTicketSystemService`: the core's [`TicketSystem`] over an
//! [`OtoboZnunyClient`].

use std::collections::HashSet;

use otai::prelude::*;
use otai::ConfigPath;

use crate::client::OtoboZnunyClient;
use crate::error::{OtoboError, ParamsError, TlsProblem};
use crate::mapping;
use crate::operation::Operation;
use crate::params::OtoboZnunyParams;
use crate::wire::TicketUpdateRequest;
use otai::interfaces::{WriteCheck, WriteStatus};

/// The OTOBO / Znuny / OTRS ticket system. Named like the original's class, which is also
/// its registry name (`otobo-znuny:OTOBOZnunyTicketSystemService`).
///
/// Build it with [`OTOBOZnunyTicketSystemService::new`] (offline, cheap); its start step
/// ([`OTOBOZnunyTicketSystemService::connect`], run before the first cycle and by
/// `otai check --online`) sets up TLS and proves the credentials. All operations share one
/// connection pool.
#[otai::service(provides(TicketSystem))]
#[derive(Debug)]
#[allow(clippy::upper_case_acronyms)]
pub struct OTOBOZnunyTicketSystemService {
    client: OtoboZnunyClient,
}

impl OTOBOZnunyTicketSystemService {
    /// The service for these params. Checks them; reads no file, opens no connection.
    pub fn new(params: &OtoboZnunyParams) -> Result<Self, ParamsError> {
        Ok(Self::from_client(OtoboZnunyClient::new(params)?))
    }

    /// The service over an existing client (e.g. one with another retry policy).
    pub fn from_client(client: OtoboZnunyClient) -> Self {
        Self { client }
    }

    /// The client, for operations the unified interface does not cover (searches on any
    /// field, dynamic fields).
    pub fn client(&self) -> &OtoboZnunyClient {
        &self.client
    }

    /// Sets up TLS (reads `ca_certificate`) and proves reachability and credentials with a
    /// one-ticket search. See [`OtoboZnunyClient::connect`].
    pub async fn connect(&self) -> Result<(), OtoboError> {
        self.client.connect().await
    }
}

#[async_trait]
impl Service for OTOBOZnunyTicketSystemService {
    type Params = OtoboZnunyParams;

    fn build(mut params: OtoboZnunyParams, ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        if let Some(dir) = ctx.app_config().base_dir() {
            params.resolve_relative_paths(dir);
        }
        Self::new(&params).map_err(|error| {
            let param = match &error {
                ParamsError::BaseUrl { .. } => ConfigPath::of_key("base_url"),
                ParamsError::EmptyWebserviceName => ConfigPath::of_key("webservice_name"),
                ParamsError::EmptyRoute(operation) => {
                    ConfigPath::of_key("operation_urls").key(&operation.to_string())
                }
                ParamsError::ZeroTimeout => ConfigPath::of_key("timeout"),
            };
            BuildError::new(error.to_string()).at_param(param)
        })
    }

    async fn start(&self, _ctx: &StartContext<'_>) -> Result<(), StartError> {
        self.connect().await.map_err(|error| {
            let hint = start_hint(&error);
            let start = StartError::new(format!(
                "cannot connect to {}",
                self.client.url(Operation::TicketSearch)
            ))
            .with_source(error);
            match hint {
                Some(hint) => start.with_hint(hint),
                None => start,
            }
        })
    }
}

/// What to check when the start step fails this way.
fn start_hint(error: &OtoboError) -> Option<&'static str> {
    match error {
        OtoboError::Remote { .. } if error.remote_code().is_some_and(|c| c.ends_with("AuthFail")) => {
            Some("check `username` and `password` (the agent the web service authenticates)")
        }
        OtoboError::Remote { .. } => {
            Some("the web service answered with an error: check its operations and `operation_urls`")
        }
        OtoboError::HttpStatus { .. } | OtoboError::NotJson { .. } => Some(
            "check `base_url` (…/otobo/nph-genericinterface.pl), `webservice_name` and `operation_urls`",
        ),
        OtoboError::ConnectionRefused { .. } | OtoboError::Connect { .. } | OtoboError::Timeout { .. } => {
            Some("check `base_url` and that the helpdesk is reachable from here")
        }
        OtoboError::Tls { problem, .. } => Some(match problem {
            TlsProblem::WrongHostName => {
                "the certificate is for another host name: use one of its names in `base_url`"
            }
            TlsProblem::Expired => {
                "the server's certificate is expired or not valid yet (or this machine's clock is off)"
            }
            TlsProblem::UnknownIssuer | TlsProblem::Other => {
                "for an internal CA, set `ca_certificate` to its PEM file"
            }
        }),
        OtoboError::CaCertificate { .. } => Some("set `ca_certificate` to a readable PEM file of the CA"),
        _ => None,
    }
}

#[async_trait]
impl TicketSystem for OTOBOZnunyTicketSystemService {
    /// One `TicketSearch` for `offset + limit` ids; the first `offset` are skipped.
    async fn find_ticket_ids(
        &self,
        criteria: &TicketSearchCriteria,
    ) -> Result<Vec<TicketId>, TicketSystemError> {
        if criteria.limit == 0 {
            return Ok(Vec::new());
        }
        let ids = self
            .client
            .search(&mapping::search_request(criteria))
            .await?;
        let mut seen = HashSet::new();
        Ok(ids
            .into_iter()
            .filter(|id| seen.insert(id.clone()))
            .skip(criteria.offset)
            .take(criteria.limit)
            .map(TicketId::from)
            .collect())
    }

    async fn get_ticket(&self, id: &str) -> Result<Option<UnifiedTicket>, TicketSystemError> {
        match self.client.get(id).await {
            Ok(ticket) => Ok(Some(mapping::to_unified_ticket(ticket))),
            Err(OtoboError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// `TicketGet` of each id, concurrently up to `max_concurrency`, in the order given;
    /// tickets gone since the search are left out.
    async fn get_tickets(&self, ids: &[TicketId]) -> Result<Vec<UnifiedTicket>, TicketSystemError> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        tracing::debug!(count = ids.len(), "fetching tickets");
        let tickets = self.client.get_many(&ids).await?;
        Ok(tickets
            .into_iter()
            .map(mapping::to_unified_ticket)
            .collect())
    }

    /// One request: an update is one `TicketUpdate` with the changed ticket fields (`Ticket`
    /// omitted when none changes), the note as its `Article` and the dynamic fields of
    /// `extra` (an update that changes nothing sends nothing); a create is one
    /// `TicketCreate` with subject, body, queue, priority, state (default `new`), customer,
    /// type and dynamic fields.
    async fn apply(&self, write: &TicketWrite) -> Result<WriteReceipt, TicketSystemError> {
        match write {
            TicketWrite::Update(update) => self.update(update).await,
            TicketWrite::Create(ticket) => self.create(ticket).await,
            other => Err(TicketSystemError::rejected(
                other.operation(),
                "this write is not supported by the OTOBO / Znuny plugin",
            )),
        }
    }

    /// Reads the ticket with its newest articles first (`ArticleOrder: DESC`), so a note just
    /// added is among them however long the ticket's history, and judges the write by it.
    async fn check_applied(&self, check: &WriteCheck<'_>) -> Result<WriteStatus, TicketSystemError> {
        let Some(id) = check.write.ticket_id() else {
            return Ok(WriteStatus::Unknowable);
        };
        match self.client.get_newest(id.as_str()).await {
            Ok(ticket) => Ok(check.judge(&mapping::to_unified_ticket(ticket))),
            Err(OtoboError::NotFound { .. }) => Err(TicketSystemError::NotFound(id.to_string())),
            Err(error) => Err(error.into()),
        }
    }
}

impl OTOBOZnunyTicketSystemService {
    async fn update(&self, update: &TicketUpdate) -> Result<WriteReceipt, TicketSystemError> {
        let id = update.ticket_id.as_str();
        let mut request = TicketUpdateRequest::new(id);
        let fields = mapping::change_fields(&update.changes);
        request.ticket = (!fields.is_empty()).then_some(fields);
        request.article = update.note.as_ref().map(mapping::note_article);
        request.dynamic_fields = mapping::dynamic_field_values(&update.changes.extra);
        if request.is_empty() {
            tracing::debug!(ticket_id = %id, "update changes nothing; not sent");
            return Ok(WriteReceipt::new(id));
        }
        let answer = self.client.update(&request).await?;
        tracing::debug!(ticket_id = %id, article_id = answer.article_id.as_deref().unwrap_or("-"), "ticket updated: {}", describe_update(update));
        Ok(WriteReceipt::new(id).with_note_id(answer.article_id.map(TicketId::from)))
    }

    async fn create(&self, ticket: &UnifiedTicket) -> Result<WriteReceipt, TicketSystemError> {
        let request =
            mapping::create_request(ticket).map_err(|reason| OtoboError::InvalidRequest {
                endpoint: self.client.endpoint(Operation::TicketCreate),
                reason,
            })?;
        let answer = self.client.create(&request).await?;
        let id = answer
            .ticket_id
            .ok_or_else(|| OtoboError::UnexpectedAnswer {
                endpoint: self.client.endpoint(Operation::TicketCreate),
                reason: "the answer has no `TicketID`".to_owned(),
            })?;
        tracing::info!(ticket_id = %id, ticket_number = ?answer.ticket_number, "ticket created");
        Ok(WriteReceipt::new(id).with_note_id(answer.article_id.map(TicketId::from)))
    }
}

/// `queue → Billing, priority → high` for the log: the fields an update sets.
fn describe_update(update: &TicketUpdate) -> String {
    let updates = &update.changes;
    let entity = |field: &str, value: &Option<UnifiedEntity>| {
        value.as_ref().map(|entity| {
            let shown = match (&entity.name, &entity.id) {
                (Some(name), _) => name.clone(),
                (None, Some(id)) => format!("#{id}"),
                (None, None) => "-".to_owned(),
            };
            format!("{field} → {shown}")
        })
    };
    let mut changes: Vec<String> = [
        entity("queue", &updates.queue),
        entity("priority", &updates.priority),
        entity("state", &updates.state),
        entity("owner", &updates.owner),
        entity("customer", &updates.customer),
        updates
            .subject
            .as_ref()
            .map(|subject| format!("title → {subject:?}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(note) = &update.note {
        changes.push(format!("note {:?}", note.subject));
    }
    if changes.is_empty() {
        "dynamic fields".to_owned()
    } else {
        changes.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Endpoint;

    fn tls(problem: TlsProblem) -> OtoboError {
        OtoboError::Tls {
            endpoint: Endpoint {
                operation: Operation::TicketSearch,
                route: "ticket-search".to_owned(),
            },
            host: "helpdesk.example.com:443".to_owned(),
            reason: format!("{problem:?}"),
            problem,
        }
    }

    #[test]
    fn tls_failures_point_at_the_setting_that_fixes_them() {
        let hint = |problem| start_hint(&tls(problem)).unwrap_or_default();
        assert_eq!(
            hint(TlsProblem::UnknownIssuer),
            "for an internal CA, set `ca_certificate` to its PEM file"
        );
        assert_eq!(
            hint(TlsProblem::WrongHostName),
            "the certificate is for another host name: use one of its names in `base_url`"
        );
        assert!(hint(TlsProblem::Expired).contains("expired"));
        assert!(hint(TlsProblem::Other).contains("ca_certificate"));
    }
}
