//! Answers, decoded leniently: every field may be missing or `null`, ids and numbers come as
//! strings or numbers, unknown fields are ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::decode::{self, Timestamp};

/// The `Error` object of a failed operation (sent with HTTP 200 by most servers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ErrorDetail {
    /// `TicketSearch.AuthFail`, `TicketUpdate.InvalidParameter`…
    #[serde(rename = "ErrorCode", deserialize_with = "decode::text")]
    pub code: Option<String>,
    /// Human-readable reason.
    #[serde(rename = "ErrorMessage", deserialize_with = "decode::text")]
    pub message: Option<String>,
}

impl ErrorDetail {
    /// Reads the `Error` value of an answer: an object with code and message, or (from odd
    /// servers) a bare text.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::Object(_) => serde_json::from_value(value).unwrap_or_default(),
            other => ErrorDetail {
                code: None,
                message: decode::scalar_text(other),
            },
        }
    }
}

/// Answer of `TicketSearch`: the matching ids, in the server's order. No match: the key is
/// missing or the list is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SearchResponse {
    /// Ticket ids as text.
    #[serde(rename = "TicketID", deserialize_with = "decode::id_list")]
    pub ticket_ids: Vec<String>,
}

/// Answer of `TicketGet`: the tickets asked for (one here). `Ticket` may be a list or a
/// single object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TicketGetResponse {
    /// The tickets.
    #[serde(rename = "Ticket", deserialize_with = "decode::one_or_many")]
    pub tickets: Vec<Ticket>,
}

/// Answer of `TicketUpdate` and `TicketCreate`. `Ticket` is there only when the web service
/// operation has `IncludeTicketData: '1'`; it is used when present and readable and never
/// required.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct MutationResponse {
    /// The ticket's id.
    #[serde(rename = "TicketID", deserialize_with = "decode::text")]
    pub ticket_id: Option<String>,
    /// The ticket's number.
    #[serde(rename = "TicketNumber", deserialize_with = "decode::text")]
    pub ticket_number: Option<String>,
    /// The id of the article added, if one was.
    #[serde(rename = "ArticleID", deserialize_with = "decode::text")]
    pub article_id: Option<String>,
    /// The ticket after the change (`IncludeTicketData: '1'`).
    #[serde(rename = "Ticket", deserialize_with = "decode::ignore_invalid")]
    pub ticket: Option<Ticket>,
}

/// A ticket as `TicketGet` returns it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Ticket {
    /// Id.
    #[serde(rename = "TicketID", deserialize_with = "decode::text")]
    pub ticket_id: Option<String>,
    /// Number shown to people (`2025111810000041`).
    #[serde(rename = "TicketNumber", deserialize_with = "decode::text")]
    pub ticket_number: Option<String>,
    /// Title.
    #[serde(rename = "Title", deserialize_with = "decode::text")]
    pub title: Option<String>,
    /// Queue name (`Parent::Child` for sub-queues).
    #[serde(rename = "Queue", deserialize_with = "decode::text")]
    pub queue: Option<String>,
    /// Queue id.
    #[serde(rename = "QueueID", deserialize_with = "decode::text")]
    pub queue_id: Option<String>,
    /// Priority name.
    #[serde(rename = "Priority", deserialize_with = "decode::text")]
    pub priority: Option<String>,
    /// Priority id.
    #[serde(rename = "PriorityID", deserialize_with = "decode::text")]
    pub priority_id: Option<String>,
    /// State name.
    #[serde(rename = "State", deserialize_with = "decode::text")]
    pub state: Option<String>,
    /// State id.
    #[serde(rename = "StateID", deserialize_with = "decode::text")]
    pub state_id: Option<String>,
    /// State type (`new`, `open`, `closed`…).
    #[serde(rename = "StateType", deserialize_with = "decode::text")]
    pub state_type: Option<String>,
    /// Type name.
    #[serde(rename = "Type", deserialize_with = "decode::text")]
    pub type_name: Option<String>,
    /// Type id.
    #[serde(rename = "TypeID", deserialize_with = "decode::text")]
    pub type_id: Option<String>,
    /// Lock name.
    #[serde(rename = "Lock", deserialize_with = "decode::text")]
    pub lock: Option<String>,
    /// Lock id.
    #[serde(rename = "LockID", deserialize_with = "decode::text")]
    pub lock_id: Option<String>,
    /// Owner login.
    #[serde(rename = "Owner", deserialize_with = "decode::text")]
    pub owner: Option<String>,
    /// Owner id.
    #[serde(rename = "OwnerID", deserialize_with = "decode::text")]
    pub owner_id: Option<String>,
    /// Responsible agent login.
    #[serde(rename = "Responsible", deserialize_with = "decode::text")]
    pub responsible: Option<String>,
    /// Customer (company) id.
    #[serde(rename = "CustomerID", deserialize_with = "decode::text")]
    pub customer_id: Option<String>,
    /// Customer user login.
    #[serde(rename = "CustomerUserID", deserialize_with = "decode::text")]
    pub customer_user_id: Option<String>,
    /// Creation time.
    #[serde(rename = "Created", deserialize_with = "decode::timestamp")]
    pub created: Option<Timestamp>,
    /// Last change.
    #[serde(rename = "Changed", deserialize_with = "decode::timestamp")]
    pub changed: Option<Timestamp>,
    /// Dynamic fields with their values.
    #[serde(rename = "DynamicField", deserialize_with = "decode::one_or_many")]
    pub dynamic_fields: Vec<DynamicField>,
    /// Articles, oldest first (as requested).
    #[serde(rename = "Article", deserialize_with = "decode::one_or_many")]
    pub articles: Vec<Article>,
}

