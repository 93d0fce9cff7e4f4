//! What the maturity scorecards' pages and API show.

use serde::{Deserialize, Serialize};

/// How many components hold a level (`None`: not even the lowest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelCount {
    pub level: Option<String>,
    pub components: u32,
}

/// A scorecard in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityScorecard {
    pub id: String,
    pub version: i32,
    pub title: String,
    pub description: String,
    /// Lowest first.
    pub levels: Vec<String>,
    pub rules: u32,
    /// Whether a 0–100 score is shown beside the level.
    pub score: bool,
    /// Which components it rates, in words.
    pub applies_to: String,
    pub saved_by: String,
    pub saved_at: String,
    /// When its latest evaluation ran (RFC 3339), if ever.
    pub evaluated_at: Option<String>,
    /// Components per level at the latest evaluation, highest level first, then none.
    pub by_level: Vec<LevelCount>,
}

/// One rule as the scorecard's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityRule {
    pub id: String,
    pub title: String,
    pub level: String,
    pub fact: String,
    /// "present", "≥ 3", "one of production, beta".
    pub check: String,
    pub applies_to: String,
    pub rationale: String,
    pub remediation: String,
    /// At the latest evaluation.
    pub passing: u32,
    pub failing: u32,
    pub exempt: u32,
}

/// One component's rating on a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityRating {
    pub entity: String,
    pub title: String,
    pub owner: Option<String>,
    pub level: Option<String>,
    pub score: Option<i16>,
    /// Rules that fail and are not exempt.
    pub failing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityExemption {
    pub id: i64,
    pub scorecard: String,
    pub rule: String,
    pub entity: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: String,
    pub expires_at: String,
    /// Neither expired nor revoked.
    pub in_force: bool,
    pub revoked_at: Option<String>,
}

/// A scorecard with its rules, the latest rating of every component it applies to,
/// and its exemptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityDetail {
    pub scorecard: MaturityScorecard,
    pub rules: Vec<MaturityRule>,
    pub ratings: Vec<MaturityRating>,
    pub exemptions: Vec<MaturityExemption>,
    /// The definition as YAML, for the editor.
    pub definition: String,
}

/// One rule's verdict for one component, with what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleVerdict {
    pub rule: MaturityRule,
    /// The value read, in words ("—" when missing).
    pub value: String,
    pub passed: bool,
    pub exempt: bool,
}

/// A component's standing on one scorecard, for its scorecard page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityMaturity {
    pub scorecard: String,
    pub title: String,
    pub levels: Vec<String>,
    pub level: Option<String>,
    pub score: Option<i16>,
    pub evaluated_at: String,
    pub verdicts: Vec<RuleVerdict>,
}

/// What an evaluation run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaturityRun {
    pub run: i64,
    pub scorecard: String,
    pub version: i32,
    pub components: u32,
    pub evaluations: u32,
    pub by_level: Vec<LevelCount>,
}

/// The scorecards list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaturityIndex {
    pub scorecards: Vec<MaturityScorecard>,
    /// The caller may define scorecards.
    pub can_edit: bool,
}

/// One scorecard's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaturityPage {
    /// Its `ratings` hold one page of components, from `ratings_from`: at 5,000 services
    /// the whole list is the CSV's job, not the page's.
    pub detail: MaturityDetail,
    pub can_edit: bool,
    /// The caller may grant and revoke exemptions (as their approver).
    pub can_exempt: bool,
    /// Where this page of ratings starts (0-based) in the lowest-level-first order.
    pub ratings_from: usize,
    /// How many components the scorecard rates in all.
    pub ratings_total: usize,
}

impl MaturityPage {
    /// Components shown per page of the scorecard's page.
    pub const RATINGS_PAGE: usize = 100;

    /// Where the next page starts, if there is one.
    pub fn next_from(&self) -> Option<usize> {
        let end = self.ratings_from + self.detail.ratings.len();
        (end < self.ratings_total).then_some(end)
    }

    /// Where the previous page starts, if this is not the first.
    pub fn previous_from(&self) -> Option<usize> {
        (self.ratings_from > 0).then(|| self.ratings_from.saturating_sub(Self::RATINGS_PAGE))
    }
}
