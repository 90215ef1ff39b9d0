//! Ticket content is untrusted. Through the binary, on the offline demo:
//!
//! * tickets whose subject and body read like Python literals (`None`, `True`, `[1, 2]`,
//!   `{'a': 1}`) are classified as the text they are — a text param never literal-evaluates
//!   its rendered text — and routed like any other;
//! * a ticket that fails for a reason of its own is reported, retried a bounded number of
//!   times and set aside, and never blocks the tickets behind it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use otai::interfaces::UnifiedTicket;

mod support;

use support::{all_output, otai_command, output_of};

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.yml");

/// Tickets whose text reads like a literal, each in queue `Incoming`.
const HOSTILE: [(&str, &str, &str); 4] = [
    ("2001", "None", ""),
    ("2002", "True", ""),
    ("2003", "[1,", "2]"),
    ("2004", "{'a':", "1}"),
];

/// Writes a seed with the hostile tickets first, then ordinary ones, and returns its path.
fn seed(dir: &Path, first: &[(&str, &str, &str)]) -> PathBuf {
    let mut yaml = String::new();
    for (id, subject, body) in first {
        yaml.push_str(&format!(
            "- id: {id}\n  subject: {subject:?}\n  body: {body:?}\n  queue: {{ name: Incoming }}\n"
        ));
    }
    let ordinary = [
        (
            "3001",
            "Invoice charged twice",
            "Please refund the duplicate payment.",
        ),
        (
            "3002",
            "VPN login fails",
            "My password is not accepted by the VPN.",
        ),
        (
            "3003",
            "Request for quote",
            "Pricing for 50 licenses, please.",
        ),
    ];
    for (id, subject, body) in ordinary {
        yaml.push_str(&format!(
            "- id: {id}\n  subject: {subject:?}\n  body: {body:?}\n  queue: {{ name: Incoming }}\n"
        ));
    }
    let path = dir.join("tickets.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

fn run(config: &Path, tickets: &Path, out: &Path, state: &Path) -> Output {
    output_of(
        otai_command()
            .args(["run", "--config"])
            .arg(config)
            .arg("--until-idle")
            .env("OTAI_DEMO_TICKETS", tickets)
            .env("OTAI_DEMO_OUT", out)
            .env("OTAI_STATE_DIR", state),
    )
}

fn result(out: &Path) -> Vec<UnifiedTicket> {
    serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
}

fn queue(ticket: &UnifiedTicket) -> &str {
    ticket
        .queue
        .as_ref()
        .and_then(|q| q.name.as_deref())
        .unwrap_or("")
}

#[test]
fn tickets_that_read_like_literals_are_classified_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = seed(dir.path(), &HOSTILE);
    let out = dir.path().join("out.json");
    let output = run(Path::new(DEMO), &tickets, &out, &dir.path().join("state"));
    let log = all_output(&output);
    assert!(output.status.success(), "{log}");
    assert!(!log.contains("set aside after"), "{log}");
    let tickets = result(&out);
    assert_eq!(tickets.len(), 7);
    for ticket in &tickets {
        let id = ticket.id.as_ref().unwrap();
        assert_ne!(queue(ticket), "Incoming", "ticket {id} was routed: {log}");
        assert_eq!(ticket.notes.len(), 2, "ticket {id} has both notes");
    }
    for (id, subject, _) in HOSTILE {
        let ticket = tickets
            .iter()
            .find(|t| t.id.as_ref().unwrap() == id)
            .unwrap();
        assert_eq!(queue(ticket), "Unclassified", "ticket {id}");
        assert!(
            log.contains(&format!(
                "ticket {id} {subject:?}: queue Incoming → Unclassified"
            )),
            "ticket {id} is logged with its subject as text: {log}"
        );
    }
    let routed = |id: &str, to: &str| {
        tickets
            .iter()
            .any(|t| t.id.as_ref().unwrap() == id && queue(t) == to)
    };
    assert!(routed("3001", "Billing") && routed("3002", "IT Support") && routed("3003", "Sales"));
}

#[test]
fn a_ticket_that_keeps_failing_is_set_aside_and_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The demo with one more step: it fails for the ticket called `poison`, always.
    let demo = std::fs::read_to_string(DEMO).unwrap();
    let marker = "                  # ===== QUEUE CLASSIFICATION =========";
    assert!(
        demo.contains(marker),
        "the demo still has its queue section"
    );
    let poison_step = "                  - id: refuse_poison\n                    use: \"base:ExpressionPipe\"\n                    params:\n                      expression: \"{{ fail() if get_pipe_result('ticket')['subject'] == 'poison' else 'ok' }}\"\n\n";
    let config = dir.path().join("demo.yml");
    std::fs::write(
        &config,
        demo.replacen(marker, &format!("{poison_step}{marker}"), 1),
    )
    .unwrap();
    let tickets = seed(dir.path(), &[("2000", "poison", "")]);
    let out = dir.path().join("out.json");

    let output = run(&config, &tickets, &out, &dir.path().join("state"));
    let log = all_output(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a set-aside ticket makes --until-idle fail: {log}"
    );
    let tickets = result(&out);
    for ticket in &tickets {
        let id = ticket.id.as_ref().unwrap();
        if id == "2000" {
            assert_eq!(
                queue(ticket),
                "Incoming",
                "the poison ticket is left as it was"
            );
            assert!(ticket.notes.is_empty());
        } else {
            assert_ne!(
                queue(ticket),
                "Incoming",
                "ticket {id} behind it was routed"
            );
            assert_eq!(ticket.notes.len(), 2);
        }
    }
    let errors: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("ERROR") && line.contains("ticket 2000"))
        .collect();
    assert_eq!(errors.len(), 1, "reported once at ERROR: {log}");
    assert!(
        errors[0].contains("set aside after 3 failed attempt(s)")
            && errors[0].contains("refuse_poison"),
        "names the step: {}",
        errors[0]
    );
}
