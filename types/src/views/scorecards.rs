//! Delivery figures as the API answers them and the scorecard pages show them: one
//! shape for both doors.

use serde::{Deserialize, Serialize};

use crate::scorecards::{Band, DoraKey, EventSource, LinkMethod, ReportYear, WebhookKind, Window};

/// The band of each key, where the key has a value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bands {
    pub deployment_frequency: Option<Band>,
    pub lead_time: Option<Band>,
    pub change_failure_rate: Option<Band>,
    pub recovery_time: Option<Band>,
}

impl Bands {
    pub fn of(&self, key: DoraKey) -> Option<Band> {
        match key {
            DoraKey::DeploymentFrequency => self.deployment_frequency,
            DoraKey::LeadTime => self.lead_time,
            DoraKey::ChangeFailureRate => self.change_failure_rate,
            DoraKey::RecoveryTime => self.recovery_time,
        }
    }
}

/// How many services of a roll-up sit in each band of one key (`none`: no value in
/// the window, e.g. no failed deployment to recover from).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandCounts {
    pub elite: u32,
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    pub none: u32,
}

impl BandCounts {
    pub fn add(&mut self, band: Option<Band>) {
        match band {
            Some(Band::Elite) => self.elite += 1,
            Some(Band::High) => self.high += 1,
            Some(Band::Medium) => self.medium += 1,
            Some(Band::Low) => self.low += 1,
            None => self.none += 1,
        }
    }

    pub fn merge(&mut self, other: &BandCounts) {
        self.elite += other.elite;
        self.high += other.high;
        self.medium += other.medium;
        self.low += other.low;
        self.none += other.none;
    }

    pub fn get(&self, band: Option<Band>) -> u32 {
        match band {
            Some(Band::Elite) => self.elite,
            Some(Band::High) => self.high,
            Some(Band::Medium) => self.medium,
            Some(Band::Low) => self.low,
            None => self.none,
        }
    }

    pub fn total(&self) -> u32 {
        self.elite + self.high + self.medium + self.low + self.none
    }
}

/// Per key, the services of a roll-up in each band.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BandShares {
    pub deployment_frequency: BandCounts,
    pub lead_time: BandCounts,
    pub change_failure_rate: BandCounts,
    pub recovery_time: BandCounts,
}

impl BandShares {
    pub fn of(&self, key: DoraKey) -> &BandCounts {
        match key {
            DoraKey::DeploymentFrequency => &self.deployment_frequency,
            DoraKey::LeadTime => &self.lead_time,
            DoraKey::ChangeFailureRate => &self.change_failure_rate,
            DoraKey::RecoveryTime => &self.recovery_time,
        }
    }

    pub fn of_mut(&mut self, key: DoraKey) -> &mut BandCounts {
        match key {
            DoraKey::DeploymentFrequency => &mut self.deployment_frequency,
            DoraKey::LeadTime => &mut self.lead_time,
            DoraKey::ChangeFailureRate => &mut self.change_failure_rate,
            DoraKey::RecoveryTime => &mut self.recovery_time,
        }
    }
}

/// The four keys of one service, team, business unit or the enterprise over a period.
/// A service's values come from its events; above a service every value is the
/// median of the children's values (teams of a business unit, business units of the
/// enterprise), counts are sums, and `band_shares` counts the services beneath in
/// each band: distributions, never a mean of raw events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoraFigures {
    /// The entity (`component:…`, `group:…`), or none for the enterprise.
    pub entity: Option<String>,
    /// First and last day of the period (UTC, inclusive), `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub report_year: ReportYear,
    /// Services with at least one successful production deployment in the period.
    pub services: u32,
    /// Successful production deployments.
    pub deployments: i64,
    pub deploy_days_per_week_median: Option<f64>,
    pub lead_time_median_seconds: Option<i64>,
    /// Successful production deployments with at least one linked incident ÷
    /// successful production deployments.
    pub change_failure_rate: Option<f64>,
    pub failed_deployments: i64,
    pub recovery_time_median_seconds: Option<i64>,
    /// Failed deployments whose incidents are not all resolved yet.
    pub open_failures: i64,
    /// Deployments flagged `rework` ÷ deployments (DORA 2024).
    pub rework_rate: Option<f64>,
    pub bands: Bands,
    pub band_shares: BandShares,
}

/// One week of a trend chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The week's Monday, `YYYY-MM-DD`.
    pub week: String,
    pub deployments: i64,
    pub deploy_days_per_week_median: Option<f64>,
    pub lead_time_median_seconds: Option<i64>,
    pub change_failure_rate: Option<f64>,
    pub recovery_time_median_seconds: Option<i64>,
}

/// A child row of a scorecard page's table (business units of the enterprise, teams
/// of a unit, services of a team).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildRow {
    /// Entity ref (`group:default/payments`, `component:default/checkout-api`).
    pub entity: String,
    pub title: String,
    /// The child's scorecard page.
    pub href: String,
    pub figures: DoraFigures,
}

