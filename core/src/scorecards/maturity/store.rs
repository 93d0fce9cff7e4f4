//! Maturity storage: scorecard versions, runs with every evaluation, ratings, and
//! exemptions.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, Postgres, Transaction, types::Json};

use super::{
    document::Definition,
    evaluate::Rating,
    facts::{Component, Dora},
};
use crate::scorecards::{Error, Result, governance::Readiness};

/// A scorecard's newest version.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub version: i32,
    pub definition: Definition,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
    pub retired: bool,
}

fn definition(id: &str, value: Json<serde_json::Value>) -> Result<Definition> {
    serde_json::from_value(value.0)
        .map_err(|e| Error::Internal(format!("stored scorecard {id} cannot be read: {e}")))
}

/// Every scorecard's newest version, retired ones included when `retired`.
pub async fn latest(db: impl PgExecutor<'_>, only: Option<&str>, retired: bool) -> Result<Vec<Stored>> {
    let rows = sqlx::query!(
        r#"select distinct on (id) id, version, definition as "definition: Json<serde_json::Value>", saved_by,
                  saved_at, retired_at
           from maturity_scorecards where ($1::text is null or id = $1)
           order by id, version desc"#,
        only
    )
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .filter(|r| retired || r.retired_at.is_none())
        .map(|r| {
            Ok(Stored {
                definition: definition(&r.id, r.definition)?,
                id: r.id,
                version: r.version,
                saved_by: r.saved_by,
                saved_at: r.saved_at,
                retired: r.retired_at.is_some(),
            })
        })
        .collect()
}

