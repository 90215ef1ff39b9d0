//! The fake helpdesk's state and what each operation does to it, on parsed JSON bodies.
//! It answers like a real OTOBO: ids as strings, `Article` as a single object for a
//! one-article ticket, `null` for unset customer fields, `{}` for a search without match,
//! `Error` objects with `<Operation>.<Reason>` codes for invalid requests.
//!
//! Requests are read here from raw JSON on purpose, not with the client's wire types: a
//! mistake in those must show up as a failing test, not be mirrored by the server.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::seed::{Seed, SeedError, SeedTicket};
use crate::operation::Operation;

/// A ticket of the fake helpdesk, as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FakeTicket {
    /// Id.
    pub id: u64,
    /// Ticket number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Queue name.
    pub queue: String,
    /// Priority name.
    pub priority: String,
    /// State name.
    pub state: String,
    /// Type name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Lock name.
    pub lock: String,
    /// Owner login.
    pub owner: String,
    /// Customer user.
    pub customer_user: Option<String>,
    /// Customer id.
    pub customer_id: Option<String>,
    /// Creation time (`YYYY-MM-DD HH:MM:SS`).
    pub created: String,
    /// Last change.
    pub changed: String,
    /// Dynamic fields.
    pub dynamic_fields: BTreeMap<String, Value>,
    /// Articles, oldest first.
    pub articles: Vec<FakeArticle>,
}

/// An article of a fake ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FakeArticle {
    /// Id.
    pub id: u64,
    /// Sender.
    pub from: Option<String>,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// MIME type with charset.
    pub content_type: String,
    /// `Email`, `Phone`, `Internal`, `Chat`.
    pub communication_channel: String,
    /// Whether the customer sees it.
    pub visible_for_customer: bool,
    /// `customer`, `agent` or `system`.
    pub sender_type: String,
    /// Creation time.
    pub created: String,
}

/// Why an operation was refused: becomes `{"Error": {"ErrorCode": "<Op>.<code>", …}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The answer body for `operation`.
    pub fn to_body(&self, operation: Operation) -> Value {
        json!({"Error": {
            "ErrorCode": format!("{operation}.{}", self.code),
            "ErrorMessage": format!("{operation}: {}", self.message),
        }})
    }
}

/// The part of a helpdesk that a restart must keep (the `--state` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SavedState {
    pub tickets: Vec<FakeTicket>,
    pub next_ticket_id: u64,
    pub next_article_id: u64,
}

/// An answer and the changes made, for the server's log.
pub(crate) struct Outcome {
    pub body: Value,
    pub changes: Vec<String>,
}

/// The in-memory helpdesk.
#[derive(Debug)]
pub(crate) struct Helpdesk {
    queues: Vec<String>,
    priorities: Vec<String>,
    states: Vec<String>,
    types: Vec<String>,
    agents: Vec<String>,
    locks: Vec<String>,
    tickets: Vec<FakeTicket>,
    next_ticket_id: u64,
    next_article_id: u64,
    include_ticket_data_on_update: bool,
}

const CHANNELS: [&str; 4] = ["Email", "Phone", "Internal", "Chat"];

impl Helpdesk {
    /// The helpdesk of a seed. Names in tickets must be in the seed's lists.
    pub fn new(seed: Seed, include_ticket_data_on_update: bool) -> Result<Self, SeedError> {
        let mut helpdesk = Helpdesk {
            queues: seed.queues,
            priorities: seed.priorities,
            states: seed.states,
            types: seed.types,
            agents: seed.agents,
            locks: vec!["unlock".into(), "lock".into(), "tmp_lock".into()],
            tickets: Vec::new(),
            next_ticket_id: 1,
            next_article_id: 1,
            include_ticket_data_on_update,
        };
        let now = now_text();
        // Explicit ids first, so that tickets without one get numbers after all of them.
        helpdesk.next_ticket_id = seed.tickets.iter().filter_map(|t| t.id).max().unwrap_or(0) + 1;
        for (index, seed_ticket) in seed.tickets.into_iter().enumerate() {
            let ticket = helpdesk
                .seed_ticket(seed_ticket, &now)
                .map_err(|message| SeedError {
                    source_name: "seed".to_owned(),
                    message: format!("tickets[{index}]: {message}"),
                })?;
            helpdesk.tickets.push(ticket);
        }
        helpdesk.tickets.sort_by_key(|ticket| ticket.id);
        Ok(helpdesk)
    }

