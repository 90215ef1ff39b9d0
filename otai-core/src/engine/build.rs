//! From a loaded config to a runnable [`Pipeline`]: every check, then construction.
//!
//! One walk over the config both validates and builds, collecting *every* issue: unknown
//! `use` keys, wrong kinds, inject slots that do not exist or get a service without the
//! interface they need, empty required slots, service dependency cycles, params that do not
//! fit their type (with templates replaced by placeholders), template syntax errors, duplicate
//! ids among siblings, and unmet `api_version` / `plugins` requirements. Nothing is returned
//! unless the whole config is sound.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::app_config::AppConfig;
use crate::config::error::Issue;
use crate::config::model::{kind_of, PipeConfig, ServiceConfig};
use crate::config::{
    load_file_lenient, load_pipe_str, load_str, ConfigErrors, ConfigPath, LoadedConfig,
};
use crate::engine::node::PipeNode;
use crate::engine::params::ParamTree;
use crate::engine::RunControl;
use crate::injectable::{BuildContext, BuildError, Constructor, InjectSlot, NestedBuilt};
use crate::interfaces::TemplateRenderer;
use crate::pipe::{PipeContext, PipeResult};
use crate::registry::suggest::{closest, did_you_mean};
use crate::registry::{ComponentRegistry, RegisteredInjectable};
use crate::service::ServiceInstance;
use crate::value::{Map, Value};
use crate::InjectableKind;

/// The id given to a template renderer the engine creates because the config names none.
pub const DEFAULT_RENDERER_ID: &str = "default_template_renderer";

/// Services of a built pipeline, by id.
pub type PipelineServices = BTreeMap<String, Arc<ServiceInstance>>;

/// A built configuration: its services and its orchestrator, ready to run.
pub struct Pipeline {
    config: LoadedConfig,
    app: AppConfig,
    registry: ComponentRegistry,
    renderer: Option<Arc<dyn TemplateRenderer>>,
    service_configs: BTreeMap<String, ServiceSummary>,
    services: PipelineServices,
    orchestrator: PipeNode,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("source", &self.config.source().name())
            .field("services", &self.services.keys().collect::<Vec<_>>())
            .field("orchestrator", &self.orchestrator)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct ServiceSummary {
    key: String,
    interfaces: Vec<&'static str>,
    /// `use` did not resolve (already reported): injects of it are not judged again.
    unresolved: bool,
}

impl Pipeline {
    /// Validates `config` against `registry` and builds every service and pipe.
    pub fn build(
        config: &LoadedConfig,
        registry: &ComponentRegistry,
        app: &AppConfig,
    ) -> Result<Self, ConfigErrors> {
        Self::build_with_issues(config, Vec::new(), registry, app)
    }

    /// Builds with issues already found while loading, so all are reported together.
    pub(crate) fn build_with_issues(
        config: &LoadedConfig,
        issues: Vec<Issue>,
        registry: &ComponentRegistry,
        app: &AppConfig,
    ) -> Result<Self, ConfigErrors> {
        // Services see the config's `.env` too (`{{ get_env('X') }}` as `${X}` does).
        let app = &app.clone().with_env_fallback(config.env().dotenv_vars());
        let mut builder = Builder::new(registry, app);
        builder.issues = issues;
        builder.check_requirements(config);
        builder.build_services(&config.config().services);
        let orchestrator_config = &config.config().orchestrator;
        let id = orchestrator_config
            .id
            .clone()
            .unwrap_or_else(|| default_id(&orchestrator_config.use_key));
        let orchestrator = builder.build_pipe(orchestrator_config, id);
        match orchestrator {
            Some(orchestrator) if builder.issues.is_empty() => Ok(Self {
                config: config.clone(),
                app: app.clone(),
                registry: registry.clone(),
                renderer: builder.renderer,
                service_configs: builder.service_configs,
                services: builder.services,
                orchestrator,
            }),
            _ => Err(config.errors(builder.issues)),
        }
    }

    /// Loads and builds a config file, reporting loading and validation mistakes together.
    pub fn from_file(
        path: &std::path::Path,
        registry: &ComponentRegistry,
        app: &AppConfig,
    ) -> Result<Self, ConfigErrors> {
        let (loaded, issues) = load_file_lenient(path)?;
        Self::build_with_issues(&loaded, issues, registry, app)
    }

