//! `api_version` and `plugins:`: what the config needs of this binary.

use super::Builder;
use crate::engine::issue::Issue;
use crate::engine::spec::PipelineSpec;
use crate::path::ConfigPath;

impl Builder<'_> {
    /// Checks `api_version` against the core and `plugins:` against the linked plugins.
    pub(super) fn check_requirements(&mut self, spec: &PipelineSpec) {
        if let Some(requirement) = &spec.api_version {
            let core = semver::Version::parse(crate::CORE_VERSION).ok();
            if core.as_ref().is_some_and(|core| !requirement.matches(core)) {
                self.issue(
                    Issue::at(
                        ConfigPath::of_key("api_version"),
                        format!(
                            "this config needs otai-core `{requirement}`, but this binary has otai-core {}",
                            crate::CORE_VERSION
                        ),
                    )
                    .hint("run it with a matching otai build, or relax `api_version`"),
                );
            }
        }
        for (index, wanted) in spec.plugins.iter().enumerate() {
            let path = ConfigPath::of_key("plugins").index(index);
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
                        let issue = Issue::at(
                            path.key("version"),
                            format!(
                                "plugin `{}` is linked in version {}, which does not satisfy `{requirement}`",
                                linked.package, linked.version
                            ),
                        )
                        .hint("build otai with a matching plugin version, or relax the requirement");
                        self.issue(issue);
                    }
                }
            }
        }
    }
}
