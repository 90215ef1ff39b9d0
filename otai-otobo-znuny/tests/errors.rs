//! Every failure class surfaces as its own error, naming operation and route, with the
//! server's code and message where there is one — and the password appears in no error and
//! no log line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use otai::interfaces::TicketSystemExt;
use otai::interfaces::{TicketSearchCriteria, TicketSystem, TicketSystemError, UnifiedTicket};
use otai::Secret;
use otai_otobo_znuny::fake::{FakeOtobo, Fault, FaultRule};
use otai_otobo_znuny::{
    OTOBOZnunyTicketSystemService, Operation, OtoboError, OtoboZnunyClient, OtoboZnunyParams,
};
use support::{capture_logs, client, note, params, seed, service, start, PASSWORD};
use tokio::io::AsyncWriteExt;

/// Asserts that neither the error's text nor its debug form shows the password.
fn assert_no_password(error: &OtoboError) {
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
}

/// A server that answers every request with `fault`, and a client for it that never retries.
async fn failing_with(fault: Fault) -> (FakeOtobo, OtoboZnunyClient) {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.max_retries = 0;
    let client = client(&params);
    server.set_fault(FaultRule::new(fault));
    (server, client)
}

fn search() -> otai_otobo_znuny::wire::TicketSearchRequest {
    otai_otobo_znuny::wire::TicketSearchRequest::default()
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_fail_with_code_and_message() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.password = Secret::new("wrong-password");
    let service = service(&params);
    let error = service.connect().await.unwrap_err();
    let OtoboError::Remote {
        endpoint,
        code,
        message,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(endpoint.operation, Operation::TicketSearch);
    assert_eq!(endpoint.route, "ticket-search");
    assert_eq!(code, "TicketSearch.AuthFail");
    assert_eq!(message, "TicketSearch: Authorization failing!");
    assert_eq!(
        error.to_string(),
        "TicketSearch (route `ticket-search`) failed: OTOBO answered `TicketSearch.AuthFail`: \
         TicketSearch: Authorization failing!"
    );
    assert!(!error.to_string().contains("wrong-password"));
    assert_eq!(server.requests().len(), 1, "an auth failure is not retried");

    // The operation is named in the code for every operation. For the engine an auth
    // failure is the system away (no effect, no fault of the ticket's), not a rejection.
    let core = service.add_note("1001", &note("S", "B")).await.unwrap_err();
    let TicketSystemError::Unavailable { ref operation, .. } = core else {
        panic!("{core:?}")
    };
    assert_eq!(operation, "TicketUpdate");
    let message = otai::report(&core);
    assert!(message.contains("`TicketUpdate.AuthFail`"), "{message}");
}

#[tokio::test]
async fn an_invalid_request_is_a_rejection_naming_the_field() {
    let server = start(seed()).await;
    let service = service(&params(&server));
    let updates = UnifiedTicket {
        queue: Some(otai::interfaces::UnifiedEntity::named("No Such Queue")),
        ..UnifiedTicket::default()
    };
    let error = service.update_ticket("1001", &updates).await.unwrap_err();
    let TicketSystemError::Rejected { operation, message } = &error else {
        panic!("not a rejection: {error:?}");
    };
    assert_eq!(operation, "TicketUpdate");
    assert_eq!(
        message,
        "TicketUpdate (route `ticket-update`) failed: OTOBO answered \
         `TicketUpdate.InvalidParameter`: TicketUpdate: Ticket->Queue is invalid!"
    );
    let missing_subject = service
        .create_ticket(&UnifiedTicket::default())
        .await
        .unwrap_err();
    assert!(
        matches!(missing_subject, TicketSystemError::Rejected { .. }),
        "{missing_subject:?}"
    );
    assert!(
        missing_subject.to_string().contains("needs a subject"),
        "{missing_subject}"
    );
}

#[tokio::test]
async fn an_http_error_status_names_the_status_and_the_answers_start() {
    let (server, client) = failing_with(Fault::Http500).await;
    let error = client.search(&search()).await.unwrap_err();
    assert!(
        matches!(error, OtoboError::HttpStatus { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "TicketSearch (route `ticket-search`) failed: HTTP 500; the answer starts with \"Internal Server Error\""
    );
    server.set_fault(FaultRule::new(Fault::HtmlErrorPage { status: 502 }));
    let error = client.get("1001").await.unwrap_err();
    let OtoboError::HttpStatus {
        status: 502,
        body_start,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(
        body_start.starts_with("<!DOCTYPE html> <html> <head><title>502 Bad Gateway"),
        "{body_start}"
    );
    assert!(error
        .to_string()
        .starts_with("TicketGet (route `ticket-get`) failed: HTTP 502"));
    assert!(matches!(
        TicketSystemError::from(error),
        TicketSystemError::OutcomeUnknown { operation, .. } if operation == "TicketGet"
    ));
}

#[tokio::test]
async fn a_non_json_answer_shows_its_first_characters() {
    // A login page of a proxy, with HTTP 200.
    let (server, client) = failing_with(Fault::HtmlErrorPage { status: 200 }).await;
    let error = client.search(&search()).await.unwrap_err();
    let OtoboError::NotJson {
        status: 200,
        body_start,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(body_start.starts_with("<!DOCTYPE html>"), "{body_start}");
    assert!(error.to_string().contains(
        "TicketSearch (route `ticket-search`) failed: the answer (HTTP 200) is not JSON"
    ));

    // Long answers are cut at 200 characters, at a character boundary.
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 200,
        body: "ü".repeat(1000),
    }));
    let error = client.search(&search()).await.unwrap_err();
    let OtoboError::NotJson { body_start, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(body_start.chars().count(), 201);
    assert!(body_start.ends_with("üü…"));
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_unexpected() {
    let server = start(seed()).await;
    let client = client(&params(&server));
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 200,
        body: "[1041, 1040]".into(),
    }));
    let error = client.search(&search()).await.unwrap_err();
    assert!(
        matches!(error, OtoboError::UnexpectedAnswer { .. }),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("TicketSearch (route `ticket-search`) failed: unexpected answer"));
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.timeout = otai::Duration::from_millis(200);
    params.max_retries = 0;
    let client = client(&params);
    server.set_fault(FaultRule::new(Fault::Delay(Duration::from_secs(3))));
    let error = client.get("1001").await.unwrap_err();
    assert!(matches!(error, OtoboError::Timeout { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "TicketGet (route `ticket-get`) failed: no answer within 200ms"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_a_lost_connection() {
    let (_server, client) = failing_with(Fault::DropConnection).await;
    let error = client.search(&search()).await.unwrap_err();
    assert!(
        matches!(error, OtoboError::ConnectionLost { .. }),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .starts_with("TicketSearch (route `ticket-search`) failed: the connection was lost"));
    assert!(!error.never_reached_server());
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let params = OtoboZnunyParams::new(
        format!("http://127.0.0.1:{port}/otobo/nph-genericinterface.pl"),
        Secret::new(PASSWORD),
    );
    let client = support::client(&params);
    let error = client.search(&search()).await.unwrap_err();
    assert!(
        matches!(error, OtoboError::ConnectionRefused { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "TicketSearch (route `ticket-search`) failed: connection refused by 127.0.0.1:{port} \
             (is the server running at that address?)"
        )
    );
    assert!(error.never_reached_server());
}

#[tokio::test]
async fn a_server_that_does_not_speak_tls_is_a_tls_error() {
    // Answers anything with a plain-text line, as an HTTP server on an `https://` URL would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let mut params = OtoboZnunyParams::new(
        format!("https://127.0.0.1:{port}/otobo/nph-genericinterface.pl"),
        Secret::new(PASSWORD),
    );
    params.max_retries = 0;
    let error = support::client(&params)
        .search(&search())
        .await
        .unwrap_err();
    assert!(matches!(error, OtoboError::Tls { .. }), "{error:?}");
    assert!(
        error.to_string().starts_with(&format!(
            "TicketSearch (route `ticket-search`) failed: TLS handshake with 127.0.0.1:{port} failed:"
        )),
        "{error}"
    );
    assert!(error.never_reached_server());
}

#[tokio::test]
async fn an_unresolvable_host_never_reaches_a_server() {
    let mut params = OtoboZnunyParams::new(
        "http://otobo.invalid/otobo/nph-genericinterface.pl",
        Secret::new(PASSWORD),
    );
    params.max_retries = 0;
    let error = support::client(&params)
        .search(&search())
        .await
        .unwrap_err();
    // Offline resolvers fail at once (DNS error); slow ones hit the connect timeout.
    assert!(
        matches!(&error, OtoboError::Connect { host, .. } if host == "otobo.invalid:80")
            || matches!(error, OtoboError::Timeout { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_missing_ticket_is_none_for_get_and_not_found_for_the_client() {
    let server = start(seed()).await;
    let params = params(&server);
    let service = service(&params);
    assert_eq!(service.get_ticket("4711").await.unwrap(), None);
    let error = client(&params).get("4711").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "TicketGet (route `ticket-get`): ticket `4711` not found"
    );
    assert!(matches!(
        TicketSystemError::from(error),
        TicketSystemError::NotFound(id) if id == "4711"
    ));
}

#[tokio::test]
async fn an_unknown_webservice_or_route_is_an_http_error() {
    let server = start(seed()).await;
    let mut params = params(&server);
    params.max_retries = 0;
    params.webservice_name = "GenericTicketConnectorREST".into();
    let error = client(&params).search(&search()).await.unwrap_err();
    assert!(
        matches!(&error, OtoboError::HttpStatus { status: 500, body_start, .. }
        if body_start.contains("GenericTicketConnectorREST")),
        "{error:?}"
    );

    let mut params = support::params(&server);
    params.max_retries = 0;
    params
        .operation_urls
        .set_route(Operation::TicketGet, "Ticket/Get");
    let error = client(&params).get("1001").await.unwrap_err();
    assert!(
        matches!(error, OtoboError::HttpStatus { status: 404, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn the_ca_certificate_is_read_on_connect_not_before() {
    let server = start(seed()).await;
    let directory = tempfile::tempdir().unwrap();
    let mut params = params(&server);
    params.ca_certificate = Some(directory.path().join("missing-ca.pem"));
    // Building is offline: a missing file is no error yet.
    let service = OTOBOZnunyTicketSystemService::new(&params).unwrap();
    let error = service.connect().await.unwrap_err();
    assert!(
        matches!(error, OtoboError::CaCertificate { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("missing-ca.pem"), "{error}");
    assert!(
        server.requests().is_empty(),
        "nothing is sent without the CA"
    );

    let garbage = directory.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate").unwrap();
    params.ca_certificate = Some(garbage);
    let error = OTOBOZnunyTicketSystemService::new(&params)
        .unwrap()
        .connect()
        .await
        .unwrap_err();
    assert!(
        matches!(error, OtoboError::CaCertificate { .. }),
        "{error:?}"
    );

    let core = TicketSystemError::from(error);
    assert!(
        matches!(core, TicketSystemError::Backend { .. }),
        "{core:?}"
    );
}

#[tokio::test]
async fn accepting_invalid_certificates_is_logged_loudly() {
    let (logs, _guard) = capture_logs();
    let mut params = OtoboZnunyParams::new(
        "https://helpdesk.example.com/otobo/nph-genericinterface.pl",
        Secret::new(PASSWORD),
    );
    params.accept_invalid_certs = true;
    OTOBOZnunyTicketSystemService::new(&params).unwrap();
    let text = logs.text();
    assert!(text.contains("WARN"), "{text}");
    assert!(text.contains("accept_invalid_certs is on"), "{text}");
}

#[tokio::test]
async fn the_password_appears_in_no_error_and_no_log_line() {
    let (logs, _guard) = capture_logs();
    let server = start(seed()).await;
    let mut params = params(&server);
    params.timeout = otai::Duration::from_millis(300);
    params.max_retries = 1;
    let client = client(&params);
    let service = service(&params);

    // Success paths log requests and changes.
    service.connect().await.unwrap();
    service
        .find_tickets(&TicketSearchCriteria::default())
        .await
        .unwrap();
    service.add_note("1001", &note("S", "B")).await.unwrap();

    let mut errors = Vec::new();
    let mut write_errors = Vec::new();
    // A server that echoes the password back, in an `Error` and in a non-JSON page.
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 200,
        body: format!(r#"{{"Error": {{"ErrorCode": "TicketSearch.AuthFail", "ErrorMessage": "bad password {PASSWORD}"}}}}"#),
    }));
    errors.push(client.search(&search()).await.unwrap_err());
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 200,
        body: format!("<p>you sent {PASSWORD}</p>"),
    }));
    errors.push(client.search(&search()).await.unwrap_err());
    server.set_fault(FaultRule::new(Fault::Respond {
        status: 503,
        body: format!("echo {PASSWORD}"),
    }));
    errors.push(client.search(&search()).await.unwrap_err());
    for fault in [
        Fault::Http500,
        Fault::HtmlErrorPage { status: 502 },
        Fault::DropConnection,
        Fault::Delay(Duration::from_secs(2)),
    ] {
        server.set_fault(FaultRule::new(fault));
        errors.push(client.get("1001").await.unwrap_err());
        write_errors.push(service.add_note("1001", &note("S", "B")).await.unwrap_err());
    }
    server.clear_faults();
    let mut wrong = params.clone();
    wrong.password = Secret::new(format!("{PASSWORD}-wrong"));
    errors.push(support::client(&wrong).search(&search()).await.unwrap_err());

    assert_eq!(write_errors.len(), 4);
    for error in &write_errors {
        let shown = format!("{} {error:?}", otai::report(error));
        assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
    }
    assert!(errors.len() >= 8);
    for error in &errors {
        assert_no_password(error);
        let core = TicketSystemError::from(OtoboError::UnexpectedAnswer {
            endpoint: error.endpoint().unwrap().clone(),
            reason: error.to_string(),
        });
        assert!(!core.to_string().contains(PASSWORD));
    }
    assert!(
        errors[0].to_string().contains("bad password ***"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].to_string().contains("you sent ***"),
        "{}",
        errors[1]
    );

    let text = logs.text();
    assert!(
        text.contains("OTOBO answered"),
        "requests are logged: {text}"
    );
    assert!(text.contains("retrying"), "retries are logged: {text}");
    assert!(text.contains("note added"), "changes are logged: {text}");
    assert!(!text.contains(PASSWORD), "password in the log:\n{text}");
}
