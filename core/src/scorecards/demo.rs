//! The demo company's delivery history: generated, deterministic for a given day,
//! with real differences between business units (one elite, one struggling, the
//! rest between) and incidents linked each of the three ways. Loaded by
//! `parkway scorecards demo`, which `cargo xtask run` calls.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc, Weekday};
use parkway_types::scorecards::{DeploymentStatus, EventSource};
use sqlx::PgPool;

use super::{
    Error, Result,
    store::{self, NewDeployment, NewIncident},
};

/// How a business unit delivers.
#[derive(Debug, Clone, Copy)]
struct Profile {
    /// Chance of a deployment on a working day, and of a second one.
    deploy: f64,
    again: f64,
    /// Hours from commit to production, low and high.
    lead_hours: (f64, f64),
    /// Chance a deployment causes an incident.
    fails: f64,
    /// Minutes to resolve, low and high.
    recovery_minutes: (f64, f64),
}

const ELITE: Profile = Profile {
    deploy: 0.95,
    again: 0.6,
    lead_hours: (1.0, 20.0),
    fails: 0.03,
    recovery_minutes: (10.0, 50.0),
};
const STRUGGLING: Profile = Profile {
    deploy: 0.06,
    again: 0.0,
    lead_hours: (24.0 * 8.0, 24.0 * 45.0),
    fails: 0.3,
    recovery_minutes: (60.0 * 30.0, 60.0 * 24.0 * 9.0),
};
const STEADY: Profile = Profile {
    deploy: 0.45,
    again: 0.1,
    lead_hours: (12.0, 24.0 * 6.0),
    fails: 0.09,
    recovery_minutes: (40.0, 60.0 * 20.0),
};
const SLOW: Profile = Profile {
    deploy: 0.2,
    again: 0.0,
    lead_hours: (24.0 * 2.0, 24.0 * 20.0),
    fails: 0.14,
    recovery_minutes: (60.0 * 3.0, 60.0 * 24.0 * 3.0),
};

/// SplitMix64: small, deterministic, good enough to spread demo events.
struct Rng(u64);

impl Rng {
    fn seeded(text: &str) -> Self {
        Rng(text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, (low, high): (f64, f64)) -> f64 {
        low + (high - low) * self.unit()
    }

    fn hex(&mut self) -> String {
        let mut text = format!("{:016x}{:016x}{:016x}", self.next(), self.next(), self.next());
        text.truncate(40);
        text
    }
}

/// The profile of a business unit: Payments elite, Logistics struggling, others by
/// their name.
/// Services whose pipelines post nothing: their deployments are the rollouts Parkway
/// observes in the demo production cluster (source `cluster`).
pub const SENDS_NOTHING: &[&str] = &["component:default/reporting-worker"];

fn profile_of(unit: Option<&str>) -> Profile {
    match unit {
        Some(u) if u.ends_with("/payments") => ELITE,
        Some(u) if u.ends_with("/logistics") => STRUGGLING,
        Some(u) if Rng::seeded(u).unit() < 0.5 => STEADY,
        _ => SLOW,
    }
}

fn at(day: NaiveDate, seconds: f64) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::seconds(seconds as i64)
}

/// Generated events for `services` (key, business unit) over the `days` days up to
/// `today`. Incidents take turns: named deployment, named commit, neither (linked by
/// the window).
pub fn generate(
    services: &[(String, Option<String>)],
    today: NaiveDate,
    days: u32,
) -> (Vec<NewDeployment>, Vec<NewIncident>) {
    let now = Utc::now();
    let mut deployments = Vec::new();
    let mut incidents = Vec::new();
    let mut turn = 0_usize;
    for (service, unit) in services {
        if SENDS_NOTHING.contains(&service.as_str()) {
            continue;
        }
        let profile = profile_of(unit.as_deref());
        let mut rng = Rng::seeded(service);
        let name = service.rsplit('/').next().unwrap_or(service);
        for back in (0..days).rev() {
            let Some(day) = today.checked_sub_days(Days::new(u64::from(back))) else {
                continue;
            };
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            let mut count = u32::from(rng.unit() < profile.deploy);
            if count == 1 && rng.unit() < profile.again {
                count += 1;
            }
            for n in 0..count {
                let finished = at(
                    day,
                    rng.between((9.0 * 3_600.0, 17.0 * 3_600.0)) + f64::from(n) * 3_600.0,
                );
                if finished > now {
                    continue;
                }
                let id = format!("demo-{name}-{day}-{n}");
                let changes: Vec<(String, DateTime<Utc>)> = (0..1 + rng.next() % 4)
                    .map(|_| {
                        let lead = rng.between(profile.lead_hours) * 3_600.0;
                        (rng.hex(), finished - Duration::seconds(lead as i64))
                    })
                    .collect();
                let production_fails = rng.unit() < profile.fails;
                if production_fails {
                    let opened = finished + Duration::minutes((rng.unit() * 180.0) as i64 + 5);
                    let resolved = opened + Duration::minutes(rng.between(profile.recovery_minutes) as i64);
                    // The latest failures of the struggling may still be open.
                    let resolved = (resolved < now && !(back < 3 && rng.unit() < 0.5)).then_some(resolved);
                    let (deployment, sha) = match turn % 3 {
                        0 => (Some(id.clone()), None),
                        1 => (None, changes.first().map(|(sha, _)| sha.clone())),
                        _ => (None, None),
                    };
                    turn += 1;
                    if opened < now {
                        incidents.push(NewIncident {
                            id: format!("demo-inc-{name}-{day}-{n}"),
                            service: Some(service.clone()),
                            service_given: service.clone(),
                            opened_at: opened,
                            resolved_at: resolved,
                            deployment,
                            sha,
                        });
                    }
                }
                deployments.push(NewDeployment {
                    id,
                    service: Some(service.clone()),
                    service_given: service.clone(),
                    environment: "production".into(),
                    status: DeploymentStatus::Success,
                    started_at: Some(finished - Duration::minutes(8)),
                    finished_at: finished,
                    sha: changes.last().map(|(sha, _)| sha.clone()),
                    url: None,
                    rework: production_fails && rng.unit() < 0.3,
                    changes,
                });
            }
        }
    }
    (deployments, incidents)
}

