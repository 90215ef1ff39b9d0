//! One test per class of configuration mistake: each names the path, the position and a hint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::config::{load_str, ConfigError, ConfigErrors};
use otai::engine::Pipeline;
use otai::AppConfig;

fn build(yaml: &str) -> Result<Pipeline, ConfigErrors> {
    let loaded = load_str("test.yml", yaml, &AppConfig::new())?;
    loaded.build(&support::registry())
}

fn errors(yaml: &str) -> Vec<ConfigError> {
    match build(yaml) {
        Ok(_) => panic!("the config was accepted"),
        Err(errors) => errors.errors().to_vec(),
    }
}

fn only(yaml: &str) -> ConfigError {
    let all = errors(yaml);
    assert_eq!(all.len(), 1, "expected one error, got {all:#?}");
    all.into_iter().next().unwrap()
}

fn hint(error: &ConfigError) -> &str {
    error.hint.as_deref().unwrap_or("")
}

const SERVICES: &str = "
open_ticket_ai:
  services:
    tickets:
      use: \"otobo-znuny:OTOBOZnunyTicketSystemService\"
    classifier:
      use: \"hf-local:HFClassificationService\"
";

fn with_orchestrator(orchestrator: &str) -> String {
    format!("{SERVICES}  orchestrator:\n{}", indent(orchestrator, 4))
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{}{l}\n", " ".repeat(by)))
        .collect()
}

#[test]
fn a_sound_config_builds() {
    let yaml = with_orchestrator(
        "use: base:CompositePipe
params:
  steps:
    - id: fetch
      use: base:FetchTicketsPipe
      injects: { ticket_system: tickets }
      params:
        ticket_search_criteria: { queue: { name: Raw }, limit: 1 }
    - id: classify
      use: base:ClassificationPipe
      injects: { classification_service: classifier }
      params: { text: \"{{ fetch.fetched_tickets }}\", model_name: m }",
    );
    build(&yaml).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn unknown_use_keys_suggest_the_closest() {
    let error = only(&with_orchestrator(
        "use: base:CompositPipe\nparams: { steps: [] }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.use");
    assert_eq!(error.message, "unknown registry key `base:CompositPipe`");
    assert!(
        hint(&error).contains("did you mean `base:CompositePipe`?"),
        "{error}"
    );
    assert!(hint(&error).contains("otai plugins"));
    assert_eq!(error.position.map(|p| (p.line, p.column)), Some((9, 10)));
}

#[test]
fn a_service_used_as_a_pipe_is_an_error() {
    let error = only(&with_orchestrator("use: base:JinjaRenderer"));
    assert_eq!(error.path.to_string(), "orchestrator.use");
    assert!(
        error
            .message
            .contains("is a service, but a pipe is expected"),
        "{error}"
    );
}

#[test]
fn unknown_inject_slots_are_errors() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: tickets, tickets: tickets }
params: { ticket_search_criteria: {} }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.injects.tickets");
    assert!(
        error.message.contains("has no inject slot `tickets`"),
        "{error}"
    );
    assert!(hint(&error).contains("ticket_system"), "{error}");
}

#[test]
fn injects_of_unknown_services_suggest_configured_ones() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: ticket }
params: { ticket_search_criteria: {} }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.injects.ticket_system");
    assert_eq!(error.message, "no service with id `ticket` is configured");
    assert!(hint(&error).contains("did you mean `tickets`?"), "{error}");
}

#[test]
fn injected_services_must_provide_the_slot_interface() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: classifier }
params: { ticket_search_criteria: {} }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.injects.ticket_system");
    assert!(
        error.message.contains("service `classifier` (hf-local:HFClassificationService) does not provide `TicketSystem`"),
        "{error}"
    );
    assert!(
        hint(&error).contains("services providing `TicketSystem`: tickets"),
        "{error}"
    );
}

#[test]
fn required_slots_must_be_filled() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe\nparams: { ticket_search_criteria: {} }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator");
    assert!(
        error
            .message
            .contains("needs a `TicketSystem` in inject slot `ticket_system`"),
        "{error}"
    );
    assert_eq!(hint(&error), "add `injects: { ticket_system: tickets }`");
}

