//! The arithmetic of the four keys, free of I/O: one service's figures over a period
//! from its per-day aggregates, and roll-ups that combine children as distributions
//! (median of the children's medians, sums of counts, services per band), never a
//! mean of raw events.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use parkway_types::{
    scorecards::{DoraKey, ReportYear},
    views::scorecards::{BandShares, DoraFigures, TrendPoint},
};
use serde::{Deserialize, Serialize};

use super::bands::KeyValues;

/// One service's day, as `delivery_daily` keeps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailyRow {
    pub day: NaiveDate,
    pub deployments: i32,
    pub rework: i32,
    pub failed: i32,
    pub open_failures: i32,
    pub lead_times: Vec<i32>,
    pub recoveries: Vec<i32>,
}

/// One service's figures over one period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceFigures {
    pub deployments: i64,
    pub deploy_days_per_week_median: Option<f64>,
    pub lead_time_median: Option<i64>,
    pub failed: i64,
    pub open_failures: i64,
    pub recovery_median: Option<i64>,
    pub rework: i64,
}

impl ServiceFigures {
    pub fn change_failure_rate(&self) -> Option<f64> {
        (self.deployments > 0).then(|| self.failed as f64 / self.deployments as f64)
    }

    pub fn values(&self) -> KeyValues {
        KeyValues {
            deploy_days_per_week: self.deploy_days_per_week_median,
            lead_time_seconds: self.lead_time_median.map(|v| v as f64),
            change_failure_rate: self.change_failure_rate(),
            recovery_seconds: self.recovery_median.map(|v| v as f64),
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count); `None`
/// for none.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

fn median_seconds(values: impl Iterator<Item = i32>) -> Option<i64> {
    let mut values: Vec<f64> = values.map(f64::from).collect();
    median(&mut values).map(|m| m.round() as i64)
}

/// The number of whole weeks deployment frequency is judged over in `from..=to`
/// (at least one): the weeks end on `to`, and days before the first are not counted.
fn weeks_in(from: NaiveDate, to: NaiveDate) -> u64 {
    let days = (to - from).num_days() + 1;
    (days / 7).max(1) as u64
}

/// One service's figures over `from..=to` from its days (any order; days outside the
/// period are skipped).
pub fn service_period(rows: &[DailyRow], from: NaiveDate, to: NaiveDate) -> ServiceFigures {
    let inside = || rows.iter().filter(move |r| r.day >= from && r.day <= to);
    let weeks = weeks_in(from, to);
    let mut deploy_days = vec![0.0_f64; weeks as usize];
    for row in inside().filter(|r| r.deployments > 0) {
        let back = (to - row.day).num_days() / 7;
        if let Some(slot) = usize::try_from(back).ok().and_then(|i| deploy_days.get_mut(i)) {
            *slot += 1.0;
        }
    }
    ServiceFigures {
        deployments: inside().map(|r| i64::from(r.deployments)).sum(),
        deploy_days_per_week_median: median(&mut deploy_days),
        lead_time_median: median_seconds(inside().flat_map(|r| r.lead_times.iter().copied())),
        failed: inside().map(|r| i64::from(r.failed)).sum(),
        open_failures: inside().map(|r| i64::from(r.open_failures)).sum(),
        recovery_median: median_seconds(inside().flat_map(|r| r.recoveries.iter().copied())),
        rework: inside().map(|r| i64::from(r.rework)).sum(),
    }
}

/// The Monday starting the week of `day`.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The Mondays of the `count` weeks up to and including the week of `today`, oldest
/// first.
pub fn trend_weeks(today: NaiveDate, count: usize) -> Vec<NaiveDate> {
    let this = week_of(today);
    (0..count as u64)
        .rev()
        .filter_map(|back| this.checked_sub_days(Days::new(7 * back)))
        .collect()
}

/// Services, teams, units or the enterprise, combined. Counts are sums; the values are
/// medians of the children's values (children without a value are left out); `shares`
/// counts the services beneath in each band, per report year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rollup {
    pub services: u32,
    pub deployments: i64,
    pub failed: i64,
    pub open_failures: i64,
    pub rework: i64,
    pub deploy_days_per_week_median: Option<f64>,
    pub lead_time_median: Option<i64>,
    pub change_failure_rate: Option<f64>,
    pub recovery_median: Option<i64>,
    pub shares: BTreeMap<String, BandShares>,
}

impl Rollup {
    /// A single service, as the leaf of a roll-up.
    pub fn of_service(figures: &ServiceFigures) -> Self {
        let values = figures.values();
        let shares = ReportYear::ALL
            .iter()
            .map(|year| {
                let bands = values.bands(*year);
                let mut shares = BandShares::default();
                for key in DoraKey::ALL {
                    shares.of_mut(*key).add(bands.of(*key));
                }
                (year.as_str().to_owned(), shares)
            })
            .collect();
        Self {
            services: u32::from(figures.deployments > 0),
            deployments: figures.deployments,
            failed: figures.failed,
            open_failures: figures.open_failures,
            rework: figures.rework,
            deploy_days_per_week_median: figures.deploy_days_per_week_median,
            lead_time_median: figures.lead_time_median,
            change_failure_rate: figures.change_failure_rate(),
            recovery_median: figures.recovery_median,
            shares,
        }
    }

