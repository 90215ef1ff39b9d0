//! HTTPS as on-premise helpdesks serve it: a server certificate signed by an internal CA,
//! trusted through `ca_certificate`; and what happens without that CA, with a certificate
//! for another host, and with `accept_invalid_certs`. The certificates are made here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, UnifiedEntity};
use otai::Secret;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, StartError, TlsIdentity};
use otai_otobo_znuny::{OTOBOZnunyTicketSystemService, OtoboError, OtoboZnunyParams, TlsProblem};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use support::{note, seed, FakeOtoboProcess, PASSWORD};

/// An internal CA, written to `ca.pem` in its own directory.
struct InternalCa {
    issuer: Issuer<'static, KeyPair>,
    directory: tempfile::TempDir,
}

impl InternalCa {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Example Corp Internal CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let certificate = params.self_signed(&key).unwrap();
        let directory = tempfile::tempdir().unwrap();
        std::fs::write(directory.path().join("ca.pem"), certificate.pem()).unwrap();
        Self {
            issuer: Issuer::new(params, key),
            directory,
        }
    }

    fn pem_file(&self) -> PathBuf {
        self.directory.path().join("ca.pem")
    }

    /// A server certificate for `names` (host names or IP addresses) signed by this CA.
    fn server_identity(&self, names: &[&str]) -> TlsIdentity {
        self.sign(CertificateParams::new(names_of(names)).unwrap())
    }

    /// A server certificate for `names` that expired in 2020.
    fn expired_server_identity(&self, names: &[&str]) -> TlsIdentity {
        let mut params = CertificateParams::new(names_of(names)).unwrap();
        params.not_before = rcgen::date_time_ymd(2019, 1, 1);
        params.not_after = rcgen::date_time_ymd(2020, 1, 1);
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> TlsIdentity {
        let key = KeyPair::generate().unwrap();
        let certificate = params.signed_by(&key, &self.issuer).unwrap();
        TlsIdentity::new(certificate.pem(), key.serialize_pem())
    }
}

fn names_of(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

async fn start_https(identity: TlsIdentity) -> FakeOtobo {
    FakeOtobo::start(
        FakeOtoboConfig::new(seed())
            .with_password(PASSWORD)
            .with_tls(identity),
    )
    .await
    .unwrap()
}

fn params(server: &FakeOtobo) -> OtoboZnunyParams {
    let mut params = OtoboZnunyParams::new(server.base_url(), Secret::new(PASSWORD));
    params.max_retries = 0;
    params
}

fn incoming() -> TicketSearchCriteria {
    TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit: 100,
        offset: 0,
    }
}

#[tokio::test]
async fn a_server_certificate_signed_by_the_ca_certificate_is_trusted() {
    let ca = InternalCa::new();
    let server = start_https(ca.server_identity(&["127.0.0.1", "localhost"])).await;
    assert!(server.base_url().starts_with("https://127.0.0.1:"));
    let mut params = params(&server);
    params.ca_certificate = Some(ca.pem_file());

    let service = OTOBOZnunyTicketSystemService::new(&params).unwrap();
    service.connect().await.unwrap();
    let tickets = service.find_tickets(&incoming()).await.unwrap();
    assert_eq!(tickets.len(), 4);
    service
        .add_note("1001", &note("Checked", "Over HTTPS."))
        .await
        .unwrap();
    assert_eq!(server.ticket(1001).unwrap().articles.len(), 2);
}

#[tokio::test]
async fn without_the_ca_the_certificate_is_refused_before_anything_is_sent() {
    let ca = InternalCa::new();
    let server = start_https(ca.server_identity(&["127.0.0.1"])).await;

    let error = OTOBOZnunyTicketSystemService::new(&params(&server))
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(error, OtoboError::Tls { .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "TicketSearch (route `ticket-search`) failed: TLS handshake with {} failed:",
            server.address()
        )),
        "{text}"
    );
    assert!(text.contains("UnknownIssuer"), "{text}");
    assert!(
        matches!(
            error,
            OtoboError::Tls {
                problem: TlsProblem::UnknownIssuer,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.never_reached_server());
    assert!(!text.contains(PASSWORD) && !format!("{error:?}").contains(PASSWORD));
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused_even_from_the_trusted_ca() {
    let ca = InternalCa::new();
    let server = start_https(ca.server_identity(&["otobo.example.com"])).await;
    let mut params = params(&server);
    params.ca_certificate = Some(ca.pem_file());

    let error = OTOBOZnunyTicketSystemService::new(&params)
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OtoboError::Tls {
                problem: TlsProblem::WrongHostName,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("certificate not valid for name \"127.0.0.1\""),
        "{error}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_expired_certificate_is_refused_even_from_the_trusted_ca() {
    let ca = InternalCa::new();
    let server = start_https(ca.expired_server_identity(&["127.0.0.1"])).await;
    let mut params = params(&server);
    params.ca_certificate = Some(ca.pem_file());

    let error = OTOBOZnunyTicketSystemService::new(&params)
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            OtoboError::Tls {
                problem: TlsProblem::Expired,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("expired"), "{error}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn accept_invalid_certs_talks_to_any_certificate() {
    let ca = InternalCa::new();
    let server = start_https(ca.server_identity(&["otobo.example.com"])).await;
    let mut params = params(&server);
    params.accept_invalid_certs = true;

    let service = OTOBOZnunyTicketSystemService::new(&params).unwrap();
    service.connect().await.unwrap();
    assert_eq!(service.find_tickets(&incoming()).await.unwrap().len(), 4);
}

#[tokio::test]
async fn the_fake_server_refuses_a_key_that_does_not_belong_to_its_certificate() {
    let ca = InternalCa::new();
    let identity = ca.server_identity(&["127.0.0.1"]);
    let other_key = KeyPair::generate().unwrap().serialize_pem();
    let error = FakeOtobo::start(
        FakeOtoboConfig::new(seed())
            .with_tls(TlsIdentity::new(identity.certificate_chain_pem, other_key)),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, StartError::Tls { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with("cannot serve HTTPS:"),
        "{error}"
    );

    let error = FakeOtobo::start(
        FakeOtoboConfig::new(seed()).with_tls(TlsIdentity::new("no pem here", "nor here")),
    )
    .await
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot serve HTTPS: no certificate in the certificate PEM"
    );
}

#[tokio::test]
async fn the_binary_serves_https_with_the_given_certificate() {
    let ca = InternalCa::new();
    let identity = ca.server_identity(&["127.0.0.1"]);
    let certificate = write(
        ca.directory.path(),
        "server.pem",
        &identity.certificate_chain_pem,
    );
    let key = write(
        ca.directory.path(),
        "server-key.pem",
        &identity.private_key_pem,
    );
    let process = FakeOtoboProcess::start(&[
        OsStr::new("--tls-cert"),
        certificate.as_os_str(),
        OsStr::new("--tls-key"),
        key.as_os_str(),
    ]);
    let base_url = process.base_url.as_str();
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    let mut params = OtoboZnunyParams::new(base_url, Secret::new(PASSWORD));
    params.ca_certificate = Some(ca.pem_file());
    let service = OTOBOZnunyTicketSystemService::new(&params).unwrap();
    service.connect().await.unwrap();
    assert_eq!(service.find_tickets(&incoming()).await.unwrap().len(), 16);

    let output = Command::new(env!("CARGO_BIN_EXE_fake-otobo"))
        .args(["--port", "0", "--password", "x", "--tls-cert"])
        .arg(&certificate)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--tls-key"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write(directory: &Path, name: &str, text: &str) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
