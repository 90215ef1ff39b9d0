//! The optional online check (feature `online`): asks the vendor's licence server whether a
//! licence is still good (not revoked, not refunded), remembers the last success in a cache
//! file, and lets the plugin start for a grace period (24 h by default) while the server
//! cannot be reached.
//!
//! Protocol: `GET {url}/{licence id}`, where the licence id is the first 16 bytes of the key's
//! SHA-256 in hex (the key itself never leaves the machine). The server answers `200` with
//! `{"valid": true}` or `{"valid": false, "reason": "refunded"}`; `404` means it does not know
//! the licence. Any other answer, or none, counts as unreachable.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::LicenseError;
use crate::license::License;

/// Where and how to confirm licences online; add it with
/// [`crate::LicenseVerifier::online`].
#[derive(Debug, Clone)]
pub struct OnlineCheck {
    url: String,
    cache_file: PathBuf,
    grace: Duration,
    timeout: Duration,
    now: Option<SystemTime>,
}

/// The server's answer.
#[derive(Deserialize)]
struct Answer {
    valid: bool,
    #[serde(default)]
    reason: Option<String>,
}

/// The cache file: which licence was last confirmed, and when.
#[derive(Serialize, Deserialize)]
struct Cached {
    license_id: String,
    checked_at: u64,
}

/// What the server said, or why it said nothing.
enum Outcome {
    Valid,
    Rejected(String),
    Unreachable(String),
}

impl OnlineCheck {
    /// Checks against the server at `url` (e.g. `https://licences.acme.example/v1/licences`),
    /// caching the last success in `cache_file`. Grace period 24 h, request timeout 10 s.
    pub fn new(url: impl Into<String>, cache_file: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into().trim_end_matches('/').to_owned(),
            cache_file: cache_file.into(),
            grace: Duration::from_secs(24 * 60 * 60),
            timeout: Duration::from_secs(10),
            now: None,
        }
    }

    /// How long after the last successful check the plugin may start without the server.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How long one request may take.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Judges the grace period as if it were `now`; for tests. Without it, the system clock.
    pub fn now(mut self, now: SystemTime) -> Self {
        self.now = Some(now);
        self
    }

    /// The id the server knows a key by: not the key, from which it cannot be recovered.
    pub fn license_id(key: &str) -> String {
        Sha256::digest(key.trim().as_bytes())[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Confirms an offline-valid licence with the server, or within the grace period.
    pub(crate) fn confirm(
        &self,
        key: &str,
        license: &License,
        variable: &str,
        contact: &str,
    ) -> Result<(), LicenseError> {
        let id = Self::license_id(key);
        let now = self.now.unwrap_or_else(SystemTime::now);
        match self.ask(&id) {
            Outcome::Valid => {
                self.remember(&id, now);
                Ok(())
            }
            Outcome::Rejected(reason) => {
                self.forget();
                Err(LicenseError::Revoked {
                    plugin: license.plugin().into(),
                    variable: variable.into(),
                    licensee: license.licensee().into(),
                    reason: reason.into(),
                    contact: contact.into(),
                })
            }
            Outcome::Unreachable(cause) => match self.cached_age(&id, now) {
                Some(age) if age <= self.grace => {
                    tracing::warn!(
                        plugin = license.plugin(),
                        server = %self.url,
                        "the licence server cannot be reached ({cause}); the last successful check was {} ago, within the {} grace period",
                        humantime::format_duration(round(age)),
                        humantime::format_duration(self.grace),
                    );
                    Ok(())
                }
                age => Err(LicenseError::ServerUnreachable {
                    plugin: license.plugin().into(),
                    url: self.url.as_str().into(),
                    cause: cause.into(),
                    cache: match age {
                        Some(age) => format!(
                            "the last successful check was {} ago, longer than the {} grace period",
                            humantime::format_duration(round(age)),
                            humantime::format_duration(self.grace)
                        ),
                        None => "no earlier check of this licence succeeded".to_owned(),
                    }
                    .into(),
                    contact: contact.into(),
                }),
            },
        }
    }

    fn ask(&self, id: &str) -> Outcome {
        let agent = ureq::AgentBuilder::new().timeout(self.timeout).build();
        let response = match agent.get(&format!("{}/{id}", self.url)).call() {
            Ok(response) => response,
            Err(ureq::Error::Status(404, _)) => {
                return Outcome::Rejected("the server does not know this licence".to_owned())
            }
            Err(ureq::Error::Status(code, _)) => {
                return Outcome::Unreachable(format!("it answered HTTP {code}"))
            }
            Err(ureq::Error::Transport(error)) => {
                return Outcome::Unreachable(error.kind().to_string())
            }
        };
        let answer = response
            .into_string()
            .map_err(|error| error.to_string())
            .and_then(|body| {
                serde_json::from_str::<Answer>(&body).map_err(|error| error.to_string())
            });
        match answer {
            Ok(Answer { valid: true, .. }) => Outcome::Valid,
            Ok(Answer {
                valid: false,
                reason,
            }) => Outcome::Rejected(
                reason.unwrap_or_else(|| "the licence is no longer valid".to_owned()),
            ),
            Err(error) => Outcome::Unreachable(format!("its answer is not understood: {error}")),
        }
    }

    fn cached_age(&self, id: &str, now: SystemTime) -> Option<Duration> {
        let text = std::fs::read_to_string(&self.cache_file).ok()?;
        let cached: Cached = serde_json::from_str(&text).ok()?;
        if cached.license_id != id {
            return None;
        }
        let checked_at = UNIX_EPOCH + Duration::from_secs(cached.checked_at);
        // A check "in the future" (a clock set back) counts as just now.
        Some(now.duration_since(checked_at).unwrap_or_default())
    }

    fn remember(&self, id: &str, now: SystemTime) {
        let cached = Cached {
            license_id: id.to_owned(),
            checked_at: now
                .duration_since(UNIX_EPOCH)
                .map(|since| since.as_secs())
                .unwrap_or_default(),
        };
        if let Err(error) = write_atomically(&self.cache_file, &cached) {
            tracing::warn!(
                file = %self.cache_file.display(),
                "cannot cache the successful licence check ({error}); without the cache the plugin cannot start while the licence server is unreachable"
            );
        }
    }

    fn forget(&self) {
        let _ = std::fs::remove_file(&self.cache_file);
    }
}

fn round(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs())
}

fn write_atomically(file: &Path, cached: &Cached) -> std::io::Result<()> {
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let temporary = file.with_extension("tmp");
    std::fs::write(&temporary, serde_json::to_vec(cached)?)?;
    std::fs::rename(&temporary, file)
}
