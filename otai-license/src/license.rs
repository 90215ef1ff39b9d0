//! What a licence key says, and its text form `base64url(payload).base64url(signature)`.
//!
//! The payload is JSON (`{"v":1,"licensee":…,"plugin":…,"expires":"YYYY-MM-DD",
//! "features":[…],"trial":false}`); the signature is Ed25519 over the payload's bytes exactly
//! as encoded, so the JSON is never re-serialized before checking.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Iso8601;
use time::Date;

use crate::keys::{PublicKey, VendorSigningKey};

/// The payload format this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// A verified licence: who may use which plugin until when, with which features.
///
/// Nothing in it is secret (the key is not kept), so its `Debug` shows everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    licensee: String,
    plugin: String,
    expires: Date,
    features: Vec<String>,
    trial: bool,
}

impl License {
    /// A licence to sign (see [`License::sign`]); `features` and `trial` start empty/false.
    pub fn new(licensee: impl Into<String>, plugin: impl Into<String>, expires: Date) -> Self {
        Self {
            licensee: licensee.into(),
            plugin: plugin.into(),
            expires,
            features: Vec::new(),
            trial: false,
        }
    }

    /// Adds the features the licence unlocks (a plugin's premium injectables).
    pub fn with_features<S: Into<String>>(mut self, features: impl IntoIterator<Item = S>) -> Self {
        self.features.extend(features.into_iter().map(Into::into));
        self
    }

    /// Marks the licence as a trial (its end is reported as "trial over", not "expired").
    pub fn with_trial(mut self, trial: bool) -> Self {
        self.trial = trial;
        self
    }

    /// Who the licence was issued to.
    pub fn licensee(&self) -> &str {
        &self.licensee
    }

    /// The plugin it was issued for (the plugin's package name, `otai-acme-commercial`).
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// The last day (UTC) on which the licence is valid.
    pub fn expires(&self) -> Date {
        self.expires
    }

    /// The features it unlocks.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Whether it lists `feature`.
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|listed| listed == feature)
    }

    /// Whether it lists `feature`; when it does not, says so in the log (at `info`), naming
    /// `what` stays unavailable (`acme-commercial:SlaEscalationPipe`), so a user who finds a
    /// key missing from `otai plugins` learns why.
    pub fn unlocks(&self, feature: &str, what: &str) -> bool {
        let unlocked = self.has_feature(feature);
        if !unlocked {
            tracing::info!(
                plugin = %self.plugin,
                licensee = %self.licensee,
                "the licence does not include the feature `{feature}`: {what} is not available"
            );
        }
        unlocked
    }

    /// Whether it is a trial licence.
    pub fn is_trial(&self) -> bool {
        self.trial
    }

    /// Signs the licence: the key text to hand to the customer.
    pub fn sign(&self, key: &VendorSigningKey) -> String {
        let payload = Payload {
            v: FORMAT_VERSION,
            licensee: self.licensee.clone(),
            plugin: self.plugin.clone(),
            expires: format_date(self.expires),
            features: self.features.clone(),
            trial: self.trial,
        };
        // A struct of strings, numbers and booleans always serializes.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let signature = key.signing_key().sign(&json);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

/// The signed JSON.
#[derive(Serialize, Deserialize)]
struct Payload {
    v: u32,
    licensee: String,
    plugin: String,
    expires: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    trial: bool,
}

/// `YYYY-MM-DD`.
pub(crate) fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text, &Iso8601::DATE)
        .map_err(|_| format!("`{text}` is not a date of the form YYYY-MM-DD"))
}

/// Why a key text was not accepted, before the plugin, the date and the server are looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Not a key at all; the text says why (never quoting the key).
    Malformed(String),
    /// Well-formed, but the signature does not match the payload under the public key.
    BadSignature,
}

