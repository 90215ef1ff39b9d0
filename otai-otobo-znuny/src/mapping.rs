//! Between the unified ticket model of the core and OTOBO's wire format.
//!
//! | unified | OTOBO |
//! |---|---|
//! | `id` | `TicketID` (as text) |
//! | `subject` | `Title` (empty text when missing) |
//! | `body` | `Body` of the first article (empty text when there is none) |
//! | `queue` `{id, name}` | `QueueID`, `Queue` |
//! | `priority` `{id, name}` | `PriorityID`, `Priority` |
//! | `state` `{id, name}` | `StateID`, `State` |
//! | `owner` `{id, name}` | `OwnerID`, `Owner` |
//! | `customer` `{name}` | `CustomerUserID` (in updates and creates: `CustomerUser`) |
//! | `notes` | articles: `{id: ArticleID, subject, body, content_type}` |
//! | `extra` | `TicketNumber`, `State`, `StateID`, `StateType`, `Type`, `TypeID`, `Lock`, `LockID`, `Owner`, `OwnerID`, `Responsible`, `CustomerID`, `CustomerUserID`, `Created`, `Changed` (as `YYYY-MM-DD HH:MM:SS`), and each dynamic field as `DynamicField_<Name>` |
//!
//! In updates and creates an entity given by name goes to the name field (`Queue`), by id
//! to the id field (`QueueID`); both are sent when both are given. Names are trimmed; an
//! empty name counts as not given. The ticket type has no unified field: it is read from
//! and written to `extra.Type` / `extra.TypeID` (likewise `Lock` / `LockID`), and dynamic
//! fields from and to `extra.DynamicField_<Name>`. Other `extra` keys of an update (the
//! ticket number, dates…) cannot be changed and are ignored.

use otai::interfaces::{
    TicketChanges, TicketSearchCriteria, UnifiedEntity, UnifiedNote, UnifiedTicket,
};
use otai::value::{Map, Value};

use crate::wire::{
    Article, ArticleFields, DynamicFieldValue, Ticket, TicketFields, TicketSearchRequest, WireId,
    DEFAULT_CONTENT_TYPE,
};

/// Prefix of dynamic fields in `extra`.
pub const DYNAMIC_FIELD_PREFIX: &str = "DynamicField_";

/// State of a created ticket when the unified ticket names none.
pub const DEFAULT_CREATE_STATE: &str = "new";

/// The unified form of a ticket from `TicketGet`.
pub fn to_unified_ticket(ticket: Ticket) -> UnifiedTicket {
    let mut extra = Map::new();
    let mut keep = |key: &str, value: &Option<String>| {
        if let Some(value) = value {
            extra.insert(key.to_owned(), Value::String(value.clone()));
        }
    };
    keep("TicketNumber", &ticket.ticket_number);
    keep("State", &ticket.state);
    keep("StateID", &ticket.state_id);
    keep("StateType", &ticket.state_type);
    keep("Type", &ticket.type_name);
    keep("TypeID", &ticket.type_id);
    keep("Lock", &ticket.lock);
    keep("LockID", &ticket.lock_id);
    keep("Owner", &ticket.owner);
    keep("OwnerID", &ticket.owner_id);
    keep("Responsible", &ticket.responsible);
    keep("CustomerID", &ticket.customer_id);
    keep("CustomerUserID", &ticket.customer_user_id);
    keep("Created", &ticket.created.map(|t| t.to_string()));
    keep("Changed", &ticket.changed.map(|t| t.to_string()));
    for field in ticket.dynamic_fields {
        extra.insert(format!("{DYNAMIC_FIELD_PREFIX}{}", field.name), field.value);
    }

    let notes: Vec<UnifiedNote> = ticket.articles.into_iter().map(to_unified_note).collect();
    UnifiedTicket {
        id: ticket.ticket_id.map(Into::into),
        subject: Some(ticket.title.unwrap_or_default()),
        body: Some(
            notes
                .first()
                .map(|note| note.body.clone())
                .unwrap_or_default(),
        ),
        queue: entity(ticket.queue_id, ticket.queue),
        priority: entity(ticket.priority_id, ticket.priority),
        state: entity(ticket.state_id, ticket.state),
        owner: entity(ticket.owner_id, ticket.owner),
        customer: entity(None, ticket.customer_user_id),
        notes,
        extra,
    }
}

