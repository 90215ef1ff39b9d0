//! `otai-license`: the plugin vendor's key tool.
//!
//! `keygen` makes the vendor's key pair (the signing key into a file, the public key on
//! standard output, to compile into the plugin); `sign` issues a licence key. The signing key
//! is read from `--key-file` or the variable `OTAI_LICENSE_SIGNING_KEY`, and is never printed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use otai_license::{parse_date, License, VendorSigningKey};

/// The variable `sign` reads the signing key from when no `--key-file` is given.
const SIGNING_KEY_VARIABLE: &str = "OTAI_LICENSE_SIGNING_KEY";

/// Issues licence keys for commercial Open Ticket AI plugins (Ed25519).
#[derive(Debug, Parser)]
#[command(name = "otai-license", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a new key pair: the signing key goes into a file (owner-only), the public key to
    /// standard output, ready to paste into the plugin's source.
    Keygen {
        /// Where to write the signing key. Keep it offline; never commit it.
        #[arg(long, value_name = "FILE", default_value = "otai-license-signing.key")]
        out: PathBuf,
        /// Replace an existing file (every key signed with the old one stops verifying once
        /// the plugin carries the new public key).
        #[arg(long)]
        force: bool,
    },
    /// Issue a licence key; prints it (only it) to standard output.
    ///
    /// The signing key comes from --key-file, else from the variable OTAI_LICENSE_SIGNING_KEY
    /// (its key line).
    Sign {
        /// Who the licence is for (shown in messages, e.g. "expired: licence of …").
        #[arg(long)]
        licensee: String,
        /// The plugin's package name, as the plugin's verifier names it
        /// (`otai-acme-commercial`).
        #[arg(long)]
        plugin: String,
        /// The last day (UTC) the licence is valid, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        expires: otai_license::Date,
        /// Features the licence unlocks, comma-separated.
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        features: Vec<String>,
        /// A trial licence: its end reads "trial over" and asks the user to buy one.
        #[arg(long)]
        trial: bool,
        /// The signing key file written by `keygen`.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Keygen { out, force } => keygen(&out, force),
        Command::Sign {
            licensee,
            plugin,
            expires,
            features,
            trial,
            key_file,
        } => {
            if plugin.trim().is_empty() || licensee.trim().is_empty() {
                return Err("--plugin and --licensee must not be empty".to_owned());
            }
            let key = signing_key(key_file.as_deref())?;
            let features: Vec<String> = features
                .into_iter()
                .map(|feature| feature.trim().to_owned())
                .filter(|feature| !feature.is_empty())
                .collect();
            let license = License::new(licensee, plugin, expires)
                .with_features(features)
                .with_trial(trial);
            if expires < time::OffsetDateTime::now_utc().date() {
                eprintln!("warning: the licence expires on {expires}, which is in the past");
            }
            println!("{}", license.sign(&key));
            eprintln!(
                "signed: licensee {:?}, plugin {}, valid through {}, features [{}]{}",
                license.licensee(),
                license.plugin(),
                license.expires(),
                license.features().join(", "),
                if license.is_trial() { ", trial" } else { "" }
            );
            Ok(())
        }
    }
}

fn keygen(out: &Path, force: bool) -> Result<(), String> {
    let key = VendorSigningKey::generate()
        .map_err(|error| format!("the system's random generator failed: {error}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(out).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} exists; keys signed with it would stop verifying if it were replaced. Choose another --out, or pass --force",
                out.display()
            )
        } else {
            format!("cannot create {}: {error}", out.display())
        }
    })?;
    file.write_all(key.to_file_text().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| format!("cannot write {}: {error}", out.display()))?;
    let public = key.public_key().to_text();
    println!("{public}");
    eprintln!(
        "wrote the signing key to {} (keep it secret and offline).\n\
         Put the public key into the plugin:\n    const PUBLIC_KEY: &str = \"{public}\";",
        out.display()
    );
    Ok(())
}

fn signing_key(file: Option<&Path>) -> Result<VendorSigningKey, String> {
    let (text, origin) = match file {
        Some(file) => (
            std::fs::read_to_string(file)
                .map_err(|error| format!("cannot read the signing key {}: {error}", file.display()))?,
            file.display().to_string(),
        ),
        None => (
            std::env::var(SIGNING_KEY_VARIABLE).map_err(|_| {
                format!("no signing key: pass --key-file FILE (written by `otai-license keygen`) or set {SIGNING_KEY_VARIABLE} to its key line")
            })?,
            SIGNING_KEY_VARIABLE.to_owned(),
        ),
    };
    VendorSigningKey::parse(&text)
        .map_err(|error| format!("{origin} does not hold a signing key: {error}"))
}