    fn seed_ticket(&mut self, seed: SeedTicket, now: &str) -> Result<FakeTicket, String> {
        let id = match seed.id {
            Some(id) if self.tickets.iter().any(|t| t.id == id) => {
                return Err(format!("two tickets have the id {id}"));
            }
            Some(id) => id,
            None => {
                self.next_ticket_id += 1;
                self.next_ticket_id - 1
            }
        };
        let known = |list: &[String], what: &str, name: &str| {
            if list.iter().any(|entry| entry == name) {
                Ok(name.to_owned())
            } else {
                Err(format!(
                    "{what} `{name}` is not in the seed's list of {what}s"
                ))
            }
        };
        let default_of = |list: &[String], preferred: &str| {
            if list.iter().any(|entry| entry == preferred) {
                preferred.to_owned()
            } else {
                list.first().cloned().unwrap_or_default()
            }
        };
        let created = seed.created.unwrap_or_else(|| now.to_owned());
        let mut ticket = FakeTicket {
            id,
            number: seed.number.unwrap_or_else(|| ticket_number(&created, id)),
            title: seed.title,
            queue: known(&self.queues, "queue", &seed.queue)?,
            priority: match seed.priority {
                Some(name) => known(&self.priorities, "priority", &name)?,
                None => default_of(&self.priorities, "3 normal"),
            },
            state: match seed.state {
                Some(name) => known(&self.states, "state", &name)?,
                None => default_of(&self.states, "new"),
            },
            type_name: match seed.type_name {
                Some(name) => known(&self.types, "type", &name)?,
                None => default_of(&self.types, "Unclassified"),
            },
            lock: match seed.lock {
                Some(name) => known(&self.locks, "lock", &name)?,
                None => "unlock".to_owned(),
            },
            owner: match seed.owner {
                Some(name) => known(&self.agents, "agent", &name)?,
                None => self.agents.first().cloned().unwrap_or_default(),
            },
            customer_user: seed.customer_user,
            customer_id: seed.customer_id,
            changed: created.clone(),
            created,
            dynamic_fields: seed.dynamic_fields,
            articles: Vec::new(),
        };
        if let Some(body) = seed.body {
            let article = FakeArticle {
                id: self.take_article_id(),
                from: ticket.customer_user.clone(),
                subject: ticket.title.clone(),
                body,
                content_type: DEFAULT_CONTENT_TYPE.to_owned(),
                communication_channel: "Email".to_owned(),
                visible_for_customer: true,
                sender_type: "customer".to_owned(),
                created: ticket.created.clone(),
            };
            ticket.articles.push(article);
        }
        for seed_article in seed.articles {
            let channel = seed_article
                .communication_channel
                .unwrap_or_else(|| "Email".to_owned());
            if !CHANNELS.contains(&channel.as_str()) {
                return Err(format!("communication channel `{channel}` does not exist"));
            }
            let article = FakeArticle {
                id: self.take_article_id(),
                from: seed_article.from.or_else(|| ticket.customer_user.clone()),
                subject: seed_article.subject.unwrap_or_else(|| ticket.title.clone()),
                body: seed_article.body,
                content_type: seed_article
                    .content_type
                    .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
                visible_for_customer: seed_article
                    .visible_for_customer
                    .unwrap_or(channel != "Internal"),
                sender_type: if channel == "Internal" {
                    "agent"
                } else {
                    "customer"
                }
                .to_owned(),
                communication_channel: channel,
                created: seed_article
                    .created
                    .unwrap_or_else(|| ticket.created.clone()),
            };
            ticket.articles.push(article);
        }
        Ok(ticket)
    }

    /// Every ticket, by id.
    pub fn tickets(&self) -> &[FakeTicket] {
        &self.tickets
    }

    /// Deletes a ticket, as an admin can (not an operation of the web service).
    pub fn delete(&mut self, id: u64) -> Option<FakeTicket> {
        let index = self.tickets.iter().position(|t| t.id == id)?;
        Some(self.tickets.remove(index))
    }

    /// What a restarted server needs to carry on: the tickets and the next ids.
    pub fn saved(&self) -> SavedState {
        SavedState {
            tickets: self.tickets.clone(),
            next_ticket_id: self.next_ticket_id,
            next_article_id: self.next_article_id,
        }
    }

    /// Carries on from `state` (the seed's tickets are replaced; its lists stay). Every
    /// name in the saved tickets must be in the seed's lists.
    pub fn restore(&mut self, state: SavedState) -> Result<(), String> {
        for ticket in &state.tickets {
            let names = [
                (&self.queues, "queue", &ticket.queue),
                (&self.priorities, "priority", &ticket.priority),
                (&self.states, "state", &ticket.state),
                (&self.types, "type", &ticket.type_name),
                (&self.agents, "agent", &ticket.owner),
            ];
            if let Some((_, what, name)) = names.iter().find(|(list, _, name)| !list.contains(name))
            {
                return Err(format!(
                    "ticket {} has the {what} `{name}`, which the seed does not list; start with the seed the state was made with (or delete the state file)",
                    ticket.id
                ));
            }
        }
        self.tickets = state.tickets;
        self.tickets.sort_by_key(|ticket| ticket.id);
        let max_ticket = self.tickets.iter().map(|t| t.id).max().unwrap_or(0);
        let max_article = self
            .tickets
            .iter()
            .flat_map(|t| t.articles.iter().map(|a| a.id))
            .max()
            .unwrap_or(0);
        self.next_ticket_id = state.next_ticket_id.max(max_ticket + 1);
        self.next_article_id = state.next_article_id.max(max_article + 1);
        Ok(())
    }

    /// Runs `operation` on a request body (credentials already checked).
    pub fn handle(&mut self, operation: Operation, body: &Value) -> Result<Outcome, Refusal> {
        match operation {
            Operation::TicketSearch => self.search(body),
            Operation::TicketGet => self.get(body),
            Operation::TicketUpdate => self.update(body),
            Operation::TicketCreate => self.create(body),
        }
    }