/// The unified form of an article.
pub fn to_unified_note(article: Article) -> UnifiedNote {
    UnifiedNote {
        content_type: article.full_content_type(),
        id: article.article_id.map(Into::into),
        subject: article.subject.unwrap_or_default(),
        body: article.body.unwrap_or_default(),
    }
}

fn entity(id: Option<String>, name: Option<String>) -> Option<UnifiedEntity> {
    (id.is_some() || name.is_some()).then(|| UnifiedEntity {
        id: id.map(Into::into),
        name,
    })
}

/// The `TicketSearch` for unified criteria. OTOBO has no offset: the search asks for
/// `offset + limit` ids and the caller skips the first `offset`.
pub fn search_request(criteria: &TicketSearchCriteria) -> TicketSearchRequest {
    let mut request = TicketSearchRequest {
        limit: Some(criteria.offset.saturating_add(criteria.limit)),
        ..TicketSearchRequest::default()
    };
    if let Some(queue) = &criteria.queue {
        let (id, name) = id_and_name(queue);
        request.queue_ids.extend(id);
        request.queues.extend(name);
    }
    request
}

/// The ticket fields an update (or create) sends for the unified fields that are set.
pub fn ticket_fields(ticket: &UnifiedTicket) -> TicketFields {
    let mut fields = TicketFields {
        title: ticket.subject.clone(),
        ..TicketFields::default()
    };
    if let Some(queue) = &ticket.queue {
        (fields.queue_id, fields.queue) = id_and_name(queue);
    }
    if let Some(priority) = &ticket.priority {
        (fields.priority_id, fields.priority) = id_and_name(priority);
    }
    if let Some(state) = &ticket.state {
        (fields.state_id, fields.state) = id_and_name(state);
    }
    if let Some(owner) = &ticket.owner {
        (fields.owner_id, fields.owner) = id_and_name(owner);
    }
    if let Some(customer) = &ticket.customer {
        let (id, name) = id_and_name(customer);
        fields.customer_user = name.or(id.map(|id| id.0));
    }
    fields.type_name = extra_text(&ticket.extra, "Type");
    fields.type_id = extra_text(&ticket.extra, "TypeID").map(WireId);
    fields.lock = extra_text(&ticket.extra, "Lock");
    fields.lock_id = extra_text(&ticket.extra, "LockID").map(WireId);
    fields
}

/// The ticket fields an update sends for the changes that are set.
pub fn change_fields(changes: &TicketChanges) -> TicketFields {
    ticket_fields(&UnifiedTicket {
        subject: changes.subject.clone(),
        queue: changes.queue.clone(),
        priority: changes.priority.clone(),
        state: changes.state.clone(),
        customer: changes.customer.clone(),
        owner: changes.owner.clone(),
        extra: changes.extra.clone(),
        ..UnifiedTicket::default()
    })
}

/// The dynamic fields an update (or create) sets: `extra.DynamicField_<Name>`.
pub fn dynamic_field_values(extra: &Map<String, Value>) -> Vec<DynamicFieldValue> {
    extra
        .iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix(DYNAMIC_FIELD_PREFIX)?;
            (!name.is_empty()).then(|| DynamicFieldValue {
                name: name.to_owned(),
                value: value.clone(),
            })
        })
        .collect()
}

/// A note as an internal article: `CommunicationChannel: Internal`,
/// `IsVisibleForCustomer: 0`.
pub fn note_article(note: &UnifiedNote) -> ArticleFields {
    let mut article = ArticleFields::internal_note(note.subject.clone(), note.body.clone());
    article.content_type = content_type_with_charset(note.content_type.as_deref());
    article
}

/// The `TicketCreate` of a unified ticket: its subject as `Title` and as the first
/// article's subject, its body as that article's text (`CommunicationChannel: Email`, as a
/// customer's message), state `new` unless one is given. `Err` says what is missing.
/// Notes of the ticket are not part of it (the service adds them afterwards).
pub fn create_request(ticket: &UnifiedTicket) -> Result<crate::wire::TicketCreateRequest, String> {
    let subject = ticket
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|subject| !subject.is_empty())
        .ok_or_else(|| "a ticket needs a subject (its title)".to_owned())?;
    let mut fields = ticket_fields(ticket);
    fields.title = Some(subject.to_owned());
    if fields.state.is_none() && fields.state_id.is_none() {
        fields.state = Some(DEFAULT_CREATE_STATE.to_owned());
    }
    Ok(crate::wire::TicketCreateRequest {
        ticket: fields,
        article: ArticleFields {
            subject: subject.to_owned(),
            body: ticket.body.clone().unwrap_or_default(),
            content_type: DEFAULT_CONTENT_TYPE.to_owned(),
            communication_channel: "Email".to_owned(),
            is_visible_for_customer: None,
        },
        dynamic_fields: dynamic_field_values(&ticket.extra),
    })
}

