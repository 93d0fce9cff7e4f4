//! The fallback delivery source: rollouts observed in the production clusters' watch
//! caches, for services that post no deployments themselves.
//!
//! A Deployment's new revision becoming available is a successful production
//! deployment (its `Progressing` condition turns to reason `NewReplicaSetAvailable`);
//! one whose progress deadline passed is a failed one (`ProgressDeadlineExceeded`).
//! Each is stored once, as source `cluster`, under the id
//! `cluster/{cluster}/{namespace}/{name}/{revision}`, so every replica may observe
//! and re-observe without counting twice. A rollout counts for a catalog component by
//! the Runtime tab's ownership rule (its id and its namespace's team label, see
//! [`crate::cluster::ownership`]); rollouts of workloads that run no component are
//! not delivery events and are not kept. Observed rollouts carry no commits, so they
//! count for deployment frequency, change failure rate and recovery time, not lead
//! time. A service that sent any deployment of its own in the last 180 days is
//! measured by what it sends, never by both.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::api::core::v1::Namespace;
use parkway_types::scorecards::{DeploymentStatus, EventSource};
use sqlx::PgPool;

use super::{
    Result,
    store::{self, NewDeployment},
};
use crate::{
    audit,
    catalog::store::Runnable,
    cluster::{
        ClusterCache, Environment,
        ownership::{TEAM_LABEL, owner_team},
        projection::CachedDeployment,
    },
};

/// The annotation Kubernetes numbers a Deployment's revisions with.
pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";
/// How the audit trail names the observer.
pub const ACTOR: &str = "system:rollout-observer";
/// A service that sent a deployment itself this recently is not observed.
const OWN_EVENTS_DAYS: i64 = 180;

/// One finished rollout of one Deployment revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollout {
    pub id: String,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub revision: String,
    pub status: DeploymentStatus,
    pub finished_at: DateTime<Utc>,
    /// `backstage.io/kubernetes-id` and `app.kubernetes.io/name`: what names the
    /// component it runs.
    pub ids: Vec<String>,
    /// `parkway.io/team` on its namespace.
    pub namespace_team: Option<String>,
}

/// How a Deployment's current revision ended, if it has: the `Progressing`
/// condition's reason, and when it was last updated. A rollout still in progress,
/// or a status the controller has not caught up with (`observedGeneration` behind
/// `metadata.generation`), has no outcome yet.
pub fn outcome(deployment: &CachedDeployment) -> Option<(DeploymentStatus, DateTime<Utc>)> {
    let status = deployment.status.as_ref()?;
    if let (Some(wanted), Some(seen)) = (deployment.metadata.generation, status.observed_generation)
        && seen < wanted
    {
        return None;
    }
    let progressing = status.conditions.iter().find(|c| c.type_ == "Progressing")?;
    let at = progressing.last_update_time?;
    match (progressing.status.as_str(), progressing.reason.as_deref()?) {
        ("True", "NewReplicaSetAvailable") => Some((DeploymentStatus::Success, at)),
        ("False", "ProgressDeadlineExceeded") => Some((DeploymentStatus::Failure, at)),
        _ => None,
    }
}

