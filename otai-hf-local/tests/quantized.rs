//! The opt-in quantized modes on the committed fixtures: never on by default, the same labels
//! as f32 on every reference text, scores within each mode's documented tolerance.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::fixtures::{model_dir, reference};
use otai_hf_local::{EngineSettings, Quantization, ScoreFn, TextClassifier};

fn texts() -> Vec<String> {
    common::fixtures::texts(&reference())
}

fn load(name: &str, quantize: Quantization) -> TextClassifier {
    let settings = EngineSettings {
        num_threads: 1,
        quantize,
        ..EngineSettings::default()
    };
    TextClassifier::load(&model_dir(name), &settings).unwrap()
}

const MODELS: [&str; 5] = [
    "bert",
    "bert_legacy",
    "bert_pt",
    "distilbert",
    "xlm_roberta",
];

#[test]
fn quantization_is_never_on_by_default() {
    assert_eq!(EngineSettings::default().quantize, Quantization::None);
    assert_eq!(Quantization::default(), Quantization::None);
    let clf = TextClassifier::load(&model_dir("bert"), &EngineSettings::default()).unwrap();
    assert_eq!(clf.quantization(), Quantization::None);
    assert_eq!(clf.compute_dtype(), "f32");
}

/// Largest score differences to f32 over the fixtures' texts, `(probabilities, raw
/// regression logits)`, asserting equal labels.
fn max_score_diffs(quantize: Quantization) -> (f32, f32) {
    let texts = texts();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let (mut prob, mut raw) = (0.0f32, 0.0f32);
    for name in MODELS {
        let f32_model = load(name, Quantization::None);
        let exact = f32_model.classify_batch(&refs).unwrap();
        let quant = load(name, quantize);
        assert_eq!(quant.quantization(), quantize);
        let got = quant.classify_batch(&refs).unwrap();
        for (i, (e, g)) in exact.iter().zip(&got).enumerate() {
            assert_eq!(
                e.label, g.label,
                "{name} {quantize:?}: label of text {i} {:?}",
                texts[i]
            );
            assert!(g.score.is_finite());
            let d = (e.score - g.score).abs();
            if f32_model.config().score_fn == ScoreFn::None {
                raw = raw.max(d);
            } else {
                prob = prob.max(d);
            }
        }
    }
    eprintln!("{quantize:?}: largest score difference to f32 {prob:e} (probabilities), {raw:e} (regression logits)");
    (prob, raw)
}

// The tolerances: the fixtures are tiny random models (hidden size 32), about the worst case
// for per-row quantization (every dot product has 32 terms to average rounding over). On the
// MiniLM bench model the largest differences are 0.047 (Int8) and 0.0013 (Int16).

#[test]
fn int8_gives_the_f32_labels_with_scores_within_0_05_and_logits_within_0_15() {
    let (prob, raw) = max_score_diffs(Quantization::Int8);
    assert!(prob <= 0.05, "{prob}");
    assert!(raw <= 0.15, "{raw}");
}

#[test]
fn int16_gives_the_f32_labels_with_scores_within_0_005() {
    let (prob, raw) = max_score_diffs(Quantization::Int16);
    assert!(prob <= 0.005, "{prob}");
    assert!(raw <= 0.005, "{raw}");
}
