//! Keeps the figures pages read up to date, incrementally: dirty (service, day) marks
//! become per-day aggregates, the services they touch get their window and week
//! figures recomputed from those days (never from raw events), and the roll-ups
//! per team, business unit and the enterprise are rebuilt from service figures. Any
//! number of replicas may run it: marks are claimed with `SKIP LOCKED`, roll-ups are
//! written under an advisory lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use parkway_types::scorecards::{TREND_WEEKS, Window};
use sqlx::PgPool;

use super::{
    Result,
    figures::{DailyRow, Rollup, ServiceFigures, service_period, trend_weeks},
    store::{self, Member},
};

/// Marks taken per transaction.
const DIRTY_BATCH: i64 = 5_000;
/// A round stops claiming marks after this long and rebuilds the roll-ups from what
/// it has; the next round takes the rest. Without a bound, a steady stream of events
/// keeps one round claiming and the leaders' pages never move.
const CLAIMING_FOR: std::time::Duration = std::time::Duration::from_secs(5);
/// Services whose figures are recomputed per transaction.
const SERVICE_BATCH: usize = 500;
/// Serializes roll-up writers across replicas.
const ROLLUP_LOCK: i64 = 0x7363_6f72_6563_6172; // "scorecar"

/// A period figures are kept for: its stored name and its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The stored name of a window period.
pub fn window_period(window: Window) -> String {
    window.as_str().to_owned()
}

/// The stored name of a week period.
pub fn week_period(monday: NaiveDate) -> String {
    format!("week:{monday}")
}

/// Every period kept as of `today`: the three windows and the trend weeks.
pub fn periods(today: NaiveDate) -> Vec<Period> {
    let windows = Window::ALL.iter().map(|w| Period {
        name: window_period(*w),
        from: today - Days::new(w.days() as u64 - 1),
        to: today,
    });
    let weeks = trend_weeks(today, TREND_WEEKS).into_iter().map(|monday| Period {
        name: week_period(monday),
        from: monday,
        to: (monday + Days::new(6)).min(today),
    });
    windows.chain(weeks).collect()
}

/// The first day any period of `today` reads.
pub fn horizon(today: NaiveDate) -> NaiveDate {
    periods(today).iter().map(|p| p.from).min().unwrap_or(today)
}

/// A service's figures for each period.
pub fn service_periods(rows: &[DailyRow], periods: &[Period]) -> Vec<(String, ServiceFigures)> {
    periods
        .iter()
        .map(|p| (p.name.clone(), service_period(rows, p.from, p.to)))
        .collect()
}

/// The roll-up scope names: `enterprise`, `unit:<group key>`, `team:<group key>`.
pub const ENTERPRISE: &str = "enterprise";

pub fn unit_scope(unit: &str) -> String {
    format!("unit:{unit}")
}

pub fn team_scope(team: &str) -> String {
    format!("team:{team}")
}

/// One period's roll-ups: each team of its services, each business unit of its teams,
/// the enterprise of its business units. A service without a team or unit (or no
/// longer in the catalog) counts under an unnamed one, so the enterprise still
/// sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    pub enterprise: Rollup,
    pub units: BTreeMap<String, Rollup>,
    pub teams: BTreeMap<String, Rollup>,
}

pub fn tree(members: &[Member], figures: &HashMap<String, ServiceFigures>) -> Tree {
    let by_service: HashMap<&str, &Member> = members.iter().map(|m| (m.service.as_str(), m)).collect();
    // unit -> team -> services
    let mut shape: BTreeMap<Option<&str>, BTreeMap<Option<&str>, Vec<Rollup>>> = BTreeMap::new();
    for (service, f) in figures {
        let member = by_service.get(service.as_str());
        let unit = member.and_then(|m| m.unit.as_deref());
        let team = member.and_then(|m| m.team.as_deref());
        shape
            .entry(unit)
            .or_default()
            .entry(team)
            .or_default()
            .push(Rollup::of_service(f));
    }
    let mut out = Tree::default();
    let mut unit_rollups = Vec::new();
    for (unit, teams) in shape {
        let team_rollups: Vec<(Option<&str>, Rollup)> = teams
            .into_iter()
            .map(|(team, services)| (team, Rollup::combine(&services)))
            .collect();
        let unit_rollup = Rollup::combine(team_rollups.iter().map(|(_, r)| r));
        for (team, rollup) in team_rollups {
            if let Some(team) = team {
                // A team with services in two units is one team: combine its parts.
                match out.teams.get_mut(team) {
                    Some(existing) => *existing = Rollup::combine([&*existing, &rollup]),
                    None => {
                        out.teams.insert(team.to_owned(), rollup);
                    }
                }
            }
        }
        if let Some(unit) = unit {
            out.units.insert(unit.to_owned(), unit_rollup.clone());
        }
        unit_rollups.push(unit_rollup);
    }
    out.enterprise = Rollup::combine(&unit_rollups);
    out
}

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    pub days: usize,
    pub services: usize,
    pub rollups: usize,
}

