//! Why a licence was not accepted, in words that tell the user what to do.

use time::Date;

/// Why a licence key was not accepted.
///
/// Every message names the plugin, says what is wrong and what to do about it, and never
/// quotes the key (a key is a bearer secret: whoever holds it can use the licence).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LicenseError {
    /// No key where the plugin looks for it.
    #[error("{plugin} needs a licence key: {variable} is not set ({place}). Set {variable} to the licence key you received{contact}")]
    Missing {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// The variable the key is read from.
        variable: Box<str>,
        /// Where the variable is read from (the environment, the config's `.env`).
        place: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// The text is not a licence key (cut short, a stray character, another kind of token).
    #[error("{plugin}: the licence key in {variable} is malformed: {reason}. Copy the whole key again, exactly as you received it (two base64url parts joined by a dot, no spaces){contact}")]
    Malformed {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// What is wrong with it (never the key itself).
        reason: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// The signature does not match: the key was altered, or issued by someone else.
    #[error("{plugin}: the licence key in {variable} was not issued for this plugin by its vendor (the signature does not match; the key may have been altered). Use the key exactly as you received it{contact}")]
    BadSignature {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// A paid licence past its expiry date.
    #[error("{plugin}: the licence of {licensee} expired on {expired_on}. Renew it and set {variable} to the new key{contact}")]
    Expired {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// Who the licence was issued to.
        licensee: Box<str>,
        /// The last day the licence was valid.
        expired_on: Date,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// A trial licence past its end.
    #[error("{plugin}: the trial licence of {licensee} ended on {ended_on}. Buy a licence and set {variable} to its key{contact}")]
    TrialOver {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// Who the trial was issued to.
        licensee: Box<str>,
        /// The last day of the trial.
        ended_on: Date,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// A genuine key, for a different plugin of the same vendor.
    #[error("{plugin}: the licence key in {variable} is for the plugin `{key_plugin}`, not `{plugin}`. Set {variable} to the key issued for {plugin}{contact}")]
    WrongPlugin {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// The plugin the key was issued for.
        key_plugin: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// The licence server says the licence is no longer valid (feature `online`).
    #[error("{plugin}: the licence server rejected the licence of {licensee}: {reason}. Set {variable} to a valid key{contact}")]
    Revoked {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// Where the key came from.
        variable: Box<str>,
        /// Who the licence was issued to.
        licensee: Box<str>,
        /// The server's reason.
        reason: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// The licence server could not be asked, and no successful check within the grace
    /// period is cached (feature `online`).
    #[error("{plugin}: the licence server at {url} cannot be reached ({cause}) and {cache}. Allow otai to reach {url}, then start again{contact}")]
    ServerUnreachable {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// The server's address.
        url: Box<str>,
        /// Why it could not be asked.
        cause: Box<str>,
        /// What the cache held: "no earlier check succeeded" or "the last successful check
        /// was 3 days ago, longer than the 24h grace period".
        cache: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
    /// The plugin's own licence check is wrong: a mistake of the plugin's vendor, not of the
    /// user.
    #[error("{plugin}: the plugin's licence check is broken: {reason}. This is a bug of the plugin; report it to its vendor{contact}")]
    Misconfigured {
        /// The plugin whose licence is checked.
        plugin: Box<str>,
        /// What is wrong.
        reason: Box<str>,
        /// ` — contact …` or empty.
        contact: Box<str>,
    },
}

#[cfg(feature = "otai")]
impl From<LicenseError> for otai::PluginError {
    /// A refusal to start whose message is the licence error's, shown verbatim by `otai run`
    /// and `otai check`.
    fn from(error: LicenseError) -> Self {
        otai::PluginError::refused(error.to_string())
    }
}