/// The finished rollouts among one cluster's Deployments.
pub fn rollouts(
    cluster: &str,
    deployments: &[Arc<CachedDeployment>],
    namespaces: &[Arc<Namespace>],
) -> Vec<Rollout> {
    let teams: HashMap<&str, &str> = namespaces
        .iter()
        .filter_map(|ns| {
            let name = ns.metadata.name.as_deref()?;
            let team = ns.metadata.labels.as_ref()?.get(TEAM_LABEL)?;
            Some((name, team.as_str()))
        })
        .collect();
    deployments
        .iter()
        .filter_map(|d| {
            let meta = &d.metadata;
            let revision = meta.annotations.as_ref()?.get(REVISION_ANNOTATION)?;
            let (status, finished_at) = outcome(d)?;
            let namespace = meta.namespace.clone()?;
            let name = meta.name.clone()?;
            let ids = [
                meta.annotations
                    .as_ref()
                    .and_then(|a| a.get("backstage.io/kubernetes-id")),
                meta.labels.as_ref().and_then(|l| l.get("app.kubernetes.io/name")),
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
            Some(Rollout {
                id: format!("cluster/{cluster}/{namespace}/{name}/{revision}"),
                cluster: cluster.to_owned(),
                namespace_team: teams.get(namespace.as_str()).map(|t| (*t).to_owned()),
                namespace,
                name,
                revision: revision.clone(),
                status,
                finished_at,
                ids,
            })
        })
        .collect()
}

/// The component each rollout runs, by the ownership rule: one of the component's
/// ids on the workload and its owner team's label on the namespace. A rollout that
/// two components could claim is left out rather than guessed.
pub fn attribute(rollouts: Vec<Rollout>, components: &[Runnable]) -> Vec<(Rollout, String)> {
    let mut by_id_and_team: HashMap<(&str, String), Vec<&str>> = HashMap::new();
    for component in components.iter().filter(|c| c.key.starts_with("component:")) {
        if let Some(team) = owner_team(component.owner.as_deref()) {
            by_id_and_team
                .entry((component.kubernetes_id.as_str(), team))
                .or_default()
                .push(component.key.as_str());
        }
    }
    rollouts
        .into_iter()
        .filter_map(|rollout| {
            let team = rollout.namespace_team.clone()?;
            let mut keys: Vec<&str> = rollout
                .ids
                .iter()
                .filter_map(|id| by_id_and_team.get(&(id.as_str(), team.clone())))
                .flatten()
                .copied()
                .collect();
            keys.sort_unstable();
            keys.dedup();
            match keys.as_slice() {
                [key] => {
                    let key = (*key).to_owned();
                    Some((rollout, key))
                }
                _ => None,
            }
        })
        .collect()
}

/// What one round stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    pub rollouts: usize,
    pub stored: usize,
}

