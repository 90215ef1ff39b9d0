use std::sync::Arc;

use otai::interfaces::template::is_fail_marker;
use otai::value::{json, Map};
use otai::{PipeContext, PipeResult};

use super::*;

fn renderer() -> JinjaRenderer {
    JinjaRenderer::new(
        AppConfig::new()
            .with_env("OTAI_TEST_PASSWORD", Some("s3cret"))
            .with_env("OTAI_TEST_UNSET", None),
    )
}

fn data(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test data is a map"),
    }
}

/// A context like the demo's halfway through a ticket.
fn ticket_context() -> PipeContext {
    let ticket = json!({
        "id": "1041",
        "subject": "Rechnung doppelt abgebucht",
        "body": "Hallo, meine Rechnung wurde zweimal abgebucht.",
        "queue": {"name": "Incoming"},
    });
    PipeContext::default()
        .with_params(json!({"x": 5}))
        .with_parent_params(json!({"threshold": 0.5, "name": "outer"}))
        .with_result(
            "ticket_fetcher",
            PipeResult::success(data(json!({"fetched_tickets": [ticket.clone()]}))),
        )
        .with_result("ticket", PipeResult::success_with("value", ticket))
        .with_result(
            "queue_classify",
            PipeResult::success(data(json!({"label": "Billing", "confidence": 0.8765}))),
        )
        .with_result("broken", PipeResult::failure("boom"))
        .with_result("idle", PipeResult::skipped("not due"))
}

fn render(source: &str) -> Result<Value, TemplateError> {
    render_in(source, &ticket_context())
}

fn render_in(source: &str, ctx: &PipeContext) -> Result<Value, TemplateError> {
    renderer().compile(source)?.render(ctx)
}

fn error_of(source: &str) -> String {
    match render(source) {
        Ok(value) => panic!("`{source}` rendered to {value}, expected an error"),
        Err(error) => error.message,
    }
}

#[test]
fn a_single_expression_yields_its_native_value() {
    assert_eq!(render("{{ 1 + 2 }}").unwrap(), json!(3));
    assert_eq!(
        render("{{ [1, 'a', none] }}\n").unwrap(),
        json!([1, "a", null]),
        "one trailing newline is dropped, as jinja2 does"
    );
    assert_eq!(
        render("  {{ [1, 'a', none] }}").unwrap(),
        json!("  [1, 'a', None]"),
        "text around the braces makes it text, printed as Python prints"
    );
    assert_eq!(
        render("{{ {'p1': {'p2': 'test'}} }}").unwrap(),
        json!({"p1": {"p2": "test"}})
    );
    assert_eq!(render("{{ {'a': 1} }}").unwrap(), json!({"a": 1}));
    assert_eq!(render("{{ 0.5 > 0.2 }}").unwrap(), json!(true));
    assert_eq!(render("{{ none }}").unwrap(), Value::Null);
    assert_eq!(render("{{- 'x' -}}").unwrap(), json!("x"));
    assert_eq!(
        render("{{ '42' }}").unwrap(),
        json!(42),
        "read as a Python literal"
    );
    assert_eq!(render("{{ 'Billing' }}").unwrap(), json!("Billing"));
}

#[test]
fn a_template_that_prints_one_value_yields_it() {
    assert_eq!(
        render("{% if true %}{{ [1, 2] }}{% endif %}").unwrap(),
        json!([1, 2])
    );
    assert_eq!(
        render("{% for t in get_pipe_result('ticket_fetcher', 'fetched_tickets') %}{{ t.queue }}{% endfor %}")
            .unwrap(),
        json!({"name": "Incoming"})
    );
    assert!(is_fail_marker(
        &render("{% if has_failed('broken') %}{{ fail() }}{% endif %}").unwrap()
    ));
}

#[test]
fn a_template_that_prints_nothing_yields_null() {
    for source in ["", "{# note #}", "{% if false %}x{% endif %}", "\n"] {
        assert_eq!(render(source).unwrap(), Value::Null, "{source:?}");
    }
    assert_eq!(render("   ").unwrap(), json!("   "));
}

