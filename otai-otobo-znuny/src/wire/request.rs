//! Request bodies. Each is sent wrapped in [`Authenticated`], which puts `UserLogin` and
//! `Password` at the top level beside the operation's fields.

use std::collections::BTreeMap;

use otai::Secret;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// An id on the wire: a number when it is one (`"1041"` → `1041`, as OTOBO documents its
/// id fields), else the text as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireId(pub String);

impl Serialize for WireId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let digits = !self.0.is_empty() && self.0.bytes().all(|b| b.is_ascii_digit());
        match self.0.parse::<u64>() {
            Ok(number) if digits => serializer.serialize_u64(number),
            _ => serializer.serialize_str(&self.0),
        }
    }
}

impl From<&str> for WireId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for WireId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// The agent credentials. The only place the password is exposed: when it is written into
/// a request body.
#[derive(Clone, Copy)]
pub(crate) struct Credentials<'a> {
    pub user_login: &'a str,
    pub password: &'a Secret,
}

impl Serialize for Credentials<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("UserLogin", self.user_login)?;
        map.serialize_entry("Password", self.password.expose())?;
        map.end()
    }
}

/// A request body: the credentials, then the operation's fields, in one JSON object.
#[derive(Serialize)]
pub(crate) struct Authenticated<'a, T: Serialize> {
    #[serde(flatten)]
    pub credentials: Credentials<'a>,
    #[serde(flatten)]
    pub fields: &'a T,
}

/// `TicketSearch` filters. Every filter is optional and omitted when unset (empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketSearchRequest {
    /// Ticket numbers.
    #[serde(rename = "TicketNumber", skip_serializing_if = "Vec::is_empty")]
    pub ticket_numbers: Vec<String>,
    /// Titles (`%` / `*` wildcards as OTOBO supports them).
    #[serde(rename = "Title", skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    /// Queue names.
    #[serde(rename = "Queues", skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<String>,
    /// Queue ids.
    #[serde(rename = "QueueIDs", skip_serializing_if = "Vec::is_empty")]
    pub queue_ids: Vec<WireId>,
    /// Also match tickets in sub-queues (`Parent::Child`) of the given queues.
    #[serde(rename = "UseSubQueues", skip_serializing_if = "Option::is_none")]
    pub use_sub_queues: Option<bool>,
    /// State names.
    #[serde(rename = "States", skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<String>,
    /// State ids.
    #[serde(rename = "StateIDs", skip_serializing_if = "Vec::is_empty")]
    pub state_ids: Vec<WireId>,
    /// Priority names.
    #[serde(rename = "Priorities", skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<String>,
    /// Priority ids.
    #[serde(rename = "PriorityIDs", skip_serializing_if = "Vec::is_empty")]
    pub priority_ids: Vec<WireId>,
    /// Type names.
    #[serde(rename = "Types", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Type ids.
    #[serde(rename = "TypeIDs", skip_serializing_if = "Vec::is_empty")]
    pub type_ids: Vec<WireId>,
    /// Lock names (`lock`, `unlock`).
    #[serde(rename = "Locks", skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<String>,
    /// Lock ids.
    #[serde(rename = "LockIDs", skip_serializing_if = "Vec::is_empty")]
    pub lock_ids: Vec<WireId>,
    /// At most this many ids.
    #[serde(rename = "Limit", skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Dynamic-field filters by field name, sent as `DynamicField_<Name>`.
    #[serde(flatten, serialize_with = "dynamic_field_filters")]
    pub dynamic_fields: BTreeMap<String, DynamicFieldFilter>,
}

fn dynamic_field_filters<S: Serializer>(
    filters: &BTreeMap<String, DynamicFieldFilter>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(filters.len()))?;
    for (name, filter) in filters {
        map.serialize_entry(&format!("DynamicField_{name}"), filter)?;
    }
    map.end()
}

/// A filter on one dynamic field in a search. Set one or more conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DynamicFieldFilter {
    /// Equal to this value (or one of these values).
    #[serde(rename = "Equals", skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// Like this pattern (`*` wildcard).
    #[serde(rename = "Like", skip_serializing_if = "Option::is_none")]
    pub like: Option<String>,
    /// Greater than this value.
    #[serde(rename = "GreaterThan", skip_serializing_if = "Option::is_none")]
    pub greater_than: Option<Value>,
    /// Smaller than this value.
    #[serde(rename = "SmallerThan", skip_serializing_if = "Option::is_none")]
    pub smaller_than: Option<Value>,
    /// `1`: the field is empty; `0`: it is not.
    #[serde(rename = "Empty", skip_serializing_if = "Option::is_none")]
    pub empty: Option<u8>,
}

