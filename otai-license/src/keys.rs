//! The vendor's key pair: the signing key that issues licences and the public key compiled
//! into the plugin, both as text.
//!
//! Both are 32 bytes written as unpadded base64url (43 characters). A signing key file may
//! hold `#` comment lines around that one line.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};

/// Why a key text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Not base64url.
    #[error("not base64url text (A–Z, a–z, 0–9, `-`, `_`)")]
    NotBase64,
    /// Decoded to the wrong number of bytes.
    #[error("{0} bytes where an Ed25519 key has 32")]
    WrongLength(usize),
    /// 32 bytes that are not a point of the curve.
    #[error("not a valid Ed25519 public key")]
    NotOnCurve,
    /// A key file with no key line, or more than one.
    #[error("expected exactly one key line besides `#` comments, found {0}")]
    Lines(usize),
}

fn decode_32(text: &str) -> Result<[u8; 32], KeyError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| KeyError::NotBase64)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::WrongLength(bytes.len()))
}

/// The vendor's public key: compiled into the plugin, it checks licence signatures. Not a
/// secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads the text form `otai-license keygen` prints.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        VerifyingKey::from_bytes(&decode_32(text)?)
            .map(Self)
            .map_err(|_| KeyError::NotOnCurve)
    }

    /// The text form (43 characters of base64url).
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0.as_bytes())
    }

    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

/// The vendor's signing key: whoever holds it can issue licences. Its `Debug` shows only the
/// public half, and it is never logged.
#[derive(Clone)]
pub struct VendorSigningKey(SigningKey);

impl VendorSigningKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)?;
        Ok(Self::from_seed(seed))
    }

    /// The key of a 32-byte seed (tests use a fixed one; production keys come from
    /// [`VendorSigningKey::generate`]).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// Reads a key file's text (see [`VendorSigningKey::to_file_text`]) or the bare key
    /// line, as kept in an environment variable.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        match lines.as_slice() {
            [line] => decode_32(line).map(Self::from_seed),
            _ => Err(KeyError::Lines(lines.len())),
        }
    }

    /// The text of a key file: a warning comment and the key line.
    pub fn to_file_text(&self) -> String {
        format!(
            "# otai-license signing key (Ed25519). Whoever holds it can issue licences:\n\
             # keep it offline, never commit it, never paste it into a ticket or a log.\n\
             {}\n",
            URL_SAFE_NO_PAD.encode(self.0.to_bytes())
        )
    }

    /// The public key that checks this key's signatures; compile it into the plugin.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.0
    }
}

impl std::fmt::Debug for VendorSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorSigningKey")
            .field("public_key", &self.public_key().to_text())
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_text() {
        let key = VendorSigningKey::from_seed([7; 32]);
        let again = VendorSigningKey::parse(&key.to_file_text()).unwrap();
        assert_eq!(again.public_key(), key.public_key());
        let public = PublicKey::parse(&key.public_key().to_text()).unwrap();
        assert_eq!(public, key.public_key());
        assert_eq!(key.public_key().to_text().len(), 43);
    }

    #[test]
    fn generated_keys_differ() {
        let a = VendorSigningKey::generate().unwrap();
        let b = VendorSigningKey::generate().unwrap();
        assert_ne!(a.public_key(), b.public_key());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = VendorSigningKey::from_seed([9; 32]);
        let secret_line = key.to_file_text().lines().last().unwrap().to_owned();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&secret_line), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn bad_key_texts_say_what_is_wrong() {
        assert_eq!(PublicKey::parse("not base64!"), Err(KeyError::NotBase64));
        assert_eq!(PublicKey::parse("AAAA"), Err(KeyError::WrongLength(3)));
        assert_eq!(
            VendorSigningKey::parse("# only a comment\n").map(|_| ()),
            Err(KeyError::Lines(0))
        );
        assert_eq!(
            VendorSigningKey::parse("a\nb\n").map(|_| ()),
            Err(KeyError::Lines(2))
        );
    }
}
