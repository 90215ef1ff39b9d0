//! The trigger secret: how a request presents it and how it is checked.
//!
//! A request presents the secret as `Authorization: Bearer SECRET`, or as the password of
//! HTTP basic auth (`Authorization: Basic base64(user:SECRET)`, any user name), which is what
//! OTOBO's and Znuny's HTTP::REST requester sends. The comparison takes the same time
//! whatever the bytes are (`subtle`, the constant-time primitives of the dalek
//! cryptography crates), so the secret cannot be guessed byte by byte from answer times;
//! only its length may show. Neither the presented value nor the secret is ever logged.

use base64::Engine as _;
use hyper::header::{HeaderMap, AUTHORIZATION};
use subtle::ConstantTimeEq;

use crate::secret::Secret;

/// What a request presented.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Presented {
    /// No `Authorization` header, or one of another scheme.
    Nothing,
    /// The secret (a candidate for it).
    Secret(Secret),
}

/// The secret `headers` present, if any.
pub(crate) fn presented(headers: &HeaderMap) -> Presented {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Presented::Nothing;
    };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        return Presented::Secret(Secret::new(rest));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        if let Some((_user, password)) = decoded.as_deref().and_then(|text| text.split_once(':')) {
            return Presented::Secret(Secret::new(password));
        }
    }
    Presented::Nothing
}

/// Whether `presented` is `secret`, compared in constant time.
pub(crate) fn matches(secret: &Secret, presented: &Secret) -> bool {
    bool::from(
        secret
            .expose()
            .as_bytes()
            .ct_eq(presented.expose().as_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use hyper::header::HeaderValue;

    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn reads_bearer_tokens_and_basic_passwords() {
        assert_eq!(
            presented(&with_authorization("Bearer s3cret")),
            Presented::Secret(Secret::new("s3cret"))
        );
        // "otobo:pass:with:colons"
        let basic = base64::engine::general_purpose::STANDARD.encode("otobo:pass:with:colons");
        assert_eq!(
            presented(&with_authorization(&format!("Basic {basic}"))),
            Presented::Secret(Secret::new("pass:with:colons"))
        );
        assert_eq!(presented(&HeaderMap::new()), Presented::Nothing);
        assert_eq!(
            presented(&with_authorization("Basic !!!")),
            Presented::Nothing
        );
        assert_eq!(
            presented(&with_authorization("Bearer ")),
            Presented::Nothing
        );
        assert_eq!(
            presented(&with_authorization("Digest x")),
            Presented::Nothing
        );
    }

    #[test]
    fn compares_whole_secrets() {
        let secret = Secret::new("correct horse");
        assert!(matches(&secret, &Secret::new("correct horse")));
        assert!(!matches(&secret, &Secret::new("correct hors")));
        assert!(!matches(&secret, &Secret::new("correct horsE")));
        assert!(!matches(&secret, &Secret::new("")));
    }
}
