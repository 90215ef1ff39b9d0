//! Pathological configs are judged at once, through the binary: a 5 MB line of nested
//! brackets and a billion-laughs alias bomb are rejected with the file, the line and the limit
//! they break (the times are measured by `otai-core`'s `pathological_config` bench, not here).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{all_output, otai_command, output_of};

fn check(text: &str) -> (Option<i32>, String, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.yml");
    std::fs::write(&path, text).unwrap();
    let output = output_of(otai_command().args(["check", "--config"]).arg(&path));
    (output.status.code(), all_output(&output), path, dir)
}

#[test]
fn a_five_megabyte_line_of_brackets_is_rejected_naming_the_limit() {
    let text = format!("open_ticket_ai:\n  services: {}\n", "[".repeat(5_000_000));
    let (code, log, path, _dir) = check(&text);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("more than 64 levels deep"), "{log}");
    assert!(log.contains(&format!("{}:2:", path.display())), "{log}");
    assert!(
        log.len() < 10_000,
        "the line is located, not quoted: {} bytes",
        log.len()
    );
}

#[test]
fn a_billion_laughs_alias_bomb_is_rejected() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text.push_str("open_ticket_ai:\n  params: *a9\n");
    let (code, log, path, _dir) = check(&text);
    assert_eq!(code, Some(2), "{log}");
    assert!(log.contains("alias"), "{log}");
    assert!(log.contains(&path.display().to_string()), "{log}");
}
