//! The committed fixtures: tiny models and the `transformers` reference outputs
//! (`tests/fixtures/reference.json`, written by `tests/fixtures/make_fixtures.py`).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `tests/fixtures/models/<name>`.
pub fn model_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/models")
        .join(name)
}

/// `reference.json`: `texts`, and per model what the pipeline returned for each text.
pub fn reference() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The reference texts (longer than the max length, empty, German…).
pub fn texts(reference: &Value) -> Vec<String> {
    reference["texts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}
