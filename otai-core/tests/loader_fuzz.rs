//! Random and mutated YAML never panics the loader: it yields a config or structured errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use otai::config::load_str;
use otai::AppConfig;
use proptest::prelude::*;

const SEED: &str = include_str!("fixtures/original-demo-config.yml");

fn check(text: &str) {
    match load_str("fuzz.yml", text, &AppConfig::new()) {
        Ok(loaded) => {
            if let Err(errors) = loaded.build(&support::registry()) {
                assert!(!errors.is_empty());
                names_the_file(&errors);
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error result must carry errors");
            names_the_file(&errors);
        }
    }
}

/// Every error names the file, and the rendered report does too.
fn names_the_file(errors: &otai::config::ConfigErrors) {
    for error in errors.errors() {
        assert_eq!(error.file, "fuzz.yml", "{error}");
        assert!(error.to_string().starts_with("fuzz.yml"), "{error}");
    }
    assert!(errors.render().contains("fuzz.yml"), "{}", errors.render());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check(&text);
    }

    #[test]
    fn yaml_shaped_text_never_panics(text in "(open_ticket_ai|otai|cfg|services|orchestrator|use|params|steps|injects|id|[a-z_]{1,8}|\"[^\"]{0,8}\"|\\{\\{ [a-z_.]{0,10} \\}\\}|[-:{}\\[\\],#\\n ]|  ){0,80}") {
        check(&text);
    }

    #[test]
    fn mutated_original_config_never_panics(cut in 0usize..SEED.len(), len in 0usize..40, insert in "\\PC{0,12}") {
        let mut text = SEED.to_owned();
        let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        check(&text);
    }

    #[test]
    fn deep_or_unbalanced_brackets_are_judged(text in "(open_ticket_ai: |a: |- |[\\[\\]{}]{1,200}|'[\\[{]{0,80}'|\"[\\[{]{0,80}\"|# [\\[{]{0,50}|\n|  ){0,40}") {
        check(&text);
    }
}
