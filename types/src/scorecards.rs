//! Scorecards' shared terms: where a delivery event came from, how an incident was
//! linked to a deployment, the DORA performance bands and report years, the windows
//! figures are computed over. Closed sets with one spelling each.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::guardrails::{NotOneOf, closed_set};

closed_set! {
    /// How a deployment ended.
    DeploymentStatus {
        Success = "success" / "Succeeded",
        Failure = "failure" / "Failed",
    }
}

closed_set! {
    /// Where an event came from: the events API, a webhook, or a rollout Parkway
    /// observed in a production cluster for a service that posts nothing.
    EventSource {
        Api = "api" / "Events API",
        Github = "github" / "GitHub webhook",
        Gitlab = "gitlab" / "GitLab webhook",
        Cluster = "cluster" / "Observed rollout",
    }
}

closed_set! {
    /// A CI/CD system whose webhooks Parkway reads.
    WebhookKind {
        Github = "github" / "GitHub",
        Gitlab = "gitlab" / "GitLab",
    }
}

impl WebhookKind {
    /// The catalog annotation that names a service's project in this system.
    pub const fn annotation(self) -> &'static str {
        match self {
            WebhookKind::Github => "github.com/project-slug",
            WebhookKind::Gitlab => "gitlab.com/project-slug",
        }
    }

    pub const fn source(self) -> EventSource {
        match self {
            WebhookKind::Github => EventSource::Github,
            WebhookKind::Gitlab => EventSource::Gitlab,
        }
    }
}

closed_set! {
    /// How an incident was tied to the deployment that caused it, in the order they
    /// are tried.
    LinkMethod {
        Deployment = "deployment" / "named by the incident",
        Sha = "sha" / "through the commit it names",
        Window = "window" / "latest deployment before it",
    }
}

closed_set! {
    /// A DORA performance band, best first.
    Band {
        Elite = "elite" / "Elite",
        High = "high" / "High",
        Medium = "medium" / "Medium",
        Low = "low" / "Low",
    }
}

closed_set! {
    /// The four keys. (Rework rate is reported beside them, without a band.)
    DoraKey {
        DeploymentFrequency = "deployment_frequency" / "Deployment frequency",
        LeadTime = "lead_time" / "Lead time for changes",
        ChangeFailureRate = "change_failure_rate" / "Change failure rate",
        RecoveryTime = "recovery_time" / "Failed deployment recovery time",
    }
}

closed_set! {
    /// The DORA report whose band table classifies the figures.
    ReportYear {
        Y2023 = "2023" / "2023",
        Y2024 = "2024" / "2024",
    }
}

impl ReportYear {
    /// The newest report: what pages show unless another year is chosen.
    pub const LATEST: ReportYear = ReportYear::Y2024;
}

impl Default for ReportYear {
    fn default() -> Self {
        ReportYear::LATEST
    }
}

closed_set! {
    /// The windows figures are kept for, ending today.
    Window {
        Days30 = "30" / "30 days",
        Days90 = "90" / "90 days",
        Days180 = "180" / "180 days",
    }
}

impl Window {
    pub const fn days(self) -> i64 {
        match self {
            Window::Days30 => 30,
            Window::Days90 => 90,
            Window::Days180 => 180,
        }
    }
}

/// The scorecard page of an entity at `level` (`units`, `teams`, `services`): default
/// namespace groups and components by bare name, anything else by its encoded ref.
pub fn page_href(level: &str, key: &str) -> String {
    let short = key
        .strip_prefix("group:default/")
        .or_else(|| key.strip_prefix("component:default/"))
        .map(str::to_owned)
        .unwrap_or_else(|| crate::url::encode(key));
    format!("/scorecards/{level}/{short}")
}

closed_set! {
    /// The tables of a scorecard page, each downloadable as CSV.
    ScorecardTable {
        Children = "children" / "Children",
        Trend = "trend" / "Weekly trend",
        Deployments = "deployments" / "Latest deployments",
        Incidents = "incidents" / "Latest incidents",
    }
}