    /// Loads and builds a config given as YAML text.
    pub fn from_yaml_str(
        yaml: &str,
        registry: &ComponentRegistry,
        app: &AppConfig,
    ) -> Result<Self, ConfigErrors> {
        Self::build(&load_str("<string>", yaml)?, registry, app)
    }

    /// Runs the orchestrator (for the standard orchestrator: cycles until shutdown, or one
    /// cycle in once mode) and returns its result.
    pub async fn run(&self, control: RunControl) -> PipeResult {
        self.orchestrator.run(&PipeContext::new(control)).await
    }

    /// The top pipe.
    pub fn orchestrator(&self) -> &PipeNode {
        &self.orchestrator
    }

    /// A built service by id.
    pub fn service(&self, id: &str) -> Option<&Arc<ServiceInstance>> {
        self.services.get(id)
    }

    /// Every built service by id.
    pub fn services(&self) -> &PipelineServices {
        &self.services
    }

    /// The loaded config.
    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    /// Builds one more pipe from YAML (`{id?, use, injects?, params?}`) wired to this
    /// pipeline's services: for running single pipes from an embedding application or a test.
    pub fn build_pipe(&self, yaml: &str) -> Result<PipeNode, ConfigErrors> {
        let loaded = load_pipe_str("<pipe>", yaml)?;
        let mut builder = Builder::new(&self.registry, &self.app);
        builder.renderer = self.renderer.clone();
        builder.service_configs = self.service_configs.clone();
        builder.services = self.services.clone();
        let pipe_config = &loaded.config().orchestrator;
        let id = pipe_config
            .id
            .clone()
            .unwrap_or_else(|| default_id(&pipe_config.use_key));
        match builder.build_pipe(pipe_config, id) {
            Some(node) if builder.issues.is_empty() => Ok(node),
            _ => Err(loaded.errors(builder.issues)),
        }
    }
}

/// The id of a pipe configured without one: the injectable's name (`FetchTicketsPipe`).
fn default_id(use_key: &str) -> String {
    use_key
        .rsplit_once(crate::AppConfig::REGISTRY_IDENTIFIER_SEPARATOR)
        .map_or(use_key, |(_, name)| name)
        .to_owned()
}

struct Builder<'a> {
    registry: &'a ComponentRegistry,
    app: &'a AppConfig,
    issues: Vec<Issue>,
    renderer: Option<Arc<dyn TemplateRenderer>>,
    /// The configured renderer could not be built (reported already).
    renderer_unavailable: bool,
    service_configs: BTreeMap<String, ServiceSummary>,
    services: PipelineServices,
}

impl<'a> Builder<'a> {
    fn new(registry: &'a ComponentRegistry, app: &'a AppConfig) -> Self {
        Self {
            registry,
            app,
            issues: Vec::new(),
            renderer: None,
            renderer_unavailable: false,
            service_configs: BTreeMap::new(),
            services: BTreeMap::new(),
        }
    }

