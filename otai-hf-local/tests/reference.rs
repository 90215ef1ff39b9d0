//! The engine against the `transformers` pipeline: labels equal, scores within 1e-5, token ids
//! equal (tests/fixtures/reference.json, written by tests/fixtures/make_fixtures.py).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fixtures::{model_dir, reference, texts};
use otai_hf_local::{EngineSettings, TextClassifier};

fn settings(threads: usize) -> EngineSettings {
    EngineSettings {
        num_threads: threads,
        ..EngineSettings::default()
    }
}

fn load(name: &str, threads: usize) -> TextClassifier {
    TextClassifier::load(&model_dir(name), &settings(threads)).unwrap()
}

fn check_model(name: &str, threads: usize) {
    let reference = reference();
    let texts = texts(&reference);
    let expected = reference["models"][name].as_array().unwrap();
    let clf = load(name, threads);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batch = clf.classify_batch(&refs).unwrap();
    for (i, (text, exp)) in texts.iter().zip(expected).enumerate() {
        let ids: Vec<u32> = exp["input_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(
            clf.tokenize(text).unwrap(),
            ids,
            "{name}: token ids of text {i} {text:?}"
        );
        let single = &clf.classify_batch(&[text]).unwrap()[0];
        let label = exp["label"].as_str().unwrap();
        let score = exp["score"].as_f64().unwrap() as f32;
        assert_eq!(single.label, label, "{name}: label of text {i} {text:?}");
        assert!(
            (single.score - score).abs() <= 1e-5,
            "{name}: score of text {i} {text:?}: {} vs transformers {score}",
            single.score
        );
        // Batched (packed, sorted by length) equals single-text.
        assert_eq!(
            batch[i].label, single.label,
            "{name}: batch label of text {i}"
        );
        assert!(
            (batch[i].score - single.score).abs() <= 1e-6,
            "{name}: batch score of text {i}: {} vs single {}",
            batch[i].score,
            single.score
        );
    }
}

#[test]
fn bert_matches_pipeline_and_overrides_stored_truncation() {
    check_model("bert", 1);
}

#[test]
fn bert_legacy_vocab_txt_regression_matches_pipeline() {
    check_model("bert_legacy", 1);
}

#[test]
fn bert_pytorch_bin_sigmoid_matches_pipeline() {
    check_model("bert_pt", 1);
}

#[test]
fn distilbert_without_id2label_matches_pipeline() {
    check_model("distilbert", 1);
}

#[test]
fn xlm_roberta_multi_label_matches_pipeline() {
    check_model("xlm_roberta", 1);
}

#[test]
fn two_threads_give_the_same_results() {
    check_model("bert", 2);
    check_model("xlm_roberta", 2);
}

#[test]
fn labels_and_score_functions_follow_the_config() {
    use otai_hf_local::ScoreFn;
    let bert = load("bert", 1);
    assert_eq!(bert.config().labels, ["billing", "technical", "general"]);
    assert_eq!(bert.config().score_fn, ScoreFn::Softmax);
    assert_eq!(bert.max_len(), 24);
    assert!(bert.weights_mapped());
    let distil = load("distilbert", 1);
    assert_eq!(distil.config().labels, ["LABEL_0", "LABEL_1"]);
    let legacy = load("bert_legacy", 1);
    assert_eq!(legacy.config().score_fn, ScoreFn::None);
    assert_eq!(load("bert_pt", 1).config().score_fn, ScoreFn::Sigmoid);
    assert!(!load("bert_pt", 1).weights_mapped());
    assert_eq!(load("xlm_roberta", 1).config().score_fn, ScoreFn::Sigmoid);
}