#[test]
fn mixed_text_renders_to_text_read_as_a_python_literal() {
    assert_eq!(render("n={{ 1 + 2 }}").unwrap(), json!("n=3"));
    assert_eq!(render("{{ 1 }}{{ 2 }}").unwrap(), json!(12));
    assert_eq!(render("{{ 1 }} {{ 2 }}").unwrap(), json!("1 2"));
    assert_eq!(
        render("[{{ 1 }}, {{ get_pipe_result('queue_classify', 'label') | tojson }}]").unwrap(),
        json!([1, "Billing"])
    );
    assert_eq!(render("{% if true %}yes{% endif %}").unwrap(), json!("yes"));
    assert_eq!(render("{{ '}}' }}").unwrap(), json!("}}"));
    assert_eq!(
        render("{{ true }} {{ none }} {{ 1e16 }} {{ [1, 'a'] }}").unwrap(),
        json!("True None 1e+16 [1, 'a']"),
        "values print as Python's str()"
    );
    assert_eq!(
        render("x {{ fail() }}").unwrap(),
        json!("x <otai_base.template_renderers.jinja_renderer_extras.FailMarker object>"),
        "the fail marker prints as the original's, and in text does not fail"
    );
}

fn render_text(source: &str, ctx: &PipeContext) -> Option<String> {
    renderer()
        .compile(source)
        .unwrap()
        .render_text(ctx)
        .unwrap()
}

#[test]
fn a_text_param_takes_the_rendered_text_as_it_is() {
    let hostile = |subject: &str, body: &str| {
        let ticket = json!({"id": "7", "subject": subject, "body": body});
        PipeContext::default().with_result("ticket", PipeResult::success_with("value", ticket))
    };
    let text = "{{ get_pipe_result('ticket')['subject'] }} {{ get_pipe_result('ticket')['body'] }}";
    for (subject, body, literal) in [
        ("None", "", Value::Null),
        ("True", "", json!(true)),
        ("[1,", "2]", json!([1, 2])),
        ("{'a':", "1}", json!({"a": 1})),
    ] {
        let ctx = hostile(subject, body);
        assert_eq!(
            render_in(text, &ctx).unwrap(),
            literal,
            "as a value: {subject} {body}"
        );
        assert_eq!(
            render_text(text, &ctx).as_deref(),
            Some(format!("{subject} {body}").as_str()),
            "as text"
        );
    }
    let ctx = hostile("None", "");
    let single = "{{ get_pipe_result('ticket')['subject'] }}";
    assert_eq!(render_in(single, &ctx).unwrap(), Value::Null);
    assert_eq!(render_text(single, &ctx).as_deref(), Some("None"));
    assert_eq!(render_text("{{ 1 + 2 }}", &ctx).as_deref(), Some("3"));
    assert_eq!(
        render_text("{{ [1, 'a'] }}", &ctx).as_deref(),
        Some("[1, 'a']")
    );
    assert_eq!(
        render_text("{{ none }}", &ctx),
        None,
        "nothing printed reads as null"
    );
    assert_eq!(render_text("{% if false %}x{% endif %}", &ctx), None);
}

#[test]
fn blocks_trim_their_newline_and_leading_whitespace() {
    assert_eq!(
        render("{% if true %}\nvalue\n{% endif %}").unwrap(),
        json!("value\n")
    );
    assert_eq!(
        render("Queue:\n  {% if true %}\n  sicher\n  {% endif %}\nEnde").unwrap(),
        json!("Queue:\n  sicher\nEnde")
    );
    assert_eq!(render("a\r\nb{{ 1 }}").unwrap(), json!("a\nb1"));
}

#[test]
fn the_first_fetched_ticket_is_a_map_later_templates_can_read() {
    let ctx = ticket_context();
    let ticket = render_in(
        "{{ get_pipe_result('ticket_fetcher', 'fetched_tickets')[0] }}",
        &ctx,
    )
    .unwrap();
    assert_eq!(ticket["subject"], json!("Rechnung doppelt abgebucht"));
    let ctx = ctx.with_result("first", PipeResult::success_with("value", ticket));
    assert_eq!(
        render_in("{{ get_pipe_result('first')['subject'] }}", &ctx).unwrap(),
        json!("Rechnung doppelt abgebucht")
    );
}

