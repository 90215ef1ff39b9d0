//! Differential test of `base:JinjaRenderer` against the original's template engine.
//!
//! `tests/fixtures/jinja-parity/catalogue.yml` lists templates with the scope they are
//! rendered in; `generate.py` beside it rendered each through the original's engine (jinja2's
//! `NativeEnvironment` with the original's settings and helpers) into `expected.json`. This
//! test renders the same templates through [`JinjaRenderer`] and compares:
//!
//! * a value must be equal as JSON (an integer is not a float, a string is not a number);
//! * an error must be an error (messages differ by design);
//! * the original's `FailMarker` must be our fail marker;
//! * the original's `Undefined` (a single expression that reads nothing) must be our `null`;
//! * a case marked `differs` must give what the catalogue documents, and that must really
//!   differ from the original (so the documented list stays honest);
//! * a case marked `pending` needs a scope today's `PipeContext` cannot build; it is skipped,
//!   and fails as soon as the scope can be built, so the mark is removed;
//! * `CompiledTemplate::undeclared_names` must list what jinja2's own analysis
//!   (`jinja2.meta.find_undeclared_variables`, less scope, helpers and jinja2's globals)
//!   finds, plus the jinja2 globals minijinja lacks.
//!
//! `cargo test -p otai-base --test jinja_parity -- --nocapture` prints every case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use otai::interfaces::template::is_fail_marker;
use otai::interfaces::TemplateRenderer;
use otai::value::{Map, Value};
use otai::{AppConfig, PipeContext, PipeResult};
use otai_base::services::JinjaRenderer;
use serde::Deserialize;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/jinja-parity")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    scopes: BTreeMap<String, Scope>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    template: String,
    scope: ScopeRef,
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    origin: Option<String>,
    #[serde(default)]
    differs: Option<Differs>,
    #[serde(default)]
    pending: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScopeRef {
    Named(String),
    Inline(Box<Scope>),
}

/// A scope in the original's terms.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scope {
    #[serde(default)]
    pipe_results: Map<String, Value>,
    /// The root context's params.
    #[serde(default)]
    params: Option<Value>,
    /// The enclosing composite's params; absent outside any composite.
    #[serde(default)]
    parent_params: Option<Value>,
    #[serde(default)]
    env: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultSpec {
    #[serde(default = "yes")]
    succeeded: bool,
    #[serde(default)]
    was_skipped: bool,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Map<String, Value>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Differs {
    reason: String,
    ours: Outcome,
}

#[derive(Debug, Deserialize)]
struct Expected {
    cases: Vec<ExpectedCase>,
}

#[derive(Debug, Deserialize)]
struct ExpectedCase {
    id: String,
    template: String,
    original: Outcome,
    /// What jinja2's analysis finds undeclared; `None` when jinja2 cannot parse it.
    undeclared: Option<Vec<String>>,
}

/// jinja2's globals that minijinja does not have: undeclared for us, declared for jinja2.
const MISSING_GLOBALS: [&str; 3] = ["lipsum", "cycler", "joiner"];

/// What a render gave.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Outcome {
    Value {
        value: Value,
        #[serde(default)]
        py_type: Option<String>,
    },
    Error {
        #[serde(default)]
        error: String,
    },
    FailMarker,
    Undefined,
    Unrepresentable {
        py_type: String,
        repr: String,
    },
}

impl Outcome {
    fn kind(&self) -> &'static str {
        match self {
            Self::Value { .. } => "value",
            Self::Error { .. } => "error",
            Self::FailMarker => "fail_marker",
            Self::Undefined => "undefined",
            Self::Unrepresentable { .. } => "unrepresentable",
        }
    }

    fn brief(&self) -> String {
        match self {
            Self::Value { value, py_type } => match py_type {
                Some(py_type) => format!("{py_type} {value}"),
                None => value.to_string(),
            },
            Self::Error { error } => format!("error: {error}"),
            Self::FailMarker => "FailMarker".to_owned(),
            Self::Undefined => "Undefined".to_owned(),
            Self::Unrepresentable { py_type, repr } => format!("{py_type} {repr} (no JSON form)"),
        }
    }
}

/// Whether our outcome stands for the original's.
fn matches(original: &Outcome, ours: &Outcome) -> bool {
    match (original, ours) {
        (Outcome::Value { value: a, .. }, Outcome::Value { value: b, .. }) => a == b,
        (Outcome::Error { .. }, Outcome::Error { .. }) => true,
        (Outcome::FailMarker, Outcome::FailMarker) => true,
        // JSON has no undefined: a single expression that reads nothing renders to null.
        (Outcome::Undefined, Outcome::Value { value, .. }) => value.is_null(),
        _ => false,
    }
}

/// The names a template reads (scope variables and helpers), for building its context.
fn names_read(template: &str) -> HashSet<String> {
    let mut env = minijinja::Environment::new();
    match env.add_template_owned("t", template.to_owned()) {
        Ok(()) => env
            .get_template("t")
            .map(|t| t.undeclared_variables(false))
            .unwrap_or_default(),
        Err(_) => HashSet::new(),
    }
}

