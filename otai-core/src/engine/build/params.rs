//! Params of services and pipes: templates compiled once, names they read that do not
//! exist, and constructor errors pointed at the right param.

use super::{Builder, RendererMissing};
use crate::engine::issue::Issue;
use crate::injectable::BuildError;
use crate::params::{ParamTree, TextParams};
use crate::path::ConfigPath;
use crate::value::{Map, Value};

impl Builder<'_> {
    /// Compiles the templates of `params` (declared at `path`; `text` says which are text
    /// params); compile errors are issues, names a template reads that do not exist are warnings.
    pub(super) fn compile_params(
        &mut self,
        params: &Map<String, Value>,
        path: &ConfigPath,
        text: &TextParams,
    ) -> Option<ParamTree> {
        let renderer = self.renderer.as_deref();
        match ParamTree::compile(&Value::Object(params.clone()), renderer, text) {
            Ok(tree) => {
                self.warn_undeclared_names(&tree, path);
                Some(tree)
            }
            Err(_) if self.renderer_missing == RendererMissing::Reported => None,
            Err(errors) => {
                let unprovided = match &self.renderer_missing {
                    RendererMissing::Unprovided(hint) if self.renderer.is_none() => {
                        Some(hint.clone())
                    }
                    _ => None,
                };
                for error in errors {
                    let mut message = format!("template does not compile: {}", error.error.message);
                    if let Some(line) = error.error.line {
                        message.push_str(&format!(" (line {line} of the template)"));
                    }
                    if unprovided.is_some() {
                        message = error.error.message.clone();
                    }
                    let hint = unprovided.clone().or(error.error.hint);
                    self.issue(Issue::at(path.join(&error.path), message).maybe_hint(hint));
                }
                None
            }
        }
    }

    /// A warning for every name a template reads that is neither in scope nor defined.
    fn warn_undeclared_names(&mut self, tree: &ParamTree, path: &ConfigPath) {
        let mut warnings = Vec::new();
        for (template_path, template) in tree.templates() {
            for name in template.undeclared_names() {
                warnings.push(
                    Issue::at(
                        path.join(&template_path),
                        format!("the template reads `{name}`, which is not defined here; it renders as empty text"),
                    )
                    .hint("a typo? templates see `pipe_results`, `params`, `parent_params` and helpers such as `get_pipe_result('id', 'key')`")
                    .warning(),
                );
            }
        }
        self.issues.extend(warnings);
    }

    /// Reports a constructor's error at the param it names, or at the declaration.
    pub(super) fn build_error(&mut self, path: &ConfigPath, key: &str, error: &BuildError) {
        let message = crate::report(error);
        let issue = match error.params_path() {
            Some(params_path) => Issue::from_serde(path.key("params").join(params_path), message),
            None => Issue::at(path.clone(), format!("`{key}` cannot be built: {message}")),
        };
        self.issue(issue.maybe_hint(error.hint().map(str::to_owned)));
    }
}
