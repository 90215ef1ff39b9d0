//! Execution semantics of the engine: results flow between steps, nested scopes, tracing,
//! state kept across runs, single pipes built from an existing pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use otai::config::{load_str, pipe_from_yaml};
use otai::engine::{Pipeline, RunControl, TraceSink};
use otai::{AppConfig, PipeContext};
use serde_json::json;

fn pipeline(yaml: &str) -> Pipeline {
    load_str("test.yml", yaml, &AppConfig::new())
        .and_then(|loaded| loaded.build(&support::registry()))
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
    assert!(result.succeeded(), "{result:?}");
    // The union's data holds the last `value`: the mixed text.
    assert_eq!(result.data["value"], json!("Hello Jane!"));
}

#[tokio::test]
async fn a_composite_stops_at_the_first_failure() {
    let trace = Buffer::default();
    let control = RunControl::builder()
        .once(true)
        .observer(TraceSink::from_writer(trace.clone()))
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
    let node = pipe_from_yaml(
        &pipeline,
        "id: classify\nuse: base:ClassificationPipe\ninjects: { classification_service: classifier }\nparams: { text: hi, model_name: queue-model }",
    )
    .unwrap_or_else(|errors| panic!("{}", errors.render()));
    let result = node.run(&PipeContext::default()).await;
    assert_eq!(result.data["label"], json!("queue-model"));

    let errors = pipe_from_yaml(
        &pipeline,
        "use: base:ClassificationPipe\nparams: { text: hi, model_name: m }",
    )
    .unwrap_err();
    assert!(
        errors
            .to_string()
            .contains("needs a `ClassificationService`"),
        "{errors}"
    );
    // Errors point into the text that was given.
    let errors = pipe_from_yaml(
        &pipeline,
        "use: base:ClassificationPipe\ninjects: { classification_service: classifier }\nparams: { text: hi, modl: m }",
    )
    .unwrap_err();
    let error = &errors.errors()[0];
    assert_eq!(error.path.to_string(), "params.modl");
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

#[tokio::test]
async fn the_runners_form_runs_each_run_when_its_on_succeeds() {
    let pipeline = pipeline(
        "
otai:
  orchestrator:
    runners:
      - on: { use: base:ExpressionPipe, params: { value: \"{{ fail }}\" } }
        run: { id: never, use: base:Counter }
      - on: { use: base:ExpressionPipe, params: { value: 1 } }
        run: { id: guarded, use: base:Counter }
      - run: { id: always, use: base:Counter }
",
    );
    assert_eq!(
        pipeline.orchestrator().use_key(),
        "base:SimpleSequentialOrchestrator"
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(!result.has_failed(), "{result:?}");
    let ran: Vec<&str> = pipeline
        .pipes()
        .map(|(_, node)| node.id())
        .filter(|id| ["never", "guarded", "always"].contains(id))
        .collect();
    assert_eq!(ran, ["never", "guarded", "always"], "all three are built");
    // `guarded` and `always` ran once each; the union's `value` is the last counter's.
    assert_eq!(result.data["value"], json!(1));
}

#[tokio::test]
async fn steps_see_the_composites_params_as_parent_params_and_runners_pass_theirs_on() {
    let pipeline = pipeline(
        "
otai:
  orchestrator:
    id: outer
    use: base:CompositePipe
    params:
      always_retry: true
      steps:
        - id: inner
          use: base:CompositePipe
          params:
            orchestrator_sleep: \"{{ env:OTAI_TEST_SCOPE }}\"
            steps:
              - { id: deepest, use: base:Scope }
        - id: runner
          use: base:SimpleSequentialRunner
          params:
            on: { use: base:ExpressionPipe, params: { value: 1 } }
            run: { id: beside, use: base:Scope }
",
    );
    std::env::set_var("OTAI_TEST_SCOPE", "PT1S");
    let ctx = PipeContext::new(RunControl::once()).with_params(json!({"x": 5}));
    let node = pipeline.orchestrator();
    let result = node.run(&ctx).await;
    assert!(result.succeeded(), "{result:?}");
    let deepest = result.data["parent_params"].clone();
    // The union keeps the last step's data: the runner's `run`, one level up.
    assert_eq!(
        deepest,
        json!({"always_retry": true}),
        "a runner is transparent"
    );
    assert_eq!(
        result.data["params"],
        json!({"x": 5}),
        "run params pass down"
    );

    let inner = pipe_from_yaml(
        &pipeline,
        "id: inner\nuse: base:CompositePipe\nparams: { always_retry: false, steps: [ { id: s, use: base:Scope } ] }",
    )
    .unwrap();
    let result = inner.run(&ctx).await;
    assert_eq!(
        result.data["parent_params"],
        json!({"always_retry": false}),
        "its own params, nested pipes excluded"
    );
}

#[tokio::test]
async fn starting_reports_every_service_and_pipe_that_cannot_start_at_its_place() {
    let yaml = "
otai:
  services:
    tickets: { use: otobo-znuny:OTOBOZnunyTicketSystemService, params: { base_url: unreachable } }
    classifier: { use: hf-local:HFClassificationService }
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: known, use: base:ClassificationPipe, injects: { classification_service: classifier }, params: { text: t, model_name: queue } }
        - { id: unknown, use: base:ClassificationPipe, injects: { classification_service: classifier }, params: { text: t, model_name: missing-model } }
        - { id: templated, use: base:ClassificationPipe, injects: { classification_service: classifier }, params: { text: t, model_name: \"{{ known.label }}\" } }
";
    let loaded = load_str("test.yml", yaml, &AppConfig::new()).unwrap();
    let pipeline = loaded.build(&support::registry()).unwrap();
    let issues = pipeline.start().await.unwrap_err();
    let errors = loaded.errors(issues);
    let [service] = errors.errors() else {
        panic!("{}", errors.render());
    };
    assert_eq!(service.path.to_string(), "services.tickets");
    assert_eq!(service.position.map(|p| p.line), Some(4));
    assert_eq!(
        service.message,
        "service `tickets` (otobo-znuny:OTOBOZnunyTicketSystemService) cannot start: cannot reach the helpdesk: connection refused"
    );
    assert_eq!(service.hint.as_deref(), Some("check `base_url`"));

    // With the services up, pipes prepare: the missing model is found, the templated one is
    // left to run time.
    let healthy = yaml.replace("base_url: unreachable", "base_url: fine");
    let loaded = load_str("test.yml", &healthy, &AppConfig::new()).unwrap();
    let pipeline = loaded.build(&support::registry()).unwrap();
    let errors = loaded.errors(pipeline.start().await.unwrap_err());
    let [pipe] = errors.errors() else {
        panic!("{}", errors.render());
    };
    assert_eq!(pipe.path.to_string(), "orchestrator.params.steps[1]");
    assert!(
        pipe.message.contains("pipe `unknown` (base:ClassificationPipe) cannot start: the model cannot be loaded: unknown model `missing-model`"),
        "{}",
        pipe.message
    );
}
