//! `${VAR}` and `${VAR:-default}` in config values.

use std::collections::BTreeMap;
use std::path::Path;

/// Where variables come from: the process environment first, then a `.env` file beside the
/// config (which never overrides the real environment). `Debug` shows names, never values.
#[derive(Clone, Default)]
pub struct EnvSource {
    dotenv: BTreeMap<String, String>,
    overrides: BTreeMap<String, Option<String>>,
}

impl std::fmt::Debug for EnvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvSource")
            .field("dotenv", &self.dotenv.keys().collect::<Vec<_>>())
            .field("overrides", &self.overrides.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl EnvSource {
    /// Reads `.env` in `dir`, if there is one. A malformed `.env` is reported.
    pub fn beside(dir: Option<&Path>) -> Result<Self, String> {
        let mut dotenv = BTreeMap::new();
        if let Some(dir) = dir {
            let file = dir.join(".env");
            if file.is_file() {
                let entries = dotenvy::from_path_iter(&file)
                    .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
                let mut last_key: Option<String> = None;
                for entry in entries {
                    // dotenvy's message quotes the malformed line, which may hold a secret:
                    // say where it is instead.
                    let (key, value) = entry.map_err(|_| match &last_key {
                        Some(key) => format!(
                            "{}: a line after the variable `{key}` is malformed",
                            file.display()
                        ),
                        None => format!("{}: the first variable line is malformed", file.display()),
                    })?;
                    last_key = Some(key.clone());
                    dotenv.insert(key, value);
                }
            }
        }
        Ok(Self {
            dotenv,
            overrides: BTreeMap::new(),
        })
    }

    /// Sets (or hides, with `None`) a variable, ahead of everything else (tests, embedding).
    pub fn with_override(mut self, name: &str, value: Option<&str>) -> Self {
        self.overrides
            .insert(name.to_owned(), value.map(str::to_owned));
        self
    }

    /// The variables read from the `.env` file, by name.
    pub fn dotenv_vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.dotenv
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<String> {
        if let Some(value) = self.overrides.get(name) {
            return value.clone();
        }
        std::env::var(name)
            .ok()
            .or_else(|| self.dotenv.get(name).cloned())
    }
}

/// A `${VAR}` without value and without default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable(pub String);

/// Replaces every `${NAME}` / `${NAME:-default}` in `text`. Text that is not a well-formed
/// reference (`$5`, `${}`, `${ not closed`) is kept as it is; `$${` writes a literal `${`.
pub fn substitute(text: &str, env: &EnvSource) -> Result<String, MissingVariable> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
            continue;
        }
        match parse_reference(tail) {
            Some((name, default, consumed)) => {
                match env
                    .get(name)
                    .filter(|v| !(default.is_some() && v.is_empty()))
                {
                    Some(value) => out.push_str(&value),
                    None => match default {
                        Some(default) => out.push_str(default),
                        None => return Err(MissingVariable(name.to_owned())),
                    },
                }
                rest = &tail[consumed..];
            }
            None => {
                out.push('$');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether `text` is exactly one reference and nothing else.
pub fn is_single_reference(text: &str) -> bool {
    parse_reference(text).is_some_and(|(_, _, consumed)| consumed == text.len())
}

/// Parses `${NAME}` or `${NAME:-default}` at the start of `text`: name, default, bytes used.
fn parse_reference(text: &str) -> Option<(&str, Option<&str>, usize)> {
    let inner_start = 2;
    if !text.starts_with("${") {
        return None;
    }
    let close = text.find('}')?;
    let inner = &text[inner_start..close];
    let (name, default) = match inner.split_once(":-") {
        Some((name, default)) => (name, Some(default)),
        None => (inner, None),
    };
    let valid_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid_name.then_some((name, default, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvSource {
        EnvSource::default()
            .with_override("HOST", Some("example.com"))
            .with_override("EMPTY", Some(""))
            .with_override("UNSET", None)
    }

    #[test]
    fn references_are_replaced() {
        assert_eq!(
            substitute("https://${HOST}/x", &env()).unwrap(),
            "https://example.com/x"
        );
        assert_eq!(
            substitute("${UNSET:-fallback}", &env()).unwrap(),
            "fallback"
        );
        assert_eq!(
            substitute("${EMPTY:-fallback}", &env()).unwrap(),
            "fallback"
        );
        assert_eq!(substitute("${EMPTY}", &env()).unwrap(), "");
    }

    #[test]
    fn missing_variables_are_named() {
        assert_eq!(
            substitute("a ${UNSET} b", &env()),
            Err(MissingVariable("UNSET".to_owned()))
        );
    }

    #[test]
    fn other_dollars_are_kept() {
        assert_eq!(
            substitute("pa$$word $5 ${} ${1X}", &env()).unwrap(),
            "pa$$word $5 ${} ${1X}"
        );
        assert_eq!(substitute("$${HOST}", &env()).unwrap(), "${HOST}");
        assert_eq!(substitute("${HOST", &env()).unwrap(), "${HOST");
    }

    #[test]
    fn single_references_are_recognised() {
        assert!(is_single_reference("${PORT}"));
        assert!(is_single_reference("${PORT:-8080}"));
        assert!(!is_single_reference("${PORT}/x"));
    }

    #[test]
    fn malformed_dotenv_lines_are_located_without_their_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "USER=bob\nPASSWORD=s3cr3t hunter2\n",
        )
        .unwrap();
        let error = EnvSource::beside(Some(dir.path())).unwrap_err();
        assert!(error.contains("after the variable `USER`"), "{error}");
        assert!(
            !error.contains("hunter2") && !error.contains("s3cr3t"),
            "{error}"
        );
        let env = EnvSource::default().with_override("TOKEN", Some("abc"));
        assert!(!format!("{env:?}").contains("abc"));
    }

    #[test]
    fn dotenv_files_fill_in_but_do_not_override() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "OTAI_TEST_DOTENV=from-file\nPATH=nope\n",
        )
        .unwrap();
        let env = EnvSource::beside(Some(dir.path())).unwrap();
        assert_eq!(env.get("OTAI_TEST_DOTENV").as_deref(), Some("from-file"));
        assert_ne!(env.get("PATH").as_deref(), Some("nope"));
    }
}