#[test]
fn get_pipe_result_reads_data_keys() {
    assert_eq!(
        render("{{ get_pipe_result('queue_classify', 'label') }}").unwrap(),
        json!("Billing")
    );
    assert_eq!(
        render("{{ get_pipe_result('queue_classify', data_key='confidence') }}").unwrap(),
        json!(0.8765)
    );
    assert_eq!(
        render("{{ get_pipe_result('ticket')['id'] }}").unwrap(),
        json!(1041),
        "a numeric string read by a single expression is a number, as in the original"
    );
    assert_eq!(
        render("{{ get_pipe_result('ticket')['subject'] }}").unwrap(),
        json!("Rechnung doppelt abgebucht")
    );
}

#[test]
fn get_pipe_result_treats_null_as_missing() {
    let ctx =
        PipeContext::default().with_result("x", PipeResult::success_with("value", Value::Null));
    let error = render_in("{{ get_pipe_result('x') }}", &ctx).unwrap_err();
    assert!(error.message.contains("is null"), "{}", error.message);
}

#[test]
fn get_pipe_result_names_what_is_missing() {
    let unknown = error_of("{{ get_pipe_result('tiket') }}");
    assert!(unknown.contains("`tiket`"), "{unknown}");
    assert!(
        unknown.contains("ticket_fetcher"),
        "lists what is in scope: {unknown}"
    );
    let key = error_of("{{ get_pipe_result('queue_classify', 'lable') }}");
    assert!(
        key.contains("`lable`") && key.contains("label, confidence"),
        "{key}"
    );
    let failed = error_of("{{ get_pipe_result('broken') }}");
    assert!(failed.contains("failed: boom"), "{failed}");
    let kwarg = error_of("{{ get_pipe_result('ticket', dat_key='id') }}");
    assert!(kwarg.contains("dat_key"), "{kwarg}");
    let typed = error_of("{{ get_pipe_result('ticket', 3) }}");
    assert!(typed.contains("must be a string"), "{typed}");
}

#[test]
fn has_failed_tells_failed_from_skipped() {
    assert_eq!(render("{{ has_failed('broken') }}").unwrap(), json!(true));
    assert_eq!(render("{{ has_failed('idle') }}").unwrap(), json!(false));
    assert_eq!(render("{{ has_failed('ticket') }}").unwrap(), json!(false));
    assert!(error_of("{{ has_failed('nope') }}").contains("`nope`"));
}

#[test]
fn params_and_parent_params_are_in_scope() {
    // As in the original: `parent_params` are the params of the pipe whose steps run,
    // `params` those of the whole run.
    assert_eq!(
        render("{{ get_parent_param('threshold') }}").unwrap(),
        json!(0.5)
    );
    assert_eq!(render("{{ parent_params.threshold }}").unwrap(), json!(0.5));
    assert_eq!(render("{{ parent_params.name }}").unwrap(), json!("outer"));
    assert_eq!(render("{{ params.x }}").unwrap(), json!(5));
    let missing = error_of("{{ get_parent_param('limit') }}");
    assert!(
        missing.contains("`limit`") && missing.contains("threshold"),
        "{missing}"
    );
}

#[test]
fn pipe_results_is_a_map_of_results() {
    assert_eq!(
        render("{{ pipe_results.broken.message }}").unwrap(),
        json!("boom")
    );
    assert_eq!(
        render("{{ pipe_results['queue_classify'].data.label }}").unwrap(),
        json!("Billing")
    );
    assert_eq!(
        render("{{ pipe_results.idle.was_skipped }}").unwrap(),
        json!(true)
    );
    assert_eq!(
        render("{{ 'ticket' in pipe_results }}").unwrap(),
        json!(true)
    );
}

#[test]
fn get_env_reads_the_application_environment() {
    assert_eq!(
        render("{{ get_env('OTAI_TEST_PASSWORD') }}").unwrap(),
        json!("s3cret")
    );
    assert_eq!(
        render("{{ get_env('OTAI_TEST_UNSET', 'dflt') }}").unwrap(),
        json!("dflt")
    );
    let missing = error_of("{{ get_env('OTAI_TEST_UNSET') }}");
    assert!(
        missing.contains("`OTAI_TEST_UNSET`") && missing.contains("not set"),
        "{missing}"
    );
}

