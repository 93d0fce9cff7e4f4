//! What the REST API and the pages show about clusters: this replica's live view
//! merged with what the database records, and workloads from the caches or, when a
//! cluster cannot be read live, from its snapshot with its age.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::{
    cache::Clusters,
    error::{ClusterError, Result},
    model::WorkloadSummary,
    ownership, snapshot,
};

/// One cluster as `GET /api/v1/clusters` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClusterView {
    pub name: String,
    pub environment: String,
    /// This replica's view: `connecting`, `syncing`, `ready`, `degraded`,
    /// `unreachable`, or `unknown` for a cluster only the database knows.
    pub status: String,
    /// When the snapshot was last written (by whichever replica runs the sync).
    pub last_sync: Option<DateTime<Utc>>,
    pub demo: bool,
    pub api_version: Option<String>,
    pub error: Option<String>,
}

pub async fn list(pool: &PgPool, clusters: &Clusters) -> Result<Vec<ClusterView>> {
    let records = snapshot::list(pool).await?;
    let mut views: Vec<ClusterView> = clusters
        .all()
        .iter()
        .map(|cache| {
            let live = cache.status();
            let record = records.iter().find(|r| r.name == cache.config.name);
            ClusterView {
                name: cache.config.name.clone(),
                environment: cache.config.environment.as_str().to_owned(),
                status: live.state.as_str().to_owned(),
                last_sync: record.and_then(|r| r.last_sync),
                demo: cache.config.demo,
                api_version: live
                    .api_version
                    .or_else(|| record.and_then(|r| r.api_version.clone())),
                error: live.error.or_else(|| record.and_then(|r| r.last_error.clone())),
            }
        })
        .collect();
    for record in records.into_iter().filter(|r| clusters.get(&r.name).is_none()) {
        views.push(ClusterView {
            name: record.name,
            environment: record.environment,
            status: "unknown".into(),
            last_sync: record.last_sync,
            demo: record.demo,
            api_version: record.api_version,
            error: record.last_error,
        });
    }
    views.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(views)
}

/// Where a workload list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// This replica's watch caches, current to within seconds.
    Live,
    /// The last snapshot in Postgres; `as_of` says when it was taken.
    Snapshot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WorkloadsView {
    pub cluster: String,
    pub environment: String,
    pub demo: bool,
    pub status: String,
    pub source: Source,
    /// For a snapshot, when it was written; `None` if it never was.
    pub as_of: Option<DateTime<Utc>>,
    pub workloads: Vec<WorkloadSummary>,
}

pub async fn workloads(pool: &PgPool, clusters: &Clusters, name: &str) -> Result<WorkloadsView> {
    if let Some(cache) = clusters.get(name) {
        let live = cache.status();
        if live.state.serves_live() {
            return Ok(WorkloadsView {
                cluster: name.to_owned(),
                environment: cache.config.environment.as_str().to_owned(),
                demo: cache.config.demo,
                status: live.state.as_str().to_owned(),
                source: Source::Live,
                as_of: None,
                workloads: cache.workloads(),
            });
        }
    }
    let record = snapshot::get(pool, name)
        .await?
        .ok_or_else(|| ClusterError::UnknownCluster(name.to_owned()))?;
    let snap = snapshot::read(pool, name).await?;
    let status = clusters
        .get(name)
        .map_or("unknown", |c| c.status().state.as_str());
    Ok(WorkloadsView {
        cluster: record.name,
        environment: record.environment,
        demo: record.demo,
        status: status.to_owned(),
        source: Source::Snapshot,
        as_of: snap.as_of,
        workloads: snap.workloads,
    })
}

/// One cluster's workloads that belong to a catalog entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeView {
    pub cluster: String,
    pub environment: String,
    pub demo: bool,
    pub status: String,
    pub source: Source,
    pub as_of: Option<DateTime<Utc>>,
    pub workloads: Vec<WorkloadSummary>,
}

/// The workloads, in every configured cluster, that run the entity known by `ids`
/// (`backstage.io/kubernetes-id` annotation or `app.kubernetes.io/name` label) and
/// owned by `team`: only those in namespaces labelled `parkway.io/team=<team>` (see
/// [`ownership`]); with no owner team, none. Live where the cluster can be read, else
/// from its snapshot with its age. Clusters running none of them are left out.
pub async fn runtime(
    pool: &PgPool,
    clusters: &Clusters,
    ids: &[String],
    team: Option<&str>,
) -> Result<Vec<RuntimeView>> {
    let Some(team) = team else {
        return Ok(Vec::new());
    };
    let records = snapshot::list(pool).await?;
    let mut out = Vec::new();
    for record in records {
        let cache = clusters.get(&record.name);
        let live = cache.map(|c| c.status());
        let (source, as_of, workloads) = match (cache, &live) {
            (Some(cache), Some(status)) if status.state.serves_live() => (
                Source::Live,
                None,
                cache
                    .workloads()
                    .into_iter()
                    .filter(|w| ownership::belongs(w, ids, team))
                    .collect::<Vec<_>>(),
            ),
            _ => (
                Source::Snapshot,
                record.last_sync,
                snapshot::read_matching(pool, &record.name, ids, team).await?,
            ),
        };
        if workloads.is_empty() {
            continue;
        }
        out.push(RuntimeView {
            cluster: record.name,
            environment: record.environment,
            demo: record.demo,
            status: live.map_or_else(|| "unknown".to_owned(), |l| l.state.as_str().to_owned()),
            source,
            as_of,
            workloads,
        });
    }
    out.sort_by_key(|r| {
        let rank = match r.environment.as_str() {
            "prod" => 0,
            "stage" => 1,
            _ => 2,
        };
        (rank, r.cluster.clone())
    });
    Ok(out)
}
