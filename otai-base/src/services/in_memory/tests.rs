use otai::value::json;

use super::*;

fn ticket(id: Option<&str>, subject: &str, queue: &str) -> UnifiedTicket {
    UnifiedTicket {
        id: id.map(TicketId::from),
        subject: Some(subject.to_owned()),
        body: Some(format!("Body of {subject}")),
        queue: Some(UnifiedEntity::named(queue)),
        ..UnifiedTicket::default()
    }
}

fn seeded() -> InMemoryTicketSystem {
    InMemoryTicketSystem::new(vec![
        ticket(Some("7"), "Invoice", "Incoming"),
        ticket(None, "VPN", "Incoming"),
        ticket(None, "Offer", "Sales"),
        ticket(Some("x1"), "Other", "Incoming"),
    ])
    .unwrap()
}

fn in_queue(name: &str, limit: usize, offset: usize) -> TicketSearchCriteria {
    TicketSearchCriteria {
        queue: Some(UnifiedEntity::named(name)),
        limit,
        offset,
    }
}

fn ids(tickets: &[UnifiedTicket]) -> Vec<String> {
    tickets
        .iter()
        .map(|t| t.id.as_ref().unwrap().to_string())
        .collect()
}

#[test]
fn tickets_without_id_are_numbered_after_the_highest() {
    assert_eq!(ids(&seeded().snapshot()), ["7", "8", "9", "x1"]);
}

#[test]
fn duplicate_ids_are_rejected() {
    let error = InMemoryTicketSystem::new(vec![
        ticket(Some("1"), "a", "q"),
        ticket(Some("1"), "b", "q"),
    ])
    .unwrap_err();
    assert!(matches!(error, InMemoryError::DuplicateId(id) if id == "1"));
}

#[tokio::test]
async fn find_filters_by_queue_with_limit_and_offset() {
    let system = seeded();
    assert_eq!(
        ids(&system
            .find_tickets(&in_queue("Incoming", 10, 0))
            .await
            .unwrap()),
        ["7", "8", "x1"]
    );
    assert_eq!(
        ids(&system
            .find_tickets(&in_queue("Incoming", 1, 1))
            .await
            .unwrap()),
        ["8"]
    );
    assert!(system
        .find_tickets(&in_queue("Nowhere", 10, 0))
        .await
        .unwrap()
        .is_empty());
    let all = TicketSearchCriteria::default();
    assert_eq!(system.find_tickets(&all).await.unwrap().len(), 4);
    let first = system
        .find_first_ticket(&in_queue("Sales", 10, 0))
        .await
        .unwrap();
    assert_eq!(first.and_then(|t| t.subject).as_deref(), Some("Offer"));
}

#[tokio::test]
async fn updates_change_only_the_fields_given() {
    let system = seeded();
    let updates = UnifiedTicket {
        queue: Some(UnifiedEntity::named("Billing")),
        priority: Some(UnifiedEntity::named("high")),
        ..UnifiedTicket::default()
    };
    system.update_ticket("7", &updates).await.unwrap();
    let updated = system.get_ticket("7").await.unwrap().unwrap();
    assert_eq!(updated.queue, Some(UnifiedEntity::named("Billing")));
    assert_eq!(updated.priority, Some(UnifiedEntity::named("high")));
    assert_eq!(updated.subject.as_deref(), Some("Invoice"));
    assert_eq!(updated.body.as_deref(), Some("Body of Invoice"));
    let moved = system
        .find_tickets(&in_queue("Incoming", 10, 0))
        .await
        .unwrap();
    assert_eq!(ids(&moved), ["8", "x1"]);
}

#[tokio::test]
async fn notes_are_added_and_numbered() {
    let system = seeded();
    let note = UnifiedNote {
        subject: "Automatic routing".into(),
        body: "Moved to Billing".into(),
        ..UnifiedNote::default()
    };
    system.add_note("8", &note).await.unwrap();
    system.add_note("8", &note).await.unwrap();
    let notes = system.get_ticket("8").await.unwrap().unwrap().notes;
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].body, "Moved to Billing");
    assert_ne!(notes[0].id, notes[1].id);
    assert!(notes[0].id.is_some());
}

