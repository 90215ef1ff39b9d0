//! Lenient decoding of what OTOBO, Znuny and OTRS send.
//!
//! Real servers disagree on small things: ids arrive as strings (`"1041"`) on most and as
//! numbers on some; `Article` is a list, a single object (one article) or missing;
//! `DynamicField` may be missing; any field may be `null`; dates come as
//! `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`. These `deserialize_with` helpers read each field
//! through a [`Value`] and take what they can use: a value of an unexpected shape becomes
//! "absent" instead of failing the whole answer.

use std::fmt;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A scalar as text: strings as they are, numbers and booleans printed; `null`, missing,
/// lists and objects are absent.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(Value::deserialize(deserializer)?))
}

/// Text of a JSON scalar (see [`text`]).
pub fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A list of ids as text: a list of strings and/or numbers, a single id, `null` or missing
/// (no ids). Elements that are not scalars are skipped.
pub fn id_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items.into_iter().filter_map(scalar_text).collect(),
        single => scalar_text(single).into_iter().collect(),
    })
}

/// A list of `T` given as a list, a single object, `null` or missing. Elements that do not
/// decode as `T` are skipped.
pub fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        single @ Value::Object(_) => serde_json::from_value(single).ok().into_iter().collect(),
        _ => Vec::new(),
    })
}

/// An optional `T` that is dropped (not an error) when it does not decode: for the ticket
/// data a `TicketUpdate` answer may carry, which is used when it is there and readable.
pub fn ignore_invalid<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .find_map(|item| serde_json::from_value(item).ok()),
        Value::Null => None,
        value => serde_json::from_value(value).ok(),
    })
}

/// A timestamp in either of OTOBO's formats; anything else is absent.
pub fn timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => text.parse().ok(),
        _ => None,
    })
}

/// A date and time as OTOBO writes it: local server time, no zone. Read from
/// `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD` (midnight); printed as `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Year.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, 0–23.
    pub hour: u8,
    /// Minute, 0–59.
    pub minute: u8,
    /// Second, 0–60 (a leap second).
    pub second: u8,
}

