//! Execution semantics of the engine: results flow between steps, nested scopes, tracing,
//! state kept across runs, single pipes built from an existing pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use otai::engine::{Pipeline, RunControl, TraceSink};
use otai::{AppConfig, PipeContext};
use serde_json::json;

fn pipeline(yaml: &str) -> Pipeline {
    Pipeline::from_yaml_str(yaml, &support::registry(), &AppConfig::new())
        .unwrap_or_else(|errors| panic!("{}", errors.render()))
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn later_steps_read_earlier_results_through_templates() {
    let pipeline = pipeline(
        "
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: first, use: base:ExpressionPipe, params: { value: { name: Jane, n: 2 } } }
        - { id: native, use: base:ExpressionPipe, params: { value: \"{{ first.value.n }}\" } }
        - { id: mixed, use: base:ExpressionPipe, params: { value: \"Hello {{ first.value.name }}!\" } }
",
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.succeeded, "{result:?}");
    // The union's data holds the last `value`: the mixed text.
    assert_eq!(result.data["value"], json!("Hello Jane!"));
}

#[tokio::test]
async fn a_composite_stops_at_the_first_failure() {
    let trace = Buffer::default();
    let control = RunControl::builder()
        .once(true)
        .trace(TraceSink::from_writer(trace.clone()))
        .build();
    let pipeline = pipeline(
        "
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: ok, use: base:ExpressionPipe, params: { value: 1 } }
        - { id: guard, use: base:ExpressionPipe, params: { value: \"{{ fail }}\" } }
        - { id: never, use: base:Counter }
",
    );
    let result = pipeline.run(control).await;
    assert!(result.has_failed());
    assert!(
        result
            .message
            .contains("pipe `guard` (base:ExpressionPipe): fail() reached"),
        "{}",
        result.message
    );

    let text = String::from_utf8(trace.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines
        .iter()
        .map(|l| l["pipe_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["ok", "guard", "CompositePipe"],
        "`never` must not run"
    );
    assert_eq!(lines[0]["use"], "base:ExpressionPipe");
    assert_eq!(lines[0]["succeeded"], true);
    assert_eq!(lines[0]["data"]["value"], 1);
    assert_eq!(lines[1]["succeeded"], false);
    assert_eq!(lines[1]["was_skipped"], false);
    for line in &lines {
        assert!(line["ts"].as_str().unwrap().ends_with('Z'));
        assert!(line["duration_us"].is_u64());
        assert!(line["message"].is_string());
    }
}

#[tokio::test]
async fn a_runner_runs_only_when_its_condition_succeeds() {
    let pipeline = pipeline(
        "
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - id: skipped
          use: base:SimpleSequentialRunner
          params:
            on: { use: base:ExpressionPipe, params: { value: \"{{ fail }}\" } }
            run: { id: not_run, use: base:Counter }
        - id: ran
          use: base:SimpleSequentialRunner
          params:
            on: { use: base:ExpressionPipe, params: { value: 1 } }
            run: { id: counted, use: base:Counter }
",
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(!result.has_failed(), "{result:?}");
    assert_eq!(result.data["value"], json!(1), "the counter ran once");
}

#[tokio::test]
async fn pipe_instances_keep_their_state_across_runs() {
    let pipeline = pipeline("otai:\n  orchestrator: { use: base:Counter }\n");
    for expected in 1..=3 {
        let result = pipeline.run(RunControl::once()).await;
        assert_eq!(result.data["value"], json!(expected));
    }
}

#[tokio::test]
async fn render_errors_fail_the_pipe_with_its_name_and_the_template() {
    let pipeline = pipeline(
        "otai:\n  orchestrator: { id: pick, use: base:ExpressionPipe, params: { value: \"{{ missing.label }}\" } }\n",
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.has_failed());
    assert_eq!(
        result.message,
        "pipe `pick` (base:ExpressionPipe): params.value: template `{{ missing.label }}` failed: no result for pipe `missing`"
    );
}

#[tokio::test]
async fn single_pipes_can_be_built_and_run_against_a_pipeline() {
    let pipeline = pipeline(
        "
otai:
  services:
    classifier: { use: hf-local:HFClassificationService }
  orchestrator: { use: base:Counter }
",
    );
    let node = pipeline
        .build_pipe("id: classify\nuse: base:ClassificationPipe\ninjects: { classification_service: classifier }\nparams: { text: hi, model_name: queue-model }")
        .unwrap_or_else(|errors| panic!("{}", errors.render()));
    let result = node.run(&PipeContext::default()).await;
    assert_eq!(result.data["label"], json!("queue-model"));

    let errors = pipeline
        .build_pipe("use: base:ClassificationPipe\nparams: { text: hi, model_name: m }")
        .unwrap_err();
    assert!(
        errors
            .to_string()
            .contains("needs a `ClassificationService`"),
        "{errors}"
    );
    // Errors point into the text that was given.
    let errors = pipeline
        .build_pipe(
            "use: base:ClassificationPipe\ninjects: { classification_service: classifier }\nparams: { text: hi, modl: m }",
        )
        .unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!(error.path, "params.modl");
    assert_eq!(error.position.map(|p| (p.line, p.column)), Some((3, 21)));
}

#[tokio::test]
async fn a_service_is_built_once_and_shared() {
    let pipeline = pipeline(
        "
otai:
  services:
    tickets: { use: otobo-znuny:OTOBOZnunyTicketSystemService }
  orchestrator: { use: base:Counter }
",
    );
    let service = pipeline.service("tickets").unwrap();
    let a = service.get::<dyn otai::interfaces::TicketSystem>().unwrap();
    let b = service.get::<dyn otai::interfaces::TicketSystem>().unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert!(service
        .get::<dyn otai::interfaces::ClassificationService>()
        .is_none());
}
