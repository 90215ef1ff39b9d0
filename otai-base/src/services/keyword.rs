//! `base:KeywordClassifier`: a [`ClassificationService`] that scores labels by keywords and
//! regular expressions. Useful for rule-based routing in production and for the offline demo.
//!
//! # Configuration
//!
//! One service can hold several *models*, each with its own label set, picked by the
//! `model_name` of the classification request — so one service classifies queue and priority:
//!
//! ```yaml
//! services:
//!   keywords:
//!     use: base:KeywordClassifier
//!     params:
//!       models:
//!         queue:
//!           default_label: Unclassified
//!           labels:
//!             Billing: [invoice, refund, rechnung, gutschrift]     # keywords only
//!             IT Support:
//!               keywords: [password, vpn, drucker]
//!               patterns: ['(?-u:\b)fehler(code)?\s*\d+']      # regular expressions
//!               weight: 1.5                                     # default 1
//!         priority:
//!           default_label: medium
//!           labels:
//!             high: [urgent, dringend, asap, "sofort"]
//!             low: [whenever, "keine eile"]
//!       # optional: a model for every other model_name
//!       default_model:
//!         default_label: other
//!         labels: { spam: [viagra, lottery] }
//! ```
//!
//! # Matching
//!
//! * A **keyword** matches at the start of a word, ignoring case and punctuation: `invoice`
//!   matches "Invoice" and "invoices", `rechnung` matches "Rechnungsnummer" but not
//!   "Stromrechnung" (write a pattern for that); `keine eile` matches "Keine  Eile!" and
//!   `e-mail` matches "E-Mail" and "e mail". A keyword needs at least one letter or digit.
//! * A **pattern** is a regular expression (Rust `regex` syntax) over the original text,
//!   case-insensitive unless it says `(?-i)`. Prefer `(?-u:\b)` to `\b`: a Unicode word
//!   boundary makes the regex engine fall back to a slower algorithm on non-ASCII text.
//! * Each keyword or pattern counts once per text, however often it occurs, with its label's
//!   `weight`: a label's score is the sum of the weights of its terms that occur.
//!
//! # Result
//!
//! The label with the highest score wins (on a tie, the one listed first); its confidence is
//! its share of all scores, `best / sum`, so a text that matches only one label's terms has
//! confidence 1 and a text that matches two labels equally has 0.5. A text that matches
//! nothing gets the model's `default_label` with confidence 0. A `model_name` that is neither a
//! model nor covered by `default_model` is an error naming the known models.

use std::collections::BTreeMap;
use std::fmt;

use otai::prelude::*;
use otai::serde::de::{MapAccess, Visitor};
use otai::serde::{Deserialize, Deserializer};
use otai::ConfigPath;
use regex::{Regex, RegexSet};

/// Params of `base:KeywordClassifier`.
#[otai::params]
#[derive(Debug, Clone, Default)]
pub struct KeywordClassifierParams {
    /// Models by name (the request's `model_name`).
    #[serde(default)]
    pub models: BTreeMap<String, KeywordModel>,
    /// The model used for any other `model_name`; without it, other names are errors.
    #[serde(default)]
    pub default_model: Option<KeywordModel>,
}

/// One label set.
#[otai::params]
#[derive(Debug, Clone)]
pub struct KeywordModel {
    /// The label of a text that matches no term.
    pub default_label: String,
    /// Labels in order of precedence (the first wins a tie), each with its terms.
    #[serde(default)]
    pub labels: Labels,
}

/// Labels with their rules, in the order the config lists them.
#[derive(Debug, Clone, Default, otai::schemars::JsonSchema)]
#[schemars(crate = "otai::schemars", transparent)]
pub struct Labels(#[schemars(with = "BTreeMap<String, LabelRules>")] pub Vec<(String, LabelRules)>);

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;

        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from label to its keywords")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
                let mut labels = Vec::new();
                while let Some((label, rules)) = map.next_entry::<String, LabelRules>()? {
                    labels.push((label, rules));
                }
                Ok(Labels(labels))
            }
        }

        deserializer.deserialize_map(LabelsVisitor)
    }
}

/// The terms of one label: a list of keywords, or keywords, patterns and a weight.
#[derive(Debug, Clone, Deserialize, otai::schemars::JsonSchema)]
#[serde(crate = "otai::serde", untagged)]
#[schemars(crate = "otai::schemars")]
pub enum LabelRules {
    /// `[invoice, refund]`.
    Keywords(Vec<String>),
    /// `{keywords: [...], patterns: [...], weight: 1.5}`.
    Detailed(DetailedRules),
}

/// The long form of a label's terms.
#[otai::params]
#[derive(Debug, Clone)]
pub struct DetailedRules {
    /// Case-insensitive keywords, matched at the start of a word.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regular expressions, case-insensitive unless they say `(?-i)`.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// What each matching term adds to the label's score (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
}

