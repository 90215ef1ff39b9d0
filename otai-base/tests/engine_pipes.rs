//! The control-flow pipes of `otai-base` run by the real engine: composite, runner, trigger,
//! orchestrator (cycles, shutdown, failed cycles, panics), expression guard and template errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use otai::engine::RunControl;
use otai::value::json;
use otai::PipeContext;
use support::{data, pipeline};

/// Requests shutdown of `control` after `millis` (of tokio time).
fn stop_after(control: &RunControl, millis: u64) {
    let control = control.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        control.request_shutdown();
    });
}

#[tokio::test]
async fn composite_steps_see_earlier_results_and_the_first_failure_stops_it() {
    let pipeline = pipeline(
        r#"
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      threshold: 2
      steps:
        - { id: a, use: base:ExpressionPipe, params: { expression: { n: 1 } } }
        - id: b
          use: base:ExpressionPipe
          params: { expression: "{{ get_pipe_result('a')['n'] + get_parent_param('threshold') }}" }
        - { id: c, use: base:ExpressionPipe, params: { expression: "{{ fail() if get_pipe_result('b') == 3 else 'go on' }}" } }
        - { id: d, use: test:Count }
"#,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.has_failed(), "{result:?}");
    assert!(
        result.message.contains("pipe `c`") && result.message.contains("fail()"),
        "{}",
        result.message
    );
    assert_eq!(
        data(&result, "value"),
        &json!(3),
        "b computed 1 + 2 and its value is in the union"
    );
    assert!(!result.data.contains_key("count"), "d never ran");
}

#[tokio::test]
async fn a_composite_of_successes_succeeds_with_the_merged_data() {
    let pipeline = pipeline(
        r#"
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: a, use: test:Count }
        - { id: b, use: base:ExpressionPipe, params: { expression: "{{ get_pipe_result('a', 'count') * 10 }}" } }
"#,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.succeeded(), "{result:?}");
    assert_eq!(data(&result, "count"), &json!(1));
    assert_eq!(data(&result, "value"), &json!(10));
}

#[tokio::test]
async fn the_fail_guard_of_the_original_stops_the_composite_when_no_ticket_is_found() {
    let pipeline = pipeline(
        r#"
otai:
  services:
    tickets:
      use: base:InMemoryTicketSystem
      params:
        tickets: [{ id: 1, subject: Elsewhere, queue: { name: Sales } }]
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - id: ticket_fetcher
          use: base:FetchTicketsPipe
          injects: { ticket_system: tickets }
          params: { ticket_search_criteria: { queue: { name: Incoming }, limit: 1 } }
        - id: fail_no_tickets
          use: base:ExpressionPipe
          params:
            expression: >
              {{ fail() if (get_pipe_result('ticket_fetcher', 'fetched_tickets') | length) == 0 else 'Tickets found' }}
        - id: ticket
          use: base:ExpressionPipe
          params: { expression: "{{ get_pipe_result('ticket_fetcher', 'fetched_tickets')[0] }}" }
"#,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.has_failed(), "{result:?}");
    assert!(
        result.message.contains("pipe `fail_no_tickets`"),
        "{}",
        result.message
    );
    assert_eq!(data(&result, "fetched_tickets"), &json!([]));
    assert!(!result.data.contains_key("value"), "`ticket` never ran");
}

#[tokio::test]
async fn a_helper_error_fails_the_pipe_naming_pipe_template_and_missing_thing() {
    let pipeline = pipeline(
        r#"
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - { id: classify, use: base:ExpressionPipe, params: { expression: x } }
        - { id: pick, use: base:ExpressionPipe, params: { expression: "{{ get_pipe_result('clasify', 'label') }}" } }
"#,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.has_failed());
    let message = &result.message;
    assert!(message.contains("pipe `pick`"), "{message}");
    assert!(
        message.contains("get_pipe_result('clasify', 'label')"),
        "{message}"
    );
    assert!(
        message.contains("`clasify`") && message.contains("classify"),
        "{message}"
    );
}

#[tokio::test]
async fn a_runner_runs_its_pipe_only_when_on_succeeds() {
    let pipeline = pipeline(
        r#"
otai:
  orchestrator:
    use: base:CompositePipe
    params:
      steps:
        - id: blocked
          use: base:SimpleSequentialRunner
          params:
            "on": { id: gate, use: base:ExpressionPipe, params: { expression: "{{ fail() }}" } }
            run: { id: never, use: test:Count }
        - id: open
          use: base:SimpleSequentialRunner
          params:
            "on": { id: door, use: base:ExpressionPipe, params: { expression: opened } }
            run: { id: inside, use: base:ExpressionPipe, params: { expression: "{{ get_pipe_result('door') }} door" } }
"#,
    );
    let result = pipeline.run(RunControl::once()).await;
    assert!(
        result.succeeded(),
        "a skipped runner is not a failure: {result:?}"
    );
    assert!(!result.data.contains_key("count"), "`never` did not run");
    assert_eq!(data(&result, "value"), &json!("opened door"));
    assert!(
        result
            .message
            .contains("`never` not run because `gate` failed"),
        "{}",
        result.message
    );
}

#[tokio::test(start_paused = true)]
async fn the_interval_trigger_keeps_its_state_across_runs() {
    let pipeline = pipeline(
        "otai:\n  orchestrator:\n    use: base:IntervalTrigger\n    params: { interval: PT0.5S }\n",
    );
    let trigger = pipeline.orchestrator();
    let ctx = PipeContext::default();
    assert!(trigger.run(&ctx).await.succeeded());
    assert!(trigger.run(&ctx).await.was_skipped());
    tokio::time::advance(Duration::from_millis(500)).await;
    assert!(trigger.run(&ctx).await.succeeded());
    let once = PipeContext::new(RunControl::once());
    assert!(
        trigger.run(&once).await.succeeded(),
        "once mode always fires"
    );
}

const COUNTING_ORCHESTRATOR: &str = r#"
otai:
  orchestrator:
    use: base:SimpleSequentialOrchestrator
    params:
      orchestrator_sleep: 10ms
      exception_sleep: PT0.05S
      steps:
        - { id: counter, use: test:Count, params: { fail: FAIL } }
"#;

#[tokio::test]
async fn the_orchestrator_runs_exactly_one_cycle_in_once_mode() {
    let pipeline = pipeline(&COUNTING_ORCHESTRATOR.replace("FAIL", "false"));
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.succeeded());
    assert_eq!(data(&result, "count"), &json!(1));
    let failed = pipeline.run(RunControl::once()).await;
    assert_eq!(
        data(&failed, "count"),
        &json!(2),
        "the pipe instance is kept between runs"
    );
}

#[tokio::test(start_paused = true)]
async fn the_orchestrator_cycles_until_shutdown() {
    let pipeline = pipeline(&COUNTING_ORCHESTRATOR.replace("FAIL", "false"));
    let control = RunControl::new();
    stop_after(&control, 95);
    let result = pipeline.run(control).await;
    assert!(result.succeeded(), "{result:?}");
    let cycles = data(&result, "count").as_u64().unwrap();
    assert!(
        (5..=11).contains(&cycles),
        "about one cycle per 10 ms: {cycles}"
    );
    assert!(
        result
            .message
            .contains(&format!("stopped after {cycles} cycle(s)")),
        "{}",
        result.message
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_cycle_does_not_stop_the_orchestrator() {
    let pipeline = pipeline(&COUNTING_ORCHESTRATOR.replace("FAIL", "true"));
    let control = RunControl::new();
    stop_after(&control, 45);
    let result = pipeline.run(control).await;
    assert!(result.has_failed(), "the last cycle failed: {result:?}");
    assert!(data(&result, "count").as_u64().unwrap() >= 3);
}

const PANICKING_ORCHESTRATOR: &str = r#"
otai:
  orchestrator:
    use: base:SimpleSequentialOrchestrator
    params:
      orchestrator_sleep: 10ms
      exception_sleep: 1s
      always_retry: RETRY
      steps:
        - { id: fragile, use: test:PanicFirst, params: { times: 2 } }
        - { id: counter, use: test:Count }
"#;

#[tokio::test(start_paused = true)]
async fn a_panicking_step_is_retried_after_the_exception_sleep() {
    let pipeline = pipeline(&PANICKING_ORCHESTRATOR.replace("RETRY", "true"));
    let control = RunControl::new();
    // Two panics, each followed by 1 s of exception sleep, then normal 10 ms cycles.
    stop_after(&control, 2_035);
    let result = pipeline.run(control).await;
    assert!(result.succeeded(), "{result:?}");
    assert_eq!(
        data(&result, "panic_free_run").as_u64(),
        data(&result, "count").as_u64().map(|c| c + 2)
    );
    let cycles = data(&result, "count").as_u64().unwrap();
    assert!(
        (2..=5).contains(&cycles),
        "the exception sleep was honoured: {cycles}"
    );
}

#[tokio::test(start_paused = true)]
async fn without_always_retry_a_panic_stops_the_orchestrator() {
    let pipeline = pipeline(&PANICKING_ORCHESTRATOR.replace("RETRY", "false"));
    let result = pipeline.run(RunControl::new()).await;
    assert!(result.has_failed());
    assert!(
        result.message.contains("raised an exception"),
        "{}",
        result.message
    );
    assert!(
        result.message.contains("deliberate panic #1"),
        "{}",
        result.message
    );
}

#[tokio::test]
async fn a_panic_in_once_mode_fails_the_run_without_retrying() {
    let pipeline = pipeline(&PANICKING_ORCHESTRATOR.replace("RETRY", "true"));
    let result = pipeline.run(RunControl::once()).await;
    assert!(result.has_failed());
    assert!(
        result.message.contains("deliberate panic #1"),
        "{}",
        result.message
    );
}

#[tokio::test]
async fn an_orchestrator_whose_shutdown_was_requested_runs_no_cycle() {
    let pipeline = pipeline(&COUNTING_ORCHESTRATOR.replace("FAIL", "false"));
    let control = RunControl::new();
    control.request_shutdown();
    let result = pipeline.run(control).await;
    assert!(result.succeeded());
    assert!(
        result.message.contains("stopped after 0 cycle(s)"),
        "{}",
        result.message
    );
}