/// Text that is in neither of OTOBO's timestamp formats.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a timestamp like `2025-11-18 09:12:44` or `2025-11-18`")]
pub struct InvalidTimestamp(String);

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;

    fn from_str(text: &str) -> Result<Self, InvalidTimestamp> {
        let invalid = || InvalidTimestamp(text.to_owned());
        let trimmed = text.trim();
        let (date, time) = match trimmed.split_once([' ', 'T']) {
            Some((date, time)) => (date, Some(time)),
            None => (trimmed, None),
        };
        let [year, month, day] = fields::<3>(date, '-').ok_or_else(invalid)?;
        let [hour, minute, second] = match time {
            Some(time) => fields::<3>(time, ':').ok_or_else(invalid)?,
            None => [0, 0, 0],
        };
        let in_range = (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second <= 60;
        if !in_range || date.len() != 10 {
            return Err(invalid());
        }
        Ok(Timestamp {
            year: u16::try_from(year).map_err(|_| invalid())?,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// `N` decimal fields separated by `separator`, each of at most 4 digits.
fn fields<const N: usize>(text: &str, separator: char) -> Option<[u32; N]> {
    let mut out = [0; N];
    let mut parts = text.split(separator);
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Probe {
        #[serde(deserialize_with = "text")]
        id: Option<String>,
        #[serde(deserialize_with = "id_list")]
        ids: Vec<String>,
        #[serde(deserialize_with = "one_or_many")]
        items: Vec<Item>,
        #[serde(deserialize_with = "timestamp")]
        at: Option<Timestamp>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Item {
        name: String,
    }

    fn probe(value: Value) -> Probe {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn scalars_become_text() {
        assert_eq!(probe(json!({"id": "1041"})).id.as_deref(), Some("1041"));
        assert_eq!(probe(json!({"id": 1041})).id.as_deref(), Some("1041"));
        assert_eq!(probe(json!({"id": true})).id.as_deref(), Some("true"));
        assert_eq!(probe(json!({"id": null})).id, None);
        assert_eq!(probe(json!({"id": [1]})).id, None);
        assert_eq!(probe(json!({})).id, None);
    }

    #[test]
    fn id_lists_take_strings_numbers_and_single_ids() {
        assert_eq!(probe(json!({"ids": ["2", 1, null, {}]})).ids, ["2", "1"]);
        assert_eq!(probe(json!({"ids": "7"})).ids, ["7"]);
        assert_eq!(probe(json!({"ids": 7})).ids, ["7"]);
        assert!(probe(json!({"ids": null})).ids.is_empty());
        assert!(probe(json!({"ids": []})).ids.is_empty());
        assert!(probe(json!({})).ids.is_empty());
    }

    #[test]
    fn one_or_many_takes_lists_objects_and_nothing() {
        let one = Item { name: "a".into() };
        assert_eq!(probe(json!({"items": {"name": "a"}})).items, [one]);
        let many = probe(json!({"items": [{"name": "a"}, {"name": "b"}, {"other": 1}, 5]})).items;
        assert_eq!(many.len(), 2);
        assert!(probe(json!({"items": null})).items.is_empty());
        assert!(probe(json!({"items": "x"})).items.is_empty());
        assert!(probe(json!({})).items.is_empty());
    }

    #[test]
    fn both_timestamp_formats_parse() {
        let full: Timestamp = "2025-11-18 09:12:44".parse().unwrap();
        assert_eq!(full.to_string(), "2025-11-18 09:12:44");
        let date: Timestamp = "2025-11-18".parse().unwrap();
        assert_eq!(date.to_string(), "2025-11-18 00:00:00");
        assert!(date < full);
        assert_eq!(
            "2024-02-29T23:59:60"
                .parse::<Timestamp>()
                .unwrap()
                .to_string(),
            "2024-02-29 23:59:60"
        );
        for bad in [
            "",
            "2025-11",
            "2025-13-01",
            "2023-02-29",
            "2025-11-18 25:00:00",
            "18.11.2025",
            "2025-1-18",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert_eq!(probe(json!({"at": "2025-11-18"})).at, Some(date));
        assert_eq!(probe(json!({"at": "yesterday"})).at, None);
        assert_eq!(probe(json!({"at": 17})).at, None);
    }

    /// Arbitrary JSON, shaped like OTOBO's answers often enough to reach the decoders.
    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::mapping::{to_unified_note, to_unified_ticket};
        use crate::wire::{
            ErrorDetail, MutationResponse, SearchResponse, Ticket, TicketGetResponse,
        };

        const KEYS: &str = "(TicketID|TicketNumber|Title|Queue|QueueID|Priority|PriorityID|State|Type|Owner|Created|Changed|Article|ArticleID|Subject|Body|ContentType|MimeType|Charset|DynamicField|Name|Value|Ticket|Error|ErrorCode|ErrorMessage|From|IsVisibleForCustomer|CreateTime|[A-Za-z]{1,6})";

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| json!(n)),
                any::<u64>().prop_map(|n| json!(n)),
                any::<f64>().prop_map(|f| json!(f)),
                "(\\PC{0,12}|[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?|[0-9]{1,25})"
                    .prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::btree_map(KEYS, inner, 0..6)
                        .prop_map(|map| Value::Object(map.into_iter().collect())),
                ]
            })
        }

        fn decode_everything(value: &Value) {
            let _ = serde_json::from_value::<Probe>(value.clone());
            let _ = serde_json::from_value::<SearchResponse>(value.clone());
            let _ = serde_json::from_value::<MutationResponse>(value.clone());
            let _ = ErrorDetail::from_value(value.clone());
            if let Ok(answer) = serde_json::from_value::<TicketGetResponse>(value.clone()) {
                let _ = format!("{answer:?}");
            }
            if let Ok(ticket) = serde_json::from_value::<Ticket>(value.clone()) {
                let articles = ticket.articles.clone();
                let _ = to_unified_ticket(ticket);
                for article in articles {
                    let _ = article.full_content_type();
                    let _ = to_unified_note(article);
                }
            }
            if let Value::String(text) = value {
                if let Ok(at) = text.parse::<Timestamp>() {
                    // What parses prints back in OTOBO's format and parses to itself.
                    assert_eq!(at.to_string().parse::<Timestamp>(), Ok(at));
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_json_never_panics_the_decoders(value in json_value()) {
                decode_everything(&value);
                decode_everything(&json!({"Ticket": [value.clone()], "TicketID": value.clone()}));
                decode_everything(&json!({"Article": value.clone(), "DynamicField": value}));
            }

            #[test]
            fn any_text_is_a_timestamp_or_absent(text in "\\PC{0,24}|[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}[ T][0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}") {
                decode_everything(&Value::String(text));
            }
        }
    }
}
