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

/// Records the configured clusters (and their environment) so every replica lists
/// them, and marks every other cluster removed: it was configured once and no longer
/// is, so lists, Runtime tabs and roll-ups leave it out, while its snapshot and history
/// stay for the record. A removed cluster configured again is un-removed.
///
/// Called once at start-up, with this replica's whole configuration.
pub async fn register(pool: &PgPool, clusters: &[ClusterConfig]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for cluster in clusters {
        sqlx::query!(
            "insert into clusters (name, environment, demo) values ($1, $2, $3)
             on conflict on constraint clusters_pkey
             do update set environment = excluded.environment, demo = excluded.demo, removed_at = null",
            cluster.name,
            cluster.environment.as_str(),
            cluster.demo,
        )
        .execute(&mut *tx)
        .await?;
    }
    let names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
    let removed = sqlx::query_scalar!(
        "update clusters set removed_at = now() where removed_at is null and name <> all($1) returning name",
        &names,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    for name in removed {
        tracing::info!(cluster = %name, "cluster no longer configured: marked removed, its snapshot kept");
    }
    Ok(())
}

/// Clusters marked removed and when, newest first: their snapshots are kept for the
/// record (and for tests to check they were not deleted).
pub async fn removed(pool: &PgPool) -> Result<Vec<(String, DateTime<Utc>)>> {
    Ok(sqlx::query!(
        r#"select name, removed_at as "removed_at!" from clusters where removed_at is not null
           order by removed_at desc, name"#
    )
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|r| (r.name, r.removed_at))
    .collect())
}

/// The clusters that are not removed.
pub async fn list(pool: &PgPool) -> Result<Vec<ClusterRecord>> {
    Ok(sqlx::query_as!(
        ClusterRecord,
        "select name, environment, demo, api_version, last_sync, last_error from clusters
         where removed_at is null order by name"
    )
    .fetch_all(pool)
    .await?)
}

/// A cluster that is not removed (a removed one is `None`, like one never registered).
pub async fn get(pool: &PgPool, name: &str) -> Result<Option<ClusterRecord>> {
    Ok(sqlx::query_as!(
        ClusterRecord,
        "select name, environment, demo, api_version, last_sync, last_error from clusters
         where name = $1 and removed_at is null",
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
                "team": w.team, "namespace_team": w.namespace_team, "business_unit": w.business_unit, "app_name": w.app_name,
                "kubernetes_id": w.kubernetes_id, "summary": summary, "digest": hex::encode(&digest),
            }));
        }
        present.insert(key);
    }
    for chunk in changed.chunks(BATCH) {
        sqlx::query!(
            "insert into cluster_workloads
                 (cluster, namespace, kind, name, team, namespace_team, business_unit, app_name, kubernetes_id,
                  summary, digest, changed_at)
             select $1, r.namespace, r.kind, r.name, r.team, r.namespace_team, r.business_unit, r.app_name,
                    r.kubernetes_id, r.summary, decode(r.digest, 'hex'), now()
             from jsonb_to_recordset($2::jsonb) as r(namespace text, kind text, name text, team text,
                  namespace_team text, business_unit text, app_name text, kubernetes_id text, summary jsonb,
                  digest text)
             on conflict on constraint cluster_workloads_pkey do update set
                 team = excluded.team, namespace_team = excluded.namespace_team,
                 business_unit = excluded.business_unit, app_name = excluded.app_name,
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

/// The snapshot's workloads whose `kubernetes_id` or `app_name` is one of `ids`, in
/// namespaces labelled for `team` (see [`super::ownership`]).
pub async fn read_matching(
    pool: &PgPool,
    cluster: &str,
    ids: &[String],
    team: &str,
) -> Result<Vec<WorkloadSummary>> {
    let rows = sqlx::query_scalar!(
        "select summary from cluster_workloads
         where cluster = $1 and (kubernetes_id = any($2) or app_name = any($2)) and namespace_team = $3
         order by namespace, kind, name",
        cluster,
        ids,
        team
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|s| serde_json::from_value(s).ok())
        .collect())
}

/// Ready and wanted replicas (and workloads) summed over every configured cluster's
/// snapshot, per `(team, id)` asked for: the workloads carrying the id
/// (`kubernetes_id` or `app_name`) in namespaces labelled for the team. The health
/// roll-up of team and business-unit pages; removed clusters do not count.
pub async fn health_by_owner(
    pool: &PgPool,
    owned: &[(String, String)],
) -> Result<HashMap<(String, String), (i64, i64, i64)>> {
    // A pair asked for twice must not be counted twice.
    let unique: std::collections::BTreeSet<&(String, String)> = owned.iter().collect();
    let (teams, ids): (Vec<String>, Vec<String>) = unique.into_iter().cloned().unzip();
    let rows = sqlx::query!(
        r#"select o.team as "team!", o.id as "id!",
                  sum((w.summary->>'ready')::bigint)::bigint as "ready!",
                  sum((w.summary->>'desired')::bigint)::bigint as "desired!",
                  count(*) as "workloads!"
           from unnest($1::text[], $2::text[]) as o(team, id)
           join cluster_workloads w
             on w.namespace_team = o.team and (w.kubernetes_id = o.id or w.app_name = o.id)
           join clusters c on c.name = w.cluster and c.removed_at is null
           group by 1, 2"#,
        &teams,
        &ids
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.team, r.id), (r.ready, r.desired, r.workloads)))
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
