//! The fake server's faults as a client meets them, raw on the wire: `--fault` flags of the
//! binary (HTML pages, `Error` answers, cut connections, a crash that ends the process),
//! `--state` carrying the tickets across a restart, `--record` keeping every write,
//! `--generate`; and in-process, answers that never come and answers that come late after
//! the change was made.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use otai_otobo_znuny::fake::{read_write_record, Fault, FaultRule};
use otai_otobo_znuny::Operation;
use serde_json::{json, Value};
use support::{example_seed, seed, start, PASSWORD};

const BIN: &str = env!("CARGO_BIN_EXE_fake-otobo");

/// A `fake-otobo` process with the example seed and `args`, and the base URL it printed.
/// Its standard error is piped.
fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--tickets"])
        .arg(example_seed())
        .args(args)
        .env("OTAI_OTOBO_DEMO_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut base_url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut base_url)
        .unwrap();
    (child, base_url.trim().to_owned())
}

fn text(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// Sends `body` (with the credentials) to `route`: the status, content type and body text.
async fn send(base_url: &str, route: &str, body: Value) -> reqwest::Result<(u16, String, String)> {
    let mut body = body;
    body["UserLogin"] = json!("open_ticket_ai");
    body["Password"] = json!(PASSWORD);
    let method = if route == "ticket-update" {
        reqwest::Method::PUT
    } else {
        reqwest::Method::POST
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let answer = client
        .request(
            method,
            format!("{base_url}/Webservice/OpenTicketAI/{route}"),
        )
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = answer.status().as_u16();
    let content_type = answer
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((status, content_type, answer.text().await?))
}

fn note(ticket: u64, subject: &str) -> Value {
    json!({"TicketID": ticket, "Article": {
        "Subject": subject, "Body": "text", "ContentType": "text/plain; charset=utf-8",
        "CommunicationChannel": "Internal", "IsVisibleForCustomer": 0}})
}

#[tokio::test]
async fn fault_flags_shape_what_the_client_gets() {
    let (mut child, base_url) = spawn(&[
        "--fault",
        "html,op=TicketSearch,times=1",
        "--fault",
        "error=AccessDenied,op=TicketGet,times=1",
        "--fault",
        "cut,op=TicketGet,times=1",
        "--fault",
        "html=502,op=TicketGet,every=2,times=1",
    ]);
    let search = json!({"Queues": ["OpenTicketAI::Incoming"], "Limit": 2});
    let (status, content_type, page) = send(&base_url, "ticket-search", search.clone())
        .await
        .unwrap();
    assert_eq!(status, 500);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(
        page.contains("<title>500 Internal Server Error</title>"),
        "{page}"
    );
    let (status, _, ids) = send(&base_url, "ticket-search", search).await.unwrap();
    assert_eq!(status, 200);
    assert!(ids.starts_with("{\"TicketID\":["), "{ids}");

    let get = json!({"TicketID": 1001});
    let (status, _, error) = send(&base_url, "ticket-get", get.clone()).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&error).unwrap(),
        json!({"Error": {"ErrorCode": "TicketGet.AccessDenied",
            "ErrorMessage": "TicketGet: User does not have access to the ticket!"}})
    );
    // The next get is cut; the `html=502` rule saw none of these two, so it fires on the
    // second get after them.
    send(&base_url, "ticket-get", get.clone())
        .await
        .unwrap_err();
    let (status, _, ticket) = send(&base_url, "ticket-get", get.clone()).await.unwrap();
    assert_eq!(status, 200);
    assert!(ticket.contains("\"TicketID\":\"1001\""), "{ticket}");
    let (status, _, page) = send(&base_url, "ticket-get", get.clone()).await.unwrap();
    assert_eq!(status, 502);
    assert!(
        page.contains("502 Bad Gateway") && page.contains("nginx"),
        "{page}"
    );
    let (status, _, _) = send(&base_url, "ticket-get", get).await.unwrap();
    assert_eq!(status, 200, "every rule is used up");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_bad_fault_flag_is_refused_with_the_syntax_and_help_lists_the_flags() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--password", "x", "--fault", "cut,often"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fault `cut,often`: unknown option `often`; use before, after, notes"),
        "{stderr}"
    );
    let help = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--fault",
        "--state",
        "--record",
        "--generate",
        "--generate-queue",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[tokio::test]
