//! The guardrails list's filters and its typo-tolerant search, pure: the published set
//! is a few hundred records, held whole, so both doors filter the same rows the same way.

use parkway_types::{
    guardrails::{Decision, Guidance, Severity},
    views::guardrails::GuardrailVersion,
};
use serde::{Deserialize, Serialize};

use super::error::Error;
use crate::catalog::index::text::{SIMILARITY, similarity};

/// What the list is narrowed to; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailFilter {
    pub category: Option<String>,
    pub severity: Option<Severity>,
    pub guidance: Option<Guidance>,
    /// With `decision`: guardrails deciding that for this tier.
    pub tier: Option<String>,
    pub decision: Option<Decision>,
    /// Words to find in the title, objective or body; misspellings are forgiven.
    pub q: Option<String>,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// How well one searched word matches a text's words: 1 for a word it begins, else the
/// best trigram similarity at or above pg_trgm's threshold, else 0.
fn word_score(word: &str, text_words: &[String]) -> f32 {
    let mut best = 0.0f32;
    for w in text_words {
        if w.starts_with(word) {
            return 1.0;
        }
        if word.len() >= 3 && w.len() + 3 >= word.len() && word.len() + 6 >= w.len() {
            let s = similarity(word, w);
            if f64::from(s) >= SIMILARITY && s > best {
                best = s;
            }
        }
    }
    best
}

fn parsed<T: std::str::FromStr<Err = parkway_types::guardrails::NotOneOf>>(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<T>, Error> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|e: parkway_types::guardrails::NotOneOf| Error::Field {
                field,
                reason: e.to_string(),
            }),
    }
}

impl GuardrailFilter {
    /// The filter a page's URL carries (empty values are no filter).
    pub fn from_params(
        category: Option<String>,
        severity: Option<String>,
        guidance: Option<String>,
        tier: Option<String>,
        decision: Option<String>,
        q: Option<String>,
    ) -> Result<Self, Error> {
        let some = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        Ok(Self {
            category: some(category),
            severity: parsed("severity", severity)?,
            guidance: parsed("guidance", guidance)?,
            tier: some(tier),
            decision: parsed("decision", decision)?,
            q: some(q),
        })
    }

    pub fn matches(&self, g: &GuardrailVersion) -> bool {
        let c = &g.content;
        self.category.as_ref().is_none_or(|cat| &c.category == cat)
            && self.severity.is_none_or(|s| c.severity == s)
            && self.guidance.is_none_or(|s| c.guidance == s)
            && match (&self.tier, self.decision) {
                (Some(tier), Some(d)) => c.decision(tier) == Some(d),
                (None, Some(d)) => c.decisions.iter().any(|x| x.decision == d),
                _ => true,
            }
    }

    /// The search's relevance for a guardrail (`None`: it does not match every word).
    /// A word in the title counts twice.
    pub fn relevance(&self, g: &GuardrailVersion) -> Option<f32> {
        let Some(q) = self.q.as_deref().filter(|q| !q.trim().is_empty()) else {
            return Some(0.0);
        };
        let title: Vec<String> = words(&g.content.title).collect();
        let rest: Vec<String> = words(&g.content.objective)
            .chain(words(&g.content.body))
            .collect();
        let mut total = 0.0;
        for word in words(q) {
            let in_title = word_score(&word, &title);
            let score = if in_title > 0.0 {
                2.0 * in_title
            } else {
                word_score(&word, &rest)
            };
            if score == 0.0 {
                return None;
            }
            total += score;
        }
        Some(total)
    }

    /// The matching guardrails, best match first when searching, else by id.
    pub fn apply<'a>(&self, all: &'a [GuardrailVersion]) -> Vec<&'a GuardrailVersion> {
        let mut hits: Vec<(&GuardrailVersion, f32)> = all
            .iter()
            .filter(|g| self.matches(g))
            .filter_map(|g| self.relevance(g).map(|r| (g, r)))
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));
        hits.into_iter().map(|(g, _)| g).collect()
    }
}
