//! Pipes: nested pipes first, then params (templates compiled, types checked with templates
//! standing in), then construction; lists of steps get unique ids; the `runners:` short form
//! becomes the default orchestrator over default runners.

use std::collections::BTreeMap;

use super::Builder;
use crate::engine::issue::Issue;
use crate::engine::spec::{default_id, PipeSpec, RunnerSpec};
use crate::injectable::{BuildContext, Constructor, InjectableKind, NestedBuilt};
use crate::path::ConfigPath;
use crate::pipe::PipeNode;
use crate::registry::RegisteredInjectable;
use crate::value::{kind_of, Map, Value};

/// The pipe roles the `runners:` form needs a default for.
const ORCHESTRATOR_ROLE: &str = "orchestrator";
const RUNNER_ROLE: &str = "runner";

impl<'a> Builder<'a> {
    /// Validates and builds one pipe and, first, its nested pipes.
    pub(super) fn build_node(&mut self, spec: &PipeSpec, id: String) -> Option<PipeNode> {
        let found = self.resolve(&spec.use_key, InjectableKind::Pipe, &spec.path)?;
        let descriptor = found.descriptor();
        let errors_before = self.error_count();
        self.check_injects(
            &spec.injects,
            descriptor.inject_slots(),
            &spec.path,
            found.key(),
        );

        let params_path = spec.path.key("params");
        let mut params = spec.params.clone();
        let mut nested = BTreeMap::new();
        for slot in descriptor.nested_pipes() {
            let field_path = params_path.key(slot.field);
            match params.remove(slot.field) {
                None | Some(Value::Null) if slot.required => self.issue(
                    Issue::at(
                        params_path.clone(),
                        format!("`{}` needs `params.{}`", found.key(), slot.field),
                    )
                    .hint(if slot.many {
                        format!("add `{}: [ {{ use: … }} ]`", slot.field)
                    } else {
                        format!("add `{}: {{ use: … }}`", slot.field)
                    }),
                ),
                None | Some(Value::Null) => {}
                Some(value) if slot.many => {
                    if let Some(children) = self.build_node_list(&value, &field_path) {
                        nested.insert(slot.field, NestedBuilt::Many(children));
                    }
                }
                Some(value) => {
                    if let Some(child_spec) = PipeSpec::parse(&value, &field_path, &mut self.issues)
                    {
                        let child_id = child_spec.id_or_default();
                        if let Some(child) = self.build_node(&child_spec, child_id) {
                            nested.insert(slot.field, NestedBuilt::One(child));
                        }
                    }
                }
            }
        }
        if self.error_count() > errors_before {
            // Compile the params anyway, so their mistakes are reported in the same run.
            self.compile_checked(found, &params, &params_path);
            return None;
        }
        self.construct(found, id, &spec.path, &spec.injects, &params, nested)
    }

    /// Compiles and type-checks `params` for `found`.
    fn compile_checked(
        &mut self,
        found: &RegisteredInjectable,
        params: &Map<String, Value>,
        params_path: &ConfigPath,
    ) -> Option<crate::params::ParamTree> {
        let text = found.descriptor().text_params();
        let tree = self.compile_params(params, params_path, text)?;
        if let Err(error) = found.descriptor().check_params(&tree) {
            let issue = Issue::from_serde(params_path.join(&error.path), error.message);
            self.issue(issue.hint(format!(
                "`otai schema` describes the params of `{}`",
                found.key()
            )));
            return None;
        }
        Some(tree)
    }

    /// Compiles and checks the params, wires the injects and runs the constructor.
    fn construct(
        &mut self,
        found: &RegisteredInjectable,
        id: String,
        path: &ConfigPath,
        injects: &BTreeMap<String, String>,
        params: &Map<String, Value>,
        nested: BTreeMap<&'static str, NestedBuilt>,
    ) -> Option<PipeNode> {
        let errors_before = self.error_count();
        let descriptor = found.descriptor();
        let tree = self.compile_checked(found, params, &path.key("params"));
        let injects = self.wire_injects(injects);
        if self.error_count() > errors_before {
            return None;
        }
        let (tree, injects) = (tree?, injects?);
        let Constructor::Pipe(construct) = &descriptor.constructor else {
            return None;
        };
        let mut ctx = BuildContext::new(
            &id,
            found.key(),
            self.app,
            descriptor.inject_slots(),
            injects,
            nested,
        );
        match construct(&mut ctx) {
            Ok(pipe) => {
                let node = PipeNode::new(
                    id,
                    found.key().to_owned(),
                    tree,
                    pipe,
                    !descriptor.nested_pipes().is_empty(),
                );
                self.nodes.push((path.clone(), node.clone()));
                Some(node)
            }
            Err(error) => {
                self.build_error(path, found.key(), &error);
                None
            }
        }
    }