/// One round: the finished rollouts the production clusters' caches show now, those
/// not stored yet, of components that send nothing themselves, stored as source
/// `cluster` with one audit event. Clusters that cannot be read live are skipped
/// until they can (their snapshot holds no conditions).
pub async fn observe(
    pool: &PgPool,
    clusters: &[Arc<ClusterCache>],
    now: DateTime<Utc>,
    link_window_seconds: i64,
) -> Result<Observed> {
    let mut found = Vec::new();
    for cache in clusters {
        if cache.config.environment != Environment::Prod || !cache.status().state.serves_live() {
            continue;
        }
        let inputs = cache.inputs();
        found.extend(rollouts(cache.name(), &inputs.deployments, &inputs.namespaces));
    }
    let mut done = Observed {
        rollouts: found.len(),
        stored: 0,
    };
    if found.is_empty() {
        return Ok(done);
    }
    let ids: Vec<String> = found.iter().map(|r| r.id.clone()).collect();
    let stored = store::existing_deployments(pool, &ids).await?;
    found.retain(|r| !stored.contains(&r.id) && r.finished_at <= now + Duration::minutes(5));
    if found.is_empty() {
        return Ok(done);
    }
    let components = crate::catalog::store::runnables(pool, None, None)
        .await
        .map_err(|err| super::Error::Internal(err.to_string()))?;
    let attributed = attribute(found, &components);
    let keys: Vec<String> = attributed.iter().map(|(_, key)| key.clone()).collect();
    let posting: HashSet<String> =
        store::services_sending(pool, &keys, now - Duration::days(OWN_EVENTS_DAYS)).await?;
    let rows: Vec<NewDeployment> = attributed
        .into_iter()
        .filter(|(_, key)| !posting.contains(key))
        .map(|(rollout, key)| NewDeployment {
            id: rollout.id,
            service: Some(key.clone()),
            service_given: key,
            environment: "production".into(),
            status: rollout.status,
            started_at: None,
            finished_at: rollout.finished_at,
            sha: None,
            url: None,
            rework: false,
            changes: Vec::new(),
        })
        .collect();
    if rows.is_empty() {
        return Ok(done);
    }
    let mut tx = pool.begin().await?;
    let written =
        store::insert_deployments(&mut tx, EventSource::Cluster, &rows, link_window_seconds).await?;
    if !written.is_empty() {
        let mut event = audit::NewAuditEvent::new(ACTOR, "delivery.ingest", "events:deployments");
        event.payload = serde_json::json!({
            "source": EventSource::Cluster.as_str(),
            "received": rows.len(),
            "stored": written.len(),
            "deployments": written,
        });
        audit::append(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    done.stored = written.len();
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(name: &str, revision: &str, condition: serde_json::Value) -> Arc<CachedDeployment> {
        Arc::new(
            serde_json::from_value(json!({
                "metadata": {"name": name, "namespace": "shop-prod", "generation": 4,
                             "labels": {"app.kubernetes.io/name": name},
                             "annotations": {REVISION_ANNOTATION: revision}},
                "spec": {"replicas": 2},
                "status": {"observedGeneration": 4, "conditions": [
                    {"type": "Available", "status": "True", "lastUpdateTime": "2026-11-30T09:00:00Z"},
                    condition,
                ]},
            }))
            .expect("a deployment"),
        )
    }

    fn progressing(status: &str, reason: &str) -> serde_json::Value {
        json!({"type": "Progressing", "status": status, "reason": reason,
               "lastUpdateTime": "2026-11-30T10:00:00Z"})
    }

    fn namespace(name: &str, team: &str) -> Arc<Namespace> {
        Arc::new(
            serde_json::from_value(json!({"metadata": {"name": name, "labels": {TEAM_LABEL: team}}}))
                .expect("a namespace"),
        )
    }

    #[test]
    fn a_revision_that_became_available_is_a_success_and_a_missed_deadline_a_failure() {
        let at: DateTime<Utc> = "2026-11-30T10:00:00Z".parse().expect("time");
        let available = deployment("a", "3", progressing("True", "NewReplicaSetAvailable"));
        assert_eq!(outcome(&available), Some((DeploymentStatus::Success, at)));
        let stuck = deployment("b", "3", progressing("False", "ProgressDeadlineExceeded"));
        assert_eq!(outcome(&stuck), Some((DeploymentStatus::Failure, at)));
        let rolling = deployment("c", "3", progressing("True", "ReplicaSetUpdated"));
        assert_eq!(outcome(&rolling), None, "still rolling out");
        let mut behind = (*available).clone();
        behind.metadata.generation = Some(5);
        assert_eq!(
            outcome(&behind),
            None,
            "the controller has not seen the new spec yet"
        );
    }

    #[test]
    fn rollouts_are_named_by_cluster_namespace_name_and_revision_and_attributed_by_ownership() {
        let found = rollouts(
            "prod-eu",
            &[
                deployment("shop", "7", progressing("True", "NewReplicaSetAvailable")),
                deployment("cart", "2", progressing("True", "ReplicaSetUpdated")),
            ],
            &[namespace("shop-prod", "team-a")],
        );
        assert_eq!(found.len(), 1, "the rollout in progress is not finished");
        assert_eq!(found[0].id, "cluster/prod-eu/shop-prod/shop/7");
        assert_eq!(found[0].namespace_team.as_deref(), Some("team-a"));
        let component = |key: &str, owner: &str, id: &str| Runnable {
            key: key.into(),
            owner: Some(owner.into()),
            kubernetes_id: id.into(),
        };
        let ours = [component(
            "component:default/shop",
            "group:default/team-a",
            "shop",
        )];
        assert_eq!(attribute(found.clone(), &ours)[0].1, "component:default/shop");
        let theirs = [component(
            "component:default/shop",
            "group:default/team-b",
            "shop",
        )];
        assert!(
            attribute(found.clone(), &theirs).is_empty(),
            "a namespace of another team is not the component's"
        );
        let both = [
            component("component:default/shop", "group:default/team-a", "shop"),
            component("component:default/shop-2", "group:default/team-a", "shop"),
        ];
        assert!(attribute(found, &both).is_empty(), "two claimants: not guessed");
    }
}
