//! Guardrails and threats as the API answers them and the pages show them: one shape
//! for both doors, so the page shows exactly what the API says.

use serde::{Deserialize, Serialize};

use crate::guardrails::{
    Behavior, Change, Decision, Engine, GuardrailId, Guidance, Intent, Mode, Severity, Stride, Tactic,
    ThreatId, ThreatStatus, VersionState,
};

/// The decision for one risk tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierDecision {
    pub tier: String,
    pub decision: Decision,
}

/// A policy that enforces a guardrail in the clusters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "engine", rename_all = "kebab-case")]
pub enum Implementation {
    /// A Kyverno `ClusterPolicy` or `Policy`, optionally one rule of it.
    Kyverno {
        policy: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rule: Option<String>,
    },
    /// A Gatekeeper constraint: its kind (the template's) and name.
    Gatekeeper { kind: String, name: String },
}

impl Implementation {
    pub const fn engine(&self) -> Engine {
        match self {
            Implementation::Kyverno { .. } => Engine::Kyverno,
            Implementation::Gatekeeper { .. } => Engine::Gatekeeper,
        }
    }

    /// As a page names it: `kyverno restrict-privileged / privileged-containers`.
    pub fn describe(&self) -> String {
        match self {
            Implementation::Kyverno {
                policy,
                rule: Some(rule),
            } => format!("{policy} / {rule}"),
            Implementation::Kyverno { policy, rule: None } => policy.clone(),
            Implementation::Gatekeeper { kind, name } => format!("{kind} / {name}"),
        }
    }
}

/// What one guardrail version says: the fields its YAML document carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailContent {
    pub title: String,
    pub objective: String,
    /// Markdown, as written.
    pub body: String,
    /// A category slug, e.g. `secure-defaults`.
    pub category: String,
    pub severity: Severity,
    pub behavior: Behavior,
    pub guidance: Guidance,
    /// One per risk tier, in the tiers' order.
    pub decisions: Vec<TierDecision>,
    /// The label tenants request the governed thing by (e.g. "Public ingress"), if they can.
    pub requestable: Option<String>,
    pub implementations: Vec<Implementation>,
    pub frameworks: Vec<String>,
    pub threats: Vec<ThreatId>,
    /// An entity reference, e.g. `group:default/platform-coe`.
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub review_due: Option<String>,
}

impl GuardrailContent {
    pub fn decision(&self, tier: &str) -> Option<Decision> {
        self.decisions.iter().find(|d| d.tier == tier).map(|d| d.decision)
    }
}

/// One version's review: who wrote it, who approved, when it was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionReview {
    pub version: u32,
    pub state: VersionState,
    /// What an in-review version asks for.
    pub intent: Intent,
    pub author: String,
    pub created_at: String,
    pub change_note: Option<String>,
    pub submitted_at: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<String>,
    pub review_comment: Option<String>,
    pub published_by: Option<String>,
    pub published_at: Option<String>,
    pub retired_by: Option<String>,
    pub retired_at: Option<String>,
}

/// A guardrail version: its content and its review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailVersion {
    pub id: GuardrailId,
    #[serde(flatten)]
    pub content: GuardrailContent,
    pub review: VersionReview,
}

/// A row of the guardrails list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailSummary {
    pub id: GuardrailId,
    pub title: String,
    pub objective: String,
    pub category: String,
    pub category_title: String,
    pub severity: Severity,
    pub behavior: Behavior,
    pub guidance: Guidance,
    pub decisions: Vec<TierDecision>,
    pub requestable: Option<String>,
    /// The version shown: the published one.
    pub version: u32,
    pub state: VersionState,
    pub published_at: Option<String>,
    /// Published after the caller's last visit to the list (signed-in people only).
    pub changed_since_last_visit: bool,
}

/// A guardrail's page: the published version (or, for editors, the newest), what it
/// mitigates, and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailDetail {
    #[serde(flatten)]
    pub shown: GuardrailVersion,
    pub category_title: String,
    /// The body rendered from Markdown and sanitized: safe to insert as HTML.
    pub body_html: String,
    /// The threats of `threats`, with their titles.
    pub mitigates: Vec<ThreatLink>,
    /// The newest version when it is not the one shown (a draft or review in progress).
    pub newest: Option<VersionReview>,
    /// Review steps the caller may take on the newest version now.
    pub steps: Vec<crate::guardrails::ReviewStep>,
    /// The caller may write a new version (the editor).
    pub may_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreatLink {
    pub id: ThreatId,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailLink {
    pub id: GuardrailId,
    pub title: String,
}

/// What a threat document carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreatContent {
    pub title: String,
    pub description: String,
    /// An entity reference, e.g. `component:default/checkout-api`.
    pub component: Option<String>,
    pub stride: Stride,
    pub tactic: Tactic,
    /// 1 to 5.
    pub likelihood: u8,
    /// 1 to 5.
    pub impact: u8,
    /// 0 to 25: the risk left with the mitigations in place.
    pub residual_risk: u8,
    pub owner: Option<String>,
    pub status: ThreatStatus,
    /// `YYYY-MM-DD`; required when `status` is `accepted`.
    pub accepted_until: Option<String>,
    /// `YYYY-MM-DD`.
    pub review_date: Option<String>,
}

