//! Checking a licence key: signature, plugin, expiry, and optionally the licence server.

use time::{Date, OffsetDateTime};

use crate::env::{EnvSource, ProcessEnv};
use crate::error::LicenseError;
use crate::keys::PublicKey;
use crate::license::{decode, DecodeError, License};

/// Checks licence keys against the vendor's public key, for one plugin.
///
/// Built once per check (it is cheap); the public key is parsed here, and a wrong one is
/// reported by the first verification as [`LicenseError::Misconfigured`] (a test of the
/// plugin catches it before it ships). Offline by default: nothing leaves the process unless
/// an `OnlineCheck` is added (feature `online`).
#[derive(Debug, Clone)]
pub struct LicenseVerifier {
    public_key: Result<PublicKey, String>,
    plugin: Option<String>,
    contact: Option<String>,
    today: Option<Date>,
    #[cfg(feature = "online")]
    online: Option<crate::online::OnlineCheck>,
}

impl LicenseVerifier {
    /// A verifier for keys signed by the holder of `public_key` (the text
    /// `otai-license keygen` printed).
    pub fn new(public_key: &str) -> Self {
        Self {
            public_key: PublicKey::parse(public_key)
                .map_err(|error| format!("its public key is not usable: {error}")),
            plugin: None,
            contact: None,
            today: None,
            #[cfg(feature = "online")]
            online: None,
        }
    }

    /// The plugin the key must be issued for, usually `env!("CARGO_PKG_NAME")`. Required: a
    /// verifier that names no plugin accepts no key, so that a vendor's key for one plugin
    /// never unlocks another.
    pub fn for_plugin(mut self, plugin: impl Into<String>) -> Self {
        self.plugin = Some(plugin.into());
        self
    }

    /// Where users get or renew a licence (an address, a URL); appended to every message.
    pub fn contact(mut self, contact: impl Into<String>) -> Self {
        self.contact = Some(contact.into());
        self
    }

    /// Judges expiry as if today (UTC) were `today`; for tests. Without it, the system clock.
    pub fn today(mut self, today: Date) -> Self {
        self.today = Some(today);
        self
    }

    /// Also asks the vendor's licence server (feature `online`); see [`crate::OnlineCheck`].
    #[cfg(feature = "online")]
    pub fn online(mut self, check: crate::online::OnlineCheck) -> Self {
        self.online = Some(check);
        self
    }

    /// Verifies the key in the process environment variable `variable`.
    ///
    /// A plugin should prefer [`LicenseVerifier::verify_in`] with its `&AppConfig`, which also
    /// sees the `.env` file beside the config.
    pub fn verify_env(&self, variable: &str) -> Result<License, LicenseError> {
        self.verify_in(&ProcessEnv, variable)
    }

    /// Verifies the key in `variable` of `env`: in `Plugin::create`, pass the `&AppConfig`
    /// it receives, so a key kept in the config's `.env` is found.
    pub fn verify_in(&self, env: &impl EnvSource, variable: &str) -> Result<License, LicenseError> {
        let plugin = self.plugin_name()?;
        match env.var(variable) {
            Some(key) if !key.trim().is_empty() => self.check(&key, variable),
            _ => Err(LicenseError::Missing {
                plugin: plugin.into(),
                variable: variable.into(),
                place: env.place(variable).into(),
                contact: self.contact_suffix(),
            }),
        }
    }

    /// Verifies a key given as text (read from a file, say); `origin` is what messages call
    /// its place (`/etc/acme/licence.key`).
    pub fn verify_key(&self, key: &str, origin: &str) -> Result<License, LicenseError> {
        self.check(key, origin)
    }

    fn plugin_name(&self) -> Result<&str, LicenseError> {
        self.plugin
            .as_deref()
            .ok_or_else(|| LicenseError::Misconfigured {
                plugin: "a plugin".into(),
                reason: "the LicenseVerifier names no plugin (call `.for_plugin(env!(\"CARGO_PKG_NAME\"))`)".into(),
                contact: self.contact_suffix(),
            })
    }

    fn contact_suffix(&self) -> Box<str> {
        self.contact
            .as_deref()
            .map(|contact| format!(" — contact {contact}"))
            .unwrap_or_default()
            .into()
    }

