//! The online check (feature `online`) against a real HTTP server on 127.0.0.1.
#![cfg(feature = "online")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers: a failure fails the test.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use otai_license::{
    parse_date, License, LicenseError, LicenseVerifier, OnlineCheck, VendorSigningKey,
};

const PLUGIN: &str = "otai-acme-commercial";

/// A licence server: answers every `GET` with the status and body currently set, and records
/// the request paths.
struct LicenceServer {
    url: String,
    answer: Arc<Mutex<(u16, String)>>,
    paths: Arc<Mutex<Vec<String>>>,
}

impl LicenceServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1/licences", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new((200, r#"{"valid": true}"#.to_owned())));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let (served_answer, seen) = (answer.clone(), paths.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|read| read > 2) {
                    header.clear();
                }
                let path = request_line
                    .split(' ')
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                seen.lock().unwrap().push(path);
                let (status, body) = served_answer.lock().unwrap().clone();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Self { url, answer, paths }
    }

    fn answer(&self, status: u16, body: &str) {
        *self.answer.lock().unwrap() = (status, body.to_owned());
    }
}

/// An address where nothing listens.
fn nowhere() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/v1/licences")
}

fn vendor() -> VendorSigningKey {
    VendorSigningKey::from_seed([5; 32])
}

fn key() -> String {
    License::new("Example GmbH", PLUGIN, parse_date("2099-01-01").unwrap()).sign(&vendor())
}

fn verify(url: &str, cache: &std::path::Path, now: SystemTime) -> Result<License, LicenseError> {
    LicenseVerifier::new(&vendor().public_key().to_text())
        .for_plugin(PLUGIN)
        .online(
            OnlineCheck::new(url, cache)
                .now(now)
                .timeout(Duration::from_secs(5)),
        )
        .verify_key(&key(), "ACME_LICENSE_KEY")
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn a_confirmed_licence_is_cached_and_the_key_never_sent() {
    let server = LicenceServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("state/licence.json");
    verify(&server.url, &cache, SystemTime::now()).unwrap();
    assert!(cache.is_file());
    let paths = server.paths.lock().unwrap().clone();
    let id = OnlineCheck::license_id(&key());
    assert_eq!(paths, [format!("/v1/licences/{id}")]);
    let (payload, signature) = key()
        .split_once('.')
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap();
    assert!(!paths[0].contains(&payload[..20]) && !paths[0].contains(&signature[..20]));
}

#[test]
fn within_the_grace_period_an_unreachable_server_is_tolerated() {
    let server = LicenceServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("licence.json");
    let checked = SystemTime::now();
    verify(&server.url, &cache, checked).unwrap();
    verify(&nowhere(), &cache, checked + 23 * HOUR).unwrap();
    server.answer(503, "down for maintenance");
    verify(&server.url, &cache, checked + 23 * HOUR).unwrap();
}

#[test]
fn past_the_grace_period_an_unreachable_server_stops_the_plugin() {
    let server = LicenceServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("licence.json");
    let checked = SystemTime::now();
    verify(&server.url, &cache, checked).unwrap();
    let error = verify(&nowhere(), &cache, checked + 25 * HOUR).unwrap_err();
    assert!(
        matches!(error, LicenseError::ServerUnreachable { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(
            "the last successful check was 1day 1h ago, longer than the 1day grace period"
        ),
        "{text}"
    );
    assert!(
        text.starts_with("otai-acme-commercial: the licence server at http://127.0.0.1:"),
        "{text}"
    );
}

#[test]
fn without_an_earlier_success_an_unreachable_server_stops_the_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let error = verify(
        &nowhere(),
        &dir.path().join("licence.json"),
        SystemTime::now(),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no earlier check of this licence succeeded"),
        "{error}"
    );
}

#[test]
fn a_garbled_answer_counts_as_unreachable() {
    let server = LicenceServer::start();
    server.answer(200, "<html>captive portal</html>");
    let dir = tempfile::tempdir().unwrap();
    let error = verify(
        &server.url,
        &dir.path().join("licence.json"),
        SystemTime::now(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("its answer is not understood"),
        "{error}"
    );
}

#[test]
fn a_revoked_licence_is_refused_with_the_servers_reason_and_its_cache_dropped() {
    let server = LicenceServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("licence.json");
    verify(&server.url, &cache, SystemTime::now()).unwrap();
    server.answer(
        200,
        r#"{"valid": false, "reason": "the licence was refunded"}"#,
    );
    let error = verify(&server.url, &cache, SystemTime::now()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "otai-acme-commercial: the licence server rejected the licence of Example GmbH: the licence was refunded. Set ACME_LICENSE_KEY to a valid key"
    );
    assert!(!cache.exists());
    let error = verify(&nowhere(), &cache, SystemTime::now()).unwrap_err();
    assert!(
        matches!(error, LicenseError::ServerUnreachable { .. }),
        "{error:?}"
    );
}

#[test]
fn a_licence_the_server_does_not_know_is_refused() {
    let server = LicenceServer::start();
    server.answer(404, "");
    let dir = tempfile::tempdir().unwrap();
    let error = verify(
        &server.url,
        &dir.path().join("licence.json"),
        SystemTime::now(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("does not know this licence"),
        "{error}"
    );
}

#[test]
fn the_cache_of_another_licence_does_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("licence.json");
    std::fs::write(&cache, r#"{"license_id":"0000","checked_at":4102444800}"#).unwrap();
    let error = verify(&nowhere(), &cache, SystemTime::now()).unwrap_err();
    assert!(error.to_string().contains("no earlier check"), "{error}");
}
