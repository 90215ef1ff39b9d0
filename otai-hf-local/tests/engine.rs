//! Resolution, load errors, the f32-only guarantee, the micro-batcher and the model store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::fixtures::model_dir as fixture;
use otai_hf_local::{
    resolve_model, EngineSettings, EnvView, HfError, ModelStore, ResolveSettings, StoreSettings,
    TextClassifier,
};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn one_thread() -> EngineSettings {
    EngineSettings {
        num_threads: 1,
        ..EngineSettings::default()
    }
}

/// Builds `cache/models--org--name/{refs/<rev>, snapshots/<sha>/}` like huggingface_hub does.
fn hub_cache(cache: &Path, id: &str, revisions: &[(&str, &str, &str)]) {
    let repo = cache.join(format!("models--{}", id.replace('/', "--")));
    for (rev, sha, model) in revisions {
        std::fs::create_dir_all(repo.join("refs")).unwrap();
        std::fs::write(repo.join("refs").join(rev), sha).unwrap();
        copy_dir(&fixture(model), &repo.join("snapshots").join(sha));
    }
}

fn env(vars: &[(&str, &str)]) -> EnvView {
    EnvView::from_map(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn a_local_directory_resolves_to_itself() {
    let dir = fixture("bert");
    let settings = ResolveSettings {
        env: env(&[]),
        ..ResolveSettings::default()
    };
    assert_eq!(
        resolve_model(dir.to_str().unwrap(), &settings).unwrap(),
        dir
    );
}

#[test]
fn a_hub_id_resolves_through_the_cache_refs_and_snapshots_with_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = tmp.path().join("hf-home").join("hub");
    let main_sha = "a".repeat(40);
    let v2_sha = "b".repeat(40);
    hub_cache(
        &hub,
        "acme/tickets",
        &[("main", &main_sha, "bert"), ("v2", &v2_sha, "distilbert")],
    );
    // HF_HOME/hub, as huggingface_hub lays it out.
    let settings = ResolveSettings {
        env: env(&[("HF_HOME", tmp.path().join("hf-home").to_str().unwrap())]),
        ..ResolveSettings::default()
    };
    let dir = resolve_model("acme/tickets", &settings).unwrap();
    assert_eq!(
        dir,
        hub.join("models--acme--tickets/snapshots").join(&main_sha)
    );
    // A branch name and a commit sha as revision.
    let v2 = ResolveSettings {
        revision: Some("v2".into()),
        ..settings.clone()
    };
    assert!(resolve_model("acme/tickets", &v2)
        .unwrap()
        .ends_with(&v2_sha));
    let by_sha = ResolveSettings {
        revision: Some(v2_sha.clone()),
        ..settings.clone()
    };
    assert!(resolve_model("acme/tickets", &by_sha)
        .unwrap()
        .ends_with(&v2_sha));
    // HF_HUB_CACHE wins over HF_HOME; an explicit cache_dir is searched first.
    let only_cache = ResolveSettings {
        env: env(&[
            ("HF_HUB_CACHE", hub.to_str().unwrap()),
            ("HF_HOME", "/nonexistent"),
        ]),
        ..ResolveSettings::default()
    };
    assert!(resolve_model("acme/tickets", &only_cache).is_ok());
    let explicit = ResolveSettings {
        cache_dir: Some(hub.clone()),
        env: env(&[]),
        ..ResolveSettings::default()
    };
    let clf = TextClassifier::load(
        &resolve_model("acme/tickets", &explicit).unwrap(),
        &one_thread(),
    )
    .unwrap();
    assert_eq!(clf.config().labels, ["billing", "technical", "general"]);
}

#[test]
fn a_missing_model_lists_every_place_looked_in_and_how_to_fix_it() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = tmp.path().join("hub");
    hub_cache(&hub, "acme/tickets", &[("main", &"c".repeat(40), "bert")]);
    let settings = ResolveSettings {
        cache_dir: Some(tmp.path().join("configured")),
        revision: Some("nope".into()),
        env: env(&[
            ("HF_HUB_CACHE", hub.to_str().unwrap()),
            ("HF_HUB_OFFLINE", "1"),
        ]),
        ..ResolveSettings::default()
    };
    let err = resolve_model("acme/tickets", &settings).unwrap_err();
    assert!(matches!(err, HfError::NotFound { .. }));
    let text = err.to_string();
    assert!(text.contains("local directory `acme/tickets`"), "{text}");
    assert!(
        text.contains(&tmp.path().join("configured").display().to_string()),
        "{text}"
    );
    assert!(text.contains("$HF_HUB_CACHE"), "{text}");
    assert!(text.contains("no revision `nope`"), "{text}");
    assert!(text.contains("HF_HUB_OFFLINE"), "{text}");
    assert!(
        text.contains("huggingface-cli download acme/tickets"),
        "{text}"
    );

    // Without any cache variables the default under HOME is named. Tests never download:
    // a build with `hub-download` gets HF_HUB_OFFLINE.
    let mut vars = vec![("HOME", "/home/someone")];
    if otai_hf_local::resolve::CAN_DOWNLOAD {
        vars.push(("HF_HUB_OFFLINE", "1"));
    }
    let home = ResolveSettings {
        env: env(&vars),
        ..ResolveSettings::default()
    };
    let text = resolve_model("org/other", &home).unwrap_err().to_string();
    assert!(
        text.contains("/home/someone/.cache/huggingface/hub"),
        "{text}"
    );
    assert!(
        text.contains("huggingface-cli download org/other --revision main"),
        "{text}"
    );
    if otai_hf_local::resolve::CAN_DOWNLOAD {
        assert!(text.contains("HF_HUB_OFFLINE"), "{text}");
    } else {
        assert!(text.contains("cannot download"), "{text}");
        assert!(text.contains("`hub-download` feature"), "{text}");
    }
}