/// The demo company's maturity scorecard.
const DEMO_SCORECARD: &str = include_str!("../../../demo/maturity/production-readiness.yaml");

/// Saves the demo maturity scorecard unless there is one; the server's refresher
/// evaluates it when it starts.
async fn demo_scorecard(pool: &PgPool) -> Result<()> {
    let any = sqlx::query_scalar!("select exists (select 1 from maturity_scorecards) as \"any!\"")
        .fetch_one(pool)
        .await?;
    if any {
        return Ok(());
    }
    let definition =
        super::maturity::document::read(DEMO_SCORECARD).map_err(|problems| Error::Definition { problems })?;
    let mut tx = pool.begin().await?;
    super::maturity::store::save(&mut tx, "production-readiness", &definition, "system:cli").await?;
    let mut event = crate::audit::NewAuditEvent::new(
        "system:cli",
        "maturity.save",
        "maturity-scorecard:production-readiness",
    );
    event.payload = serde_json::json!({"version": 1, "title": definition.title, "demo": true});
    crate::audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Loads the demo history for every catalog component, unless delivery events exist
/// already, and the demo maturity scorecard. Returns the numbers of deployments and
/// incidents stored.
pub async fn load(pool: &PgPool, days: u32, link_window_seconds: i64) -> Result<(usize, usize)> {
    demo_scorecard(pool).await?;
    let any = sqlx::query_scalar!("select exists (select 1 from delivery_deployments) as \"any!\"")
        .fetch_one(pool)
        .await?;
    if any {
        return Ok((0, 0));
    }
    let services: Vec<(String, Option<String>)> = sqlx::query!(
        "select key, business_unit from catalog_entities
         where kind = 'component' and orphaned_at is null order by key"
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.key, r.business_unit))
    .collect();
    let (deployments, incidents) = generate(&services, Utc::now().date_naive(), days);
    let mut tx = pool.begin().await?;
    for chunk in deployments.chunks(1_000) {
        store::insert_deployments(&mut tx, EventSource::Api, chunk, link_window_seconds).await?;
    }
    for chunk in incidents.chunks(1_000) {
        store::insert_incidents(&mut tx, EventSource::Api, chunk, link_window_seconds).await?;
    }
    let mut event = crate::audit::NewAuditEvent::new("system:cli", "delivery.demo", "events:demo");
    event.payload =
        serde_json::json!({"deployments": deployments.len(), "incidents": incidents.len(), "days": days});
    crate::audit::append(&mut *tx, &event).await?;
    tx.commit().await?;
    Ok((deployments.len(), incidents.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_deterministic_and_units_differ() {
        let services = vec![
            (
                "component:default/pay-api".to_owned(),
                Some("group:default/payments".to_owned()),
            ),
            (
                "component:default/ship-api".to_owned(),
                Some("group:default/logistics".to_owned()),
            ),
        ];
        let today: NaiveDate = "2026-11-30".parse().unwrap_or_default();
        let (a, ai) = generate(&services, today, 180);
        let (b, _) = generate(&services, today, 180);
        assert_eq!(a.len(), b.len());
        assert_eq!(a.first().map(|d| d.id.clone()), b.first().map(|d| d.id.clone()));
        let count = |s: &str| a.iter().filter(|d| d.service.as_deref() == Some(s)).count();
        assert!(count("component:default/pay-api") > 10 * count("component:default/ship-api").max(1));
        assert!(ai.iter().any(|i| i.deployment.is_some()));
        assert!(ai.iter().any(|i| i.sha.is_some()));
        assert!(ai.iter().any(|i| i.deployment.is_none() && i.sha.is_none()));
    }
}
