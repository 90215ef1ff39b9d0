//! Registry keys: does `use:` name an injectable of the kind expected here?

use super::Builder;
use crate::engine::issue::Issue;
use crate::injectable::InjectableKind;
use crate::path::ConfigPath;
use crate::registry::suggest::{closest, did_you_mean};
use crate::registry::RegisteredInjectable;

impl<'a> Builder<'a> {
    /// Looks up `key` and checks it is of `kind`; `path` is the declaration's.
    pub(super) fn resolve(
        &mut self,
        key: &str,
        kind: InjectableKind,
        path: &ConfigPath,
    ) -> Option<&'a RegisteredInjectable> {
        let registry = self.registry;
        // Suggest keys of the kind expected here: a service slot never wants a pipe.
        let same_kind: Vec<&str> = registry.by_kind(kind).map(|i| i.key()).collect();
        let suggestion = did_you_mean(&closest(key, same_kind.iter().copied()));
        match registry.get(key) {
            Ok(found) if found.descriptor().kind() == kind => Some(found),
            Ok(found) => {
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
                let hint = match suggestion {
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
}