/// Writes a new version; returns its number.
pub async fn save(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    def: &Definition,
    actor: &str,
) -> Result<i32> {
    // Concurrent saves of one scorecard: the second waits, then numbers after it.
    sqlx::query!("select pg_advisory_xact_lock(hashtext('maturity:' || $1))", id)
        .execute(&mut **tx)
        .await?;
    let value = serde_json::to_value(def).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(sqlx::query_scalar!(
        "insert into maturity_scorecards (id, version, definition, saved_by)
         values ($1, coalesce((select max(version) from maturity_scorecards where id = $1), 0) + 1, $2, $3)
         returning version",
        id,
        value,
        actor
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Marks the newest version retired; false when there is none not retired.
pub async fn retire(tx: &mut Transaction<'_, Postgres>, id: &str, actor: &str) -> Result<bool> {
    let done = sqlx::query!(
        "update maturity_scorecards set retired_by = $2, retired_at = now()
         where id = $1 and retired_at is null
           and version = (select max(version) from maturity_scorecards where id = $1)",
        id,
        actor
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Every catalog component with what its facts are read from; the owning teams'
/// governance values are added by the caller.
pub async fn components(db: impl PgExecutor<'_>) -> Result<Vec<Component>> {
    let rows = sqlx::query!(
        r#"select e.key, coalesce(e.title, e.name) as "title!", e.spec_type, e.lifecycle, e.tier, e.owner,
                  e.business_unit, e.description, e.tags, e.body->'spec'->>'system' as system,
                  e.body->'metadata'->'annotations' as annotations, e.body->'metadata'->'labels' as labels,
                  e.body->'metadata'->'links' as links,
                  f.deployments as "deployments?", f.deploy_days_per_week_median, f.lead_time_median,
                  f.failed as "failed?", f.recovery_median, f.rework as "rework?"
           from catalog_entities e
           left join scorecard_service_figures f on f.service = e.key and f.period = '90'
           where e.kind = 'component' and e.orphaned_at is null
           order by e.key"#
    )
    .fetch_all(db)
    .await?;
    let map = |v: Option<&serde_json::Value>| -> BTreeMap<String, String> {
        v.and_then(|v| v.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut dora = BTreeMap::new();
            if let Some(n) = r.deployments.filter(|n| *n > 0) {
                let n = f64::from(n);
                dora.insert(Dora::Deployments, n);
                if let Some(v) = r.deploy_days_per_week_median {
                    dora.insert(Dora::DeployDaysPerWeek, v);
                }
                if let Some(v) = r.lead_time_median {
                    dora.insert(Dora::LeadTimeHours, v as f64 / 3_600.0);
                }
                if let Some(failed) = r.failed {
                    dora.insert(Dora::ChangeFailureRate, f64::from(failed) / n * 100.0);
                }
                if let Some(v) = r.recovery_median {
                    dora.insert(Dora::RecoveryTimeHours, v as f64 / 3_600.0);
                }
                if let Some(rework) = r.rework {
                    dora.insert(Dora::ReworkRate, f64::from(rework) / n * 100.0);
                }
            }
            Component {
                readiness: Readiness::of(r.annotations.as_ref(), r.links.as_ref()),
                annotations: map(r.annotations.as_ref()),
                labels: map(r.labels.as_ref()),
                key: r.key,
                title: r.title,
                spec_type: r.spec_type,
                lifecycle: r.lifecycle,
                tier: r.tier,
                owner: r.owner,
                business_unit: r.business_unit,
                system: r.system,
                description: r.description,
                tags: r.tags,
                dora,
                team: BTreeMap::new(),
            }
        })
        .collect())
}

/// (entity, rule) pairs of `scorecard` under an exemption in force at `now`.
pub async fn exempt_now(
    db: impl PgExecutor<'_>,
    scorecard: &str,
    now: DateTime<Utc>,
) -> Result<HashSet<(String, String)>> {
    let rows = sqlx::query!(
        "select entity, rule from maturity_exemptions
         where scorecard = $1 and revoked_at is null and expires_at > $2",
        scorecard,
        now
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.entity, r.rule)).collect())
}

/// Stores one run: its ratings and every verdict. Returns the run's id.
pub async fn write_run(
    tx: &mut Transaction<'_, Postgres>,
    scorecard: &str,
    version: i32,
    reason: &str,
    ratings: &[(String, Rating)],
) -> Result<i64> {
    let run = sqlx::query_scalar!(
        "insert into maturity_runs (scorecard, version, reason, components) values ($1, $2, $3, $4) returning id",
        scorecard,
        version,
        reason,
        ratings.len() as i32
    )
    .fetch_one(&mut **tx)
    .await?;
    for chunk in ratings.chunks(2_000) {
        let entities: Vec<&str> = chunk.iter().map(|(e, _)| e.as_str()).collect();
        let levels: Vec<Option<String>> = chunk.iter().map(|(_, r)| r.level.clone()).collect();
        let scores: Vec<Option<i16>> = chunk.iter().map(|(_, r)| r.score).collect();
        sqlx::query!(
            "insert into maturity_ratings (run, entity, level, score)
             select $1, * from unnest($2::text[], $3::text[], $4::int2[])",
            run,
            &entities as &[&str],
            &levels as &[Option<String>],
            &scores as &[Option<i16>],
        )
        .execute(&mut **tx)
        .await?;
        let mut e = Vec::new();
        let mut rule = Vec::new();
        let mut value = Vec::new();
        let mut passed = Vec::new();
        let mut exempt = Vec::new();
        for (entity, rating) in chunk {
            for v in &rating.verdicts {
                e.push(entity.as_str());
                rule.push(v.rule.as_str());
                value.push(v.value.to_json());
                passed.push(v.passed);
                exempt.push(v.exempt);
            }
        }
        sqlx::query!(
            "insert into maturity_evaluations (run, entity, rule, value, passed, exempt)
             select $1, * from unnest($2::text[], $3::text[], $4::jsonb[], $5::bool[], $6::bool[])",
            run,
            &e as &[&str],
            &rule as &[&str],
            &value,
            &passed,
            &exempt,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(run)
}

/// A scorecard's latest run.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    pub version: i32,
    pub at: DateTime<Utc>,
    pub reason: String,
    pub components: i32,
}

/// The latest run of each scorecard.
pub async fn latest_runs(db: impl PgExecutor<'_>) -> Result<HashMap<String, Run>> {
    let rows = sqlx::query!(
        "select distinct on (scorecard) scorecard, id, version, at, reason, components
         from maturity_runs order by scorecard, id desc"
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.scorecard,
                Run {
                    id: r.id,
                    version: r.version,
                    at: r.at,
                    reason: r.reason,
                    components: r.components,
                },
            )
        })
        .collect())
}

/// One stored verdict.
#[derive(Debug, Clone, Default)]
pub struct StoredVerdict {
    pub rule: String,
    pub value: Option<serde_json::Value>,
    pub passed: bool,
    pub exempt: bool,
}

/// A stored rating with its verdicts.
#[derive(Debug, Clone, Default)]
pub struct StoredRating {
    pub entity: String,
    pub level: Option<String>,
    pub score: Option<i16>,
    pub verdicts: Vec<StoredVerdict>,
}

