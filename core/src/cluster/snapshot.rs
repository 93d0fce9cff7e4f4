//! Snapshots of what each cluster runs, in Postgres: pages fall back to them when a
//! cluster is unreachable, and scorecards read their history. A write touches only
//! the rows whose summary changed (compared by SHA-256 digest).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{
    error::Result,
    model::{Totals, WorkloadSummary, totals},
    registry::ClusterConfig,
};

/// Rows per batched upsert.
const BATCH: usize = 2_000;

/// A registered cluster as the database knows it (shared by every replica).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterRecord {
    pub name: String,
    pub environment: String,
    pub demo: bool,
    pub api_version: Option<String>,
    pub last_sync: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Rows a snapshot write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    pub history: u64,
}

impl WriteStats {
    /// Workload and history rows written (the `clusters.last_sync` stamp is not counted).
    pub fn rows(&self) -> u64 {
        self.inserted + self.updated + self.deleted + self.history
    }

    pub fn add(&mut self, other: WriteStats) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.deleted += other.deleted;
        self.history += other.history;
    }
}

/// Records the configured clusters (and their environment) so every replica lists them.
pub async fn register(pool: &PgPool, clusters: &[ClusterConfig]) -> Result<()> {
    for cluster in clusters {
        sqlx::query!(
            "insert into clusters (name, environment, demo) values ($1, $2, $3)
             on conflict on constraint clusters_pkey
             do update set environment = excluded.environment, demo = excluded.demo",
            cluster.name,
            cluster.environment.as_str(),
            cluster.demo,
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

pub async fn list(pool: &PgPool) -> Result<Vec<ClusterRecord>> {
    Ok(sqlx::query_as!(
        ClusterRecord,
        "select name, environment, demo, api_version, last_sync, last_error from clusters order by name"
    )
    .fetch_all(pool)
    .await?)
}

pub async fn get(pool: &PgPool, name: &str) -> Result<Option<ClusterRecord>> {
    Ok(sqlx::query_as!(
        ClusterRecord,
        "select name, environment, demo, api_version, last_sync, last_error from clusters where name = $1",
        name
    )
    .fetch_optional(pool)
    .await?)
}

fn digest(summary: &serde_json::Value) -> Vec<u8> {
    Sha256::digest(summary.to_string().as_bytes()).to_vec()
}

type Key = (String, String, String);

/// Writes one cluster's snapshot: changed rows only, deletions for workloads that are
/// gone, a history row when the totals moved, and the `last_sync` stamp.
pub async fn write(
    pool: &PgPool,
    cluster: &str,
    api_version: Option<&str>,
    workloads: &[WorkloadSummary],
) -> Result<WriteStats> {
    let mut tx = pool.begin().await?;
    let existing: HashMap<Key, Vec<u8>> = sqlx::query!(
        "select namespace, kind, name, digest from cluster_workloads where cluster = $1",
        cluster
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| ((r.namespace, r.kind, r.name), r.digest))
    .collect();
    let mut stats = WriteStats::default();
    let mut changed = Vec::new();
    let mut present = std::collections::HashSet::new();
    for w in workloads {
        let key: Key = (w.namespace.clone(), w.kind.as_str().to_owned(), w.name.clone());
        let summary = serde_json::to_value(w).unwrap_or_default();
        let digest = digest(&summary);
        match existing.get(&key) {
            Some(old) if *old == digest => {}
            Some(_) => stats.updated += 1,
            None => stats.inserted += 1,
        }
        if existing.get(&key) != Some(&digest) {
            changed.push(json!({
                "namespace": w.namespace, "kind": w.kind.as_str(), "name": w.name,
                "team": w.team, "business_unit": w.business_unit, "app_name": w.app_name,
                "kubernetes_id": w.kubernetes_id, "summary": summary, "digest": hex::encode(&digest),
            }));
        }
        present.insert(key);
    }
    for chunk in changed.chunks(BATCH) {
        sqlx::query!(
            "insert into cluster_workloads
                 (cluster, namespace, kind, name, team, business_unit, app_name, kubernetes_id, summary, digest, changed_at)
             select $1, r.namespace, r.kind, r.name, r.team, r.business_unit, r.app_name, r.kubernetes_id,
                    r.summary, decode(r.digest, 'hex'), now()
             from jsonb_to_recordset($2::jsonb) as r(namespace text, kind text, name text, team text,
                  business_unit text, app_name text, kubernetes_id text, summary jsonb, digest text)
             on conflict on constraint cluster_workloads_pkey do update set
                 team = excluded.team, business_unit = excluded.business_unit, app_name = excluded.app_name,
                 kubernetes_id = excluded.kubernetes_id, summary = excluded.summary, digest = excluded.digest,
                 changed_at = now()",
            cluster,
            serde_json::Value::Array(chunk.to_vec()),
        )
        .execute(&mut *tx)
        .await?;
    }
    let gone: Vec<&Key> = existing.keys().filter(|k| !present.contains(*k)).collect();
    if !gone.is_empty() {
        let column = |f: fn(&Key) -> &String| gone.iter().map(|k| f(k).clone()).collect::<Vec<String>>();
        stats.deleted = sqlx::query!(
            "delete from cluster_workloads w
             using unnest($2::text[], $3::text[], $4::text[]) as d(namespace, kind, name)
             where w.cluster = $1 and w.namespace = d.namespace and w.kind = d.kind and w.name = d.name",
            cluster,
            &column(|k| &k.0),
            &column(|k| &k.1),
            &column(|k| &k.2),
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    let now = totals(workloads);
    let previous = sqlx::query_as!(
        Totals,
        "select workloads, healthy, degraded, down, policy_pass, policy_fail
         from cluster_health_history where cluster = $1 order by taken_at desc limit 1",
        cluster
    )
    .fetch_optional(&mut *tx)
    .await?;
    if previous != Some(now) {
        stats.history = sqlx::query!(
            "insert into cluster_health_history (cluster, workloads, healthy, degraded, down, policy_pass, policy_fail)
             values ($1, $2, $3, $4, $5, $6, $7)",
            cluster,
            now.workloads,
            now.healthy,
            now.degraded,
            now.down,
            now.policy_pass,
            now.policy_fail,
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    sqlx::query!(
        "update clusters set last_sync = now(), last_error = null, api_version = coalesce($2, api_version)
         where name = $1",
        cluster,
        api_version,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(stats)
}

/// Notes why a cluster could not be synced; the snapshot itself is kept.
pub async fn record_error(pool: &PgPool, cluster: &str, error: &str) -> Result<()> {
    sqlx::query!(
        "update clusters set last_error = $2 where name = $1 and last_error is distinct from $2",
        cluster,
        error
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The last snapshot of a cluster and when it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub as_of: Option<DateTime<Utc>>,
    pub workloads: Vec<WorkloadSummary>,
}

pub async fn read(pool: &PgPool, cluster: &str) -> Result<Snapshot> {
    let as_of = sqlx::query_scalar!("select last_sync from clusters where name = $1", cluster)
        .fetch_optional(pool)
        .await?
        .flatten();
    let rows = sqlx::query_scalar!(
        "select summary from cluster_workloads where cluster = $1 order by namespace, kind, name",
        cluster
    )
    .fetch_all(pool)
    .await?;
    let workloads = rows
        .into_iter()
        .filter_map(|summary| serde_json::from_value(summary).ok())
        .collect();
    Ok(Snapshot { as_of, workloads })
}

/// The snapshot's workloads whose `kubernetes_id` or `app_name` is one of `ids`.
pub async fn read_matching(pool: &PgPool, cluster: &str, ids: &[String]) -> Result<Vec<WorkloadSummary>> {
    let rows = sqlx::query_scalar!(
        "select summary from cluster_workloads
         where cluster = $1 and (kubernetes_id = any($2) or app_name = any($2))
         order by namespace, kind, name",
        cluster,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|s| serde_json::from_value(s).ok())
        .collect())
}

/// Ready and wanted replicas summed over every cluster's snapshot, per id
/// (`kubernetes_id`, else `app_name`): the health roll-up of team pages.
pub async fn health_by_id(pool: &PgPool, ids: &[String]) -> Result<HashMap<String, (i64, i64, i64)>> {
    let rows = sqlx::query!(
        r#"select coalesce(kubernetes_id, app_name) as "id!",
                  sum((summary->>'ready')::bigint)::bigint as "ready!",
                  sum((summary->>'desired')::bigint)::bigint as "desired!",
                  count(*) as "workloads!"
           from cluster_workloads
           where kubernetes_id = any($1) or app_name = any($1)
           group by 1"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, (r.ready, r.desired, r.workloads)))
        .collect())
}

/// Totals over time, newest first.
pub async fn history(pool: &PgPool, cluster: &str, limit: i64) -> Result<Vec<(DateTime<Utc>, Totals)>> {
    Ok(sqlx::query!(
        "select taken_at, workloads, healthy, degraded, down, policy_pass, policy_fail
         from cluster_health_history where cluster = $1 order by taken_at desc limit $2",
        cluster,
        limit
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| {
        (
            r.taken_at,
            Totals {
                workloads: r.workloads,
                healthy: r.healthy,
                degraded: r.degraded,
                down: r.down,
                policy_pass: r.policy_pass,
                policy_fail: r.policy_fail,
            },
        )
    })
    .collect())
}
