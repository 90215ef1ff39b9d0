//! The README's first command: `otai run --config examples/demo.yml --until-idle` from the
//! repository root routes every seeded ticket out of `Incoming`, adds one note per
//! classification step per ticket, logs where each ticket went, and a `--once` run seeded
//! from that result (an empty queue) changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Output;

use otai::interfaces::UnifiedTicket;

mod support;

use support::{all_output, otai_command, output_of};

/// Runs `otai` in the repository root with the demo's output redirected to `out`.
fn otai(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = otai_command();
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OTAI_DEMO_TICKETS");
    for (name, path) in envs {
        command.env(name, path);
    }
    output_of(&mut command)
}

fn queue(ticket: &UnifiedTicket) -> &str {
    ticket
        .queue
        .as_ref()
        .and_then(|q| q.name.as_deref())
        .unwrap_or("")
}

#[test]
fn the_demo_routes_every_ticket_and_a_rerun_on_the_result_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // JSON, by extension: the root package reads it with serde_json.
    let out = dir.path().join("demo-tickets.out.json");

    let check = otai(
        &["check", "--config", "examples/demo.yml"],
        &[("OTAI_DEMO_OUT", &out)],
    );
    assert!(check.status.success(), "{}", all_output(&check));
    assert!(!out.exists(), "check writes nothing");

    let run = otai(
        &["run", "--config", "examples/demo.yml", "--until-idle"],
        &[("OTAI_DEMO_OUT", &out)],
    );
    let log = all_output(&run);
    assert!(run.status.success(), "{log}");

    let tickets: Vec<UnifiedTicket> =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(tickets.len() >= 20, "{} tickets", tickets.len());
    for ticket in &tickets {
        let id = ticket.id.as_ref().unwrap();
        assert_ne!(queue(ticket), "Incoming", "ticket {id} was routed");
        assert_eq!(
            ticket.notes.len(),
            2,
            "ticket {id}: one note per classification step"
        );
        assert!(
            log.contains(&format!("ticket {id} "))
                && log.contains(&format!("Incoming → {}", queue(ticket))),
            "the log shows where ticket {id} went"
        );
    }
    assert!(tickets.iter().any(|t| queue(t) == "Unclassified"));
    assert!(
        tickets
            .iter()
            .filter(|t| queue(t) != "Unclassified")
            .count()
            > tickets.len() / 2
    );

    let before = std::fs::read(&out).unwrap();
    let rerun = otai(
        &["run", "--config", "examples/demo.yml", "--once"],
        &[("OTAI_DEMO_TICKETS", &out), ("OTAI_DEMO_OUT", &out)],
    );
    let log = all_output(&rerun);
    assert!(
        log.contains("fail_no_tickets"),
        "the guard stops the empty run: {log}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), before, "nothing changed");
}