/// A threat in the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Threat {
    pub id: ThreatId,
    pub version: u32,
    #[serde(flatten)]
    pub content: ThreatContent,
    /// Likelihood × impact.
    pub inherent_risk: u8,
    /// The security approver who accepted the risk.
    pub accepted_by: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
    /// Published guardrails that say they mitigate it.
    pub mitigated_by: Vec<GuardrailLink>,
}

/// One guardrail's enforcement in one cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageRow {
    pub cluster: String,
    pub environment: String,
    pub mode: Mode,
    /// Workloads in scope of an implementing policy (every workload when none exists).
    pub workloads: u32,
    /// Of those, under a policy that refuses violations in their namespace.
    pub enforced: u32,
    pub pass: u32,
    pub fail: u32,
    pub unknown: u32,
    /// `enforced ÷ workloads` (0 to 1); `null` when nothing is in scope.
    pub coverage: Option<f64>,
    /// Gatekeeper counted more violations than it listed: the rest are `unknown`.
    pub truncated: bool,
    /// An enforcing Kyverno rule is involved: violators are never admitted, so its
    /// reports can only say `pass` — not proof of compliance elsewhere.
    pub enforce_reports_only_pass: bool,
    /// Minutes since the newest policy-report result, when there is one.
    pub report_age_minutes: Option<i64>,
    /// What a reader should act on: no enforcing policy here, audit only, stale reports.
    pub warnings: Vec<String>,
}

/// A guardrail's coverage in every cluster that can be read now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailCoverage {
    pub clusters: Vec<CoverageRow>,
    /// Clusters configured but not readable live now (their coverage is not shown).
    pub unreadable: Vec<String>,
}

/// A value and how a page says it (a tier, a category).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What the list's filters offer: the tiers and categories as the CoE keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailChoices {
    pub tiers: Vec<Choice>,
    pub categories: Vec<Choice>,
}

/// The list page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailList {
    pub rows: Vec<GuardrailSummary>,
    pub choices: GuardrailChoices,
    /// The caller may write guardrails (the page offers "New guardrail").
    pub may_edit: bool,
}

/// A guardrail's page: what it says and its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardrailPageView {
    pub detail: GuardrailDetail,
    pub versions: Vec<GuardrailVersion>,
    pub coverage: GuardrailCoverage,
}

/// A run of the body's text, word by word, with what happened to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffSpan {
    pub change: Change,
    pub text: String,
}

/// A field other than the body that differs, named as the YAML document names it
/// (`title`, `decisions.public`, `implementations`, `reviewDue`, …); an absent value is "".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDiff {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What changed between two versions of a guardrail: field by field, and the body
/// word by word (the whole body, unchanged runs included, so both sides can be shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuardrailDiff {
    pub id: GuardrailId,
    pub from: VersionReview,
    pub to: VersionReview,
    pub fields: Vec<FieldDiff>,
    pub body_changed: bool,
    pub body: Vec<DiffSpan>,
}

/// The diff page: the diff and the versions one may compare instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailDiffView {
    pub title: String,
    pub diff: GuardrailDiff,
    pub versions: Vec<u32>,
}

/// A guardrail document being edited, as the editor starts from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailDraftStart {
    /// `None` for a new guardrail.
    pub id: Option<GuardrailId>,
    /// The newest version the edit is based on: a newer one saved meanwhile is a conflict.
    pub based_on: Option<u32>,
    /// The document, in the shape `parkway guardrails import` reads.
    pub yaml: String,
}

/// What a guardrail document would look like, or why it cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailPreview {
    /// Every problem, rendered with its line and column; empty when it can be saved.
    pub problems: Vec<String>,
    pub id: Option<GuardrailId>,
    pub title: String,
    pub objective: String,
    pub body_html: String,
    pub decisions: Vec<TierDecision>,
}

/// A threat whose mitigating guardrails do not hold everywhere in production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreatGap {
    pub id: ThreatId,
    pub title: String,
    pub status: ThreatStatus,
    pub residual_risk: u8,
    /// Each guardrail and production cluster where it is not enforced.
    pub gaps: Vec<MitigationGap>,
}

/// One mitigating guardrail that is missing or audit-only in one production cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MitigationGap {
    pub guardrail: GuardrailId,
    pub guardrail_title: String,
    pub cluster: String,
    /// `missing` or `audit`.
    pub mode: Mode,
}

/// The "not really mitigated" view: the gaps, and the production clusters that could
/// not be read (a gap there cannot be ruled out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MitigationGaps {
    pub threats: Vec<ThreatGap>,
    pub unreadable: Vec<String>,
}

/// A guardrail category as the CoE keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    /// Kebab-case, as documents write it: `secure-defaults`.
    pub slug: String,
    pub title: String,
    /// Guardrail versions (any state) that name it: a category in use cannot be removed.
    pub versions: u32,
}

/// The categories page: the list and whether the caller may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryList {
    pub categories: Vec<Category>,
    pub may_edit: bool,
}