closed_set! {
    /// The tables of a maturity scorecard's page, each downloadable as CSV.
    MaturityTable {
        Rules = "rules" / "Rules",
        Ratings = "ratings" / "Components by level",
        Exemptions = "exemptions" / "Exemptions",
    }
}

/// Where a scorecard page's `table` downloads as CSV: `level` as the page route
/// names it (`enterprise`, `units`, `teams`, `services`), `key` the entity's ref
/// (`None` for the enterprise).
pub fn table_href(
    level: &str,
    key: Option<&str>,
    window: Window,
    year: ReportYear,
    table: ScorecardTable,
) -> String {
    let entity = key
        .map(|k| format!("&entity={}", crate::url::encode(k)))
        .unwrap_or_default();
    format!(
        "/api/v1/scorecards/export?level={level}{entity}&window={}&year={}&table={}",
        window.as_str(),
        year.as_str(),
        table.as_str()
    )
}

/// Where a maturity scorecard's `table` downloads as CSV.
pub fn maturity_table_href(scorecard: &str, table: MaturityTable) -> String {
    format!(
        "/api/v1/maturity/scorecards/{}/export?table={}",
        crate::url::encode(scorecard),
        table.as_str()
    )
}

/// How many weeks the trend charts show.
pub const TREND_WEEKS: usize = 26;

/// A duration as a page says it: "45 min", "1 day", "2.5 days", "3 weeks".
pub fn duration_words(seconds: i64) -> String {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    const WEEK: i64 = 7 * DAY;
    let unit = |value: i64, size: i64, one: &str, many: &str| {
        let tenths = (value * 10 + size / 2) / size;
        let (whole, frac) = (tenths / 10, tenths % 10);
        let number = if frac == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{frac}")
        };
        format!("{number} {}", if tenths == 10 { one } else { many })
    };
    match seconds.max(0) {
        s if s < MINUTE => format!("{s} s"),
        s if s < HOUR => format!("{} min", (s + MINUTE / 2) / MINUTE),
        s if s < DAY => unit(s, HOUR, "hour", "hours"),
        s if s < 2 * WEEK => unit(s, DAY, "day", "days"),
        s => unit(s, WEEK, "week", "weeks"),
    }
}

/// A rate as a page says it: "12.5 %".
pub fn percent_words(rate: f64) -> String {
    let tenths = (rate * 1_000.0).round();
    if tenths % 10.0 == 0.0 {
        format!("{:.0} %", tenths / 10.0)
    } else {
        format!("{:.1} %", tenths / 10.0)
    }
}

/// The most events one call may carry.
pub const MAX_EVENTS_PER_CALL: usize = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_read_their_own_spelling_and_refuse_others() {
        for band in Band::ALL {
            assert_eq!(band.as_str().parse::<Band>(), Ok(*band));
        }
        assert_eq!("2023".parse::<ReportYear>(), Ok(ReportYear::Y2023));
        let err = "2025".parse::<ReportYear>().expect_err("2025 has no table");
        assert!(err.to_string().contains("`2024`"), "{err}");
        assert_eq!(Window::Days90.days(), 90);
        assert!(Band::Elite < Band::Low, "best first");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_words(42), "42 s");
        assert_eq!(duration_words(45 * 60), "45 min");
        assert_eq!(duration_words(3_600), "1 hour");
        assert_eq!(duration_words(5_400), "1.5 hours");
        assert_eq!(duration_words(86_400), "1 day");
        assert_eq!(duration_words(216_000), "2.5 days");
        assert_eq!(duration_words(30 * 86_400), "4.3 weeks");
        assert_eq!(duration_words(-5), "0 s");
        assert_eq!(percent_words(0.125), "12.5 %");
        assert_eq!(percent_words(0.05), "5 %");
    }
}
