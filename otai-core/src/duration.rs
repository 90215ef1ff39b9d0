//! Durations in configs: ISO-8601 (`PT0.5S`, `PT5M`, `P1D`) or humane (`500ms`, `5m`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A duration as configs write it. Deserializes from ISO-8601 (`PT0.01S`, `PT5M`, `P1D`),
/// humane text (`10ms`, `5m`, `1h 30m`) or a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    /// From milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Self(std::time::Duration::from_millis(millis))
    }

    /// From seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self(std::time::Duration::from_secs(secs))
    }

    /// The standard duration.
    pub fn get(self) -> std::time::Duration {
        self.0
    }
}

impl From<Duration> for std::time::Duration {
    fn from(value: Duration) -> Self {
        value.0
    }
}

/// A duration that is neither ISO-8601 nor humane.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a duration; write ISO-8601 like `PT0.5S`, `PT5M`, `P1D` or humane like `500ms`, `5m`, `1h 30m`")]
pub struct InvalidDuration(String);

impl FromStr for Duration {
    type Err = InvalidDuration;

    fn from_str(text: &str) -> Result<Self, InvalidDuration> {
        let trimmed = text.trim();
        let invalid = || InvalidDuration(text.to_owned());
        if trimmed.starts_with(['P', 'p']) {
            return parse_iso8601(&trimmed.to_ascii_uppercase())
                .map(Self)
                .ok_or_else(invalid);
        }
        // A bare number is seconds, as a number in the YAML is (`${SLEEP}` arrives as text).
        if let Some(seconds) = parse_number(trimmed) {
            return std::time::Duration::try_from_secs_f64(seconds)
                .map(Self)
                .map_err(|_| invalid());
        }
        humantime::parse_duration(trimmed)
            .map(Self)
            .map_err(|_| invalid())
    }
}

/// Strict ISO-8601 duration: `PnW`, or `P[nD][T[nH][nM][nS]]` with at least one component,
/// a fraction allowed only on the last one, nothing left over. Years and months are refused
/// (they have no fixed length).
fn parse_iso8601(text: &str) -> Option<std::time::Duration> {
    let rest = text.strip_prefix('P')?;
    if let Some(weeks) = rest.strip_suffix('W') {
        let weeks: f64 = parse_number(weeks)?;
        return std::time::Duration::try_from_secs_f64(weeks * 7.0 * 86_400.0).ok();
    }
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut all = components(date, &[('D', 86_400.0)])?;
    if let Some(time) = time {
        let time_components = components(time, &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)])?;
        if time_components.is_empty() {
            return None; // `P1DT`
        }
        all.extend(time_components);
    }
    let (last, earlier) = all.split_last()?;
    // Only the last component may carry a fraction.
    if earlier.iter().any(|component| component.fractional) {
        return None;
    }
    let total: f64 = earlier
        .iter()
        .chain(std::iter::once(last))
        .map(|component| component.value * component.seconds)
        .sum();
    std::time::Duration::try_from_secs_f64(total).ok()
}

struct Component {
    value: f64,
    seconds: f64,
    fractional: bool,
}

/// `1H30M` → its components, units in the given order, nothing left over.
fn components(mut text: &str, units: &[(char, f64)]) -> Option<Vec<Component>> {
    let mut found = Vec::new();
    for (unit, seconds) in units {
        if let Some(at) = text.find(*unit) {
            let number = &text[..at];
            found.push(Component {
                value: parse_number(number)?,
                seconds: *seconds,
                fractional: number.contains(['.', ',']),
            });
            text = &text[at + 1..];
        }
    }
    text.is_empty().then_some(found)
}

fn parse_number(text: &str) -> Option<f64> {
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && text.chars().next().is_some_and(|c| c.is_ascii_digit());
    if !valid {
        return None;
    }
    text.replace(',', ".").parse().ok()
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl serde::de::Visitor<'_> for DurationVisitor {
            type Value = Duration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `PT0.5S`, `500ms` or `5m`")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Duration, E> {
                text.parse().map_err(E::custom)
            }

            fn visit_u64<E: serde::de::Error>(self, secs: u64) -> Result<Duration, E> {
                Ok(Duration::from_secs(secs))
            }

            fn visit_i64<E: serde::de::Error>(self, secs: i64) -> Result<Duration, E> {
                u64::try_from(secs)
                    .map(Duration::from_secs)
                    .map_err(|_| E::custom("a duration cannot be negative"))
            }

            fn visit_f64<E: serde::de::Error>(self, secs: f64) -> Result<Duration, E> {
                std::time::Duration::try_from_secs_f64(secs)
                    .map(Duration)
                    .map_err(|_| E::custom("a duration must be a non-negative number of seconds"))
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["string", "number"],
            "description": "ISO-8601 (`PT0.5S`, `PT5M`, `P1D`), humane (`500ms`, `5m`) or seconds",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    fn parse(text: &str) -> Std {
        text.parse::<Duration>().unwrap().0
    }

    #[test]
    fn iso8601_durations() {
        assert_eq!(parse("PT0.01S"), Std::from_millis(10));
        assert_eq!(parse("PT0.5S"), Std::from_millis(500));
        assert_eq!(parse("PT5M"), Std::from_secs(300));
        assert_eq!(parse("P1D"), Std::from_secs(86_400));
        assert_eq!(parse("PT1H30M"), Std::from_secs(5_400));
        assert_eq!(parse("P2W"), Std::from_secs(14 * 86_400));
    }

    #[test]
    fn humane_durations() {
        assert_eq!(parse("10ms"), Std::from_millis(10));
        assert_eq!(parse("5m"), Std::from_secs(300));
        assert_eq!(parse("1h 30m"), Std::from_secs(5_400));
    }

    #[test]
    fn numbers_are_seconds() {
        let d: Duration = serde_json::from_value(serde_json::json!(1.5)).unwrap();
        assert_eq!(d.0, Std::from_millis(1_500));
        assert!(serde_json::from_value::<Duration>(serde_json::json!(-1)).is_err());
    }

    #[test]
    fn garbage_and_calendar_units_are_rejected_with_a_hint() {
        let error = "soon".parse::<Duration>().unwrap_err();
        assert!(error.to_string().contains("PT0.5S"));
        for bad in [
            "P1M", "P1Y", "PT", "P", "PT-1S", "PTfoo", "PT5 M", "PT1M30", "PT5MIN", "PT1.5M2S",
            "P1DT", "PT1S1M", "PT.5S",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn fractions_on_the_last_component() {
        assert_eq!(parse("PT1.5M"), Std::from_secs(90));
        assert_eq!(parse("PT1H0.5M"), Std::from_secs(3_630));
        assert_eq!(parse("P1DT12H"), Std::from_secs(129_600));
        assert_eq!(parse("pt0,5s"), Std::from_millis(500));
    }
}