#[test]
fn unknown_params_point_at_the_key() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: tickets }
params:
  ticket_search_criteria: { limt: 1 }",
    ));
    assert_eq!(
        error.path.to_string(),
        "orchestrator.params.ticket_search_criteria.limt"
    );
    assert!(error.message.starts_with("unknown field `limt`"), "{error}");
    assert!(hint(&error).contains("otai schema"));
}

#[test]
fn literal_params_must_type_check() {
    let error = only(&with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: tickets }
params:
  ticket_search_criteria: { limit: many }",
    ));
    assert_eq!(
        error.path.to_string(),
        "orchestrator.params.ticket_search_criteria.limit"
    );
    assert!(
        error.message.contains("invalid type: string \"many\""),
        "{error}"
    );
    assert_eq!(error.position.map(|p| p.line), Some(12));
}

#[test]
fn templated_params_pass_the_type_check() {
    let yaml = with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: tickets }
params:
  ticket_search_criteria: { limit: \"{{ x.limit }}\" }",
    );
    build(&yaml).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn template_syntax_errors_are_config_errors() {
    let error = only(&with_orchestrator(
        "use: base:ExpressionPipe\nparams: { value: \"{{ oops \" }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.params.value");
    assert!(
        error
            .message
            .starts_with("template does not compile: unbalanced"),
        "{error}"
    );
    assert!(error.message.contains("line 1 of the template"), "{error}");
}

#[test]
fn missing_nested_pipes_are_errors() {
    let error = only(&with_orchestrator(
        "use: base:SimpleSequentialRunner\nparams: { on: { use: base:Counter } }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.params");
    assert!(error.message.contains("needs `params.run`"), "{error}");
}

#[test]
fn duplicate_ids_within_a_list_are_errors() {
    let error = only(&with_orchestrator(
        "use: base:CompositePipe
params:
  steps:
    - { id: a, use: base:Counter }
    - { id: b, use: base:Counter }
    - { id: a, use: base:Counter }",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.params.steps[2].id");
    assert!(
        error.message.contains("id `a` is already used by step [0]"),
        "{error}"
    );
}

#[test]
fn unknown_keys_in_pipe_configs_are_errors() {
    let error = only(&with_orchestrator("use: base:Counter\nparms: {}"));
    assert_eq!(error.path.to_string(), "orchestrator.parms");
    assert_eq!(error.message, "unknown key `parms`");
    assert!(hint(&error).contains("did you mean `params`?"));
}

#[test]
fn a_value_where_a_map_belongs_names_what_was_expected() {
    let error = only("open_ticket_ai: [services]\n");
    assert_eq!(error.path.to_string(), "");
    assert_eq!(error.message, "expected a map, found a list");
    assert!(hint(&error).contains("under the root key"), "{error:?}");

    let error = only(&with_orchestrator(
        "use: base:CompositePipe\nparams:\n  steps:\n    - base:Counter",
    ));
    assert_eq!(error.path.to_string(), "orchestrator.params.steps[0]");
    assert_eq!(error.message, "expected a map with `use:`, found a string");
    assert!(hint(&error).contains("{ use: \"prefix:Name\""), "{error:?}");

    let error = only(&with_orchestrator("runners:\n  - [base:Counter]"));
    assert_eq!(error.path.to_string(), "orchestrator.runners[0]");
    assert_eq!(error.message, "expected `{ on?, run }`, found a list");
    assert!(hint(&error).contains("- { run: { use: … } }"), "{error:?}");
}

#[test]
fn api_version_must_match_the_core() {
    let yaml = with_orchestrator("use: base:Counter").replace(
        "open_ticket_ai:",
        "open_ticket_ai:\n  api_version: \">=9.0\"",
    );
    let error = only(&yaml);
    assert_eq!(error.path.to_string(), "api_version");
    assert!(error.message.contains("needs otai-core `>=9.0`"), "{error}");
}

#[test]
fn plugin_requirements_name_both_sides() {
    let yaml = with_orchestrator("use: base:Counter").replace(
        "open_ticket_ai:",
        "open_ticket_ai:\n  plugins:\n    - { name: otai-acme }\n    - { name: otai-base, version: \">=2\" }",
    );
    let all = errors(&yaml);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(all[0].path.to_string(), "plugins[0].name");
    assert!(all[0].message.contains("`otai-acme` is not linked"));
    assert!(hint(&all[0]).contains("otai-base 1.0.0"));
    assert_eq!(all[1].path.to_string(), "plugins[1].version");
    assert!(
        all[1]
            .message
            .contains("linked in version 1.0.0, which does not satisfy `>=2`"),
        "{}",
        all[1]
    );
}

#[test]
fn service_cycles_print_the_cycle() {
    let yaml = "
open_ticket_ai:
  services:
    a: { use: base:Chained, injects: { next: b } }
    b: { use: base:Chained, injects: { next: a } }
  orchestrator: { use: base:Counter }
";
    let error = only(yaml);
    assert!(error.message.contains("cycle: a → b → a"), "{error}");
    assert_eq!(error.path.to_string(), "services.a.injects");
}

#[test]
fn service_build_errors_are_reported_with_their_hint() {
    let yaml = "
open_ticket_ai:
  services:
    t: { use: otobo-znuny:OTOBOZnunyTicketSystemService, params: { base_url: refuse } }
  orchestrator: { use: base:Counter }
";
    let error = only(yaml);
    assert_eq!(error.path.to_string(), "services.t");
    assert!(error.message.contains("the base URL is refused"), "{error}");
    assert_eq!(hint(&error), "use another");
}

#[test]
fn missing_environment_variables_are_named() {
    let yaml = "
open_ticket_ai:
  services:
    t: { use: otobo-znuny:OTOBOZnunyTicketSystemService, params: { base_url: \"${OTAI_TEST_SURELY_UNSET}\" } }
  orchestrator: { use: base:Counter }
";
    let error = only(yaml);
    assert_eq!(error.path.to_string(), "services.t.params.base_url");
    assert!(
        error
            .message
            .contains("`OTAI_TEST_SURELY_UNSET` is not set"),
        "{error}"
    );
    assert!(hint(&error).contains("${OTAI_TEST_SURELY_UNSET:-value}"));
}

#[test]
fn unquoted_single_references_become_numbers() {
    std::env::set_var("OTAI_TEST_LIMIT", "3");
    let yaml = with_orchestrator(
        "use: base:FetchTicketsPipe
injects: { ticket_system: tickets }
params:
  ticket_search_criteria:
    limit: ${OTAI_TEST_LIMIT}",
    );
    build(&yaml).unwrap_or_else(|e| panic!("{}", e.render()));
}

#[test]
fn yaml_syntax_errors_have_positions() {
    let error = only("open_ticket_ai:\n  services: [\n  orchestrator: x\n");
    assert!(error.message.starts_with("invalid YAML"), "{error}");
    assert!(error.position.is_some());
}

#[test]
fn the_root_key_and_aliases() {
    let error = only("open_ticket_ia:\n  orchestrator: { use: base:Counter }\n");
    assert_eq!(error.path.to_string(), "open_ticket_ia");
    assert!(
        hint(&error).contains("did you mean `open_ticket_ai`?"),
        "{error}"
    );
    for root in ["otai", "cfg"] {
        build(&format!(
            "{root}:\n  orchestrator: {{ use: base:Counter }}\n"
        ))
        .unwrap();
    }
}

#[test]
fn several_errors_are_reported_together() {
    let yaml = with_orchestrator(
        "use: base:CompositePipe
params:
  steps:
    - { id: a, use: base:Countr }
    - id: b
      use: base:FetchTicketsPipe
      injects: { ticket_system: nowhere }
      params: { ticket_search_criteria: { limit: x } }
    - { id: c, use: base:ExpressionPipe, params: { value: \"{{ a\" } }",
    );
    let all = errors(&yaml);
    let paths: Vec<String> = all.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "orchestrator.params.steps[0].use",
            "orchestrator.params.steps[1].injects.ticket_system",
            "orchestrator.params.steps[1].params.ticket_search_criteria.limit",
            "orchestrator.params.steps[2].params.value",
        ]
    );
    let rendered = match build(&yaml) {
        Err(errors) => errors.render(),
        Ok(_) => unreachable!(),
    };
    assert!(rendered.contains("4 errors in test.yml"), "{rendered}");
    assert!(rendered.contains("test.yml:12:25"), "{rendered}");
}

#[test]
fn secrets_never_appear_in_errors() {
    let yaml = "
open_ticket_ai:
  services:
    t: { use: otobo-znuny:OTOBOZnunyTicketSystemService, params: { password: [\"hunter2\"] } }
  orchestrator: { use: base:Counter }
";
    let errors = build(yaml).unwrap_err();
    let text = format!("{errors}\n{}", errors.render());
    assert!(text.contains("services.t.params.password"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");

    // serde quotes numbers in backticks; a secret may be a number (`${PIN}`), not a float.
    std::env::set_var("OTAI_TEST_NUMERIC_PW", "007918273");
    let numeric = yaml.replace("[\"hunter2\"]", "918273.5");
    let errors = build(&numeric).unwrap_err();
    let text = format!("{errors}\n{}", errors.render());
    assert!(
        text.contains("invalid type: floating point `***`"),
        "{text}"
    );
    assert!(!text.contains("918273"), "{text}");
    let from_env = "
open_ticket_ai:
  services:
    t:
      use: otobo-znuny:OTOBOZnunyTicketSystemService
      params:
        password: ${OTAI_TEST_NUMERIC_PW}
  orchestrator: { use: base:Counter }
";
    build(from_env).unwrap_or_else(|e| panic!("{}", e.render()));
    let debug = format!(
        "{:?}",
        load_str("t.yml", yaml, &AppConfig::new()).unwrap().config()
    );
    assert!(!debug.contains("hunter2"), "{debug}");
}

#[test]
fn log_levels_are_checked_when_loading() {
    let yaml = "
open_ticket_ai:
  infrastructure:
    logging: { level: LOUD }
  orchestrator: { use: base:Counter }
";
    let error = only(yaml);
    assert_eq!(error.path.to_string(), "infrastructure.logging.level");
    assert!(
        error.message.contains("`LOUD` is not a log level"),
        "{error}"
    );
    assert!(hint(&error).contains("TRACE, DEBUG, INFO"));
}

#[test]
fn one_mistake_does_not_cascade_into_follow_up_errors() {
    // A service whose `use` is wrong is still configured: injecting it is not a second error.
    let typo = "
open_ticket_ai:
  services:
    tickets: { use: otobo-znuny:OTOBOZnunyTicketSystem }
  orchestrator:
    use: base:FetchTicketsPipe
    injects: { ticket_system: tickets }
    params: { ticket_search_criteria: { limit: \"{{ x.limit }}\" } }
";
    let error = only(typo);
    assert_eq!(error.path.to_string(), "services.tickets.use");

    // A service cycle does not make every template an error.
    let cycle = "
open_ticket_ai:
  services:
    a: { use: base:Chained, injects: { next: b } }
    b: { use: base:Chained, injects: { next: a } }
  orchestrator: { use: base:ExpressionPipe, params: { value: \"{{ x.value }}\" } }
";
    let error = only(cycle);
    assert!(error.message.contains("cycle"), "{error}");
}

#[test]
fn suggestions_are_of_the_expected_kind() {
    // `base:Counte` is close to the pipe `base:Counter`, but a service is expected here.
    let yaml = "
open_ticket_ai:
  services:
    s: { use: base:Counte }
  orchestrator: { use: base:Counter }
";
    let error = only(yaml);
    assert_eq!(error.path.to_string(), "services.s.use");
    assert!(!hint(&error).contains("base:Counter"), "{error}");
}
