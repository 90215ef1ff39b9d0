//! The unified ticket model every ticket system maps to.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::value::{Map, Value};

/// A queue, priority, state or user: by id, by name, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnifiedEntity {
    /// The backend's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TicketId>,
    /// The display name (`Billing`, `3 normal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl UnifiedEntity {
    /// An entity given by name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: Some(name.into()),
        }
    }

    /// Whether `other` names the same entity: equal ids, or else equal names.
    pub fn matches(&self, other: &UnifiedEntity) -> bool {
        match (&self.id, &other.id) {
            (Some(a), Some(b)) => a == b,
            _ => self.name.is_some() && self.name == other.name,
        }
    }
}

/// A note (article) on a ticket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnifiedNote {
    /// The backend's id (set by the backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TicketId>,
    /// Subject line.
    #[serde(default)]
    pub subject: String,
    /// Text.
    #[serde(default)]
    pub body: String,
    /// MIME type of the body (`text/plain` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// A ticket in the shape every ticket system maps to. In updates, unset fields mean
/// "leave as it is".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnifiedTicket {
    /// The backend's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TicketId>,
    /// Subject / title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Text of the first article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<UnifiedEntity>,
    /// Priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<UnifiedEntity>,
    /// State (`new`, `open`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UnifiedEntity>,
    /// Customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<UnifiedEntity>,
    /// Owner (agent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<UnifiedEntity>,
    /// Notes (articles); in an update, notes to add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<UnifiedNote>,
    /// Backend-specific fields kept available to templates (`TicketNumber`, dynamic fields…).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

/// A ticket id: configs may give it as a string or a number; it is kept as a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct TicketId(#[schemars(with = "StringOrInteger")] pub String);

/// Schema helper: a string or an integer.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum StringOrInteger {
    String(String),
    Integer(i64),
}

impl TicketId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for TicketId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for TicketId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<&str> for TicketId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl From<String> for TicketId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = TicketId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a ticket id (string or integer)")
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<TicketId, E> {
                Ok(TicketId(value.to_owned()))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<TicketId, E> {
                Ok(TicketId(value.to_string()))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<TicketId, E> {
                Ok(TicketId(value.to_string()))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

/// Which tickets to fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketSearchCriteria {
    /// Only tickets in this queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<UnifiedEntity>,
    /// At most this many tickets.
    #[serde(default = "default_limit")]
    pub limit: usize,
    /// Skip this many matches first.
    #[serde(default)]
    pub offset: usize,
}

impl Default for TicketSearchCriteria {
    fn default() -> Self {
        Self {
            queue: None,
            limit: default_limit(),
            offset: 0,
        }
    }
}

fn default_limit() -> usize {
    10
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ticket_ids_accept_strings_and_numbers() {
        let a: TicketId = serde_json::from_value(json!("1041")).unwrap();
        let b: TicketId = serde_json::from_value(json!(1041)).unwrap();
        assert_eq!(a, b);
        assert!(serde_json::from_value::<TicketId>(json!(1.5)).is_err());
    }

    #[test]
    fn criteria_default_to_ten_from_zero() {
        let criteria: TicketSearchCriteria =
            serde_json::from_value(json!({"queue": {"name": "Raw"}})).unwrap();
        assert_eq!(criteria.limit, 10);
        assert_eq!(criteria.offset, 0);
        let error = serde_json::from_value::<TicketSearchCriteria>(json!({"limt": 1})).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `limt`"),
            "{error}"
        );
    }

    #[test]
    fn entities_match_by_id_first() {
        let by_name = UnifiedEntity::named("Billing");
        let by_id = UnifiedEntity {
            id: Some("7".into()),
            name: Some("Other".into()),
        };
        assert!(by_name.matches(&UnifiedEntity::named("Billing")));
        assert!(!by_name.matches(&UnifiedEntity::named("Raw")));
        assert!(by_id.matches(&UnifiedEntity {
            id: Some("7".into()),
            name: None
        }));
    }
}