/// `text/plain; charset=utf-8` when none is given; a charset added when it is missing
/// (OTOBO needs one to store the article).
fn content_type_with_charset(content_type: Option<&str>) -> String {
    match content_type.map(str::trim).filter(|ct| !ct.is_empty()) {
        None => DEFAULT_CONTENT_TYPE.to_owned(),
        Some(ct) if ct.to_ascii_lowercase().contains("charset=") => ct.to_owned(),
        Some(ct) => format!("{ct}; charset=utf-8"),
    }
}

/// The id (as a wire id) and the trimmed, non-empty name of an entity.
fn id_and_name(entity: &UnifiedEntity) -> (Option<WireId>, Option<String>) {
    let id = entity
        .id
        .as_ref()
        .map(|id| id.as_str().trim())
        .filter(|id| !id.is_empty())
        .map(WireId::from);
    let name = entity
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    (id, name)
}

fn extra_text(extra: &Map<String, Value>, key: &str) -> Option<String> {
    match extra.get(key)? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire_ticket(value: Value) -> Ticket {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn tickets_map_as_the_contract_table_says() {
        let ticket = to_unified_ticket(wire_ticket(json!({
            "TicketID": "1041", "TicketNumber": "2025111810000041", "Title": "Printer on fire",
            "Queue": "Raw", "QueueID": "2", "Priority": "3 normal", "PriorityID": 3,
            "State": "new", "StateID": "1", "Type": "Unclassified", "TypeID": "1",
            "Lock": "unlock", "LockID": "1", "Owner": "root@localhost", "OwnerID": "1",
            "CustomerID": "acme", "CustomerUserID": "jane@acme.test",
            "Created": "2025-11-18 09:12:44", "Changed": "2025-11-19",
            "DynamicField": [{"Name": "Category", "Value": null}, {"Name": "Tags", "Value": ["a", "b"]}],
            "Article": [
                {"ArticleID": "5501", "Subject": "Printer on fire", "Body": "Smoke everywhere.",
                 "ContentType": "text/plain; charset=utf-8"},
                {"ArticleID": 5502, "Subject": "Re", "Body": "Call the fire brigade."}
            ]
        })));
        assert_eq!(ticket.id.as_ref().map(|id| id.as_str()), Some("1041"));
        assert_eq!(ticket.subject.as_deref(), Some("Printer on fire"));
        assert_eq!(ticket.body.as_deref(), Some("Smoke everywhere."));
        assert_eq!(
            ticket.queue,
            Some(UnifiedEntity {
                id: Some("2".into()),
                name: Some("Raw".into())
            })
        );
        assert_eq!(
            ticket.priority,
            Some(UnifiedEntity {
                id: Some("3".into()),
                name: Some("3 normal".into())
            })
        );
        assert_eq!(
            ticket.state,
            Some(UnifiedEntity {
                id: Some("1".into()),
                name: Some("new".into())
            })
        );
        assert_eq!(
            ticket.customer,
            Some(UnifiedEntity::named("jane@acme.test"))
        );
        assert_eq!(ticket.notes.len(), 2);
        assert_eq!(
            ticket.notes[0],
            UnifiedNote {
                id: Some("5501".into()),
                subject: "Printer on fire".into(),
                body: "Smoke everywhere.".into(),
                content_type: Some("text/plain; charset=utf-8".into()),
            }
        );
        assert_eq!(
            ticket.notes[1].id.as_ref().map(|id| id.as_str()),
            Some("5502")
        );
        assert_eq!(
            Value::Object(ticket.extra),
            json!({
                "TicketNumber": "2025111810000041", "State": "new", "StateID": "1",
                "Type": "Unclassified", "TypeID": "1", "Lock": "unlock", "LockID": "1",
                "Owner": "root@localhost", "OwnerID": "1", "CustomerID": "acme",
                "CustomerUserID": "jane@acme.test", "Created": "2025-11-18 09:12:44",
                "Changed": "2025-11-19 00:00:00", "DynamicField_Category": null,
                "DynamicField_Tags": ["a", "b"]
            })
        );
    }

    #[test]
    fn a_bare_ticket_maps_to_empty_texts() {
        let ticket = to_unified_ticket(wire_ticket(json!({"TicketID": 5})));
        assert_eq!(ticket.subject.as_deref(), Some(""));
        assert_eq!(ticket.body.as_deref(), Some(""));
        assert_eq!(ticket.queue, None);
        assert!(ticket.notes.is_empty());
        assert!(ticket.extra.is_empty());
    }

    #[test]
    fn criteria_map_to_queue_names_or_ids_and_offset_plus_limit() {
        let by_name = search_request(&TicketSearchCriteria {
            queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
            limit: 5,
            offset: 10,
        });
        assert_eq!(
            serde_json::to_value(by_name).unwrap(),
            json!({"Queues": ["OpenTicketAI::Incoming"], "Limit": 15})
        );
        let by_id = search_request(&TicketSearchCriteria {
            queue: Some(UnifiedEntity {
                id: Some("7".into()),
                name: None,
            }),
            limit: 1,
            offset: 0,
        });
        assert_eq!(
            serde_json::to_value(by_id).unwrap(),
            json!({"QueueIDs": [7], "Limit": 1})
        );
        let all = search_request(&TicketSearchCriteria::default());
        assert_eq!(serde_json::to_value(all).unwrap(), json!({"Limit": 10}));
    }

    #[test]
    fn updates_send_names_ids_and_extras() {
        let mut extra = Map::new();
        extra.insert("Type".into(), json!("Incident"));
        extra.insert("TicketNumber".into(), json!("ignored"));
        extra.insert("DynamicField_Category".into(), json!("Billing"));
        let updates = UnifiedTicket {
            subject: Some("New title".into()),
            queue: Some(UnifiedEntity::named(" Billing ")),
            priority: Some(UnifiedEntity {
                id: Some("4".into()),
                name: Some("4 high".into()),
            }),
            state: Some(UnifiedEntity {
                id: None,
                name: Some("".into()),
            }),
            customer: Some(UnifiedEntity::named("jane@acme.test")),
            extra,
            ..UnifiedTicket::default()
        };
        assert_eq!(
            serde_json::to_value(ticket_fields(&updates)).unwrap(),
            json!({"Title": "New title", "Queue": "Billing", "Priority": "4 high", "PriorityID": 4,
                   "Type": "Incident", "CustomerUser": "jane@acme.test"})
        );
        assert_eq!(
            serde_json::to_value(dynamic_field_values(&updates.extra)).unwrap(),
            json!([{"Name": "Category", "Value": "Billing"}])
        );
        assert!(ticket_fields(&UnifiedTicket::default()).is_empty());
    }

    #[test]
    fn notes_are_internal_with_a_charset() {
        let note = UnifiedNote {
            subject: "S".into(),
            body: "<b>B</b>".into(),
            content_type: Some("text/html".into()),
            id: None,
        };
        let article = note_article(&note);
        assert_eq!(article.content_type, "text/html; charset=utf-8");
        assert_eq!(article.communication_channel, "Internal");
        assert_eq!(article.is_visible_for_customer, Some(0));
        let plain = note_article(&UnifiedNote {
            subject: "S".into(),
            body: "B".into(),
            ..UnifiedNote::default()
        });
        assert_eq!(plain.content_type, "text/plain; charset=utf-8");
        let given = note_article(&UnifiedNote {
            content_type: Some("text/plain; charset=ISO-8859-1".into()),
            ..UnifiedNote::default()
        });
        assert_eq!(given.content_type, "text/plain; charset=ISO-8859-1");
    }

    #[test]
    fn creates_need_a_subject_and_default_to_state_new() {
        assert!(create_request(&UnifiedTicket::default()).is_err());
        assert!(create_request(&UnifiedTicket {
            subject: Some("  ".into()),
            ..UnifiedTicket::default()
        })
        .is_err());
        let request = create_request(&UnifiedTicket {
            subject: Some("Printer on fire".into()),
            body: Some("Smoke.".into()),
            queue: Some(UnifiedEntity::named("Raw")),
            priority: Some(UnifiedEntity::named("3 normal")),
            customer: Some(UnifiedEntity::named("jane@acme.test")),
            ..UnifiedTicket::default()
        })
        .unwrap();
        assert_eq!(
            serde_json::to_value(request).unwrap(),
            json!({
                "Ticket": {"Title": "Printer on fire", "Queue": "Raw", "State": "new",
                           "Priority": "3 normal", "CustomerUser": "jane@acme.test"},
                "Article": {"Subject": "Printer on fire", "Body": "Smoke.",
                            "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Email"}
            })
        );
    }
}
