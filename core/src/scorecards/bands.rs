//! The DORA performance bands, as data per report year. Each key lists its bands best
//! first with a bound; a value gets the first band whose bound it meets. The reports
//! publish typical values per cluster rather than bounds, so where a report's table
//! is not ordered (2024 lists High at 20 % change failure rate and Medium at 10 %),
//! the bounds are ordered so that a better value never gets a worse band; the page
//! shows the bounds used.

use parkway_types::{
    scorecards::{Band, DoraKey, ReportYear},
    views::scorecards::{BandRule, Bands},
};

const HOUR: f64 = 3_600.0;
const DAY: f64 = 24.0 * HOUR;
const WEEK: f64 = 7.0 * DAY;
const MONTH: f64 = 30.0 * DAY;

/// A bound: `AtLeast` for deployment frequency (more is better), `Below` for the
/// others (less is better). `None` is the last band, which takes every value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
    Any,
}

struct Table {
    year: ReportYear,
    /// Per key, the four bands best first.
    keys: [(DoraKey, [(Band, Bound); 4]); 4],
}

const FREQUENCY: [(Band, Bound); 4] = [
    // On demand: deployments on most working days.
    (Band::Elite, Bound::AtLeast(3.0)),
    // Between once a day and once a week.
    (Band::High, Bound::AtLeast(1.0)),
    // Between once a week and once a month.
    (Band::Medium, Bound::AtLeast(0.25)),
    (Band::Low, Bound::Any),
];

const LEAD_TIME: [(Band, Bound); 4] = [
    (Band::Elite, Bound::Below(DAY)),
    (Band::High, Bound::Below(WEEK)),
    (Band::Medium, Bound::Below(MONTH)),
    (Band::Low, Bound::Any),
];

const TABLES: [Table; 2] = [
    Table {
        year: ReportYear::Y2023,
        keys: [
            (DoraKey::DeploymentFrequency, FREQUENCY),
            (DoraKey::LeadTime, LEAD_TIME),
            (
                DoraKey::ChangeFailureRate,
                [
                    (Band::Elite, Bound::AtMost(0.05)),
                    (Band::High, Bound::AtMost(0.10)),
                    (Band::Medium, Bound::AtMost(0.15)),
                    (Band::Low, Bound::Any),
                ],
            ),
            (
                DoraKey::RecoveryTime,
                [
                    (Band::Elite, Bound::Below(HOUR)),
                    (Band::High, Bound::Below(DAY)),
                    (Band::Medium, Bound::Below(WEEK)),
                    (Band::Low, Bound::Any),
                ],
            ),
        ],
    },
    Table {
        year: ReportYear::Y2024,
        keys: [
            (DoraKey::DeploymentFrequency, FREQUENCY),
            (DoraKey::LeadTime, LEAD_TIME),
            (
                DoraKey::ChangeFailureRate,
                [
                    (Band::Elite, Bound::AtMost(0.05)),
                    (Band::High, Bound::AtMost(0.10)),
                    (Band::Medium, Bound::AtMost(0.20)),
                    (Band::Low, Bound::Any),
                ],
            ),
            (
                DoraKey::RecoveryTime,
                [
                    (Band::Elite, Bound::Below(HOUR)),
                    (Band::High, Bound::Below(DAY)),
                    (Band::Medium, Bound::Below(DAY)),
                    (Band::Low, Bound::Any),
                ],
            ),
        ],
    },
];

fn bands_of(year: ReportYear, key: DoraKey) -> &'static [(Band, Bound); 4] {
    let table = TABLES
        .iter()
        .find(|t| t.year == year)
        .unwrap_or(&TABLES[TABLES.len() - 1]);
    table
        .keys
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, bands)| bands)
        .unwrap_or(&FREQUENCY)
}

/// The band of `value` for `key` under `year`'s table; `None` without a value.
pub fn band(year: ReportYear, key: DoraKey, value: Option<f64>) -> Option<Band> {
    let value = value?;
    bands_of(year, key)
        .iter()
        .find(|(_, bound)| match *bound {
            Bound::AtLeast(min) => value >= min,
            Bound::Below(max) => value < max,
            Bound::AtMost(max) => value <= max,
            Bound::Any => true,
        })
        .map(|(band, _)| *band)
}

/// The values the four keys are banded by.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KeyValues {
    pub deploy_days_per_week: Option<f64>,
    pub lead_time_seconds: Option<f64>,
    pub change_failure_rate: Option<f64>,
    pub recovery_seconds: Option<f64>,
}