    /// Children combined into their parent.
    pub fn combine<'a>(children: impl IntoIterator<Item = &'a Rollup>) -> Self {
        let children: Vec<&Rollup> = children.into_iter().collect();
        let medians = |get: &dyn Fn(&Rollup) -> Option<f64>| {
            let mut values: Vec<f64> = children.iter().filter_map(|c| get(c)).collect();
            median(&mut values)
        };
        let deploy_days = medians(&|c| c.deploy_days_per_week_median);
        let lead_time = medians(&|c| c.lead_time_median.map(|v| v as f64));
        let cfr = medians(&|c| c.change_failure_rate);
        let recovery = medians(&|c| c.recovery_median.map(|v| v as f64));
        let mut shares: BTreeMap<String, BandShares> = BTreeMap::new();
        for child in &children {
            for (year, child_shares) in &child.shares {
                let into = shares.entry(year.clone()).or_default();
                for key in DoraKey::ALL {
                    into.of_mut(*key).merge(child_shares.of(*key));
                }
            }
        }
        Self {
            services: children.iter().map(|c| c.services).sum(),
            deployments: children.iter().map(|c| c.deployments).sum(),
            failed: children.iter().map(|c| c.failed).sum(),
            open_failures: children.iter().map(|c| c.open_failures).sum(),
            rework: children.iter().map(|c| c.rework).sum(),
            deploy_days_per_week_median: deploy_days,
            lead_time_median: lead_time.map(|v| v.round() as i64),
            change_failure_rate: cfr,
            recovery_median: recovery.map(|v| v.round() as i64),
            shares,
        }
    }

    pub fn values(&self) -> KeyValues {
        KeyValues {
            deploy_days_per_week: self.deploy_days_per_week_median,
            lead_time_seconds: self.lead_time_median.map(|v| v as f64),
            change_failure_rate: self.change_failure_rate,
            recovery_seconds: self.recovery_median.map(|v| v as f64),
        }
    }

    /// The figures as the API and pages show them, banded by `year`.
    pub fn figures(
        &self,
        entity: Option<String>,
        from: NaiveDate,
        to: NaiveDate,
        year: ReportYear,
    ) -> DoraFigures {
        DoraFigures {
            entity,
            from: from.to_string(),
            to: to.to_string(),
            report_year: year,
            services: self.services,
            deployments: self.deployments,
            deploy_days_per_week_median: self.deploy_days_per_week_median,
            lead_time_median_seconds: self.lead_time_median,
            change_failure_rate: self.change_failure_rate,
            failed_deployments: self.failed,
            recovery_time_median_seconds: self.recovery_median,
            open_failures: self.open_failures,
            rework_rate: (self.deployments > 0).then(|| self.rework as f64 / self.deployments as f64),
            bands: self.values().bands(year),
            band_shares: self.shares.get(year.as_str()).cloned().unwrap_or_default(),
        }
    }

    /// One week of a trend chart.
    pub fn trend_point(&self, week: NaiveDate) -> TrendPoint {
        TrendPoint {
            week: week.to_string(),
            deployments: self.deployments,
            deploy_days_per_week_median: self.deploy_days_per_week_median,
            lead_time_median_seconds: self.lead_time_median,
            change_failure_rate: self.change_failure_rate,
            recovery_time_median_seconds: self.recovery_median,
        }
    }
}