/// Splits, checks the signature, then reads the payload; the payload is only trusted after
/// the signature matched.
pub(crate) fn decode(text: &str, public_key: &PublicKey) -> Result<License, DecodeError> {
    let malformed = |reason: &str| DecodeError::Malformed(reason.to_owned());
    let text = text.trim();
    if text.is_empty() {
        return Err(malformed("it is empty"));
    }
    let Some((payload_text, signature_text)) = text.split_once('.') else {
        return Err(malformed("it has no `.` between its two parts"));
    };
    if signature_text.contains('.') {
        return Err(malformed("it has more than one `.`"));
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload_text)
        .map_err(|_| malformed("its first part is not base64url text"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_text)
        .map_err(|_| malformed("its second part is not base64url text"))?;
    let signature = <[u8; 64]>::try_from(signature.as_slice()).map_err(|_| {
        DecodeError::Malformed(format!(
            "its second part holds {} bytes where a signature has 64 (the key is cut short or has extra characters)",
            signature.len()
        ))
    })?;
    public_key
        .verifying_key()
        .verify_strict(&payload, &Signature::from_bytes(&signature))
        .map_err(|_| DecodeError::BadSignature)?;
    // Signed by the vendor, so a bad payload is the vendor's tool's fault or a newer format.
    let payload: Payload = serde_json::from_slice(&payload)
        .map_err(|error| malformed(&format!("its content is not a licence ({error})")))?;
    if payload.v != FORMAT_VERSION {
        return Err(DecodeError::Malformed(format!(
            "it is in format version {} and this plugin reads version {FORMAT_VERSION}; update the plugin",
            payload.v
        )));
    }
    let expires = parse_date(&payload.expires)
        .map_err(|reason| DecodeError::Malformed(format!("its expiry date: {reason}")))?;
    Ok(License {
        licensee: payload.licensee,
        plugin: payload.plugin,
        expires,
        features: payload.features,
        trial: payload.trial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> VendorSigningKey {
        VendorSigningKey::from_seed([1; 32])
    }

    fn date(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    #[test]
    fn a_signed_licence_decodes_to_itself() {
        let license = License::new("Example GmbH", "otai-acme-commercial", date("2030-01-31"))
            .with_features(["sentiment", "escalation"])
            .with_trial(true);
        let text = license.sign(&key());
        assert_eq!(decode(&text, &key().public_key()), Ok(license.clone()));
        assert_eq!(
            decode(&format!("  {text}\n"), &key().public_key()),
            Ok(license)
        );
    }

    #[test]
    fn another_vendors_key_is_a_bad_signature() {
        let text = License::new("x", "p", date("2030-01-01")).sign(&key());
        let other = VendorSigningKey::from_seed([2; 32]).public_key();
        assert_eq!(decode(&text, &other), Err(DecodeError::BadSignature));
    }

    #[test]
    fn an_altered_payload_is_a_bad_signature() {
        let text = License::new("x", "p", date("2030-01-01")).sign(&key());
        let (payload, signature) = text.split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let forged = URL_SAFE_NO_PAD.encode(json.replace("2030", "2099"));
        assert_eq!(
            decode(&format!("{forged}.{signature}"), &key().public_key()),
            Err(DecodeError::BadSignature)
        );
    }

    #[test]
    fn malformed_texts_say_why_without_quoting_the_key() {
        let cases = [
            ("", "empty"),
            ("abc", "no `.`"),
            ("a.b.c", "more than one"),
            ("@@@.AAAA", "first part"),
            ("AAAA.@@@", "second part"),
            ("AAAA.AAAA", "3 bytes"),
        ];
        for (text, expected) in cases {
            match decode(text, &key().public_key()) {
                Err(DecodeError::Malformed(reason)) => {
                    assert!(reason.contains(expected), "{text:?}: {reason}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_signed_payload_of_another_version_asks_for_an_update() {
        let json = br#"{"v":2,"licensee":"x","plugin":"p","expires":"2030-01-01"}"#;
        let signature = key().signing_key().sign(json);
        let text = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json),
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        );
        match decode(&text, &key().public_key()) {
            Err(DecodeError::Malformed(reason)) => assert!(reason.contains("update"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dates_are_year_month_day() {
        assert_eq!(format_date(date("2027-03-04")), "2027-03-04");
        assert!(parse_date("04.03.2027").unwrap_err().contains("YYYY-MM-DD"));
    }
}
