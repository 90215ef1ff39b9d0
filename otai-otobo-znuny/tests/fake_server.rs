//! The fake OTOBO as users run it: the `fake-otobo` binary with the example seed, and the
//! server's own behaviour (address, credentials, unknown paths, recorded requests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, UnifiedEntity};
use otai::Secret;
use otai_otobo_znuny::fake::{FakeOtobo, FakeOtoboConfig, Seed, StartError};
use otai_otobo_znuny::{OTOBOZnunyTicketSystemService, Operation, OtoboError, OtoboZnunyParams};
use serde_json::json;
use support::{client, example_seed, params, seed, start, FakeOtoboProcess, PASSWORD};

const BIN: &str = env!("CARGO_BIN_EXE_fake-otobo");

#[test]
fn the_binary_explains_itself() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--tickets",
        "--port",
        "--password",
        "--webservice",
        "--username",
        "--route",
        "--latency",
        "--tls-cert",
        "--tls-key",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn the_binary_refuses_a_broken_seed_and_a_missing_password() {
    let directory = tempfile::tempdir().unwrap();
    let seed = directory.path().join("seed.yaml");
    std::fs::write(&seed, "tickets: [{title: T, queue: Nowhere}]").unwrap();
    let output = Command::new(BIN)
        .args(["--port", "0", "--password", "x", "--tickets"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("queue `Nowhere`"), "{stderr}");

    let output = Command::new(BIN)
        .args(["--port", "0"])
        .env_remove("OTAI_OTOBO_DEMO_PASSWORD")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password"));
}

#[tokio::test]
async fn the_binary_serves_the_example_seed() {
    let process = FakeOtoboProcess::start::<&str>(&[]);
    let base_url = process.base_url.as_str();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    assert!(
        base_url.ends_with("/otobo/nph-genericinterface.pl"),
        "{base_url}"
    );

    let service =
        OTOBOZnunyTicketSystemService::new(&OtoboZnunyParams::new(base_url, Secret::new(PASSWORD)))
            .unwrap();
    service.connect().await.unwrap();
    let criteria = TicketSearchCriteria {
        queue: Some(UnifiedEntity::named("OpenTicketAI::Incoming")),
        limit: 100,
        offset: 0,
    };
    let incoming = service.find_tickets(&criteria).await.unwrap();
    assert_eq!(incoming.len(), 16);
    assert!(incoming
        .iter()
        .all(|t| !t.body.as_deref().unwrap_or_default().is_empty()));
    let all = service
        .find_tickets(&TicketSearchCriteria {
            limit: 100,
            ..TicketSearchCriteria::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 20);

    let wrong =
        OTOBOZnunyTicketSystemService::new(&OtoboZnunyParams::new(base_url, Secret::new("nope")))
            .unwrap();
    let error = wrong.connect().await.unwrap_err();
    assert_eq!(error.remote_code(), Some("TicketSearch.AuthFail"));
}

#[tokio::test]
async fn the_example_seed_starts_in_process() {
    let seed = Seed::from_file(&example_seed()).unwrap();
    let server = FakeOtobo::start(FakeOtoboConfig::new(seed).with_password(PASSWORD))
        .await
        .unwrap();
    let tickets = server.tickets();
    assert_eq!(tickets.len(), 20);
    assert_eq!(
        tickets
            .iter()
            .filter(|t| t.queue == "OpenTicketAI::Incoming")
            .count(),
        16
    );
    let laptop = server.ticket(1016).unwrap();
    assert_eq!(laptop.articles.len(), 2);
}

#[tokio::test]
async fn it_listens_on_localhost_only_and_refuses_unknown_seeds() {
    let server = start(seed()).await;
    assert!(server.address().ip().is_loopback());
    assert_eq!(server.webservice_name(), "OpenTicketAI");
    let broken = Seed::from_yaml("tickets: [{title: T, queue: Raw, priority: urgent}]").unwrap();
    let error = FakeOtobo::start(FakeOtoboConfig::new(broken))
        .await
        .unwrap_err();
    assert!(matches!(error, StartError::Seed(_)), "{error:?}");
    assert!(error.to_string().contains("priority `urgent`"), "{error}");
}

#[tokio::test]
async fn requests_are_recorded_even_when_refused() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.password = Secret::new("wrong");
    params.max_retries = 0;
    let error = client(&params).get("1001").await.unwrap_err();
    assert_eq!(error.remote_code(), Some("TicketGet.AuthFail"));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].operation, Some(Operation::TicketGet));
    assert_eq!(requests[0].body["Password"], json!("wrong"));
    assert_eq!(requests[0].fault, None);

    // Stopping the server: the next request finds nobody.
    let base_params = support::params(&server);
    server.shutdown().await;
    let mut after = base_params;
    after.max_retries = 0;
    let error = client(&after).get("1001").await.unwrap_err();
    assert!(
        matches!(error, OtoboError::ConnectionRefused { .. }),
        "{error:?}"
    );
}