#[cfg(test)]
mod tests {
    use parkway_types::scorecards::Band;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn row(d: &str, deployments: i32) -> DailyRow {
        DailyRow {
            day: day(d),
            deployments,
            ..DailyRow::default()
        }
    }

    #[test]
    fn deploy_days_are_counted_per_week_ending_on_the_last_day() {
        // Two weeks ending Sunday 2026-11-29: three deploy days in the last, one in the
        // first; a busy day counts once.
        let rows = [
            row("2026-11-29", 4),
            row("2026-11-27", 1),
            row("2026-11-23", 1),
            row("2026-11-20", 2),
            // Before the period: ignored.
            row("2026-11-10", 1),
        ];
        let f = service_period(&rows, day("2026-11-16"), day("2026-11-29"));
        assert_eq!(f.deployments, 8);
        assert_eq!(f.deploy_days_per_week_median, Some(2.0), "median of [3, 1]");
        // A 30-day window is judged over its four whole weeks.
        assert_eq!(weeks_in(day("2026-10-31"), day("2026-11-29")), 4);
    }

    #[test]
    fn lead_time_and_recovery_are_medians_over_changes_and_failures() {
        let rows = [
            DailyRow {
                day: day("2026-11-02"),
                deployments: 2,
                failed: 1,
                lead_times: vec![100, 300],
                recoveries: vec![7_200],
                ..DailyRow::default()
            },
            DailyRow {
                day: day("2026-11-03"),
                deployments: 2,
                failed: 1,
                open_failures: 1,
                lead_times: vec![200, 10_000, 50],
                ..DailyRow::default()
            },
        ];
        let f = service_period(&rows, day("2026-11-01"), day("2026-11-07"));
        assert_eq!(f.lead_time_median, Some(200));
        assert_eq!(f.recovery_median, Some(7_200));
        assert_eq!(f.failed, 2);
        assert_eq!(f.open_failures, 1, "an open failure is reported, not dropped");
        assert_eq!(f.change_failure_rate(), Some(0.5));
        assert_eq!(
            service_period(&rows, day("2026-11-04"), day("2026-11-07")).change_failure_rate(),
            None
        );
    }

    fn service(lead: i64, deploy_days: f64, deployments: i64, failed: i64) -> Rollup {
        Rollup::of_service(&ServiceFigures {
            deployments,
            deploy_days_per_week_median: Some(deploy_days),
            lead_time_median: Some(lead),
            failed,
            ..ServiceFigures::default()
        })
    }

    #[test]
    fn rollups_are_medians_of_medians_never_means_of_events() {
        // Team A: one very busy service with slow changes and two quiet fast ones.
        let a = Rollup::combine(&[
            service(10, 5.0, 500, 0),
            service(20, 1.0, 4, 2),
            service(3_000_000, 0.5, 2, 0),
        ]);
        assert_eq!(a.lead_time_median, Some(20));
        assert_eq!(a.deploy_days_per_week_median, Some(1.0));
        assert_eq!(a.deployments, 506);
        assert_eq!(a.failed, 2);
        // The team's change failure rate is the median of its services' rates (0, 0.5,
        // 0), not 2 / 506.
        assert_eq!(a.change_failure_rate, Some(0.0));
        let b = Rollup::combine(&[service(100, 3.0, 10, 5)]);
        let unit = Rollup::combine(&[a.clone(), b]);
        assert_eq!(
            unit.lead_time_median,
            Some(60),
            "median of the teams' medians 20 and 100"
        );
        assert_eq!(unit.services, 4);
        let shares = &unit.shares["2024"];
        assert_eq!(shares.lead_time.total(), 4);
        assert_eq!(shares.lead_time.elite, 3);
        assert_eq!(shares.lead_time.low, 1);
        assert_eq!(
            unit.figures(None, day("2026-11-01"), day("2026-11-30"), ReportYear::Y2024)
                .bands
                .lead_time,
            Some(Band::Elite)
        );
    }

    #[test]
    fn trend_weeks_end_with_this_week() {
        let weeks = trend_weeks(day("2026-12-01"), 26);
        assert_eq!(weeks.len(), 26);
        assert_eq!(weeks[25], day("2026-11-30"));
        assert_eq!(weeks[0], day("2026-06-08"));
    }
}