async fn a_crashed_server_started_again_with_its_state_has_the_same_tickets() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("helpdesk.json");
    let record = dir.path().join("writes.jsonl");
    let (mut child, base_url_2) = spawn(&[
        "--fault",
        "crash,after,notes,times=1",
        "--state",
        text(&state),
        "--record",
        text(&record),
    ]);
    // A queue move goes through; the note is carried out, then the server dies.
    let (status, _, _) = send(
        &base_url_2,
        "ticket-update",
        json!({"TicketID": 1001, "Ticket": {"Queue": "Billing"}}),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    send(&base_url_2, "ticket-update", note(1001, "Erste Notiz"))
        .await
        .unwrap_err();
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(3),
        "a crash ends the process with status 3"
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("crashed on purpose"), "{stderr}");

    // Started again with the same state and record, no faults: the tickets carried on.
    let (mut child, base_url_3) = spawn(&["--state", text(&state), "--record", text(&record)]);
    let (_, _, ticket) = send(&base_url_3, "ticket-get", json!({"TicketID": 1001}))
        .await
        .unwrap();
    let ticket: Value = serde_json::from_str(&ticket).unwrap();
    let ticket = &ticket["Ticket"][0];
    assert_eq!(ticket["Queue"], "Billing");
    let articles = ticket["Article"].as_array().unwrap();
    assert_eq!(articles.last().unwrap()["Subject"], "Erste Notiz");
    // New articles get new ids after the restart.
    let (_, _, answer) = send(&base_url_3, "ticket-update", note(1001, "Zweite Notiz"))
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(&answer).unwrap();
    let last_id: u64 = articles.last().unwrap()["ArticleID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let new_id: u64 = answer["ArticleID"].as_str().unwrap().parse().unwrap();
    assert!(new_id > last_id, "{new_id} after {last_id}");
    let _ = child.kill();
    let _ = child.wait();

    let writes = read_write_record(&record).unwrap();
    let summary: Vec<(u64, Option<&str>, bool, Option<&str>)> = writes
        .iter()
        .map(|w| {
            (
                w.seq,
                w.note_subject.as_deref(),
                w.applied,
                w.fault.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, None, true, None),
            (
                2,
                Some("Erste Notiz"),
                true,
                Some("crash,after,notes,times=1")
            ),
            (3, Some("Zweite Notiz"), true, None),
        ]
    );
    assert_eq!(writes[0].ticket, json!({"Queue": "Billing"}));
    assert_eq!(writes[0].ticket_id.as_deref(), Some("1001"));
}

#[tokio::test]
async fn generated_tickets_join_the_seeds() {
    let (mut child, base_url) = spawn(&["--generate", "30"]);
    let (_, _, ids) = send(
        &base_url,
        "ticket-search",
        json!({"Queues": ["OpenTicketAI::Incoming"], "Limit": 500}),
    )
    .await
    .unwrap();
    let ids: Value = serde_json::from_str(&ids).unwrap();
    let seeded = otai_otobo_znuny::fake::Seed::from_file(&example_seed())
        .unwrap()
        .tickets
        .iter()
        .filter(|t| t.queue == "OpenTicketAI::Incoming")
        .count();
    assert_eq!(ids["TicketID"].as_array().unwrap().len(), seeded + 30);
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn a_hanging_answer_never_comes_and_a_late_one_comes_after_the_change() {
    let server = start(seed()).await;
    server.add_fault(
        FaultRule::new(Fault::Hang)
            .on(Operation::TicketGet)
            .times(1),
    );
    server.add_fault("slow=3s,after,notes,times=1".parse().unwrap());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let body = json!({"UserLogin": "open_ticket_ai", "Password": PASSWORD, "TicketID": 1001});
    let get = |client: reqwest::Client| {
        let url = format!("{}/Webservice/OpenTicketAI/ticket-get", server.base_url());
        let body = body.to_string();
        async move { client.post(url).body(body).send().await }
    };
    let error = get(client.clone()).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(get(client).await.unwrap().status(), 200, "only once");

    // The late answer: the note is there while the client still waits.
    let url = format!(
        "{}/Webservice/OpenTicketAI/ticket-update",
        server.base_url()
    );
    let mut body = note(1001, "Spät");
    body["UserLogin"] = json!("open_ticket_ai");
    body["Password"] = json!(PASSWORD);
    let waiting = tokio::spawn(async move {
        reqwest::Client::new()
            .put(url)
            .body(body.to_string())
            .send()
            .await
            .map(|answer| answer.status().as_u16())
    });
    let has_note = || {
        server
            .ticket(1001)
            .unwrap()
            .articles
            .iter()
            .any(|a| a.subject == "Spät")
    };
    while !has_note() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        !waiting.is_finished(),
        "the answer is held back after the change"
    );
    assert_eq!(waiting.await.unwrap().unwrap(), 200);
    let writes = server.writes();
    assert_eq!(writes.len(), 1);
    assert!(writes[0].applied);
    assert_eq!(
        writes[0].fault.as_deref(),
        Some("slow=3000ms,after,notes,times=1")
    );
}