    fn check(&self, key: &str, variable: &str) -> Result<License, LicenseError> {
        let plugin: Box<str> = self.plugin_name()?.into();
        let contact = self.contact_suffix();
        let variable: Box<str> = variable.into();
        let public_key =
            self.public_key
                .as_ref()
                .map_err(|reason| LicenseError::Misconfigured {
                    plugin: plugin.clone(),
                    reason: reason.as_str().into(),
                    contact: contact.clone(),
                })?;
        let license = match decode(key, public_key) {
            Ok(license) => license,
            Err(DecodeError::Malformed(reason)) => {
                return Err(LicenseError::Malformed {
                    plugin,
                    variable,
                    reason: reason.into(),
                    contact,
                })
            }
            Err(DecodeError::BadSignature) => {
                return Err(LicenseError::BadSignature {
                    plugin,
                    variable,
                    contact,
                })
            }
        };
        if license.plugin() != &*plugin {
            return Err(LicenseError::WrongPlugin {
                plugin,
                variable,
                key_plugin: license.plugin().into(),
                contact,
            });
        }
        let today = self
            .today
            .unwrap_or_else(|| OffsetDateTime::now_utc().date());
        if today > license.expires() {
            let licensee: Box<str> = license.licensee().into();
            return Err(if license.is_trial() {
                LicenseError::TrialOver {
                    plugin,
                    variable,
                    licensee,
                    ended_on: license.expires(),
                    contact,
                }
            } else {
                LicenseError::Expired {
                    plugin,
                    variable,
                    licensee,
                    expired_on: license.expires(),
                    contact,
                }
            });
        }
        #[cfg(feature = "online")]
        if let Some(online) = &self.online {
            online.confirm(key, &license, &variable, &contact)?;
        }
        tracing::info!(
            plugin = %plugin,
            licensee = license.licensee(),
            expires = %crate::license::format_date(license.expires()),
            trial = license.is_trial(),
            features = ?license.features(),
            "licence accepted"
        );
        Ok(license)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::VendorSigningKey;
    use crate::license::parse_date;

    const PLUGIN: &str = "otai-acme-commercial";

    fn vendor() -> VendorSigningKey {
        VendorSigningKey::from_seed([3; 32])
    }

    fn date(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    fn verifier() -> LicenseVerifier {
        LicenseVerifier::new(&vendor().public_key().to_text())
            .for_plugin(PLUGIN)
            .today(date("2027-06-15"))
    }

    /// A map of variables standing in for the environment, with a place of its own.
    struct Vars(Vec<(&'static str, String)>);

    impl EnvSource for Vars {
        fn var(&self, name: &str) -> Option<String> {
            self.0
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
        }

        fn place(&self, _name: &str) -> String {
            "read from the test's variables".to_owned()
        }
    }

    fn with_key(key: String) -> Vars {
        Vars(vec![("ACME_LICENSE_KEY", key)])
    }

    fn verify(key: String) -> Result<License, LicenseError> {
        verifier().verify_in(&with_key(key), "ACME_LICENSE_KEY")
    }

    fn license() -> License {
        License::new("Example GmbH", PLUGIN, date("2027-06-30")).with_features(["sentiment"])
    }

    #[test]
    fn a_valid_key_gives_the_licence() {
        let license = verify(license().sign(&vendor())).unwrap();
        assert_eq!(license.licensee(), "Example GmbH");
        assert_eq!(license.plugin(), PLUGIN);
        assert_eq!(license.expires(), date("2027-06-30"));
        assert!(license.has_feature("sentiment"));
        assert!(!license.has_feature("escalation"));
        assert!(!license.is_trial());
    }

    #[test]
    fn the_expiry_day_itself_is_still_valid() {
        let key = license().sign(&vendor());
        let on_the_day = verifier().today(date("2027-06-30"));
        assert!(on_the_day.verify_key(&key, "KEY").is_ok());
        let day_after = verifier().today(date("2027-07-01"));
        assert!(matches!(
            day_after.verify_key(&key, "KEY"),
            Err(LicenseError::Expired { .. })
        ));
    }

    #[test]
    fn missing_says_which_variable_and_where_it_is_read() {
        for vars in [Vars(Vec::new()), with_key("  ".to_owned())] {
            let error = verifier()
                .contact("sales@acme.example")
                .verify_in(&vars, "ACME_LICENSE_KEY")
                .unwrap_err();
            assert!(matches!(error, LicenseError::Missing { .. }), "{error:?}");
            assert_eq!(
                error.to_string(),
                "otai-acme-commercial needs a licence key: ACME_LICENSE_KEY is not set (read from the test's variables). Set ACME_LICENSE_KEY to the licence key you received — contact sales@acme.example"
            );
        }
    }

    #[test]
    fn verify_env_reads_the_process_environment() {
        let error = verifier()
            .verify_env("OTAI_LICENSE_TEST_SURELY_UNSET_VARIABLE")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("OTAI_LICENSE_TEST_SURELY_UNSET_VARIABLE is not set (read from the environment of this process)"),
            "{error}"
        );
    }

    #[test]
    fn malformed_names_the_variable_and_the_fix_but_not_the_key() {
        let error = verify("hello-world".to_owned()).unwrap_err();
        assert!(matches!(error, LicenseError::Malformed { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.starts_with("otai-acme-commercial: the licence key in ACME_LICENSE_KEY is malformed: it has no `.`"), "{text}");
        assert!(text.contains("Copy the whole key again"), "{text}");
        assert!(!text.contains("hello-world"), "{text}");
    }

    #[test]
    fn a_truncated_key_is_malformed() {
        let key = license().sign(&vendor());
        let error = verify(key[..key.len() - 5].to_owned()).unwrap_err();
        assert!(matches!(error, LicenseError::Malformed { .. }), "{error:?}");
    }

    #[test]
    fn a_key_of_another_vendor_is_a_bad_signature() {
        let key = license().sign(&VendorSigningKey::from_seed([4; 32]));
        let error = verify(key).unwrap_err();
        assert!(
            matches!(error, LicenseError::BadSignature { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("not issued for this plugin"));
    }

    #[test]
    fn expired_names_the_date() {
        let key = License::new("Example GmbH", PLUGIN, date("2027-01-31")).sign(&vendor());
        let error = verify(key).unwrap_err();
        assert_eq!(
            error.to_string(),
            "otai-acme-commercial: the licence of Example GmbH expired on 2027-01-31. Renew it and set ACME_LICENSE_KEY to the new key"
        );
    }

    #[test]
    fn a_trial_past_its_end_is_trial_over() {
        let key = License::new("Example GmbH", PLUGIN, date("2027-05-01"))
            .with_trial(true)
            .sign(&vendor());
        let error = verify(key).unwrap_err();
        assert!(matches!(error, LicenseError::TrialOver { .. }), "{error:?}");
        assert!(error
            .to_string()
            .contains("trial licence of Example GmbH ended on 2027-05-01. Buy a licence"));
        let running = License::new("Example GmbH", PLUGIN, date("2027-07-01"))
            .with_trial(true)
            .sign(&vendor());
        assert!(verify(running).unwrap().is_trial());
    }

    #[test]
    fn a_key_for_another_plugin_is_refused() {
        let key =
            License::new("Example GmbH", "otai-acme-other", date("2030-01-01")).sign(&vendor());
        let error = verify(key).unwrap_err();
        assert_eq!(
            error.to_string(),
            "otai-acme-commercial: the licence key in ACME_LICENSE_KEY is for the plugin `otai-acme-other`, not `otai-acme-commercial`. Set ACME_LICENSE_KEY to the key issued for otai-acme-commercial"
        );
    }

    #[test]
    fn a_verifier_without_a_plugin_accepts_nothing() {
        let key = license().sign(&vendor());
        let error = LicenseVerifier::new(&vendor().public_key().to_text())
            .verify_key(&key, "KEY")
            .unwrap_err();
        assert!(
            matches!(error, LicenseError::Misconfigured { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("for_plugin"), "{error}");
    }

    #[test]
    fn a_broken_public_key_is_the_vendors_bug() {
        let error = LicenseVerifier::new("not-a-key")
            .for_plugin(PLUGIN)
            .verify_key(&license().sign(&vendor()), "KEY")
            .unwrap_err();
        assert!(
            matches!(error, LicenseError::Misconfigured { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("report it to its vendor"),
            "{error}"
        );
    }

    /// The key with its licensee changed and the vendor's signature kept.
    fn tamper(key: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        let (payload, signature) = key.split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        let forged = json.replace("Example GmbH", "Someone Else");
        assert_ne!(forged, json);
        format!("{}.{signature}", URL_SAFE_NO_PAD.encode(forged))
    }

    #[test]
    fn a_tampered_key_is_a_bad_signature() {
        let error = verify(tamper(&license().sign(&vendor()))).unwrap_err();
        assert!(
            matches!(error, LicenseError::BadSignature { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn no_message_and_no_debug_output_holds_the_key() {
        let key = license().sign(&vendor());
        let signature = key.split_once('.').unwrap().1.to_owned();
        let tampered = tamper(&key);
        let verifier = verifier();
        let shown = [
            format!("{:?}", verify(key.clone())),
            format!("{:?}", verify(tampered.clone())),
            format!("{}", verify(tampered).unwrap_err()),
            format!("{verifier:?}"),
        ];
        for text in shown {
            assert!(!text.contains(&signature), "{text}");
        }
    }
}