/// `TicketGet` for one ticket with its dynamic fields and articles, oldest article first,
/// without attachments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketGetRequest {
    /// The ticket.
    #[serde(rename = "TicketID")]
    pub ticket_id: WireId,
    /// `1`: include dynamic fields.
    #[serde(rename = "DynamicFields")]
    pub dynamic_fields: u8,
    /// `1`: include extended data.
    #[serde(rename = "Extended")]
    pub extended: u8,
    /// `1`: include articles.
    #[serde(rename = "AllArticles")]
    pub all_articles: u8,
    /// `ASC`: oldest article first, so the first article is the customer's request (`DESC`
    /// when reading back a note).
    #[serde(rename = "ArticleOrder")]
    pub article_order: &'static str,
    /// At most this many articles.
    #[serde(rename = "ArticleLimit")]
    pub article_limit: u32,
    /// `0`: no attachments.
    #[serde(rename = "Attachments")]
    pub attachments: u8,
}

impl TicketGetRequest {
    /// The request for one ticket with up to `article_limit` articles.
    pub fn new(ticket_id: impl Into<WireId>, article_limit: u32) -> Self {
        Self {
            ticket_id: ticket_id.into(),
            dynamic_fields: 1,
            extended: 1,
            all_articles: 1,
            article_order: "ASC",
            article_limit,
            attachments: 0,
        }
    }

    /// This request with the newest articles first (`ArticleOrder: DESC`): for reading back
    /// whether a note was just added.
    pub fn newest_first(mut self) -> Self {
        self.article_order = "DESC";
        self
    }
}

/// Ticket fields of an update or a create. Only the fields that are set are sent; an entity
/// given by name goes to the name field (`Queue`), by id to the id field (`QueueID`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TicketFields {
    /// Title.
    #[serde(rename = "Title", skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Queue name.
    #[serde(rename = "Queue", skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Queue id.
    #[serde(rename = "QueueID", skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<WireId>,
    /// Priority name.
    #[serde(rename = "Priority", skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Priority id.
    #[serde(rename = "PriorityID", skip_serializing_if = "Option::is_none")]
    pub priority_id: Option<WireId>,
    /// State name.
    #[serde(rename = "State", skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// State id.
    #[serde(rename = "StateID", skip_serializing_if = "Option::is_none")]
    pub state_id: Option<WireId>,
    /// Type name.
    #[serde(rename = "Type", skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// Type id.
    #[serde(rename = "TypeID", skip_serializing_if = "Option::is_none")]
    pub type_id: Option<WireId>,
    /// Lock name (`lock`, `unlock`).
    #[serde(rename = "Lock", skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// Lock id.
    #[serde(rename = "LockID", skip_serializing_if = "Option::is_none")]
    pub lock_id: Option<WireId>,
    /// Owner login.
    #[serde(rename = "Owner", skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Owner id.
    #[serde(rename = "OwnerID", skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<WireId>,
    /// Customer user (login or email).
    #[serde(rename = "CustomerUser", skip_serializing_if = "Option::is_none")]
    pub customer_user: Option<String>,
}

impl TicketFields {
    /// Whether no field is set (then an update sends no `Ticket` object).
    pub fn is_empty(&self) -> bool {
        *self == TicketFields::default()
    }
}

/// An article: a note on an update, the first message on a create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleFields {
    /// Subject.
    #[serde(rename = "Subject")]
    pub subject: String,
    /// Text.
    #[serde(rename = "Body")]
    pub body: String,
    /// MIME type with charset (`text/plain; charset=utf-8`).
    #[serde(rename = "ContentType")]
    pub content_type: String,
    /// `Internal` for notes, `Email` for a customer's message, `Phone`.
    #[serde(rename = "CommunicationChannel")]
    pub communication_channel: String,
    /// `0`: agents only; `1`: the customer sees it too. Omitted when unset.
    #[serde(
        rename = "IsVisibleForCustomer",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_visible_for_customer: Option<u8>,
}

impl ArticleFields {
    /// An internal note, visible to agents only.
    pub fn internal_note(subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            body: body.into(),
            content_type: super::DEFAULT_CONTENT_TYPE.to_owned(),
            communication_channel: "Internal".to_owned(),
            is_visible_for_customer: Some(0),
        }
    }
}

/// A dynamic field's new value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DynamicFieldValue {
    /// Field name.
    #[serde(rename = "Name")]
    pub name: String,
    /// Value: text, a list for multiselect fields, or `null` to clear it.
    #[serde(rename = "Value")]
    pub value: Value,
}