#[test]
fn a_corrupt_config_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    std::fs::write(
        tmp.path().join("config.json"),
        "{ \"model_type\": \"bert\", ",
    )
    .unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(matches!(err, HfError::Config { .. }), "{err}");
    assert!(err.to_string().contains("not valid JSON"), "{err}");
    assert!(err.to_string().contains("config.json"), "{err}");

    std::fs::write(tmp.path().join("config.json"), r#"{"model_type": "gpt2"}"#).unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(
        err.to_string().contains("unsupported architecture `gpt2`"),
        "{err}"
    );

    std::fs::remove_file(tmp.path().join("config.json")).unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn missing_weights_and_tokenizer_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    std::fs::remove_file(tmp.path().join("model.safetensors")).unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(matches!(err, HfError::MissingWeights { .. }), "{err}");
    assert!(err.to_string().contains("model.safetensors"), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    std::fs::remove_file(tmp.path().join("tokenizer.json")).unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(matches!(err, HfError::MissingTokenizer { .. }), "{err}");
    assert!(err.to_string().contains("tokenizer.json"), "{err}");

    // A truncated weights file.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    let path = tmp.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(matches!(err, HfError::Weights { .. }), "{err}");

    // A checkpoint of another shape than config.json says.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    let cfg = std::fs::read_to_string(tmp.path().join("config.json")).unwrap();
    std::fs::write(
        tmp.path().join("config.json"),
        cfg.replace("\"intermediate_size\": 64", "\"intermediate_size\": 128"),
    )
    .unwrap();
    let err = TextClassifier::load(tmp.path(), &one_thread()).unwrap_err();
    assert!(err.to_string().contains("shape"), "{err}");
}