/// One round: consume the dirty marks (for at most [`CLAIMING_FOR`]; statistics of
/// grown event tables re-read first), recompute the services they touch (every
/// service when the day has moved on since the last round), rebuild the roll-ups.
pub async fn refresh(pool: &PgPool, now: DateTime<Utc>) -> Result<Refreshed> {
    let today = now.date_naive();
    let mut done = Refreshed::default();
    let mut touched = BTreeSet::new();
    store::analyze_grown(pool).await?;
    let claiming = std::time::Instant::now();
    while claiming.elapsed() < CLAIMING_FOR {
        let mut tx = pool.begin().await?;
        let pairs = store::claim_dirty(&mut tx, DIRTY_BATCH).await?;
        if pairs.is_empty() {
            break;
        }
        store::recompute_daily(&mut tx, &pairs).await?;
        tx.commit().await?;
        done.days += pairs.len();
        touched.extend(pairs.into_iter().map(|(service, _)| service));
    }
    let day_moved = store::state(pool).await?.map(|(day, _)| day) != Some(today);
    let services: Vec<String> = if day_moved {
        let mut all: BTreeSet<String> = store::services_with_data(pool, horizon(today))
            .await?
            .into_iter()
            .collect();
        all.extend(touched);
        all.into_iter().collect()
    } else {
        touched.into_iter().collect()
    };
    let periods = periods(today);
    for chunk in services.chunks(SERVICE_BATCH) {
        let days = store::daily_rows(pool, Some(chunk), horizon(today), today).await?;
        let mut figures = Vec::new();
        for service in chunk {
            let rows = days.get(service).map(Vec::as_slice).unwrap_or_default();
            if rows.is_empty() {
                continue;
            }
            for (period, f) in service_periods(rows, &periods) {
                figures.push((service.clone(), period, f));
            }
        }
        let mut tx = pool.begin().await?;
        store::write_service_figures(&mut tx, today, chunk, &figures).await?;
        tx.commit().await?;
    }
    done.services = services.len();
    if !services.is_empty() || day_moved {
        done.rollups = rebuild_rollups(pool, today, &periods, now).await?;
    }
    Ok(done)
}

/// Rebuilds every roll-up from the stored service figures.
async fn rebuild_rollups(
    pool: &PgPool,
    today: NaiveDate,
    periods: &[Period],
    now: DateTime<Utc>,
) -> Result<usize> {
    let members = store::members(pool, None).await?;
    let mut rows = Vec::new();
    for period in periods {
        let figures = store::service_figures(pool, &period.name, None).await?;
        let t = tree(&members, &figures);
        rows.push((ENTERPRISE.to_owned(), period.name.clone(), t.enterprise));
        rows.extend(
            t.units
                .into_iter()
                .map(|(u, r)| (unit_scope(&u), period.name.clone(), r)),
        );
        rows.extend(
            t.teams
                .into_iter()
                .map(|(g, r)| (team_scope(&g), period.name.clone(), r)),
        );
    }
    let mut tx = pool.begin().await?;
    sqlx::query!("select pg_advisory_xact_lock($1)", ROLLUP_LOCK)
        .execute(&mut *tx)
        .await?;
    store::write_rollups(&mut tx, &rows).await?;
    store::set_state(&mut *tx, today, now).await?;
    tx.commit().await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(service: &str, team: Option<&str>, unit: Option<&str>) -> Member {
        Member {
            service: service.into(),
            title: service.into(),
            team: team.map(Into::into),
            unit: unit.map(Into::into),
        }
    }

    fn lead(seconds: i64) -> ServiceFigures {
        ServiceFigures {
            deployments: 1,
            lead_time_median: Some(seconds),
            ..ServiceFigures::default()
        }
    }

    #[test]
    fn the_enterprise_is_the_median_of_units_which_are_medians_of_teams() {
        let members = [
            member("a1", Some("team-a"), Some("unit-x")),
            member("a2", Some("team-a"), Some("unit-x")),
            member("a3", Some("team-a"), Some("unit-x")),
            member("b1", Some("team-b"), Some("unit-x")),
            member("c1", Some("team-c"), Some("unit-y")),
        ];
        let figures: HashMap<String, ServiceFigures> = [
            ("a1", lead(10)),
            ("a2", lead(20)),
            ("a3", lead(30)),
            ("b1", lead(1_000)),
            ("c1", lead(50)),
            // Not in the catalog any more: still counted by the enterprise.
            ("gone", lead(70)),
        ]
        .into_iter()
        .map(|(s, f)| (s.to_owned(), f))
        .collect();
        let t = tree(&members, &figures);
        assert_eq!(t.teams["team-a"].lead_time_median, Some(20));
        assert_eq!(
            t.units["unit-x"].lead_time_median,
            Some(510),
            "median of teams 20 and 1000"
        );
        assert_eq!(t.units["unit-y"].lead_time_median, Some(50));
        assert_eq!(t.enterprise.lead_time_median, Some(70), "median of 510, 50, 70");
        assert_eq!(t.enterprise.services, 6);
        assert_eq!(t.units.len(), 2);
    }

    #[test]
    fn periods_are_three_windows_and_the_trend_weeks() {
        let today: NaiveDate = "2026-12-01".parse().unwrap_or_default();
        let p = periods(today);
        assert_eq!(p.len(), 3 + TREND_WEEKS);
        assert_eq!(p[0].name, "30");
        assert_eq!(p[0].from, "2026-11-02".parse().unwrap_or_default());
        let last = &p[p.len() - 1];
        assert_eq!(last.name, "week:2026-11-30");
        assert_eq!(last.to, today, "this week ends today");
        assert_eq!(horizon(today), "2026-06-05".parse().unwrap_or_default());
    }
}