    fn issue(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    /// `api_version` and `plugins:`.
    fn check_requirements(&mut self, config: &LoadedConfig) {
        let config = config.config();
        if let Some(requirement) = &config.api_version {
            let core = semver::Version::parse(crate::CORE_VERSION).ok();
            if core.as_ref().is_some_and(|core| !requirement.matches(core)) {
                self.issue(
                    Issue::at(
                        ConfigPath::root().key("api_version"),
                        format!(
                            "this config needs otai-core `{requirement}`, but this binary has otai-core {}",
                            crate::CORE_VERSION
                        ),
                    )
                    .hint("run it with a matching otai build, or relax `api_version`"),
                );
            }
        }
        for (index, wanted) in config.plugins.iter().enumerate() {
            let path = ConfigPath::root().key("plugins").index(index);
            let linked = self.registry.plugins().iter().find(|plugin| {
                plugin.package == wanted.name
                    || plugin.prefix == wanted.name
                    || plugin.package.replace('_', "-") == wanted.name.replace('_', "-")
            });
            let Some(linked) = linked else {
                let available: Vec<String> = self
                    .registry
                    .plugins()
                    .iter()
                    .map(|p| format!("{} {}", p.package, p.version))
                    .collect();
                self.issue(
                    Issue::at(
                        path.key("name"),
                        format!("plugin `{}` is not linked into this binary", wanted.name),
                    )
                    .hint(format!(
                        "linked plugins: {}; build otai with the plugin's feature or add its crate",
                        if available.is_empty() {
                            "none".to_owned()
                        } else {
                            available.join(", ")
                        }
                    )),
                );
                continue;
            };
            let Some(version_text) = &wanted.version else {
                continue;
            };
            match semver::VersionReq::parse(version_text) {
                Err(error) => self.issue(
                    Issue::at(
                        path.key("version"),
                        format!("`{version_text}` is not a version requirement: {error}"),
                    )
                    .hint("write a semver requirement such as \">=1.0\""),
                ),
                Ok(requirement) => {
                    let satisfied = semver::Version::parse(&linked.version)
                        .is_ok_and(|version| requirement.matches(&version));
                    if !satisfied {
                        self.issue(
                            Issue::at(
                                path.key("version"),
                                format!(
                                    "plugin `{}` is linked in version {}, which does not satisfy `{requirement}`",
                                    linked.package, linked.version
                                ),
                            )
                            .hint("build otai with a matching plugin version, or relax the requirement"),
                        );
                    }
                }
            }
        }
    }

    /// Looks up `key` and checks it is of `kind`.
    fn resolve(
        &mut self,
        key: &str,
        kind: InjectableKind,
        path: &ConfigPath,
    ) -> Option<&'a RegisteredInjectable> {
        let registry = self.registry;
        match registry.get(key) {
            Ok(found) if found.descriptor().kind() == kind => Some(found),
            Ok(found) => {
                let alternatives: Vec<&str> = registry.by_kind(kind).map(|i| i.key()).collect();
                let suggestion = did_you_mean(&closest(key, alternatives.iter().copied()));
                self.issue(
                    Issue::at(
                        path.key("use"),
                        format!(
                            "`{key}` is a {}, but a {kind} is expected here",
                            found.descriptor().kind()
                        ),
                    )
                    .hint(
                        suggestion.unwrap_or_else(|| format!("`otai plugins` lists every {kind}")),
                    ),
                );
                None
            }
            Err(_) => {
                // Suggest keys of the kind expected here: a service slot never wants a pipe.
                let same_kind: Vec<&str> = registry.by_kind(kind).map(|i| i.key()).collect();
                let hint = match did_you_mean(&closest(key, same_kind.iter().copied())) {
                    Some(text) => format!("{text} `otai plugins` lists every key"),
                    None => "`otai plugins` lists every key".to_owned(),
                };
                self.issue(
                    Issue::at(path.key("use"), format!("unknown registry key `{key}`")).hint(hint),
                );
                None
            }
        }
    }