fn default_weight() -> f64 {
    1.0
}

/// A model ready to score texts: keywords as normalised needles, patterns as one regex set.
#[derive(Debug)]
struct CompiledModel {
    default_label: String,
    labels: Vec<String>,
    /// Each keyword as ` word word` (see [`normalize`]), with its label and weight.
    keywords: Vec<(String, usize, f64)>,
    /// Every pattern of the model, searched in one pass.
    patterns: RegexSet,
    /// For each pattern of `patterns`: its label and weight.
    pattern_labels: Vec<(usize, f64)>,
}

/// A bad model in the params, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct ModelError {
    path: ConfigPath,
    message: String,
}

impl CompiledModel {
    fn compile(path: &ConfigPath, model: &KeywordModel) -> Result<Self, ModelError> {
        let mut keywords = Vec::new();
        let mut sources = Vec::new();
        let mut pattern_labels = Vec::new();
        let mut labels = Vec::with_capacity(model.labels.0.len());
        for (index, (label, rules)) in model.labels.0.iter().enumerate() {
            let (words, patterns, weight) = match rules {
                LabelRules::Keywords(words) => (words.as_slice(), &[][..], 1.0),
                LabelRules::Detailed(rules) => (
                    rules.keywords.as_slice(),
                    rules.patterns.as_slice(),
                    rules.weight,
                ),
            };
            if !weight.is_finite() || weight <= 0.0 {
                return Err(ModelError {
                    path: path.key("labels").key(label).key("weight"),
                    message: format!("the weight must be a positive number, not {weight}"),
                });
            }
            for (number, keyword) in words.iter().enumerate() {
                let needle = normalize(keyword).trim_end().to_owned();
                if needle.is_empty() {
                    return Err(ModelError {
                        path: path.key("labels").key(label).key("keywords").index(number),
                        message: format!("the keyword `{keyword}` has no letters or digits"),
                    });
                }
                keywords.push((needle, index, weight));
            }
            for (number, pattern) in patterns.iter().enumerate() {
                let source = format!("(?i){pattern}");
                Regex::new(&source).map_err(|error| ModelError {
                    path: path.key("labels").key(label).key("patterns").index(number),
                    message: format!("`{pattern}` is not a valid regular expression: {error}"),
                })?;
                sources.push(source);
                pattern_labels.push((index, weight));
            }
            labels.push(label.clone());
        }
        let patterns = RegexSet::new(&sources).map_err(|error| ModelError {
            path: path.key("labels"),
            message: error.to_string(),
        })?;
        Ok(Self {
            default_label: model.default_label.clone(),
            labels,
            keywords,
            patterns,
            pattern_labels,
        })
    }

    fn classify(&self, text: &str) -> ClassificationResult {
        let mut scores = vec![0.0_f64; self.labels.len()];
        if !self.keywords.is_empty() {
            let words = normalize(text);
            for (needle, label, weight) in &self.keywords {
                if words.contains(needle.as_str()) {
                    scores[*label] += weight;
                }
            }
        }
        if !self.pattern_labels.is_empty() {
            for pattern in self.patterns.matches(text).iter() {
                let (label, weight) = self.pattern_labels[pattern];
                scores[label] += weight;
            }
        }
        let total: f64 = scores.iter().sum();
        let best =
            scores
                .iter()
                .enumerate()
                .fold(
                    None,
                    |best: Option<(usize, f64)>, (index, &score)| match best {
                        Some((_, top)) if top >= score => best,
                        _ if score > 0.0 => Some((index, score)),
                        _ => best,
                    },
                );
        match best {
            Some((index, score)) if total > 0.0 => ClassificationResult {
                label: self.labels[index].clone(),
                confidence: score / total,
            },
            _ => ClassificationResult {
                label: self.default_label.clone(),
                confidence: 0.0,
            },
        }
    }
}