/// `TicketUpdate`: ticket fields and/or an article and/or dynamic fields. `Ticket` is
/// omitted when no ticket field changes, `Article` when no note is added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketUpdateRequest {
    /// The ticket.
    #[serde(rename = "TicketID")]
    pub ticket_id: WireId,
    /// Ticket fields to change.
    #[serde(rename = "Ticket", skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketFields>,
    /// An article to add.
    #[serde(rename = "Article", skip_serializing_if = "Option::is_none")]
    pub article: Option<ArticleFields>,
    /// Dynamic fields to set.
    #[serde(rename = "DynamicField", skip_serializing_if = "Vec::is_empty")]
    pub dynamic_fields: Vec<DynamicFieldValue>,
}

impl TicketUpdateRequest {
    /// An update of `ticket_id` that changes nothing yet.
    pub fn new(ticket_id: impl Into<WireId>) -> Self {
        Self {
            ticket_id: ticket_id.into(),
            ticket: None,
            article: None,
            dynamic_fields: Vec::new(),
        }
    }

    /// Whether the update would change nothing.
    pub fn is_empty(&self) -> bool {
        self.ticket.as_ref().is_none_or(TicketFields::is_empty)
            && self.article.is_none()
            && self.dynamic_fields.is_empty()
    }
}

/// `TicketCreate`: the ticket and its first article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketCreateRequest {
    /// Ticket fields (OTOBO requires title, queue, state, priority and customer user).
    #[serde(rename = "Ticket")]
    pub ticket: TicketFields,
    /// The first article.
    #[serde(rename = "Article")]
    pub article: ArticleFields,
    /// Dynamic fields to set.
    #[serde(rename = "DynamicField", skip_serializing_if = "Vec::is_empty")]
    pub dynamic_fields: Vec<DynamicFieldValue>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_come_first_and_fields_follow() {
        let password = Secret::new("s3cret");
        let request = TicketGetRequest::new("1041", 5);
        let text = serde_json::to_string(&Authenticated {
            credentials: Credentials {
                user_login: "open_ticket_ai",
                password: &password,
            },
            fields: &request,
        })
        .unwrap();
        assert!(
            text.starts_with(
                r#"{"UserLogin":"open_ticket_ai","Password":"s3cret","TicketID":1041,"#
            ),
            "{text}"
        );
        let body = serde_json::to_value(Authenticated {
            credentials: Credentials {
                user_login: "open_ticket_ai",
                password: &password,
            },
            fields: &request,
        })
        .unwrap();
        assert_eq!(
            body,
            json!({"UserLogin": "open_ticket_ai", "Password": "s3cret", "TicketID": 1041,
                   "DynamicFields": 1, "Extended": 1, "AllArticles": 1, "ArticleOrder": "ASC",
                   "ArticleLimit": 5, "Attachments": 0})
        );
    }

    #[test]
    fn ids_are_numbers_when_they_are_numbers() {
        assert_eq!(serde_json::to_value(WireId::from("7")).unwrap(), json!(7));
        assert_eq!(serde_json::to_value(WireId::from("007")).unwrap(), json!(7));
        assert_eq!(
            serde_json::to_value(WireId::from("+7")).unwrap(),
            json!("+7")
        );
        assert_eq!(
            serde_json::to_value(WireId::from("q-7")).unwrap(),
            json!("q-7")
        );
        assert_eq!(serde_json::to_value(WireId::from("")).unwrap(), json!(""));
        let huge = "99999999999999999999999";
        assert_eq!(
            serde_json::to_value(WireId::from(huge)).unwrap(),
            json!(huge)
        );
    }

    #[test]
    fn searches_send_only_set_filters() {
        assert_eq!(
            serde_json::to_value(TicketSearchRequest::default()).unwrap(),
            json!({})
        );
        let search = TicketSearchRequest {
            queues: vec!["Raw".into()],
            queue_ids: vec!["2".into()],
            limit: Some(3),
            dynamic_fields: BTreeMap::from([(
                "Category".to_owned(),
                DynamicFieldFilter {
                    equals: Some(json!("Billing")),
                    ..Default::default()
                },
            )]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(search).unwrap(),
            json!({"Queues": ["Raw"], "QueueIDs": [2], "Limit": 3,
                   "DynamicField_Category": {"Equals": "Billing"}})
        );
    }

    #[test]
    fn updates_omit_what_does_not_change() {
        let mut update = TicketUpdateRequest::new("1041");
        assert!(update.is_empty());
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"TicketID": 1041})
        );
        update.ticket = Some(TicketFields::default());
        assert!(update.is_empty());
        update.article = Some(ArticleFields::internal_note("S", "B"));
        assert!(!update.is_empty());
        update.ticket = None;
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            json!({"TicketID": 1041, "Article": {"Subject": "S", "Body": "B",
                   "ContentType": "text/plain; charset=utf-8", "CommunicationChannel": "Internal",
                   "IsVisibleForCustomer": 0}})
        );
    }
}