#[test]
fn at_path_walks_maps_and_lists() {
    assert_eq!(
        render(
            "{{ at_path(get_pipe_result('ticket_fetcher', 'fetched_tickets'), '0.queue.name') }}"
        )
        .unwrap(),
        json!("Incoming")
    );
    assert_eq!(
        render("{{ at_path({'a': [1, 2]}, 'a.1') }}").unwrap(),
        json!(2)
    );
    let missing = error_of("{{ at_path({'a': {'b': 1}}, 'a.c') }}");
    assert!(
        missing.contains("`a`") && missing.contains("`c`"),
        "{missing}"
    );
}

#[test]
fn fail_yields_the_fail_marker() {
    let value = render("{{ fail() }}").unwrap();
    assert!(is_fail_marker(&value));
    let guard = "{{ fail() if (get_pipe_result('ticket_fetcher', 'fetched_tickets') | length) == 0 else 'Tickets found' }}\n";
    assert_eq!(render(guard).unwrap(), json!("Tickets found"));
    let empty = PipeContext::default().with_result(
        "ticket_fetcher",
        PipeResult::success_with("fetched_tickets", json!([])),
    );
    assert!(is_fail_marker(&render_in(guard, &empty).unwrap()));
}

#[test]
fn filters_work() {
    assert_eq!(
        render("{{ get_pipe_result('queue_classify','confidence') | round(2) }}").unwrap(),
        json!(0.88)
    );
    assert_eq!(render("{{ 'ABC' | lower }}").unwrap(), json!("abc"));
    assert_eq!(render("{{ [1, 2, 3] | length }}").unwrap(), json!(3));
    assert_eq!(
        render("{{ params.missing | default('x') }}").unwrap(),
        json!("x")
    );
    assert_eq!(
        render("Konfidenz: {{ get_pipe_result('queue_classify','confidence') | round(2) }}")
            .unwrap(),
        json!("Konfidenz: 0.88")
    );
}

#[test]
fn the_threshold_expression_of_the_original_picks_a_queue() {
    let source = "{{ get_pipe_result('queue_classify','label') if get_pipe_result('queue_classify','confidence') >= 0.8 else 'OpenTicketAI::Unclassified' }}";
    assert_eq!(render(source).unwrap(), json!("Billing"));
    let low = PipeContext::default().with_result(
        "queue_classify",
        PipeResult::success(data(json!({"label": "Billing", "confidence": 0.3}))),
    );
    assert_eq!(
        render_in(source, &low).unwrap(),
        json!("OpenTicketAI::Unclassified")
    );
}

#[test]
fn undefined_variables_print_as_nothing() {
    assert_eq!(render("Hello {{ name }}!").unwrap(), json!("Hello !"));
    assert_eq!(render("{{ tickets }}").unwrap(), Value::Null);
    assert_eq!(render("{{ params.missing }}").unwrap(), Value::Null);
    assert_eq!(
        render("{{ get_pipe_result('ticket')['nope'] }}").unwrap(),
        Value::Null
    );
    assert_eq!(
        render("{% if name %}x{% else %}y{% endif %}{{ name | length }}").unwrap(),
        json!("y0")
    );
    assert!(error_of("{{ tickets.id }}").contains("undefined"));
    assert!(error_of("{{ params.missing.deeper }}").contains("undefined"));
    assert!(error_of("{{ name + 1 }}").contains("undefined"));
}

fn undeclared(source: &str) -> Vec<String> {
    renderer().compile(source).unwrap().undeclared_names()
}

#[test]
fn undeclared_names_are_what_a_template_reads_from_outside_its_scope() {
    assert_eq!(
        undeclared("{{ get_pipe_result('x') }} {{ tiket.id }}"),
        ["tiket"]
    );
    assert_eq!(undeclared("{{ foo + bar }}"), ["bar", "foo"]);
    assert_eq!(undeclared("{{ fail() if x else get_env('A') }}"), ["x"]);
    assert_eq!(
        undeclared("{% for t in items %}{{ t }}{{ loop.index }}{% endfor %}{% set n = 1 %}{{ n }}"),
        ["items"]
    );
    assert!(undeclared(
        "{{ params.a }} {{ pipe_results }} {{ parent_params }} {{ has_failed('a') }} \
         {{ get_parent_param('b') }} {{ at_path(params, 'a.b') }} {{ range(3) | list }}"
    )
    .is_empty());
    assert!(undeclared("plain {{ 1 }}").is_empty());
}