    fn search(&self, body: &Value) -> Result<Outcome, Refusal> {
        let mut matches: Vec<&FakeTicket> = Vec::new();
        let sub_queues = truthy(body.get("UseSubQueues"));
        for ticket in &self.tickets {
            if self.matches(ticket, body, sub_queues)? {
                matches.push(ticket);
            }
        }
        // OTOBO's default order: SortBy Age, OrderBy Down (newest first).
        matches.sort_by(|a, b| b.created.cmp(&a.created).then(b.id.cmp(&a.id)));
        if text(body.get("OrderBy")).as_deref() == Some("Up") {
            matches.reverse();
        }
        let limit = match body.get("Limit") {
            None | Some(Value::Null) => 500,
            Some(value) => text(Some(value))
                .and_then(|limit| limit.parse::<usize>().ok())
                .ok_or_else(|| Refusal::new("InvalidParameter", "Limit is invalid!"))?,
        };
        let ids: Vec<Value> = matches
            .into_iter()
            .take(if limit == 0 { usize::MAX } else { limit })
            .map(|ticket| Value::String(ticket.id.to_string()))
            .collect();
        // A real server sends no `TicketID` key at all when nothing matches.
        let body = if ids.is_empty() {
            json!({})
        } else {
            json!({"TicketID": ids})
        };
        Ok(Outcome {
            body,
            changes: Vec::new(),
        })
    }

