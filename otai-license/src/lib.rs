//! # otai-license — licensing kit for commercial Open Ticket AI plugins
//!
//! A vendor of a closed or paid plugin issues *licence keys*: a small JSON payload (licensee,
//! plugin, expiry date, features, trial flag) signed with the vendor's Ed25519 signing key, in
//! the compact text form `base64url(payload).base64url(signature)`. The plugin carries only
//! the vendor's *public* key, so it can check a key offline but cannot make one.
//!
//! In `Plugin::create`, verify the key and refuse to start without a valid one; `otai run`
//! and `otai check` then show the message verbatim, and it says what to do:
//!
//! ```
//! use otai::prelude::*;
//! use otai_license::LicenseVerifier;
//!
//! /// The vendor's public key, printed by `otai-license keygen`.
//! const PUBLIC_KEY: &str = "aSpQMqFmBhgSE8y-rIXMvVQE7o9ngt8-XFgWxBkwRuE";
//!
//! #[otai::plugin(prefix = "acme")]
//! #[derive(Debug, Default)]
//! pub struct AcmePlugin {
//!     premium: bool,
//! }
//!
//! impl Plugin for AcmePlugin {
//!     fn create(config: &AppConfig) -> Result<Self, PluginError> {
//!         // `config` also sees the `.env` beside the config file.
//!         let license = LicenseVerifier::new(PUBLIC_KEY)
//!             .for_plugin(env!("CARGO_PKG_NAME"))
//!             .contact("sales@acme.example")
//!             .verify_in(config, "ACME_LICENSE_KEY")?;
//!         Ok(Self { premium: license.has_feature("premium") })
//!     }
//!
//!     fn injectables(&self) -> Vec<InjectableDescriptor> {
//!         Vec::new() // the free injectables, and the premium ones when `self.premium`
//!     }
//! }
//!
//! // Without ACME_LICENSE_KEY the plugin refuses, naming itself, the variable and where it
//! // was looked for:
//! let refused = AcmePlugin::create(&AppConfig::new().with_env("ACME_LICENSE_KEY", None));
//! assert!(refused.unwrap_err().to_string().contains("needs a licence key: ACME_LICENSE_KEY is not set"));
//! ```
//!
//! The vendor makes keys with the crate's binary (`otai-license keygen`, `otai-license sign
//! --licensee … --plugin … --expires YYYY-MM-DD [--features a,b] [--trial]`) or with
//! [`License::sign`]. With the Cargo feature `online`, `OnlineCheck` also asks the vendor's
//! licence server, with a cached success and a grace period while it is unreachable.
//!
//! Keys are bearer secrets and signing keys are the vendor's crown jewels: neither appears in
//! an error message, a log line or `Debug` output of this crate.
//!
//! Static linking means the plugin's source (or its crate, from a private registry) is on the
//! customer's machine: the check keeps honest customers honest and makes licence terms
//! visible; it is not copy protection against someone who edits the code.

mod env;
mod error;
mod keys;
mod license;
#[cfg(feature = "online")]
mod online;
mod verify;

pub use env::{EnvSource, ProcessEnv};
pub use error::LicenseError;
pub use keys::{KeyError, PublicKey, VendorSigningKey};
pub use license::{parse_date, License, FORMAT_VERSION};
#[cfg(feature = "online")]
pub use online::OnlineCheck;
pub use time::Date;
pub use verify::LicenseVerifier;