#[test]
fn syntax_errors_are_reported_at_compile_time_with_their_line() {
    let error = renderer().compile("line one\n{{ 1 + }}").unwrap_err();
    assert!(error.message.contains("syntax error"), "{}", error.message);
    assert_eq!(error.line, Some(2));
    let error = renderer().compile("{{ get_pipe_result('x' }}").unwrap_err();
    assert!(error.message.contains("syntax error"), "{}", error.message);
}

#[test]
fn a_compiled_template_is_reused() {
    let template = renderer()
        .compile("{{ get_pipe_result('x') * 2 }}")
        .unwrap();
    for n in 0..3 {
        let ctx = PipeContext::default().with_result("x", PipeResult::success_with("value", n));
        assert_eq!(template.render(&ctx).unwrap(), json!(n * 2));
    }
    let shared: Arc<dyn CompiledTemplate> = template;
    assert_eq!(shared.source(), "{{ get_pipe_result('x') * 2 }}");
}

#[test]
fn context_data_behaves_like_lists_and_maps() {
    let tickets = "get_pipe_result('ticket_fetcher', 'fetched_tickets')";
    let render_with = |template: String| render(&template).unwrap();
    assert_eq!(
        render_with(format!(
            "{{% for t in {tickets} %}}[{{{{ t.subject }}}}]{{% endfor %}}"
        )),
        json!("[Rechnung doppelt abgebucht]")
    );
    assert_eq!(
        render_with(format!("{{{{ {tickets}[-1].id }}}}")),
        json!(1041)
    );
    assert_eq!(
        render_with(format!("{{{{ {tickets}[0] | length }}}}")),
        json!(4)
    );
    assert_eq!(
        render_with(format!(
            "{{{{ {tickets}[0].queue == {{'name': 'Incoming'}} }}}}"
        )),
        json!(true)
    );
    assert_eq!(
        render_with(format!("{{{{ 'body' in {tickets}[0] }}}}")),
        json!(true)
    );
    assert_eq!(
        render_with(format!("x{{{{ {tickets}[0].queue | tojson }}}}")),
        json!("x{\"name\": \"Incoming\"}")
    );
    assert_eq!(
        render_with(format!("{{{{ {tickets}[0] | dictsort | first }}}}")),
        json!(["body", "Hallo, meine Rechnung wurde zweimal abgebucht."])
    );
    assert_eq!(
        render_with(format!("{{{{ [{tickets}[0].queue, 1] }}}}")),
        json!([{"name": "Incoming"}, 1]),
        "views inside values built by the template convert too"
    );
    assert_eq!(
        render_with(format!("{{{{ {tickets}[5] is defined }}}}")),
        json!(false)
    );
    assert_eq!(
        render_with(format!("{{{{ {tickets} | map(attribute='id') | list }}}}")),
        json!(["1041"])
    );
}

#[test]
fn params_are_lazy_views_too() {
    let ctx = PipeContext::default()
        .with_parent_params(json!({"limits": {"queue": [0.8, 0.9]}, "name": "n"}));
    assert_eq!(
        render_in("{{ parent_params.limits.queue[1] }}", &ctx).unwrap(),
        json!(0.9)
    );
    assert_eq!(
        render_in("{{ parent_params }}", &ctx).unwrap(),
        json!({"limits": {"queue": [0.8, 0.9]}, "name": "n"})
    );
    assert_eq!(
        render_in("{{ pipe_results | length }}", &ctx).unwrap(),
        json!(0)
    );
}

#[test]
fn templates_cannot_include_import_or_extend() {
    let sources = [
        "{% include 'template' %}",
        "{% include '/etc/passwd' %}",
        "{% include ['a.txt', 'b.txt'] %}",
        "{% import 'macros.j2' as m %}{{ m.x() }}",
        "{% from '/etc/hosts' import x %}{{ x }}",
        "{% extends 'base.html' %}",
    ];
    for source in sources {
        let message = error_of(source);
        assert!(
            message.contains("cannot include, import or extend other templates")
                && message.contains("never files"),
            "`{source}`: {message}"
        );
    }
}