    /// A list of nested pipes (`steps`): ids must be unique among them.
    fn build_node_list(&mut self, value: &Value, path: &ConfigPath) -> Option<Vec<PipeNode>> {
        let Some(items) = value.as_array() else {
            self.issue(
                Issue::at(
                    path.clone(),
                    format!("expected a list of pipes, found {}", kind_of(value)),
                )
                .hint("write `- { use: … }` items"),
            );
            return None;
        };
        let specs: Vec<Option<PipeSpec>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| PipeSpec::parse(item, &path.index(index), &mut self.issues))
            .collect();
        let ids = self.unique_ids(&specs, path);
        let mut nodes = Vec::with_capacity(specs.len());
        let mut complete = true;
        for (spec, id) in specs.iter().zip(ids) {
            match spec.as_ref().and_then(|spec| self.build_node(spec, id)) {
                Some(node) => nodes.push(node),
                None => complete = false,
            }
        }
        complete.then_some(nodes)
    }

    /// The ids of a list of steps: given ids must be unique (an issue otherwise); a step
    /// without one is named after its injectable, numbered when a sibling has that name.
    fn unique_ids(&mut self, specs: &[Option<PipeSpec>], path: &ConfigPath) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut ids = Vec::with_capacity(specs.len());
        for (index, spec) in specs.iter().enumerate() {
            let Some(spec) = spec else {
                ids.push(String::new());
                continue;
            };
            let id = match &spec.id {
                Some(id) => {
                    if let Some(first) = seen.get(id) {
                        self.issue(
                            Issue::at(
                                path.index(index).key("id"),
                                format!("id `{id}` is already used by step [{first}] of this list"),
                            )
                            .hint("give every step of a list its own id; later steps read results by id"),
                        );
                    }
                    id.clone()
                }
                None => {
                    let base = default_id(&spec.use_key);
                    let taken = seen.contains_key(&base)
                        || specs
                            .iter()
                            .flatten()
                            .any(|other| other.id.as_deref() == Some(&base));
                    if taken {
                        format!("{base}-{index}")
                    } else {
                        base
                    }
                }
            };
            seen.entry(id.clone()).or_insert(index);
            ids.push(id);
        }
        ids
    }

    /// `orchestrator: { runners: [ { on?, run } ] }`: the default orchestrator over one
    /// default runner per entry (or the `run` pipe itself when there is no `on`).
    pub(super) fn build_runners(
        &mut self,
        runners: &[RunnerSpec],
        path: &ConfigPath,
    ) -> Option<PipeNode> {
        let runners_path = path.key("runners");
        let orchestrator = self.default_pipe(ORCHESTRATOR_ROLE, &runners_path);
        let needs_runner = runners.iter().any(|runner| runner.on.is_some());
        let runner = if needs_runner {
            self.default_pipe(RUNNER_ROLE, &runners_path)
        } else {
            None
        };
        let mut steps = Vec::with_capacity(runners.len());
        let mut complete = true;
        for (index, entry) in runners.iter().enumerate() {
            let run = self.build_node(&entry.run, entry.run.id_or_default());
            let on = entry
                .on
                .as_ref()
                .map(|on| self.build_node(on, on.id_or_default()));
            let step = match (on, run, runner) {
                (None, Some(run), _) => Some(run),
                (Some(Some(on)), Some(run), Some(runner)) => {
                    let nested = BTreeMap::from([
                        ("on", NestedBuilt::One(on)),
                        ("run", NestedBuilt::One(run)),
                    ]);
                    let id = format!("{}-{index}", runner.descriptor().name());
                    self.construct(
                        runner,
                        id,
                        &entry.path,
                        &BTreeMap::new(),
                        &Map::new(),
                        nested,
                    )
                }
                _ => None,
            };
            match step {
                Some(step) => steps.push(step),
                None => complete = false,
            }
        }
        let orchestrator = orchestrator?;
        if !complete {
            return None;
        }
        let Some(steps_field) = orchestrator
            .descriptor()
            .nested_pipes()
            .iter()
            .find(|slot| slot.many)
        else {
            self.issue(Issue::at(
                runners_path,
                format!(
                    "the default orchestrator `{}` takes no list of steps",
                    orchestrator.key()
                ),
            ));
            return None;
        };
        let nested = BTreeMap::from([(steps_field.field, NestedBuilt::Many(steps))]);
        let id = orchestrator.descriptor().name().to_owned();
        self.construct(
            orchestrator,
            id,
            path,
            &BTreeMap::new(),
            &Map::new(),
            nested,
        )
    }

    /// The one pipe linked plugins declare the default for `role`.
    fn default_pipe(
        &mut self,
        role: &'static str,
        path: &ConfigPath,
    ) -> Option<&'a RegisteredInjectable> {
        let defaults: Vec<&'a RegisteredInjectable> = self
            .registry
            .defaults_for(role)
            .filter(|found| found.descriptor().kind() == InjectableKind::Pipe)
            .collect();
        match defaults.as_slice() {
            [one] => Some(*one),
            [] => {
                self.issue(
                    Issue::at(
                        path.clone(),
                        format!("the `runners:` form needs a default {role}, and no linked plugin offers one"),
                    )
                    .hint("write the orchestrator as a pipe: `orchestrator: { use: \"prefix:Name\", params: { steps: [...] } }`"),
                );
                None
            }
            several => {
                let keys: Vec<&str> = several.iter().map(|found| found.key()).collect();
                self.issue(
                    Issue::at(
                        path.clone(),
                        format!(
                            "several linked plugins offer a default {role} ({})",
                            keys.join(", ")
                        ),
                    )
                    .hint("write the orchestrator as a pipe with the `use:` you want"),
                );
                None
            }
        }
    }
}