/// One band's bound for one key, for the definitions table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandRule {
    pub key: DoraKey,
    pub band: Band,
    /// E.g. "≥ 3 deployment days a week", "< 1 day".
    pub rule: String,
}

/// A scorecard page: one scope, its figures, trend, children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardPage {
    /// `enterprise`, `unit`, `team` or `service`.
    pub level: String,
    pub entity: Option<String>,
    pub title: String,
    /// Breadcrumb above: (title, href).
    pub parents: Vec<(String, String)>,
    pub window: Window,
    pub report_year: ReportYear,
    pub figures: DoraFigures,
    pub trend: Vec<TrendPoint>,
    /// What the children's column is called ("Business unit", "Team", "Service").
    pub children_label: String,
    pub children: Vec<ChildRow>,
    pub band_rules: Vec<BandRule>,
    /// When the figures were last refreshed (RFC 3339), if ever.
    pub refreshed_at: Option<String>,
    /// A service page: its latest deployments and incidents.
    pub deployments: Vec<DeploymentRow>,
    pub incidents: Vec<IncidentRow>,
    pub governance: Governance,
    /// A service page: its standing on each maturity scorecard that rates it.
    pub maturity: Vec<super::maturity::EntityMaturity>,
}

/// A part of a whole ("12 of 40 namespaces"): kept as counts so a page can say both
/// the share and what it is a share of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub part: u32,
    pub whole: u32,
}

impl Share {
    /// `None` when there is nothing to take a share of.
    pub fn ratio(&self) -> Option<f64> {
        (self.whole > 0).then(|| f64::from(self.part) / f64::from(self.whole))
    }
}

/// A scope's workloads in the production clusters against the published guardrails a
/// policy implements, counted per (workload, guardrail) check: the guardrail pages'
/// per-guardrail, per-cluster counts, added up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFigures {
    /// Workloads in scope of at least one such guardrail.
    pub workloads: u32,
    /// (workload, guardrail) pairs in scope.
    pub checks: u32,
    /// …of which a policy enforces the guardrail on the workload.
    pub enforced: u32,
    pub pass: u32,
    pub fail: u32,
    pub unknown: u32,
    /// Production clusters that could not be read now: their workloads are not counted.
    pub clusters_unreadable: Vec<String>,
}

impl PolicyFigures {
    /// Policy coverage: enforced ÷ in scope.
    pub fn coverage(&self) -> Share {
        Share {
            part: self.enforced,
            whole: self.checks,
        }
    }

    /// Compliance: pass ÷ evaluated (pass + fail); unknown is reported apart.
    pub fn compliance(&self) -> Share {
        Share {
            part: self.pass,
            whole: self.pass + self.fail,
        }
    }
}

/// The governance keys of a scope, beside its delivery keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Governance {
    /// `None` for a service: workloads are attributed to teams through their tenant
    /// namespaces, not to single services.
    pub policy: Option<PolicyFigures>,
    /// Live tenant namespaces with Pod Security `restricted` enforced and the
    /// `default-deny` NetworkPolicy ÷ live tenant namespaces (`None` for a service).
    pub secure_defaults: Option<Share>,
    /// Tenant namespaces whose cluster could not be read now.
    pub namespaces_unreadable: u32,
    /// Request to active, median over the tenants that became active in the window.
    pub onboarding_lead_time_median_seconds: Option<i64>,
    pub tenants_onboarded: u32,
    /// Services with an on-call, a runbook and alerting in the catalog ÷ services.
    pub response_readiness: Share,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeploymentRow {
    pub id: String,
    pub source: EventSource,
    pub service: Option<String>,
    /// The service as the event named it.
    pub service_given: String,
    pub environment: String,
    pub status: crate::scorecards::DeploymentStatus,
    pub finished_at: String,
    pub sha: Option<String>,
    pub url: Option<String>,
    pub changes: i64,
    /// Incidents linked to it.
    pub incidents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentRow {
    pub id: String,
    pub source: EventSource,
    pub service: Option<String>,
    pub service_given: String,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    /// The deployment it is linked to, and how the link was made.
    pub deployment: Option<String>,
    pub link: Option<LinkMethod>,
}

/// What one call of the events API did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestSummary {
    /// Events in the call.
    pub received: u32,
    /// Events stored now (not seen before).
    pub stored: u32,
    /// Events whose `id` was already stored: accepted, nothing changed.
    pub duplicates: u32,
    /// Stored events whose `service` matches no catalog entity: kept in the unmatched
    /// list for an admin.
    pub unmatched: u32,
}

/// Events that matched no catalog entity, newest first: kept, never dropped, for a
/// platform admin to fix the sender or the catalog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unmatched {
    pub deployments: Vec<DeploymentRow>,
    pub incidents: Vec<IncidentRow>,
}

/// A webhook source as it is listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceView {
    pub name: String,
    pub kind: WebhookKind,
    pub created_by: String,
    pub created_at: String,
    /// Where the sender posts.
    pub endpoint: String,
}

/// The platform admin's page of delivery events: the webhook sources and what matched
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryAdmin {
    pub sources: Vec<SourceView>,
    pub unmatched: Unmatched,
}