/// One dynamic field of a ticket.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DynamicField {
    /// Field name.
    #[serde(rename = "Name", deserialize_with = "required_text")]
    pub name: String,
    /// Value: text, a list (multiselect), or `null`.
    #[serde(rename = "Value", default)]
    pub value: Value,
}

/// An article of a ticket.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Article {
    /// Id.
    #[serde(rename = "ArticleID", deserialize_with = "decode::text")]
    pub article_id: Option<String>,
    /// Sender.
    #[serde(rename = "From", deserialize_with = "decode::text")]
    pub from: Option<String>,
    /// Recipient.
    #[serde(rename = "To", deserialize_with = "decode::text")]
    pub to: Option<String>,
    /// Subject.
    #[serde(rename = "Subject", deserialize_with = "decode::text")]
    pub subject: Option<String>,
    /// Text.
    #[serde(rename = "Body", deserialize_with = "decode::text")]
    pub body: Option<String>,
    /// MIME type with charset.
    #[serde(rename = "ContentType", deserialize_with = "decode::text")]
    pub content_type: Option<String>,
    /// MIME type alone (older servers send it beside `Charset`).
    #[serde(rename = "MimeType", deserialize_with = "decode::text")]
    pub mime_type: Option<String>,
    /// Charset alone.
    #[serde(rename = "Charset", deserialize_with = "decode::text")]
    pub charset: Option<String>,
    /// `Internal`, `Email`, `Phone`…
    #[serde(rename = "CommunicationChannel", deserialize_with = "decode::text")]
    pub communication_channel: Option<String>,
    /// `0` or `1`.
    #[serde(rename = "IsVisibleForCustomer", deserialize_with = "decode::text")]
    pub is_visible_for_customer: Option<String>,
    /// Creation time.
    #[serde(rename = "CreateTime", deserialize_with = "decode::timestamp")]
    pub create_time: Option<Timestamp>,
}

impl Article {
    /// `ContentType`, or `MimeType; charset=Charset` from servers that send them apart.
    pub fn full_content_type(&self) -> Option<String> {
        match (&self.content_type, &self.mime_type, &self.charset) {
            (Some(content_type), _, _) => Some(content_type.clone()),
            (None, Some(mime), Some(charset)) => Some(format!("{mime}; charset={charset}")),
            (None, Some(mime), None) => Some(mime.clone()),
            (None, None, _) => None,
        }
    }
}

