//! The tables of the scorecard pages as CSV: the same rows a page shows, with values
//! as numbers a spreadsheet can compute with (seconds, ratios, band words), not as the
//! page words them.

use parkway_types::scorecards::{DoraKey, MaturityTable, ScorecardTable};
use parkway_types::views::maturity::MaturityDetail;
use parkway_types::views::scorecards::{DoraFigures, ScorecardPage};

use super::{Error, Result};
use crate::csv::{Table, opt};

/// The DORA columns every figures row carries.
const FIGURE_COLUMNS: [&str; 13] = [
    "services",
    "deployments",
    "deploy_days_per_week_median",
    "deployment_frequency_band",
    "lead_time_median_seconds",
    "lead_time_band",
    "change_failure_rate",
    "failed_deployments",
    "change_failure_rate_band",
    "recovery_time_median_seconds",
    "open_failures",
    "recovery_time_band",
    "rework_rate",
];

fn figure_cells(f: &DoraFigures) -> Vec<String> {
    let band = |key| opt(f.bands.of(key).map(|b| b.as_str()));
    vec![
        f.services.to_string(),
        f.deployments.to_string(),
        opt(f.deploy_days_per_week_median),
        band(DoraKey::DeploymentFrequency),
        opt(f.lead_time_median_seconds),
        band(DoraKey::LeadTime),
        opt(f.change_failure_rate),
        f.failed_deployments.to_string(),
        band(DoraKey::ChangeFailureRate),
        opt(f.recovery_time_median_seconds),
        f.open_failures.to_string(),
        band(DoraKey::RecoveryTime),
        opt(f.rework_rate),
    ]
}

/// The file's name: what the page shows, the table, the window and report year.
fn filename(page: &ScorecardPage, table: &str) -> String {
    let subject: String = page
        .entity
        .as_deref()
        .unwrap_or("enterprise")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "scorecard-{subject}-{table}-{}d-{}.csv",
        page.window.days(),
        page.report_year.as_str()
    )
}

/// `which` table of `page`; a table the page does not have (events above a service,
/// children of a service) is not found.
pub fn scorecard_table(page: &ScorecardPage, which: ScorecardTable) -> Result<Table> {
    let service = page.level == "service";
    let (columns, rows): (Vec<&'static str>, Vec<Vec<String>>) = match which {
        ScorecardTable::Children if !service => {
            let mut columns = vec!["entity", "title"];
            columns.extend(FIGURE_COLUMNS);
            let rows = page
                .children
                .iter()
                .map(|c| {
                    let mut row = vec![c.entity.clone(), c.title.clone()];
                    row.extend(figure_cells(&c.figures));
                    row
                })
                .collect();
            (columns, rows)
        }
        ScorecardTable::Trend => (
            vec![
                "week",
                "deployments",
                "deploy_days_per_week_median",
                "lead_time_median_seconds",
                "change_failure_rate",
                "recovery_time_median_seconds",
            ],
            page.trend
                .iter()
                .map(|t| {
                    vec![
                        t.week.clone(),
                        t.deployments.to_string(),
                        opt(t.deploy_days_per_week_median),
                        opt(t.lead_time_median_seconds),
                        opt(t.change_failure_rate),
                        opt(t.recovery_time_median_seconds),
                    ]
                })
                .collect(),
        ),
        ScorecardTable::Deployments if service => (
            vec![
                "id",
                "source",
                "service",
                "environment",
                "status",
                "finished_at",
                "sha",
                "url",
                "changes",
                "incidents",
            ],
            page.deployments
                .iter()
                .map(|d| {
                    vec![
                        d.id.clone(),
                        d.source.as_str().to_owned(),
                        d.service.clone().unwrap_or_else(|| d.service_given.clone()),
                        d.environment.clone(),
                        d.status.as_str().to_owned(),
                        d.finished_at.clone(),
                        opt(d.sha.as_deref()),
                        opt(d.url.as_deref()),
                        d.changes.to_string(),
                        d.incidents.to_string(),
                    ]
                })
                .collect(),
        ),
        ScorecardTable::Incidents if service => (
            vec![
                "id",
                "source",
                "service",
                "opened_at",
                "resolved_at",
                "deployment",
                "linked_by",
            ],
            page.incidents
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.source.as_str().to_owned(),
                        i.service.clone().unwrap_or_else(|| i.service_given.clone()),
                        i.opened_at.clone(),
                        opt(i.resolved_at.as_deref()),
                        opt(i.deployment.as_deref()),
                        opt(i.link.map(|l| l.as_str())),
                    ]
                })
                .collect(),
        ),
        other => {
            return Err(Error::NotFound(format!(
                "the `{}` table on a {} scorecard (it has {})",
                other.as_str(),
                page.level,
                if service {
                    "trend, deployments, incidents"
                } else {
                    "children, trend"
                }
            )));
        }
    };
    Ok(Table {
        filename: filename(page, which.as_str()),
        columns,
        rows,
    })
}

/// `which` table of a maturity scorecard's page.
pub fn maturity_table(detail: &MaturityDetail, which: MaturityTable) -> Table {
    let (columns, rows): (Vec<&'static str>, Vec<Vec<String>>) = match which {
        MaturityTable::Rules => (
            vec![
                "id",
                "title",
                "level",
                "fact",
                "check",
                "applies_to",
                "rationale",
                "remediation",
                "passing",
                "failing",
                "exempt",
            ],
            detail
                .rules
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        r.title.clone(),
                        r.level.clone(),
                        r.fact.clone(),
                        r.check.clone(),
                        r.applies_to.clone(),
                        r.rationale.clone(),
                        r.remediation.clone(),
                        r.passing.to_string(),
                        r.failing.to_string(),
                        r.exempt.to_string(),
                    ]
                })
                .collect(),
        ),
        MaturityTable::Ratings => (
            vec!["entity", "title", "owner", "level", "score", "failing_rules"],
            detail
                .ratings
                .iter()
                .map(|r| {
                    vec![
                        r.entity.clone(),
                        r.title.clone(),
                        opt(r.owner.as_deref()),
                        opt(r.level.as_deref()),
                        opt(r.score),
                        r.failing.join(" "),
                    ]
                })
                .collect(),
        ),
        MaturityTable::Exemptions => (
            vec![
                "id",
                "rule",
                "entity",
                "reason",
                "approved_by",
                "approved_at",
                "expires_at",
                "in_force",
                "revoked_at",
            ],
            detail
                .exemptions
                .iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        e.rule.clone(),
                        e.entity.clone(),
                        e.reason.clone(),
                        e.approved_by.clone(),
                        e.approved_at.clone(),
                        e.expires_at.clone(),
                        e.in_force.to_string(),
                        opt(e.revoked_at.as_deref()),
                    ]
                })
                .collect(),
        ),
    };
    Table {
        filename: format!("maturity-{}-{}.csv", detail.scorecard.id, which.as_str()),
        columns,
        rows,
    }
}