#[test]
fn a_runaway_template_runs_out_of_fuel_with_a_clear_error() {
    let message = error_of(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    );
    assert!(
        message.contains(&format!("more than {TEMPLATE_FUEL} steps")),
        "{message}"
    );
    // Recursion without end stops at minijinja's depth limit (or the fuel), with an error.
    let message = error_of("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    assert!(!message.is_empty());
}

#[test]
fn ordinary_loops_stay_within_the_fuel() {
    let source =
        "{% for i in range(1000) %}{{ get_pipe_result('queue_classify', 'label') }}{% endfor %}";
    let text = renderer()
        .compile(source)
        .unwrap()
        .render_text(&ticket_context())
        .unwrap()
        .unwrap();
    assert_eq!(text.len(), 1000 * "Billing".len());
}

#[test]
fn integer_rounding_past_128_bits_is_an_error_not_a_wrap() {
    let message = error_of("{{ 150000000000000000000000000000000000000 | round(-38) }}");
    assert!(
        message.contains("does not fit in a 128-bit integer"),
        "{message}"
    );
    // Near the limit, rounding that fits is still exact (half to even at 10^38).
    assert_eq!(
        render("{{ 50000000000000000000000000000000000000 | round(-38) | string }}").unwrap(),
        json!(0)
    );
    assert_eq!(
        render("{{ 149999999999999999999999999999999999999 | round(-38) | string }}").unwrap(),
        json!("100000000000000000000000000000000000000")
    );
    assert_eq!(render("{{ 123 | round(-400) }}").unwrap(), json!(0));
    assert_eq!(render("{{ 12.5 | round(-400) }}").unwrap(), json!(0.0));
    assert_eq!(
        render("{{ 12.5 | round(-2147483648) }}").unwrap(),
        json!(0.0)
    );
}

#[test]
fn ceil_and_floor_beyond_floats_are_errors() {
    let message = error_of("{{ 1.5 | round(400, 'ceil') }}");
    assert!(message.contains("not a finite number"), "{message}");
}

#[test]
fn tojson_indent_is_bounded() {
    let message = error_of("{{ [1, [2]] | tojson(indent=1000000000000) }}");
    assert!(message.contains("indent must be at most 100"), "{message}");
    assert_eq!(render("{{ [1] | tojson(indent=2) }}").unwrap(), json!([1]));
}

/// Random templates over random scopes: compiling and rendering never panic and never hang
/// (the fuel bounds every render); every failure is an error with a message.
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| json!(f)),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Jinja-shaped text: tags, names, filters, helpers, numbers, and any character.
    const TEMPLATE: &str = "(\\{\\{ | \\}\\}|\\{% | %\\}|\\{#|#\\}|for x in |if |else|endfor|endif|set y = |macro m\\(n\\)|endmacro|m\\(1\\)|include 'a'|import 'a' as b|range\\(|\\(|\\)|\\[|\\]|\\{|\\}|pipe_results|params|parent_params|get_pipe_result\\('a', 'v'\\)|get_parent_param\\('k'\\)|get_env\\('HOME'\\)|at_path\\(params, 'a.0'\\)|has_failed\\('a'\\)|fail\\(\\)|\\| round\\(|\\| tojson|\\| length|\\| string|\\| join|-?[0-9]{1,40}|[0-9]\\.[0-9]{1,3}|'[a-z%{}$]{0,4}'|\\.|,|:| ~ | \\* | \\+ | - | / | // | % | \\*\\* |==|and|or|not|x|y|loop\\.index|\\.split\\(|\\.join\\(|\\.replace\\(|\\.items\\(\\)|\\.get\\(|\\.upper\\(\\)|\\PC){0,40}";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_templates_over_random_scopes_never_panic(
            source in TEMPLATE,
            value in json_value(),
            params in json_value(),
        ) {
            let ctx = PipeContext::default()
                .with_params(params.clone())
                .with_parent_params(json!({"k": params}))
                .with_result("a", PipeResult::success_with("v", value));
            match renderer().compile(&source) {
                Ok(template) => {
                    let _ = template.undeclared_names();
                    if let Err(error) = template.render(&ctx) {
                        prop_assert!(!error.message.is_empty());
                    }
                    if let Err(error) = template.render_text(&ctx) {
                        prop_assert!(!error.message.is_empty());
                    }
                }
                Err(error) => prop_assert!(!error.message.is_empty()),
            }
        }

        #[test]
        fn any_text_compiles_or_fails_cleanly(source in "\\PC{0,60}") {
            if let Ok(template) = renderer().compile(&source) {
                let _ = template.render(&ticket_context());
            }
        }
    }
}
