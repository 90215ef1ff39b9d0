//! `acme-commercial:UrgencyTaggerPipe`: how urgent a ticket text sounds.

use otai::prelude::*;
use otai::value::{json, Map};

/// Phrases that make a ticket urgent (English and German helpdesk words), matched
/// case-insensitively at the start of a word.
const URGENT: &[&str] = &[
    "urgent",
    "asap",
    "immediately",
    "emergency",
    "critical",
    "outage",
    "down",
    "not working",
    "cannot work",
    "can't work",
    "production",
    "dringend",
    "sofort",
    "notfall",
    "ausfall",
    "geht nicht",
    "funktioniert nicht",
];

/// Phrases that make it less urgent.
const CALM: &[&str] = &[
    "no rush",
    "when you have time",
    "whenever",
    "low priority",
    "not urgent",
    "nicht dringend",
    "keine eile",
];

/// Params of [`UrgencyTaggerPipe`].
#[otai::params]
pub struct UrgencyParams {
    /// The ticket text (subject and body), usually a template such as
    /// `"{{ get_pipe_result('fetch', 'value').subject }}"`.
    pub text: String,
    /// More urgent phrases of your own helpdesk, added to the built-in ones.
    #[serde(default)]
    pub extra_keywords: Vec<String>,
}

/// Tags a ticket text with an urgency: `high`, `medium` or `low`.
///
/// Each urgent phrase found counts 1, repeated exclamation marks and two or more shouted
/// (all-caps) words count ½ each, each calming phrase counts −1. A total of 2 or more is
/// `high`, 1 or more `medium`, less `low`. Result data: `urgency`, `score` (the total) and
/// `signals` (what was found, for the internal note).
#[otai::pipe]
pub struct UrgencyTaggerPipe;

#[async_trait]
impl Pipe for UrgencyTaggerPipe {
    type Params = UrgencyParams;

    async fn process(&self, params: UrgencyParams, _ctx: &PipeContext) -> PipeResult {
        let tag = tag(&params.text, &params.extra_keywords);
        let mut data = Map::new();
        data.insert("urgency".to_owned(), json!(tag.urgency));
        data.insert("score".to_owned(), json!(tag.score));
        data.insert("signals".to_owned(), json!(tag.signals));
        PipeResult::success(data)
    }
}

/// The tagger's verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tag {
    pub urgency: &'static str,
    pub score: f64,
    pub signals: Vec<String>,
}

/// Whether `phrase` starts a word of `text` (both lower-case).
fn starts_a_word(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|before| !before.is_alphanumeric())
    })
}

pub(crate) fn tag(text: &str, extra: &[String]) -> Tag {
    let lower = text.to_lowercase();
    let mut score = 0.0;
    let mut signals = Vec::new();
    let urgent = URGENT
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str));
    for phrase in urgent {
        let phrase = phrase.to_lowercase();
        if !phrase.is_empty() && starts_a_word(&lower, &phrase) && !signals.contains(&phrase) {
            score += 1.0;
            signals.push(phrase);
        }
    }
    for phrase in CALM {
        if starts_a_word(&lower, phrase) {
            score -= 1.0;
            signals.push(format!("calm: {phrase}"));
        }
    }
    if text.contains("!!") {
        score += 0.5;
        signals.push("!!".to_owned());
    }
    let shouted = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|word| word.chars().count() >= 3 && word.chars().all(char::is_uppercase))
        .count();
    if shouted >= 2 {
        score += 0.5;
        signals.push("shouting".to_owned());
    }
    let urgency = if score >= 2.0 {
        "high"
    } else if score >= 1.0 {
        "medium"
    } else {
        "low"
    };
    Tag {
        urgency,
        score,
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_in_production_is_high() {
        let tag = tag("URGENT: shop DOWN in production!!", &[]);
        assert_eq!(tag.urgency, "high");
        assert_eq!(
            tag.signals,
            ["urgent", "down", "production", "!!", "shouting"]
        );
        assert_eq!(tag.score, 4.0);
    }

    #[test]
    fn a_question_is_low_and_calm_words_lower_the_score() {
        assert_eq!(
            tag("How do I change my invoice address?", &[]).urgency,
            "low"
        );
        let calm = tag("Printer not working, but no rush", &[]);
        assert_eq!((calm.urgency, calm.score), ("low", 0.0));
    }

    #[test]
    fn phrases_match_at_word_starts_only() {
        // A phrase counts where a word starts with it: "downtime", not "countdown".
        assert_eq!(tag("the countdown page", &[]).signals, Vec::<String>::new());
        assert_eq!(tag("Downtime since 9:00", &[]).signals, ["down"]);
    }

    #[test]
    fn own_keywords_count_like_built_in_ones() {
        let tag = tag(
            "Kasse 3 zeigt Fehler E42",
            &["kasse".to_owned(), "e42".to_owned()],
        );
        assert_eq!((tag.urgency, tag.signals.len()), ("high", 2));
    }

    #[test]
    fn german_tickets_are_tagged_too() {
        assert_eq!(tag("Dringend: Ausfall im Lager", &[]).urgency, "high");
        assert_eq!(tag("Nicht dringend: neue Maus", &[]).urgency, "low");
    }
}