    fn matches(
        &self,
        ticket: &FakeTicket,
        body: &Value,
        sub_queues: bool,
    ) -> Result<bool, Refusal> {
        let queue_matches = |wanted: &str| {
            ticket.queue == wanted
                || (sub_queues && ticket.queue.starts_with(&format!("{wanted}::")))
        };
        let by_name = |key: &str, value: &str| texts(body.get(key)).iter().any(|w| w == value);
        let by_id = |key: &str, list: &[String], value: &str| {
            texts(body.get(key))
                .iter()
                .any(|w| name_of(list, w).as_deref() == Some(value))
        };
        let filters: [(bool, bool); 7] = [
            (
                body.get("Queues").is_some() || body.get("QueueIDs").is_some(),
                texts(body.get("Queues")).iter().any(|q| queue_matches(q))
                    || texts(body.get("QueueIDs"))
                        .iter()
                        .any(|id| name_of(&self.queues, id).is_some_and(|q| queue_matches(&q))),
            ),
            (
                body.get("States").is_some() || body.get("StateIDs").is_some(),
                by_name("States", &ticket.state) || by_id("StateIDs", &self.states, &ticket.state),
            ),
            (
                body.get("Priorities").is_some() || body.get("PriorityIDs").is_some(),
                by_name("Priorities", &ticket.priority)
                    || by_id("PriorityIDs", &self.priorities, &ticket.priority),
            ),
            (
                body.get("Types").is_some() || body.get("TypeIDs").is_some(),
                by_name("Types", &ticket.type_name)
                    || by_id("TypeIDs", &self.types, &ticket.type_name),
            ),
            (
                body.get("Locks").is_some() || body.get("LockIDs").is_some(),
                by_name("Locks", &ticket.lock) || by_id("LockIDs", &self.locks, &ticket.lock),
            ),
            (
                body.get("TicketNumber").is_some(),
                texts(body.get("TicketNumber"))
                    .iter()
                    .any(|p| wildcard(p, &ticket.number)),
            ),
            (
                body.get("Title").is_some(),
                texts(body.get("Title"))
                    .iter()
                    .any(|p| wildcard(p, &ticket.title)),
            ),
        ];
        if filters.iter().any(|(given, matched)| *given && !matched) {
            return Ok(false);
        }
        for (key, filter) in body.as_object().into_iter().flatten() {
            let Some(name) = key.strip_prefix("DynamicField_") else {
                continue;
            };
            let Some(filter) = filter.as_object() else {
                return Err(Refusal::new(
                    "InvalidParameter",
                    format!("{key} is invalid!"),
                ));
            };
            let value = ticket.dynamic_fields.get(name).unwrap_or(&Value::Null);
            let value_texts = texts(Some(value));
            if let Some(equals) = filter.get("Equals") {
                if !texts(Some(equals))
                    .iter()
                    .any(|wanted| value_texts.contains(wanted))
                {
                    return Ok(false);
                }
            }
            if let Some(like) = text(filter.get("Like")) {
                if !value_texts.iter().any(|v| wildcard(&like, v)) {
                    return Ok(false);
                }
            }
            if let Some(empty) = filter.get("Empty") {
                if truthy(Some(empty)) != value_texts.iter().all(String::is_empty) {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    fn get(&self, body: &Value) -> Result<Outcome, Refusal> {
        let ids: Vec<String> = texts(body.get("TicketID"))
            .iter()
            .flat_map(|ids| {
                ids.split(',')
                    .map(|id| id.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|id| !id.is_empty())
            .collect();
        if ids.is_empty() {
            return Err(Refusal::new(
                "MissingParameter",
                "TicketID parameter is missing!",
            ));
        }
        let view = ArticleView {
            all_articles: body.get("AllArticles").is_none_or(|v| truthy(Some(v))),
            dynamic_fields: truthy(body.get("DynamicFields")),
            newest_first: text(body.get("ArticleOrder")).as_deref() == Some("DESC"),
            limit: text(body.get("ArticleLimit"))
                .and_then(|l| l.parse().ok())
                .filter(|l| *l > 0),
        };
        let mut tickets = Vec::new();
        for id in ids {
            let ticket = self.find(&id).ok_or_else(|| {
                Refusal::new(
                    "NotValidTicketID",
                    "Could not get Ticket data in Kernel::GenericInterface::Operation::Ticket::TicketGet::Run()",
                )
            })?;
            tickets.push(self.render(ticket, &view));
        }
        Ok(Outcome {
            body: json!({"Ticket": tickets}),
            changes: Vec::new(),
        })
    }

    fn update(&mut self, body: &Value) -> Result<Outcome, Refusal> {
        let index = if let Some(id) = text(body.get("TicketID")) {
            self.tickets.iter().position(|t| t.id.to_string() == id)
        } else if let Some(number) = text(body.get("TicketNumber")) {
            self.tickets.iter().position(|t| t.number == number)
        } else {
            return Err(Refusal::new(
                "MissingParameter",
                "TicketID or TicketNumber is required!",
            ));
        }
        .ok_or_else(|| Refusal::new("AccessDenied", "User does not have access to the ticket!"))?;

        // Check everything first: a refused request changes nothing.
        let changes_to_ticket = match body.get("Ticket") {
            None | Some(Value::Null) => TicketChanges::default(),
            Some(Value::Object(fields)) => self.ticket_changes(fields)?,
            Some(_) => {
                return Err(Refusal::new(
                    "InvalidParameter",
                    "Ticket parameter is invalid!",
                ))
            }
        };
        let article = match body.get("Article") {
            None | Some(Value::Null) => None,
            Some(Value::Object(fields)) => Some(article_fields(fields)?),
            Some(_) => {
                return Err(Refusal::new(
                    "InvalidParameter",
                    "Article parameter is invalid!",
                ))
            }
        };
        let dynamic_fields = dynamic_field_values(body.get("DynamicField"))?;

        let now = now_text();
        let article_id = article.as_ref().map(|_| self.take_article_id());
        let ticket = &mut self.tickets[index];
        let mut changes = changes_to_ticket.apply(ticket);
        if let (Some(mut article), Some(id)) = (article, article_id) {
            article.id = id;
            article.created = now.clone();
            changes.push(format!("note added: {:?}", article.subject));
            ticket.articles.push(article);
        }
        for (name, value) in dynamic_fields {
            changes.push(format!("dynamic field {name} = {value}"));
            ticket.dynamic_fields.insert(name, value);
        }
        if !changes.is_empty() {
            ticket.changed = now;
        }
        let changes = changes
            .into_iter()
            .map(|change| format!("ticket {} {:?}: {change}", ticket.id, ticket.title))
            .collect();
        let mut answer = json!({"TicketID": ticket.id.to_string(), "TicketNumber": ticket.number});
        if let Some(id) = article_id {
            answer["ArticleID"] = Value::String(id.to_string());
        }
        if self.include_ticket_data_on_update {
            let ticket = &self.tickets[index];
            answer["Ticket"] = self.render(ticket, &ArticleView::everything());
        }
        Ok(Outcome {
            body: answer,
            changes,
        })
    }

    fn create(&mut self, body: &Value) -> Result<Outcome, Refusal> {
        let Some(Value::Object(fields)) = body.get("Ticket") else {
            return Err(Refusal::new(
                "MissingParameter",
                "Ticket parameter is missing or not valid!",
            ));
        };
        let changes = self.ticket_changes(fields)?;
        let title = changes.title.clone().filter(|t| !t.trim().is_empty());
        let Some(title) = title else {
            return Err(Refusal::new(
                "MissingParameter",
                "Ticket->Title parameter is missing!",
            ));
        };
        let required = [
            (changes.queue.is_none(), "Ticket->Queue or Ticket->QueueID"),
            (changes.state.is_none(), "Ticket->State or Ticket->StateID"),
            (
                changes.priority.is_none(),
                "Ticket->Priority or Ticket->PriorityID",
            ),
            (changes.customer_user.is_none(), "Ticket->CustomerUser"),
        ];
        if let Some((_, missing)) = required.iter().find(|(absent, _)| *absent) {
            return Err(Refusal::new(
                "MissingParameter",
                format!("{missing} parameter is missing!"),
            ));
        }
        let Some(Value::Object(article)) = body.get("Article") else {
            return Err(Refusal::new(
                "MissingParameter",
                "Article parameter is missing or not valid!",
            ));
        };
        let mut article = article_fields(article)?;
        let dynamic_fields = dynamic_field_values(body.get("DynamicField"))?;

        let now = now_text();
        let id = self.next_ticket_id;
        self.next_ticket_id += 1;
        article.id = self.take_article_id();
        article.created = now.clone();
        if article.communication_channel != "Internal" {
            article.sender_type = "customer".to_owned();
            article.from = changes.customer_user.clone();
        }
        let article_id = article.id;
        let mut ticket = FakeTicket {
            id,
            number: ticket_number(&now, id),
            title,
            queue: String::new(),
            priority: String::new(),
            state: String::new(),
            type_name: self.types.first().cloned().unwrap_or_default(),
            lock: "unlock".to_owned(),
            owner: self.agents.first().cloned().unwrap_or_default(),
            customer_user: None,
            customer_id: None,
            created: now.clone(),
            changed: now,
            dynamic_fields: dynamic_fields.into_iter().collect(),
            articles: vec![article],
        };
        changes.apply(&mut ticket);
        let answer = json!({
            "TicketID": id.to_string(), "TicketNumber": ticket.number, "ArticleID": article_id.to_string()
        });
        let change = format!(
            "ticket {id} {:?}: created in queue {}",
            ticket.title, ticket.queue
        );
        self.tickets.push(ticket);
        Ok(Outcome {
            body: answer,
            changes: vec![change],
        })
    }

    /// The ticket fields of an update or create, checked against the lists.
    fn ticket_changes(&self, fields: &Map<String, Value>) -> Result<TicketChanges, Refusal> {
        let lookup =
            |list: &[String], name_key: &str, id_key: &str| -> Result<Option<String>, Refusal> {
                if let Some(id) = text(fields.get(id_key)) {
                    return name_of(list, &id).map(Some).ok_or_else(|| {
                        Refusal::new("InvalidParameter", format!("Ticket->{id_key} is invalid!"))
                    });
                }
                match text(fields.get(name_key)) {
                    Some(name) if list.contains(&name) => Ok(Some(name)),
                    Some(_) => Err(Refusal::new(
                        "InvalidParameter",
                        format!("Ticket->{name_key} is invalid!"),
                    )),
                    None => Ok(None),
                }
            };
        Ok(TicketChanges {
            title: text(fields.get("Title")),
            queue: lookup(&self.queues, "Queue", "QueueID")?,
            priority: lookup(&self.priorities, "Priority", "PriorityID")?,
            state: lookup(&self.states, "State", "StateID")?,
            type_name: lookup(&self.types, "Type", "TypeID")?,
            lock: lookup(&self.locks, "Lock", "LockID")?,
            owner: lookup(&self.agents, "Owner", "OwnerID")?,
            customer_user: text(fields.get("CustomerUser")),
        })
    }

    fn find(&self, id: &str) -> Option<&FakeTicket> {
        self.tickets
            .iter()
            .find(|ticket| ticket.id.to_string() == id)
    }

    fn take_article_id(&mut self) -> u64 {
        self.next_article_id += 1;
        self.next_article_id - 1
    }

    /// A ticket as a real server sends it: ids as strings, `null` for unset customer
    /// fields, `Article` as an object when there is one, a list when there are more, no key
    /// when there is none.
    fn render(&self, ticket: &FakeTicket, view: &ArticleView) -> Value {
        let id_in = |list: &[String], name: &str| {
            list.iter()
                .position(|entry| entry == name)
                .map_or(Value::Null, |i| Value::String((i + 1).to_string()))
        };
        let mut out = json!({
            "TicketID": ticket.id.to_string(),
            "TicketNumber": ticket.number,
            "Title": ticket.title,
            "Queue": ticket.queue,
            "QueueID": id_in(&self.queues, &ticket.queue),
            "Priority": ticket.priority,
            "PriorityID": id_in(&self.priorities, &ticket.priority),
            "State": ticket.state,
            "StateID": id_in(&self.states, &ticket.state),
            "StateType": state_type(&ticket.state),
            "Type": ticket.type_name,
            "TypeID": id_in(&self.types, &ticket.type_name),
            "Lock": ticket.lock,
            "LockID": id_in(&self.locks, &ticket.lock),
            "Owner": ticket.owner,
            "OwnerID": id_in(&self.agents, &ticket.owner),
            "Responsible": ticket.owner,
            "ResponsibleID": id_in(&self.agents, &ticket.owner),
            "CustomerID": ticket.customer_id,
            "CustomerUserID": ticket.customer_user,
            "Created": ticket.created,
            "Changed": ticket.changed,
            "ArchiveFlag": "n",
            "UntilTime": 0,
        });
        if view.dynamic_fields && !ticket.dynamic_fields.is_empty() {
            out["DynamicField"] = ticket
                .dynamic_fields
                .iter()
                .map(|(name, value)| json!({"Name": name, "Value": value}))
                .collect();
        }
        if view.all_articles {
            let mut articles: Vec<&FakeArticle> = ticket.articles.iter().collect();
            if view.newest_first {
                articles.reverse();
            }
            articles.truncate(view.limit.unwrap_or(usize::MAX));
            let mut rendered: Vec<Value> = articles
                .into_iter()
                .enumerate()
                .map(|(number, article)| render_article(ticket, article, number + 1))
                .collect();
            match rendered.len() {
                0 => {}
                1 => out["Article"] = rendered.remove(0),
                _ => out["Article"] = Value::Array(rendered),
            }
        }
        out
    }
}

/// Which articles and fields a `TicketGet` asked for.
struct ArticleView {
    all_articles: bool,
    dynamic_fields: bool,
    newest_first: bool,
    limit: Option<usize>,
}

impl ArticleView {
    fn everything() -> Self {
        Self {
            all_articles: true,
            dynamic_fields: true,
            newest_first: false,
            limit: None,
        }
    }
}

/// Checked ticket fields of an update or create; `None`: unchanged.
#[derive(Debug, Default)]
struct TicketChanges {
    title: Option<String>,
    queue: Option<String>,
    priority: Option<String>,
    state: Option<String>,
    type_name: Option<String>,
    lock: Option<String>,
    owner: Option<String>,
    customer_user: Option<String>,
}

impl TicketChanges {
    /// Applies the changes; returns what changed (`queue A → B`).
    fn apply(self, ticket: &mut FakeTicket) -> Vec<String> {
        let mut changes = Vec::new();
        let mut set = |what: &str, slot: &mut String, new: Option<String>| {
            if let Some(new) = new {
                if *slot != new {
                    changes.push(format!("{what} {slot} → {new}"));
                    *slot = new;
                }
            }
        };
        set("title", &mut ticket.title, self.title);
        set("queue", &mut ticket.queue, self.queue);
        set("priority", &mut ticket.priority, self.priority);
        set("state", &mut ticket.state, self.state);
        set("type", &mut ticket.type_name, self.type_name);
        set("lock", &mut ticket.lock, self.lock);
        set("owner", &mut ticket.owner, self.owner);
        if let Some(customer) = self.customer_user {
            if ticket.customer_user.as_ref() != Some(&customer) {
                changes.push(format!("customer user → {customer}"));
                ticket.customer_user = Some(customer);
            }
        }
        changes
    }
}

const DEFAULT_CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// A checked article of an update or create (id and time set when it is stored).
fn article_fields(fields: &Map<String, Value>) -> Result<FakeArticle, Refusal> {
    let missing = |what: &str| {
        Refusal::new(
            "MissingParameter",
            format!("Article->{what} parameter is missing!"),
        )
    };
    let subject = text(fields.get("Subject")).ok_or_else(|| missing("Subject"))?;
    let body = text(fields.get("Body")).ok_or_else(|| missing("Body"))?;
    let content_type = match (
        text(fields.get("ContentType")),
        text(fields.get("MimeType")),
        text(fields.get("Charset")),
    ) {
        (Some(content_type), _, _) => content_type,
        (None, Some(mime), Some(charset)) => format!("{mime}; charset={charset}"),
        _ => {
            return Err(Refusal::new(
                "MissingParameter",
                "Article->ContentType or Article->MimeType and Article->Charset parameters are missing!",
            ));
        }
    };
    if !content_type.to_ascii_lowercase().contains("charset=") {
        return Err(Refusal::new(
            "InvalidParameter",
            "Article->ContentType is invalid (no charset)!",
        ));
    }
    let channel =
        text(fields.get("CommunicationChannel")).ok_or_else(|| missing("CommunicationChannel"))?;
    if !CHANNELS.contains(&channel.as_str()) {
        return Err(Refusal::new(
            "InvalidParameter",
            "Article->CommunicationChannel is invalid!",
        ));
    }
    let visible = match fields.get("IsVisibleForCustomer") {
        None | Some(Value::Null) => channel != "Internal",
        Some(value) => match text(Some(value)).as_deref() {
            Some("0") | Some("false") => false,
            Some("1") | Some("true") => true,
            _ => {
                return Err(Refusal::new(
                    "InvalidParameter",
                    "Article->IsVisibleForCustomer is invalid!",
                ))
            }
        },
    };
    Ok(FakeArticle {
        id: 0,
        from: text(fields.get("From")),
        subject,
        body,
        content_type,
        sender_type: text(fields.get("SenderType")).unwrap_or_else(|| "agent".to_owned()),
        communication_channel: channel,
        visible_for_customer: visible,
        created: String::new(),
    })
}

/// `DynamicField` of an update or create: one `{Name, Value}` or a list of them.
fn dynamic_field_values(value: Option<&Value>) -> Result<Vec<(String, Value)>, Refusal> {
    let items: Vec<&Value> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    items
        .into_iter()
        .map(|item| {
            let name = text(item.get("Name")).ok_or_else(|| {
                Refusal::new(
                    "MissingParameter",
                    "DynamicField->Name parameter is missing!",
                )
            })?;
            let value = item.get("Value").cloned().unwrap_or(Value::Null);
            Ok((name, value))
        })
        .collect()
}

fn render_article(ticket: &FakeTicket, article: &FakeArticle, number: usize) -> Value {
    let (mime_type, charset) = match article.content_type.split_once(';') {
        Some((mime, rest)) => (
            mime.trim().to_owned(),
            rest.trim()
                .strip_prefix("charset=")
                .unwrap_or("utf-8")
                .to_owned(),
        ),
        None => (article.content_type.clone(), "utf-8".to_owned()),
    };
    json!({
        "ArticleID": article.id.to_string(),
        "ArticleNumber": number.to_string(),
        "TicketID": ticket.id.to_string(),
        "From": article.from,
        "To": ticket.queue,
        "Subject": article.subject,
        "Body": article.body,
        "ContentType": article.content_type,
        "MimeType": mime_type,
        "Charset": charset,
        "CommunicationChannel": article.communication_channel,
        "IsVisibleForCustomer": u8::from(article.visible_for_customer),
        "SenderType": article.sender_type,
        "CreateTime": article.created,
    })
}

/// The type of a state, read from its name as OTOBO's defaults are named.
fn state_type(state: &str) -> &'static str {
    match state {
        "new" => "new",
        "open" => "open",
        "removed" => "removed",
        "merged" => "merged",
        s if s.starts_with("closed") => "closed",
        s if s.starts_with("pending auto") => "pending auto",
        s if s.starts_with("pending") => "pending reminder",
        _ => "open",
    }
}

/// The name at 1-based position `id` of a list.
fn name_of(list: &[String], id: &str) -> Option<String> {
    let index = id.trim().parse::<usize>().ok()?.checked_sub(1)?;
    list.get(index).cloned()
}

/// Text of a scalar.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(if *flag { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

/// Texts of a scalar or a list of scalars.
fn texts(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|item| text(Some(item))).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// `1`, `"1"`, `true`.
fn truthy(value: Option<&Value>) -> bool {
    matches!(text(value).as_deref(), Some("1") | Some("true"))
}

/// OTOBO's search patterns: `*` and `%` match any text; case-insensitive.
fn wildcard(pattern: &str, text: &str) -> bool {
    fn matches(pattern: &[char], text: &[char]) -> bool {
        match pattern.split_first() {
            None => text.is_empty(),
            Some(('*' | '%', rest)) => (0..=text.len()).any(|skip| matches(rest, &text[skip..])),
            Some((c, rest)) => text
                .split_first()
                .is_some_and(|(t, tail)| t == c && matches(rest, tail)),
        }
    }
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    matches(&pattern, &text)
}

/// `YYYYMMDD10` + the id in 6 digits, like OTOBO's date-based numbers.
fn ticket_number(created: &str, id: u64) -> String {
    let date: String = created
        .chars()
        .filter(char::is_ascii_digit)
        .take(8)
        .collect();
    format!("{date:0<8}10{id:06}")
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn now_text() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Year, month, day of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helpdesk() -> Helpdesk {
        let seed = Seed::from_yaml(
            r#"
queues: [Raw, Billing, "Support", "Support::Printers"]
tickets:
  - {id: 1, title: Invoice twice, queue: Raw, body: "Charged twice.", created: "2025-11-18 09:00:00",
     customer_user: a@example.com}
  - {id: 2, title: Printer jam, queue: "Support::Printers", created: "2025-11-18 10:00:00",
     dynamic_fields: {Category: Hardware},
     articles: [{body: "Jammed."}, {body: "Still jammed.", communication_channel: Internal}]}
  - {id: 3, title: No articles, queue: Billing, created: "2025-11-18 08:00:00"}
"#,
        )
        .unwrap();
        Helpdesk::new(seed, true).unwrap()
    }

    fn run(helpdesk: &mut Helpdesk, operation: Operation, body: Value) -> Result<Value, Refusal> {
        helpdesk
            .handle(operation, &body)
            .map(|outcome| outcome.body)
    }

    #[test]
    fn searches_filter_and_sort_newest_first() {
        let mut h = helpdesk();
        let cases = [
            (json!({}), json!({"TicketID": ["2", "1", "3"]})),
            (
                json!({"Queues": ["Support"], "UseSubQueues": 1}),
                json!({"TicketID": ["2"]}),
            ),
            (json!({"Queues": ["Support"]}), json!({})),
            (
                json!({"QueueIDs": [2, "1"], "Limit": 1}),
                json!({"TicketID": ["1"]}),
            ),
            (
                json!({"DynamicField_Category": {"Equals": "Hardware"}}),
                json!({"TicketID": ["2"]}),
            ),
            (
                json!({"Title": "*JAM*", "States": "new"}),
                json!({"TicketID": ["2"]}),
            ),
        ];
        for (search, found) in cases {
            let answer = run(&mut h, Operation::TicketSearch, search.clone()).unwrap();
            assert_eq!(answer, found, "search {search}");
        }
    }

    #[test]
    fn gets_render_the_real_servers_quirks() {
        let mut h = helpdesk();
        let one = run(
            &mut h,
            Operation::TicketGet,
            json!({"TicketID": 1, "AllArticles": 1}),
        )
        .unwrap();
        let ticket = &one["Ticket"][0];
        assert_eq!(ticket["TicketID"], json!("1"));
        assert_eq!(ticket["QueueID"], json!("1"));
        assert_eq!(ticket["CustomerID"], Value::Null);
        assert!(
            ticket["Article"].is_object(),
            "one article is an object: {ticket}"
        );
        assert!(ticket.get("DynamicField").is_none());
        let two = run(
            &mut h,
            Operation::TicketGet,
            json!({"TicketID": "2", "DynamicFields": 1, "ArticleLimit": 5}),
        )
        .unwrap();
        assert_eq!(two["Ticket"][0]["Article"].as_array().unwrap().len(), 2);
        assert_eq!(
            two["Ticket"][0]["DynamicField"],
            json!([{"Name": "Category", "Value": "Hardware"}])
        );
        let desc = run(
            &mut h,
            Operation::TicketGet,
            json!({"TicketID": 2, "ArticleOrder": "DESC", "ArticleLimit": 1}),
        )
        .unwrap();
        assert_eq!(desc["Ticket"][0]["Article"]["Body"], json!("Still jammed."));
        let none = run(&mut h, Operation::TicketGet, json!({"TicketID": 3})).unwrap();
        assert!(none["Ticket"][0].get("Article").is_none());
        let missing = run(&mut h, Operation::TicketGet, json!({"TicketID": 99})).unwrap_err();
        assert_eq!(
            missing.to_body(Operation::TicketGet)["Error"]["ErrorCode"],
            json!("TicketGet.NotValidTicketID")
        );
    }

    #[test]
    fn updates_are_checked_then_applied() {
        let mut h = helpdesk();
        let refused = run(
            &mut h,
            Operation::TicketUpdate,
            json!({"TicketID": 1, "Ticket": {"Queue": "Nowhere"}, "Article": {"Subject": "S", "Body": "B",
                   "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Internal"}}),
        )
        .unwrap_err();
        assert_eq!(refused.code, "InvalidParameter");
        assert_eq!(
            h.tickets()[0].articles.len(),
            1,
            "a refused update adds no note"
        );
        let answer = run(
            &mut h,
            Operation::TicketUpdate,
            json!({"TicketID": 1, "Ticket": {"QueueID": 2, "Priority": "4 high"},
                   "Article": {"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf-8",
                               "CommunicationChannel": "Internal", "IsVisibleForCustomer": 0},
                   "DynamicField": {"Name": "Category", "Value": "Billing"}}),
        )
        .unwrap();
        assert_eq!(answer["TicketID"], json!("1"));
        assert!(answer["ArticleID"].is_string());
        assert_eq!(answer["Ticket"]["Queue"], json!("Billing"));
        let ticket = &h.tickets()[0];
        assert_eq!(
            (ticket.queue.as_str(), ticket.priority.as_str()),
            ("Billing", "4 high")
        );
        assert!(!ticket.articles[1].visible_for_customer);
        assert_eq!(ticket.dynamic_fields["Category"], json!("Billing"));
        let no_channel = run(
            &mut h,
            Operation::TicketUpdate,
            json!({"TicketID": 1, "Article": {"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf-8"}}),
        )
        .unwrap_err();
        assert_eq!(no_channel.code, "MissingParameter");
        let unknown = run(&mut h, Operation::TicketUpdate, json!({"TicketID": 42})).unwrap_err();
        assert_eq!(unknown.code, "AccessDenied");
    }

    #[test]
    fn creates_need_what_otobo_needs() {
        let mut h = helpdesk();
        let article = json!({"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf-8",
                             "CommunicationChannel": "Email"});
        let missing = run(
            &mut h,
            Operation::TicketCreate,
            json!({"Ticket": {"Title": "T", "Queue": "Raw", "State": "new", "Priority": "3 normal"}, "Article": article}),
        )
        .unwrap_err();
        assert!(missing.message.contains("CustomerUser"), "{missing:?}");
        let answer = run(
            &mut h,
            Operation::TicketCreate,
            json!({"Ticket": {"Title": "T", "Queue": "Raw", "State": "new", "Priority": "3 normal",
                              "CustomerUser": "c@example.com"}, "Article": article}),
        )
        .unwrap();
        assert_eq!(answer["TicketID"], json!("4"));
        let created = h.tickets().last().unwrap();
        assert_eq!(created.articles[0].from.as_deref(), Some("c@example.com"));
        assert_eq!(answer["TicketNumber"], json!(created.number));
    }

    #[test]
    fn seeds_are_checked() {
        let unknown = Seed::from_yaml("tickets: [{title: T, queue: Nowhere}]").unwrap();
        let error = Helpdesk::new(unknown, true).unwrap_err();
        assert!(error.message.contains("queue `Nowhere`"), "{error}");
        let twice = Seed::from_yaml(
            "tickets: [{id: 1, title: T, queue: Raw}, {id: 1, title: U, queue: Raw}]",
        )
        .unwrap();
        assert!(Helpdesk::new(twice, true).is_err());
    }

    #[test]
    fn a_saved_state_carries_on_only_with_the_seeds_lists() {
        let seed = |queues: &str| {
            Seed::from_yaml(&format!(
                "queues: [{queues}]\ntickets: [{{id: 5, title: T, queue: Raw, body: Hi}}]"
            ))
            .unwrap()
        };
        let mut first = Helpdesk::new(seed("Raw, Billing"), true).unwrap();
        let moved = json!({"TicketID": "5", "Ticket": {"Queue": "Billing"},
            "Article": {"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf-8",
                "CommunicationChannel": "Internal"}});
        run(&mut first, Operation::TicketUpdate, moved).unwrap();
        let saved: SavedState =
            serde_json::from_value(serde_json::to_value(first.saved()).unwrap()).unwrap();

        let mut again = Helpdesk::new(seed("Raw, Billing"), true).unwrap();
        again.restore(saved.clone()).unwrap();
        assert_eq!(again.tickets(), first.tickets());
        assert_eq!(again.take_article_id(), first.take_article_id());

        let mut other = Helpdesk::new(seed("Raw"), true).unwrap();
        let error = other.restore(saved).unwrap_err();
        assert!(
            error.contains("ticket 5 has the queue `Billing`"),
            "{error}"
        );
    }

    #[test]
    fn helpers() {
        assert!(wildcard("*jam*", "Printer JAM today"));
        assert!(wildcard("2025%", "2025111810000041"));
        assert!(!wildcard("jam", "jammed"));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_410), (2025, 11, 18));
        assert_eq!(ticket_number("2025-11-18 09:12:44", 41), "2025111810000041");
        assert_eq!(now_text().len(), 19);
    }
}