impl KeyValues {
    pub fn get(&self, key: DoraKey) -> Option<f64> {
        match key {
            DoraKey::DeploymentFrequency => self.deploy_days_per_week,
            DoraKey::LeadTime => self.lead_time_seconds,
            DoraKey::ChangeFailureRate => self.change_failure_rate,
            DoraKey::RecoveryTime => self.recovery_seconds,
        }
    }

    pub fn bands(&self, year: ReportYear) -> Bands {
        Bands {
            deployment_frequency: band(year, DoraKey::DeploymentFrequency, self.deploy_days_per_week),
            lead_time: band(year, DoraKey::LeadTime, self.lead_time_seconds),
            change_failure_rate: band(year, DoraKey::ChangeFailureRate, self.change_failure_rate),
            recovery_time: band(year, DoraKey::RecoveryTime, self.recovery_seconds),
        }
    }
}

/// Every bound of `year`'s table, for the definitions a page shows.
pub fn rules(year: ReportYear) -> Vec<BandRule> {
    DoraKey::ALL
        .iter()
        .flat_map(|key| {
            bands_of(year, *key).iter().map(|(band, bound)| BandRule {
                key: *key,
                band: *band,
                rule: describe(*key, *bound),
            })
        })
        .collect()
}

fn describe(key: DoraKey, bound: Bound) -> String {
    let unit = |v: f64| match key {
        DoraKey::DeploymentFrequency => format!("{v} deployment days a week"),
        DoraKey::ChangeFailureRate => format!("{:.0} %", v * 100.0),
        DoraKey::LeadTime | DoraKey::RecoveryTime => parkway_types::scorecards::duration_words(v as i64),
    };
    match bound {
        Bound::AtLeast(v) => format!("≥ {}", unit(v)),
        Bound::Below(v) => format!("< {}", unit(v)),
        Bound::AtMost(v) => format!("≤ {}", unit(v)),
        Bound::Any => "anything else".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_bands_follow_deploy_days_a_week() {
        let y = ReportYear::Y2024;
        let f = DoraKey::DeploymentFrequency;
        assert_eq!(band(y, f, Some(5.0)), Some(Band::Elite));
        assert_eq!(band(y, f, Some(3.0)), Some(Band::Elite));
        assert_eq!(band(y, f, Some(2.5)), Some(Band::High));
        assert_eq!(band(y, f, Some(0.5)), Some(Band::Medium));
        assert_eq!(band(y, f, Some(0.0)), Some(Band::Low));
        assert_eq!(band(y, f, None), None);
    }

    #[test]
    fn years_differ_where_their_reports_do() {
        let cfr = DoraKey::ChangeFailureRate;
        assert_eq!(band(ReportYear::Y2023, cfr, Some(0.18)), Some(Band::Low));
        assert_eq!(band(ReportYear::Y2024, cfr, Some(0.18)), Some(Band::Medium));
        let recovery = DoraKey::RecoveryTime;
        assert_eq!(
            band(ReportYear::Y2023, recovery, Some(2.0 * DAY)),
            Some(Band::Medium)
        );
        assert_eq!(
            band(ReportYear::Y2024, recovery, Some(2.0 * DAY)),
            Some(Band::Low)
        );
    }

    #[test]
    fn a_better_value_never_gets_a_worse_band() {
        for year in ReportYear::ALL {
            for key in DoraKey::ALL {
                let better_is_more = *key == DoraKey::DeploymentFrequency;
                let mut last = None;
                for step in 0..2_000 {
                    let raw = f64::from(step);
                    let value = match key {
                        DoraKey::DeploymentFrequency => raw / 200.0,
                        DoraKey::ChangeFailureRate => raw / 2_000.0,
                        _ => raw * 600.0,
                    };
                    let b = band(*year, *key, Some(value));
                    if let (Some(prev), Some(now)) = (last, b) {
                        if better_is_more {
                            assert!(now <= prev, "{year} {key} {value}");
                        } else {
                            assert!(now >= prev, "{year} {key} {value}");
                        }
                    }
                    last = b;
                }
            }
        }
    }

    #[test]
    fn every_year_describes_every_key() {
        for year in ReportYear::ALL {
            let rules = rules(*year);
            assert_eq!(rules.len(), 16);
            assert!(rules.iter().any(|r| r.rule == "< 1 day"), "{rules:?}");
        }
    }
}