#[tokio::test]
async fn unknown_tickets_are_not_found() {
    let system = seeded();
    assert_eq!(system.get_ticket("404").await.unwrap(), None);
    let error = system
        .update_ticket(
            "404",
            &UnifiedTicket {
                priority: Some(UnifiedEntity::named("high")),
                ..UnifiedTicket::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TicketSystemError::NotFound(id) if id == "404"));
    let error = system
        .add_note("404", &UnifiedNote::default())
        .await
        .unwrap_err();
    assert!(matches!(error, TicketSystemError::NotFound(id) if id == "404"));
}

#[tokio::test]
async fn created_tickets_get_fresh_ids() {
    let system = seeded();
    let id = system
        .create_ticket(&ticket(None, "New", "Incoming"))
        .await
        .unwrap();
    assert_eq!(id, "10");
    let error = system
        .create_ticket(&ticket(Some("7"), "Clash", "Incoming"))
        .await
        .unwrap_err();
    assert!(matches!(error, TicketSystemError::Rejected { .. }));
}

#[tokio::test]
async fn unknown_queues_are_rejected_when_queues_are_listed() {
    let system = seeded().with_queues(vec!["Incoming".into(), "Billing".into()]);
    let to = |queue: &str| UnifiedTicket {
        queue: Some(UnifiedEntity::named(queue)),
        ..UnifiedTicket::default()
    };
    system.update_ticket("7", &to("Billing")).await.unwrap();
    let error = system.update_ticket("7", &to("Bilings")).await.unwrap_err();
    assert!(error.to_string().contains("no queue `Bilings`"), "{error}");
}

#[tokio::test]
async fn every_change_is_saved_atomically_in_the_extensions_format() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["out.yaml", "out.json", "out.jsonl"] {
        let path = dir.path().join("nested").join(name);
        let system = seeded().with_save_to(&path);
        let updates = UnifiedTicket {
            queue: Some(UnifiedEntity::named("Billing")),
            ..UnifiedTicket::default()
        };
        system.update_ticket("8", &updates).await.unwrap();
        let saved = file::load(&path).unwrap();
        assert_eq!(saved, system.snapshot(), "{name}");
        assert_eq!(saved[1].queue, Some(UnifiedEntity::named("Billing")));
        system.add_note("8", &UnifiedNote::default()).await.unwrap();
        assert_eq!(file::load(&path).unwrap()[1].notes.len(), 1, "{name}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "no temporary files remain: {leftovers:?}"
    );
}

#[test]
fn seed_files_load_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("a.json", r#"[{"id": 1, "subject": "x"}]"#.to_owned()),
        ("b.json", r#"{"tickets": [{"subject": "x"}]}"#.to_owned()),
        (
            "c.jsonl",
            "{\"subject\": \"x\"}\n\n{\"subject\": \"y\"}\n".to_owned(),
        ),
        (
            "d.yaml",
            "- subject: x\n  queue: {name: Incoming}\n".to_owned(),
        ),
        ("e.yml", "tickets:\n  - subject: x\n".to_owned()),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let tickets = file::load(&path).unwrap();
        assert_eq!(tickets[0].subject.as_deref(), Some("x"), "{name}");
    }
}

#[test]
fn bad_seed_files_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, "- subject: x\n- subjct: y\n").unwrap();
    let error = file::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("ticket #2") && error.contains("subjct"),
        "{error}"
    );
    let error = file::load(&dir.path().join("tickets.csv"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown ticket file format"), "{error}");
    let error = file::load(&dir.path().join("missing.json")).unwrap_err();
    assert!(matches!(error, TicketFileError::Io { .. }));
    let path = dir.path().join("lines.jsonl");
    std::fs::write(&path, "{\"subject\": \"x\"}\nnot json\n").unwrap();
    let error = file::load(&path).unwrap_err().to_string();
    assert!(error.contains("line 2"), "{error}");
}

#[test]
fn params_reject_unknown_fields() {
    let error =
        serde_json::from_value::<InMemoryTicketSystemParams>(json!({"ticket": []})).unwrap_err();
    assert!(error.to_string().contains("unknown field `ticket`"));
}