fn required_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    decode::text(deserializer)?.ok_or_else(|| serde::de::Error::custom("a name is required"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_contract_example_decodes() {
        let answer: TicketGetResponse = serde_json::from_value(json!({"Ticket": [{
            "TicketID": "1041", "TicketNumber": "2025111810000041", "Title": "Printer on fire",
            "Queue": "Raw", "QueueID": "2", "Priority": "3 normal", "PriorityID": "3",
            "State": "new", "StateID": "1", "Type": "Unclassified", "TypeID": "1",
            "Lock": "unlock", "LockID": "1", "Owner": "root@localhost", "OwnerID": "1",
            "CustomerID": "acme", "CustomerUserID": "jane@acme.test",
            "Created": "2025-11-18 09:12:44", "Changed": "2025-11-18 09:12:44",
            "DynamicField": [{"Name": "Category", "Value": null}],
            "Article": [{"ArticleID": "5501", "From": "jane@acme.test", "To": "Raw",
                         "Subject": "Printer on fire", "Body": "Smoke everywhere.",
                         "ContentType": "text/plain; charset=utf-8",
                         "CreateTime": "2025-11-18 09:12:44"}]
        }]}))
        .unwrap();
        let ticket = &answer.tickets[0];
        assert_eq!(ticket.ticket_id.as_deref(), Some("1041"));
        assert_eq!(ticket.queue_id.as_deref(), Some("2"));
        assert_eq!(
            ticket.created.map(|t| t.to_string()).as_deref(),
            Some("2025-11-18 09:12:44")
        );
        assert_eq!(ticket.dynamic_fields[0].name, "Category");
        assert_eq!(ticket.dynamic_fields[0].value, Value::Null);
        assert_eq!(
            ticket.articles[0].body.as_deref(),
            Some("Smoke everywhere.")
        );
    }

    #[test]
    fn every_quirk_is_tolerated() {
        let answer: TicketGetResponse = serde_json::from_value(json!({"Ticket": {
            "TicketID": 7, "QueueID": 2, "Title": null, "Created": "2025-11-18",
            "Changed": "not a date", "Unknown": {"x": 1},
            "Article": {"ArticleID": 9, "Body": "only one", "MimeType": "text/html", "Charset": "utf-8"}
        }}))
        .unwrap();
        let ticket = &answer.tickets[0];
        assert_eq!(ticket.ticket_id.as_deref(), Some("7"));
        assert_eq!(ticket.queue_id.as_deref(), Some("2"));
        assert_eq!(ticket.title, None);
        assert_eq!(
            ticket.created.map(|t| t.to_string()).as_deref(),
            Some("2025-11-18 00:00:00")
        );
        assert_eq!(ticket.changed, None);
        assert!(ticket.dynamic_fields.is_empty());
        assert_eq!(ticket.articles.len(), 1);
        assert_eq!(ticket.articles[0].article_id.as_deref(), Some("9"));
        assert_eq!(
            ticket.articles[0].full_content_type().as_deref(),
            Some("text/html; charset=utf-8")
        );
        let empty: TicketGetResponse = serde_json::from_value(json!({})).unwrap();
        assert!(empty.tickets.is_empty());
    }

    #[test]
    fn mutation_answers_with_and_without_ticket_data() {
        let bare: MutationResponse =
            serde_json::from_value(json!({"TicketID": "1041", "TicketNumber": "2025"})).unwrap();
        assert_eq!(bare.ticket_id.as_deref(), Some("1041"));
        assert_eq!(bare.ticket, None);
        let with: MutationResponse = serde_json::from_value(
            json!({"TicketID": 1041, "ArticleID": 5502, "Ticket": {"TicketID": "1041", "Queue": "Billing"}}),
        )
        .unwrap();
        assert_eq!(with.article_id.as_deref(), Some("5502"));
        assert_eq!(with.ticket.unwrap().queue.as_deref(), Some("Billing"));
        let odd: MutationResponse =
            serde_json::from_value(json!({"TicketID": "1", "Ticket": "yes"})).unwrap();
        assert_eq!(odd.ticket, None);
    }

    #[test]
    fn errors_are_read_from_objects_and_text() {
        let detail = ErrorDetail::from_value(
            json!({"ErrorCode": "TicketSearch.AuthFail", "ErrorMessage": "TicketSearch: Authorization failing!"}),
        );
        assert_eq!(detail.code.as_deref(), Some("TicketSearch.AuthFail"));
        assert_eq!(
            ErrorDetail::from_value(json!("boom")).message.as_deref(),
            Some("boom")
        );
    }
}
