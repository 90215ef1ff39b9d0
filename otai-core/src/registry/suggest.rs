//! "Did you mean …?" for unknown registry keys and ids.

/// Up to three candidates close to `wanted`, best first.
///
/// A candidate is close when its name (the part after the prefix, compared without case) is
/// equal to the wanted name, or when the edit distance is small for its length.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let wanted_name = name_part(&wanted_lower);
    let mut scored: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let whole = strsim::levenshtein(&wanted_lower, &lower);
            let name = strsim::levenshtein(wanted_name, name_part(&lower));
            let distance = whole.min(name);
            let allowed = (wanted_name.chars().count() / 3).max(2);
            (distance <= allowed).then_some((distance, candidate))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn name_part(key: &str) -> &str {
    key.rsplit_once(':').map_or(key, |(_, name)| name)
}

/// Formats suggestions as `did you mean `a` or `b`?`, or nothing.
pub fn did_you_mean(suggestions: &[&str]) -> Option<String> {
    match suggestions {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => {
            let quoted: Vec<String> = many.iter().map(|s| format!("`{s}`")).collect();
            Some(format!("did you mean {}?", quoted.join(" or ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &[
        "base:CompositePipe",
        "base:ExpressionPipe",
        "base:FetchTicketsPipe",
        "otobo-znuny:OTOBOZnunyTicketSystemService",
    ];

    #[test]
    fn typos_find_the_intended_key() {
        assert_eq!(
            closest("base:CompositPipe", KEYS.iter().copied()),
            ["base:CompositePipe"]
        );
        assert_eq!(
            closest("base:compositepipe", KEYS.iter().copied()),
            ["base:CompositePipe"]
        );
    }

    #[test]
    fn a_missing_or_wrong_prefix_still_finds_the_name() {
        assert_eq!(
            closest("CompositePipe", KEYS.iter().copied()),
            ["base:CompositePipe"]
        );
        assert_eq!(
            closest("core:ExpressionPipe", KEYS.iter().copied()),
            ["base:ExpressionPipe"]
        );
    }

    #[test]
    fn unrelated_keys_find_nothing() {
        assert!(closest("base:Frobnicator", KEYS.iter().copied()).is_empty());
    }

    #[test]
    fn suggestions_read_as_a_question() {
        assert_eq!(did_you_mean(&["a"]).as_deref(), Some("did you mean `a`?"));
        assert_eq!(
            did_you_mean(&["a", "b"]).as_deref(),
            Some("did you mean `a` or `b`?")
        );
        assert_eq!(did_you_mean(&[]), None);
    }
}