/// Text as a sequence of lowercase words, each preceded by one space (` rechnung 2024 bitte`):
/// a keyword normalised the same way occurs at the start of a word exactly when the text
/// contains it. Case, punctuation and runs of whitespace are thereby ignored.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut in_word = false;
    for c in text.chars() {
        let is_word = if c.is_ascii() {
            c.is_ascii_alphanumeric() || c == '_'
        } else {
            c.is_alphanumeric()
        };
        if !is_word {
            in_word = false;
            continue;
        }
        if !in_word {
            out.push(' ');
            in_word = true;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Classifies text by keywords and regular expressions, one label set per model name.
///
/// Classifies text by keywords and patterns (see the [module docs](self)).
///
/// # Example
///
/// ```yaml
/// open_ticket_ai:
///   services:
///     keywords:
///       use: base:KeywordClassifier
///       params:
///         models:
///           queue:
///             default_label: Unclassified
///             labels:
///               Billing: [invoice, refund, rechnung]
///               IT Support: { keywords: [password, vpn], patterns: ['error\s*\d+'], weight: 1.5 }
///   orchestrator:
///     use: base:ClassificationPipe
///     injects: { classification_service: keywords }
///     params: { text: "VPN error 812", model_name: queue }
/// ```
#[otai::service(provides(ClassificationService))]
#[derive(Debug)]
pub struct KeywordClassifier {
    models: BTreeMap<String, CompiledModel>,
    default_model: Option<CompiledModel>,
}

impl KeywordClassifier {
    /// Compiles the models of `params`; a bad pattern or weight is an error with its path.
    pub fn new(params: &KeywordClassifierParams) -> Result<Self, BuildError> {
        let invalid = |error: ModelError| BuildError::new(error.message).at_param(error.path);
        let models = params
            .models
            .iter()
            .map(|(name, model)| {
                CompiledModel::compile(&ConfigPath::of_key("models").key(name), model)
                    .map(|compiled| (name.clone(), compiled))
            })
            .collect::<Result<_, _>>()
            .map_err(invalid)?;
        let default_model = params
            .default_model
            .as_ref()
            .map(|model| CompiledModel::compile(&ConfigPath::of_key("default_model"), model))
            .transpose()
            .map_err(invalid)?;
        if params.models.is_empty() && default_model.is_none() {
            return Err(BuildError::new("no model is configured")
                .with_hint("add `models: { <model name>: { default_label: …, labels: {…} } }`"));
        }
        Ok(Self {
            models,
            default_model,
        })
    }

    /// Classifies `text` with model `model_name` (synchronously; the service method wraps it).
    pub fn classify_text(
        &self,
        model_name: &str,
        text: &str,
    ) -> Result<ClassificationResult, ClassificationError> {
        let model = self
            .models
            .get(model_name)
            .or(self.default_model.as_ref())
            .ok_or_else(|| ClassificationError::UnknownModel {
                model: model_name.to_owned(),
                message: format!(
                    "this keyword classifier has the models {}",
                    self.models
                        .keys()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        Ok(model.classify(text))
    }
}

impl Service for KeywordClassifier {
    type Params = KeywordClassifierParams;

    fn build(params: Self::Params, _ctx: &BuildContext<'_>) -> Result<Self, BuildError> {
        Self::new(&params)
    }
}

#[async_trait]
impl ClassificationService for KeywordClassifier {
    async fn classify(
        &self,
        request: &ClassificationRequest,
    ) -> Result<ClassificationResult, ClassificationError> {
        self.classify_text(&request.model_name, &request.text)
    }

    /// A model name this classifier does not know is found before the first ticket.
    async fn prepare_model(
        &self,
        model_name: &str,
        _api_token: Option<&Secret>,
    ) -> Result<(), ClassificationError> {
        self.classify_text(model_name, "").map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otai::value::json;

    fn classifier(params: otai::Value) -> KeywordClassifier {
        let params: KeywordClassifierParams = serde_json::from_value(params).unwrap();
        KeywordClassifier::new(&params).unwrap()
    }

    fn demo() -> KeywordClassifier {
        classifier(json!({
            "models": {
                "queue": {
                    "default_label": "Unclassified",
                    "labels": {
                        "Billing": ["invoice", "refund", "rechnung"],
                        "IT Support": {
                            "keywords": ["password", "vpn"],
                            "patterns": ["fehler(code)?\\s*\\d+"],
                            "weight": 2
                        }
                    }
                },
                "priority": {
                    "default_label": "medium",
                    "labels": {"high": ["urgent", "dringend", "keine eile"], "low": ["whenever"]}
                }
            }
        }))
    }

    fn classify(c: &KeywordClassifier, model: &str, text: &str) -> (String, f64) {
        let result = c.classify_text(model, text).unwrap();
        (result.label, result.confidence)
    }

    #[test]
    fn a_text_matching_one_label_is_certain() {
        let c = demo();
        assert_eq!(
            classify(&c, "queue", "Refund for invoice 42"),
            ("Billing".into(), 1.0)
        );
        assert_eq!(
            classify(&c, "queue", "Ihre RECHNUNGSNUMMER"),
            ("Billing".into(), 1.0)
        );
    }

    #[test]
    fn keywords_ignore_case_and_punctuation() {
        let c = classifier(json!({
            "models": {"m": {"default_label": "none", "labels": {"mail": ["e-mail"], "umlaut": ["über"]}}}
        }));
        assert_eq!(classify(&c, "m", "Neue E-Mail-Adresse").0, "mail");
        assert_eq!(classify(&c, "m", "my e mail").0, "mail");
        assert_eq!(classify(&c, "m", "ÜBERWEISUNG").0, "umlaut");
        assert_eq!(classify(&c, "m", "Grußüberweisung").0, "none");
    }

    #[test]
    fn keywords_match_at_word_starts_only() {
        let c = demo();
        assert_eq!(classify(&c, "queue", "Die Stromrechnung").0, "Unclassified");
        assert_eq!(classify(&c, "queue", "prevpn").0, "Unclassified");
    }

    #[test]
    fn confidence_is_the_share_of_the_winning_label() {
        let c = demo();
        // Billing: invoice + refund = 2; IT Support: vpn × weight 2 = 2 → tie, Billing listed first.
        assert_eq!(
            classify(&c, "queue", "invoice refund vpn"),
            ("Billing".into(), 0.5)
        );
        // IT Support: vpn + Fehlercode 17 = 4; Billing: invoice = 1.
        let (label, confidence) = classify(&c, "queue", "VPN Fehlercode 17 since the invoice");
        assert_eq!(label, "IT Support");
        assert!((confidence - 0.8).abs() < 1e-9, "{confidence}");
    }

    #[test]
    fn a_term_counts_once() {
        let c = demo();
        let (label, confidence) = classify(&c, "queue", "invoice invoice invoice vpn");
        assert_eq!(label, "IT Support");
        assert!((confidence - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn no_match_gives_the_default_label_with_zero_confidence() {
        assert_eq!(
            classify(&demo(), "queue", "Hello there"),
            ("Unclassified".into(), 0.0)
        );
    }

    #[test]
    fn each_model_has_its_own_labels() {
        let c = demo();
        assert_eq!(classify(&c, "priority", "Bitte dringend").0, "high");
        assert_eq!(
            classify(&c, "priority", "Keine  Eile!").0,
            "high",
            "whitespace and punctuation are ignored"
        );
        assert_eq!(classify(&c, "priority", "keineeile").0, "medium");
        assert_eq!(classify(&c, "priority", "invoice").0, "medium");
    }

    #[test]
    fn unknown_models_are_errors_unless_a_default_model_exists() {
        let error = demo().classify_text("sentiment", "x").unwrap_err();
        assert!(
            matches!(&error, ClassificationError::UnknownModel { model, message }
            if model == "sentiment" && message.contains("`priority`, `queue`")),
            "{error}"
        );
        let c = classifier(json!({
            "default_model": {"default_label": "other", "labels": {"spam": ["lottery"]}}
        }));
        assert_eq!(
            classify(&c, "anything", "You won the lottery"),
            ("spam".into(), 1.0)
        );
    }

    #[test]
    fn bad_params_are_reported_with_their_path() {
        let params: KeywordClassifierParams = serde_json::from_value(json!({
            "models": {"queue": {"default_label": "x", "labels": {"A": {"patterns": ["("]}}}}
        }))
        .unwrap();
        let error = KeywordClassifier::new(&params).unwrap_err();
        assert_eq!(
            error.params_path().map(ToString::to_string).as_deref(),
            Some("models.queue.labels.A.patterns[0]")
        );
        // A label with a dot stays one segment of the path.
        let params: KeywordClassifierParams = serde_json::from_value(json!({
            "models": {"queue": {"default_label": "x", "labels": {"v1.2": {"patterns": ["("]}}}}
        }))
        .unwrap();
        let error = KeywordClassifier::new(&params).unwrap_err();
        let path = error.params_path().unwrap();
        assert_eq!(
            path.keys().collect::<Vec<_>>(),
            ["models", "queue", "labels", "v1.2", "patterns"]
        );
        let params: KeywordClassifierParams = serde_json::from_value(json!({
            "models": {"queue": {"default_label": "x", "labels": {"A": {"weight": 0}}}}
        }))
        .unwrap();
        assert!(KeywordClassifier::new(&params).is_err());
        assert!(KeywordClassifier::new(&KeywordClassifierParams::default()).is_err());
        let params: KeywordClassifierParams = serde_json::from_value(json!({
            "models": {"queue": {"default_label": "x", "labels": {"A": ["ok", "--"]}}}
        }))
        .unwrap();
        let error = KeywordClassifier::new(&params).unwrap_err();
        assert_eq!(
            error.params_path().map(ToString::to_string).as_deref(),
            Some("models.queue.labels.A.keywords[1]")
        );
        let error =
            serde_json::from_value::<KeywordClassifierParams>(json!({"modles": {}})).unwrap_err();
        assert!(
            error.to_string().contains("unknown field `modles`"),
            "{error}"
        );
    }

    #[test]
    fn label_order_is_the_config_order() {
        let params: KeywordClassifierParams = serde_yaml::from_str(
            "models:\n  m:\n    default_label: d\n    labels:\n      Zeta: [a]\n      Alpha: [a]\n",
        )
        .unwrap();
        let c = KeywordClassifier::new(&params).unwrap();
        assert_eq!(classify(&c, "m", "a").0, "Zeta");
    }
}