    fn build_services(&mut self, services: &[ServiceConfig]) {
        // Resolve every service and remember what it provides.
        let mut resolved: BTreeMap<&str, (&ServiceConfig, &'a RegisteredInjectable)> =
            BTreeMap::new();
        for service in services {
            let found = self.resolve(&service.use_key, InjectableKind::Service, &service.path);
            self.service_configs.insert(
                service.id.clone(),
                ServiceSummary {
                    key: service.use_key.clone(),
                    interfaces: found
                        .map(|f| f.descriptor().interfaces().to_vec())
                        .unwrap_or_default(),
                    unresolved: found.is_none(),
                },
            );
            if let Some(found) = found {
                resolved.insert(&service.id, (service, found));
            }
        }
        // Service → service injects, checked before anything is built.
        let mut dependencies: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (id, (service, found)) in &resolved {
            self.check_injects(
                &service.injects,
                found.descriptor().inject_slots(),
                &service.path,
                found.key(),
            );
            dependencies.insert(id, service.injects.values().map(String::as_str).collect());
        }
        let renderer_id = services
            .iter()
            .find(|s| {
                self.service_configs.get(&s.id).is_some_and(|summary| {
                    summary
                        .interfaces
                        .contains(&<dyn TemplateRenderer as crate::Interface>::NAME)
                })
            })
            .map(|s| s.id.as_str());
        if renderer_id.is_none() {
            self.create_default_renderer();
        }
        let Some(order) = self.service_order(&dependencies, renderer_id, services) else {
            // The cycle is reported; templates cannot be judged without the renderer.
            self.renderer_unavailable = renderer_id.is_some();
            return;
        };
        for id in order {
            let Some((service, found)) = resolved.get(id) else {
                continue;
            };
            self.build_service(service, found);
            if Some(id) == renderer_id {
                self.renderer = self
                    .services
                    .get(id)
                    .and_then(|instance| instance.get::<dyn TemplateRenderer>());
                // A renderer that failed to build is reported; do not blame every template.
                self.renderer_unavailable = self.renderer.is_none();
            }
        }
    }

    /// Build order: the renderer and its dependencies first, then the others in file order;
    /// every service after the services it injects. A cycle is an issue naming the cycle.
    fn service_order<'s>(
        &mut self,
        dependencies: &BTreeMap<&'s str, Vec<&'s str>>,
        renderer: Option<&'s str>,
        services: &'s [ServiceConfig],
    ) -> Option<Vec<&'s str>> {
        fn visit<'s>(
            id: &'s str,
            dependencies: &BTreeMap<&'s str, Vec<&'s str>>,
            done: &mut BTreeSet<&'s str>,
            stack: &mut Vec<&'s str>,
            order: &mut Vec<&'s str>,
        ) -> Result<(), Vec<&'s str>> {
            if done.contains(id) {
                return Ok(());
            }
            if let Some(start) = stack.iter().position(|s| *s == id) {
                let mut cycle = stack[start..].to_vec();
                cycle.push(id);
                return Err(cycle);
            }
            stack.push(id);
            for dependency in dependencies.get(id).into_iter().flatten() {
                if dependencies.contains_key(dependency) {
                    visit(dependency, dependencies, done, stack, order)?;
                }
            }
            stack.pop();
            done.insert(id);
            order.push(id);
            Ok(())
        }

        let mut done = BTreeSet::new();
        let mut order = Vec::new();
        let roots = renderer
            .into_iter()
            .chain(services.iter().map(|s| s.id.as_str()));
        for id in roots {
            if !dependencies.contains_key(id) {
                continue;
            }
            if let Err(cycle) = visit(id, dependencies, &mut done, &mut Vec::new(), &mut order) {
                let first = cycle[0];
                let path = services
                    .iter()
                    .find(|s| s.id == first)
                    .map(|s| s.path.key("injects"))
                    .unwrap_or_default();
                self.issue(
                    Issue::at(
                        path,
                        format!(
                            "services inject each other in a cycle: {}",
                            cycle.join(" → ")
                        ),
                    )
                    .hint("break the cycle: a service cannot (indirectly) inject itself"),
                );
                return None;
            }
        }
        Some(order)
    }

    /// Without a configured renderer, the one the registry offers (if exactly one, or
    /// `base:JinjaRenderer`) renders templates.
    fn create_default_renderer(&mut self) {
        let interface = <dyn TemplateRenderer as crate::Interface>::NAME;
        let candidates: Vec<&RegisteredInjectable> =
            self.registry.by_interface(interface).collect();
        let chosen = match candidates.as_slice() {
            [one] => Some(*one),
            many => many
                .iter()
                .copied()
                .find(|c| c.key() == "base:JinjaRenderer"),
        };
        let Some(chosen) = chosen else {
            return;
        };
        let Constructor::Service(construct) = chosen.descriptor().constructor else {
            return;
        };
        let mut ctx = BuildContext::new(
            DEFAULT_RENDERER_ID,
            chosen.key(),
            self.app,
            BTreeMap::new(),
            BTreeMap::new(),
        );
        match construct(Value::Object(Map::new()), &mut ctx) {
            Ok(instance) => self.renderer = instance.get::<dyn TemplateRenderer>(),
            Err(error) => tracing::warn!(
                key = chosen.key(),
                %error,
                "the default template renderer could not be created"
            ),
        }
    }

    fn build_service(&mut self, service: &ServiceConfig, found: &RegisteredInjectable) {
        let issues_before = self.issues.len();
        let params_path = service.path.key("params");
        let tree = self.compile_params(&service.params, &params_path);
        let injects = self.wire_injects(&service.injects);
        let (Some(tree), Some(injects)) = (tree, injects) else {
            return;
        };
        if self.issues.len() > issues_before {
            return;
        }
        let rendered = match tree.render(&PipeContext::default()) {
            Ok(rendered) => rendered,
            Err(error) => {
                self.issue(Issue::at(
                    params_path.join_dotted(&error.path),
                    error.to_string(),
                ));
                return;
            }
        };
        let Constructor::Service(construct) = found.descriptor().constructor else {
            return;
        };
        let mut ctx =
            BuildContext::new(&service.id, found.key(), self.app, injects, BTreeMap::new());
        match construct(rendered, &mut ctx) {
            Ok(instance) => {
                self.services.insert(service.id.clone(), Arc::new(instance));
            }
            Err(error) => self.build_error(&service.path, found.key(), error),
        }
    }

    fn build_error(&mut self, path: &ConfigPath, key: &str, error: BuildError) {
        let issue = match &error.params_path {
            Some(params_path) => {
                Issue::from_serde(path.key("params").join_dotted(params_path), error.message)
            }
            None => Issue::at(
                path.clone(),
                format!("`{key}` cannot be built: {}", error.message),
            ),
        };
        self.issue(issue.maybe_hint(error.hint));
    }

    /// Checks `injects:` against the slots; issues for unknown slots, unknown services,
    /// services without the needed interface, and empty required slots.
    fn check_injects(
        &mut self,
        injects: &BTreeMap<String, String>,
        slots: &[InjectSlot],
        path: &ConfigPath,
        key: &str,
    ) {
        for (slot_name, service_id) in injects {
            let slot_path = path.key("injects").key(slot_name);
            let Some(slot) = slots.iter().find(|s| s.name == slot_name) else {
                let names: Vec<&str> = slots.iter().map(|s| s.name).collect();
                let hint =
                    did_you_mean(&closest(slot_name, names.iter().copied())).unwrap_or_else(|| {
                        if names.is_empty() {
                            format!("`{key}` takes no injects")
                        } else {
                            format!("its slots: {}", names.join(", "))
                        }
                    });
                self.issue(
                    Issue::at_key(
                        slot_path,
                        format!("`{key}` has no inject slot `{slot_name}`"),
                    )
                    .hint(hint),
                );
                continue;
            };
            let Some(summary) = self.service_configs.get(service_id) else {
                let ids: Vec<&str> = self.service_configs.keys().map(String::as_str).collect();
                let hint =
                    did_you_mean(&closest(service_id, ids.iter().copied())).unwrap_or_else(|| {
                        if ids.is_empty() {
                            "no services are configured; add one under `services:`".to_owned()
                        } else {
                            format!("configured services: {}", ids.join(", "))
                        }
                    });
                self.issue(
                    Issue::at(
                        slot_path,
                        format!("no service with id `{service_id}` is configured"),
                    )
                    .hint(hint),
                );
                continue;
            };
            if !summary.unresolved && !summary.interfaces.contains(&slot.interface) {
                let providers = self.providers_of(slot.interface);
                let hint = if providers.is_empty() {
                    format!("configure a service that provides `{}`", slot.interface)
                } else {
                    format!(
                        "services providing `{}`: {}",
                        slot.interface,
                        providers.join(", ")
                    )
                };
                self.issue(
                    Issue::at(
                        slot_path,
                        format!(
                            "service `{service_id}` ({}) does not provide `{}`, which slot `{slot_name}` needs",
                            summary.key, slot.interface
                        ),
                    )
                    .hint(hint),
                );
            }
        }
        for slot in slots
            .iter()
            .filter(|s| s.required && !injects.contains_key(s.name))
        {
            let providers = self.providers_of(slot.interface);
            let example = providers.first().copied().unwrap_or("<service id>");
            self.issue(
                Issue::at(
                    path.clone(),
                    format!(
                        "`{key}` needs a `{}` in inject slot `{}`, but none is given",
                        slot.interface, slot.name
                    ),
                )
                .hint(format!("add `injects: {{ {}: {example} }}`", slot.name)),
            );
        }
    }

    /// Ids of the configured services that provide `interface`.
    fn providers_of(&self, interface: &str) -> Vec<&str> {
        self.service_configs
            .iter()
            .filter(|(_, summary)| summary.interfaces.contains(&interface))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The built services for `injects` (after [`Builder::check_injects`]); `None` if one is
    /// missing because it failed to build.
    fn wire_injects(
        &self,
        injects: &BTreeMap<String, String>,
    ) -> Option<BTreeMap<String, Arc<ServiceInstance>>> {
        injects
            .iter()
            .map(|(slot, id)| self.services.get(id).map(|s| (slot.clone(), Arc::clone(s))))
            .collect()
    }

    fn compile_params(
        &mut self,
        params: &Map<String, Value>,
        path: &ConfigPath,
    ) -> Option<ParamTree> {
        let renderer = self.renderer.as_deref();
        match ParamTree::compile(&Value::Object(params.clone()), renderer) {
            Ok(tree) => Some(tree),
            Err(_) if self.renderer_unavailable => None,
            Err(errors) => {
                for error in errors {
                    let mut message = format!("template does not compile: {}", error.error.message);
                    if let Some(line) = error.error.line {
                        message.push_str(&format!(" (line {line} of the template)"));
                    }
                    self.issue(
                        Issue::at(path.join_dotted(&error.path), message)
                            .maybe_hint(error.error.hint),
                    );
                }
                None
            }
        }
    }

    /// Validates and builds one pipe and, first, its nested pipes.
    fn build_pipe(&mut self, config: &PipeConfig, id: String) -> Option<PipeNode> {
        let found = self.resolve(&config.use_key, InjectableKind::Pipe, &config.path)?;
        let descriptor = found.descriptor();
        let issues_before = self.issues.len();
        self.check_injects(
            &config.injects,
            descriptor.inject_slots(),
            &config.path,
            found.key(),
        );

        let params_path = config.path.key("params");
        let mut params = config.params.clone();
        let mut nested = BTreeMap::new();
        for field in descriptor.nested_pipes() {
            let field_path = params_path.key(field.field);
            match params.remove(field.field) {
                None | Some(Value::Null) if field.required => self.issue(
                    Issue::at(
                        params_path.clone(),
                        format!("`{}` needs `params.{}`", found.key(), field.field),
                    )
                    .hint(if field.many {
                        format!("add `{}: [ {{ use: … }} ]`", field.field)
                    } else {
                        format!("add `{}: {{ use: … }}`", field.field)
                    }),
                ),
                None | Some(Value::Null) => {}
                Some(value) if field.many => {
                    if let Some(children) = self.build_pipe_list(&value, &field_path) {
                        nested.insert(field.field, NestedBuilt::Many(children));
                    }
                }
                Some(value) => {
                    if let Some(child_config) =
                        PipeConfig::parse(&value, &field_path, &mut self.issues)
                    {
                        let child_id = child_config
                            .id
                            .clone()
                            .unwrap_or_else(|| default_id(&child_config.use_key));
                        if let Some(child) = self.build_pipe(&child_config, child_id) {
                            nested.insert(field.field, NestedBuilt::One(child));
                        }
                    }
                }
            }
        }

        let tree = self.compile_params(&params, &params_path);
        if let Some(tree) = &tree {
            if let Err(error) = descriptor.check_params(tree) {
                let issue = Issue::from_serde(params_path.join_dotted(&error.path), error.message);
                self.issue(issue.hint(format!(
                    "`otai schema` describes the params of `{}`",
                    found.key()
                )));
            }
        }
        let injects = self.wire_injects(&config.injects);
        if self.issues.len() > issues_before {
            return None;
        }
        let (tree, injects) = (tree?, injects?);
        let Constructor::Pipe(construct) = descriptor.constructor else {
            return None;
        };
        let mut ctx = BuildContext::new(&id, found.key(), self.app, injects, nested);
        match construct(&mut ctx) {
            Ok(pipe) => Some(PipeNode::new(
                id,
                found.key().to_owned(),
                tree,
                pipe,
                !descriptor.nested_pipes().is_empty(),
            )),
            Err(error) => {
                self.build_error(&config.path, found.key(), error);
                None
            }
        }
    }

    /// A list of nested pipes (`steps`): ids must be unique among them.
    fn build_pipe_list(&mut self, value: &Value, path: &ConfigPath) -> Option<Vec<PipeNode>> {
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
        let configs: Vec<Option<PipeConfig>> = items
            .iter()
            .enumerate()
            .map(|(index, item)| PipeConfig::parse(item, &path.index(index), &mut self.issues))
            .collect();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut ids = Vec::with_capacity(configs.len());
        for (index, config) in configs.iter().enumerate() {
            let Some(config) = config else {
                ids.push(String::new());
                continue;
            };
            let id = match &config.id {
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
                    let base = default_id(&config.use_key);
                    if seen.contains_key(&base)
                        || configs
                            .iter()
                            .flatten()
                            .any(|c| c.id.as_deref() == Some(&base))
                    {
                        format!("{base}-{index}")
                    } else {
                        base
                    }
                }
            };
            seen.entry(id.clone()).or_insert(index);
            ids.push(id);
        }
        let mut nodes = Vec::with_capacity(configs.len());
        let mut complete = true;
        for (config, id) in configs.iter().zip(ids) {
            match config
                .as_ref()
                .and_then(|config| self.build_pipe(config, id))
            {
                Some(node) => nodes.push(node),
                None => complete = false,
            }
        }
        complete.then_some(nodes)
    }
}