/// The `PipeContext` of a catalogue scope: the original's `params` are the run's params and
/// its `parent_params` the enclosing composite's (`null` outside one), as in ours.
fn context_for(scope: &Scope, _reads: &HashSet<String>) -> Result<PipeContext, String> {
    let params = scope
        .params
        .clone()
        .unwrap_or_else(|| Value::Object(Map::new()));
    let parent = scope.parent_params.clone().unwrap_or(Value::Null);
    let ctx = PipeContext::default()
        .with_params(params)
        .with_parent_params(parent);
    let mut ctx = ctx;
    for (id, spec) in &scope.pipe_results {
        let spec: ResultSpec = serde_json::from_value(spec.clone())
            .unwrap_or_else(|error| panic!("pipe result `{id}`: {error}"));
        let mut result = if spec.was_skipped {
            assert!(!spec.succeeded, "pipe result `{id}`: skipped but succeeded");
            PipeResult::skipped(spec.message)
        } else if spec.succeeded {
            PipeResult::success(Map::new()).with_message(spec.message)
        } else {
            PipeResult::failure(spec.message)
        };
        result.data = spec.data;
        ctx = ctx.with_result(id, result);
    }
    Ok(ctx)
}

fn render(case: &Case, scope: &Scope, ctx: &PipeContext) -> Outcome {
    let mut app = AppConfig::new();
    for (name, value) in &scope.env {
        app = app.with_env(name.as_str(), value.as_deref());
    }
    let renderer = JinjaRenderer::new(app);
    let rendered = renderer
        .compile(&case.template)
        .and_then(|template| template.render(ctx));
    match rendered {
        Ok(value) if is_fail_marker(&value) => Outcome::FailMarker,
        Ok(value) => Outcome::Value {
            value,
            py_type: None,
        },
        Err(error) => Outcome::Error {
            error: error.message,
        },
    }
}

#[test]
fn the_renderer_matches_the_original() {
    let catalogue: Catalogue = serde_yaml::from_str(&fixture("catalogue.yml")).unwrap();
    let expected: Expected = serde_json::from_str(&fixture("expected.json")).unwrap();
    let originals: BTreeMap<&str, &ExpectedCase> = expected
        .cases
        .iter()
        .map(|case| (case.id.as_str(), case))
        .collect();

    let mut problems = Vec::new();
    let (mut same, mut documented, mut pending) = (0, 0, 0);
    for case in &catalogue.cases {
        let Some(original) = originals.get(case.id.as_str()) else {
            problems.push(format!(
                "{}: not in expected.json; run generate.py",
                case.id
            ));
            continue;
        };
        if original.template != case.template {
            problems.push(format!(
                "{}: expected.json was made from another template; run generate.py",
                case.id
            ));
            continue;
        }
        if original.original.kind() != case.kind {
            problems.push(format!(
                "{}: the catalogue says {}, expected.json says {}",
                case.id,
                case.kind,
                original.original.kind()
            ));
        }
        if let (Some(expected), Ok(template)) = (
            &original.undeclared,
            JinjaRenderer::default().compile(&case.template),
        ) {
            let ours: Vec<String> = template
                .undeclared_names()
                .into_iter()
                .filter(|name| !MISSING_GLOBALS.contains(&name.as_str()))
                .collect();
            if &ours != expected {
                problems.push(format!(
                    "{}: undeclared names {ours:?}, jinja2 finds {expected:?}",
                    case.id
                ));
            }
        }
        let scope = match &case.scope {
            ScopeRef::Named(name) => catalogue
                .scopes
                .get(name)
                .unwrap_or_else(|| panic!("{}: no scope `{name}`", case.id)),
            ScopeRef::Inline(scope) => scope,
        };
        let ctx = context_for(scope, &names_read(&case.template));
        let ctx = match (ctx, &case.pending) {
            (Ok(_), Some(_)) => {
                problems.push(format!(
                    "{}: marked pending, but its scope can be built now: remove the mark",
                    case.id
                ));
                continue;
            }
            (Err(why), None) => {
                problems.push(format!("{}: {why}; mark it pending", case.id));
                continue;
            }
            (Err(_), Some(reason)) => {
                pending += 1;
                println!("PENDING  {:<48} {reason}", case.id);
                continue;
            }
            (Ok(ctx), None) => ctx,
        };
        let ours = render(case, scope, &ctx);
        let original = &original.original;
        match &case.differs {
            None if matches(original, &ours) => {
                same += 1;
                println!("same     {:<48} {}", case.id, ours.brief());
            }
            None => problems.push(format!(
                "{}: `{}`\n      original: {}\n      ours:     {}",
                case.id,
                case.template.escape_debug(),
                original.brief(),
                ours.brief()
            )),
            Some(differs) => {
                if !matches(&differs.ours, &ours) {
                    problems.push(format!(
                        "{}: documented as giving {}, gives {}",
                        case.id,
                        differs.ours.brief(),
                        ours.brief()
                    ));
                } else if matches(original, &ours) {
                    problems.push(format!(
                        "{}: documented as a difference, but matches the original now: remove `differs`",
                        case.id
                    ));
                } else {
                    documented += 1;
                    println!(
                        "differs  {:<48} original {} / ours {}: {}",
                        case.id,
                        original.brief(),
                        ours.brief(),
                        differs.reason
                    );
                }
            }
        }
    }
    println!(
        "{} cases: {same} as the original, {documented} documented differences, {pending} pending, {} problems",
        catalogue.cases.len(),
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{} of {} cases differ from the original:\n  {}",
        problems.len(),
        catalogue.cases.len(),
        problems.join("\n  ")
    );
}