/// The ratings of the given runs (of one entity only, when `entity`).
pub async fn ratings(
    db: &sqlx::PgPool,
    runs: &[i64],
    entity: Option<&str>,
) -> Result<Vec<(i64, StoredRating)>> {
    let rated = sqlx::query!(
        "select run, entity, level, score from maturity_ratings
         where run = any($1) and ($2::text is null or entity = $2) order by run, entity",
        runs,
        entity
    )
    .fetch_all(db)
    .await?;
    let verdicts = sqlx::query!(
        "select run, entity, rule, value, passed, exempt from maturity_evaluations
         where run = any($1) and ($2::text is null or entity = $2)",
        runs,
        entity
    )
    .fetch_all(db)
    .await?;
    let mut by: HashMap<(i64, String), Vec<StoredVerdict>> = HashMap::new();
    for v in verdicts {
        by.entry((v.run, v.entity)).or_default().push(StoredVerdict {
            rule: v.rule,
            value: v.value,
            passed: v.passed,
            exempt: v.exempt,
        });
    }
    Ok(rated
        .into_iter()
        .map(|r| {
            let verdicts = by.remove(&(r.run, r.entity.clone())).unwrap_or_default();
            (
                r.run,
                StoredRating {
                    entity: r.entity,
                    level: r.level,
                    score: r.score,
                    verdicts,
                },
            )
        })
        .collect())
}

/// An exemption as stored.
#[derive(Debug, Clone)]
pub struct Exemption {
    pub id: i64,
    pub scorecard: String,
    pub rule: String,
    pub entity: String,
    pub reason: String,
    pub approved_by: String,
    pub approved_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Exemptions of a scorecard (or of all), newest first.
pub async fn exemptions(db: impl PgExecutor<'_>, scorecard: Option<&str>) -> Result<Vec<Exemption>> {
    Ok(sqlx::query_as!(
        Exemption,
        "select id, scorecard, rule, entity, reason, approved_by, approved_at, expires_at, revoked_at
         from maturity_exemptions where ($1::text is null or scorecard = $1) order by id desc limit 500",
        scorecard
    )
    .fetch_all(db)
    .await?)
}

pub async fn add_exemption(
    tx: &mut Transaction<'_, Postgres>,
    e: (&str, &str, &str, &str),
    approver: &str,
    expires_at: DateTime<Utc>,
) -> Result<Exemption> {
    let (scorecard, rule, entity, reason) = e;
    Ok(sqlx::query_as!(
        Exemption,
        "insert into maturity_exemptions (scorecard, rule, entity, reason, approved_by, expires_at)
         values ($1, $2, $3, $4, $5, $6)
         returning id, scorecard, rule, entity, reason, approved_by, approved_at, expires_at, revoked_at",
        scorecard,
        rule,
        entity,
        reason,
        approver,
        expires_at
    )
    .fetch_one(&mut **tx)
    .await?)
}

/// Revokes an exemption in force; `None` when there is no such exemption, `false`
/// when it was already revoked.
pub async fn revoke_exemption(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    actor: &str,
) -> Result<Option<Exemption>> {
    Ok(sqlx::query_as!(
        Exemption,
        "update maturity_exemptions set revoked_by = $2, revoked_at = now() where id = $1 and revoked_at is null
         returning id, scorecard, rule, entity, reason, approved_by, approved_at, expires_at, revoked_at",
        id,
        actor
    )
    .fetch_optional(&mut **tx)
    .await?)
}

/// Stored evaluations, newest first: the history and the audit evidence.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub run: i64,
    pub at: DateTime<Utc>,
    pub scorecard: String,
    pub version: i32,
    pub entity: String,
    pub rule: String,
    pub value: Option<serde_json::Value>,
    pub passed: bool,
    pub exempt: bool,
}

pub async fn evaluations(
    db: impl PgExecutor<'_>,
    scorecard: Option<&str>,
    entity: Option<&str>,
    limit: i64,
) -> Result<Vec<Evaluation>> {
    Ok(sqlx::query_as!(
        Evaluation,
        r#"select e.run, r.at, r.scorecard, r.version, e.entity, e.rule, e.value, e.passed, e.exempt
           from maturity_evaluations e join maturity_runs r on r.id = e.run
           where ($1::text is null or r.scorecard = $1) and ($2::text is null or e.entity = $2)
           order by e.run desc, e.entity, e.rule limit $3"#,
        scorecard,
        entity,
        limit
    )
    .fetch_all(db)
    .await?)
}
