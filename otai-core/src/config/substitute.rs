//! `${VAR}` and `${VAR:-default}` in config values, read through the one [`Env`].

use crate::env::Env;

/// A `${VAR}` without value and without default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable(pub String);

/// Replaces every `${NAME}` / `${NAME:-default}` in `text`. Text that is not a well-formed
/// reference (`$5`, `${}`, `${ not closed`) is kept as it is; `$${` writes a literal `${`.
pub fn substitute(text: &str, env: &Env) -> Result<String, MissingVariable> {
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

    fn env() -> Env {
        Env::process()
            .with_var("HOST", Some("example.com"))
            .with_var("EMPTY", Some(""))
            .with_var("UNSET", None)
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

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Text rich in the characters references are made of.
        const DOLLARS: &str =
            "([$]|[{]|[}]|:-|[$][{]|[$][$][{]|[A-Z_]{1,4}|HOST|UNSET|EMPTY|[0-9]| |\\PC){0,40}";

        /// `text` written so that substitution gives it back: every `${` doubled to `$${`.
        fn escape(text: &str) -> String {
            text.replace("${", "$${")
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn never_panics(text in DOLLARS) {
                match substitute(&text, &env()) {
                    Ok(_) => {}
                    Err(MissingVariable(name)) => {
                        prop_assert!(text.contains(&format!("${{{name}")), "{name} not in {text}");
                    }
                }
            }

            #[test]
            fn escaped_text_comes_back_unchanged(text in DOLLARS) {
                prop_assert_eq!(substitute(&escape(&text), &env()), Ok(text));
            }

            #[test]
            fn text_without_references_is_kept(text in "[^$]{0,40}") {
                prop_assert_eq!(substitute(&text, &env()), Ok(text));
            }

            #[test]
            fn references_take_the_value_or_the_default(
                value in "[^$]{0,12}",
                default in "[^$}]{0,12}",
                before in "[^$]{0,8}",
                after in "[^$]{0,8}",
            ) {
                let env = env().with_var("SET", Some(value.as_str()));
                prop_assert_eq!(
                    substitute(&format!("{before}${{SET}}{after}"), &env),
                    Ok(format!("{before}{value}{after}"))
                );
                prop_assert_eq!(
                    substitute(&format!("{before}${{UNSET:-{default}}}{after}"), &env),
                    Ok(format!("{before}{default}{after}"))
                );
            }
        }
    }
}