/// Rewrites a model's safetensors with every float tensor in f16.
fn to_f16(dir: &Path) {
    use safetensors::tensor::{Dtype, TensorView};
    let path = dir.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut converted: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in st.tensors() {
        let data: Vec<u8> = view
            .data()
            .chunks_exact(4)
            .flat_map(|c| {
                half::f16::from_f32(f32::from_le_bytes([c[0], c[1], c[2], c[3]])).to_le_bytes()
            })
            .collect();
        converted.push((name, view.shape().to_vec(), data));
    }
    let views: Vec<(String, TensorView<'_>)> = converted
        .iter()
        .map(|(n, s, d)| {
            (
                n.clone(),
                TensorView::new(Dtype::F16, s.clone(), d).unwrap(),
            )
        })
        .collect();
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn half_precision_checkpoints_run_in_f32_never_f16() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("bert"), tmp.path());
    to_f16(tmp.path());
    let half = TextClassifier::load(tmp.path(), &one_thread()).unwrap();
    let full = TextClassifier::load(&fixture("bert"), &one_thread()).unwrap();
    assert_eq!(half.compute_dtype(), "f32");
    assert!(
        half.converted_tensors() > 0,
        "the f16 tensors are converted on load"
    );
    assert!(!half.weights_mapped() || half.converted_tensors() > 0);
    let text = "Die Rechnung wurde doppelt abgebucht, bitte um Rückerstattung!";
    let (a, b) = (half.logits(text).unwrap(), full.logits(text).unwrap());
    assert!(a.iter().all(|v| v.is_finite()), "no NaN/inf: {a:?}");
    // f16-rounded weights, f32 arithmetic: close to the f32 model, not bit-equal.
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 2e-2, "{a:?} vs {b:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_classify_calls_are_micro_batched_with_the_single_results() {
    let settings = EngineSettings {
        num_threads: 1,
        max_batch_size: 8,
        max_wait: Duration::from_millis(20),
        ..EngineSettings::default()
    };
    let clf = Arc::new(TextClassifier::load(&fixture("xlm_roberta"), &settings).unwrap());
    let texts = [
        "My laptop does not start after the update.",
        "Die Rechnung wurde doppelt abgebucht",
        "",
        "Password reset",
        "Größere Störung: Straße gesperrt",
    ];
    let expected = clf.classify_batch(&texts).unwrap();
    let handles: Vec<_> = texts
        .iter()
        .map(|t| {
            let clf = Arc::clone(&clf);
            let t = t.to_string();
            tokio::spawn(async move { clf.classify(&t).await })
        })
        .collect();
    for (h, exp) in handles.into_iter().zip(&expected) {
        let got = h.await.unwrap().unwrap();
        assert_eq!(got.label, exp.label);
        assert!((got.score - exp.score).abs() <= 1e-6);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_loads_a_model_once_for_concurrent_requests() {
    let dir = fixture("distilbert");
    let store = Arc::new(ModelStore::new(StoreSettings {
        engine: one_thread(),
        resolve: ResolveSettings {
            env: env(&[]),
            ..ResolveSettings::default()
        },
        ..StoreSettings::default()
    }));
    let name = dir.to_str().unwrap().to_string();
    let (a, b) = tokio::join!(store.get(&name), store.get(&name));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(
        Arc::ptr_eq(&a, &b),
        "both requests got the same loaded model"
    );
    assert_eq!(store.loads(), 1);
    let again = store.get(&name).await.unwrap();
    assert!(Arc::ptr_eq(&a, &again));
    assert_eq!(store.loads(), 1, "a cached model is not loaded again");
    let p = again.classify("Password reset").await.unwrap();
    assert!(p.label.starts_with("LABEL_"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_evicts_the_least_recently_used_and_does_not_cache_failures() {
    let store = ModelStore::new(StoreSettings {
        engine: one_thread(),
        resolve: ResolveSettings {
            env: env(&[]),
            ..ResolveSettings::default()
        },
        capacity: 2,
    });
    let names: Vec<String> = ["bert", "distilbert", "xlm_roberta"]
        .iter()
        .map(|m| fixture(m).to_str().unwrap().to_string())
        .collect();
    store.get(&names[0]).await.unwrap();
    store.get(&names[1]).await.unwrap();
    store.get(&names[0]).await.unwrap(); // bert is now the most recently used
    store.get(&names[2]).await.unwrap(); // evicts distilbert
    assert_eq!(store.loaded(), vec![names[0].clone(), names[2].clone()]);
    assert_eq!(store.loads(), 3);

    let missing = "/nonexistent/model";
    assert!(matches!(
        store.get(missing).await.unwrap_err(),
        HfError::NotFound { .. }
    ));
    assert!(store.get(missing).await.is_err());
    assert_eq!(store.loads(), 5, "a failed load is retried, not cached");
}
