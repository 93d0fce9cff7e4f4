//! Cluster use cases: the registered clusters, what runs on one, and the demo
//! clusters' simulated outage.

use std::future::Future;

use super::{
    ClusterError, Health, Result,
    view::{self, ClusterView, Source, WorkloadsView},
};
use crate::{
    Ctx,
    identity::{Action, Resource},
    types::views::clusters::{MAX_ROWS, WorkloadRow, WorkloadTable},
    view::{age, when},
};

pub async fn list(ctx: &Ctx) -> Result<Vec<ClusterView>> {
    ctx.authorize(Action::ViewClusters, Resource::Clusters)?;
    view::list(ctx.pool(), &ctx.services.clusters).await
}

/// A cluster's workloads, live from the caches or, when it cannot be read, from the
/// snapshot with its age.
pub async fn workloads(ctx: &Ctx, name: &str) -> Result<WorkloadsView> {
    ctx.authorize(Action::ViewClusters, Resource::Clusters)?;
    view::workloads(ctx.pool(), &ctx.services.clusters, name).await
}

/// A cluster page: its workloads counted by health, and the first [`MAX_ROWS`] of
/// those whose namespace, name or team contains `q` (any case).
pub async fn workload_table(ctx: &Ctx, name: &str, q: &str) -> Result<WorkloadTable> {
    let view = workloads(ctx, name).await?;
    Ok(table(view, q))
}

fn table(view: WorkloadsView, q: &str) -> WorkloadTable {
    let count = |h: Health| view.workloads.iter().filter(|w| w.health() == h).count();
    let needle = q.trim().to_lowercase();
    let contains = |text: &str| text.to_lowercase().contains(&needle);
    let matching: Vec<_> = view
        .workloads
        .iter()
        .filter(|w| {
            needle.is_empty()
                || contains(&w.name)
                || contains(&w.namespace)
                || w.team.as_deref().is_some_and(contains)
        })
        .collect();
    WorkloadTable {
        total: view.workloads.len(),
        healthy: count(Health::Healthy) + count(Health::ScaledToZero),
        degraded: count(Health::Degraded),
        down: count(Health::Down),
        policy_failures: view.workloads.iter().map(|w| w.policy_failures()).sum(),
        matching: matching.len(),
        rows: matching
            .iter()
            .take(MAX_ROWS)
            .map(|w| WorkloadRow::from(*w))
            .collect(),
        live: view.source == Source::Live,
        as_of: view.as_of.map(when),
        age: view.as_of.map(age),
        cluster: view.cluster,
        environment: view.environment,
        status: view.status,
        demo: view.demo,
    }
}

/// Stops and restarts the built-in demo endpoints (the server owns them).
pub trait DemoControl: Sync {
    /// `Ok(false)` when no demo cluster has that name.
    fn set_running(&self, name: &str, running: bool) -> impl Future<Output = Result<bool, String>> + Send;
}

/// `stop` or `start` a demo cluster's endpoint, to show how pages fall back to the
/// snapshot while a cluster is away. Only a demo cluster this replica is configured
/// with: a removed or unknown cluster is refused (404) before anything is asked of the
/// endpoints. Audited as `demo-cluster.stop|start`, failing closed: the event is
/// written first in an open transaction, then the endpoint is changed, then the
/// transaction commits; if the event cannot be written nothing changes, and if the
/// commit fails the change is undone. (Other appends wait on the audit lock meanwhile:
/// a demo endpoint stops or starts in a moment.)
pub async fn simulate_outage(ctx: &Ctx, control: &impl DemoControl, name: &str, action: &str) -> Result<()> {
    ctx.authorize(Action::ControlDemoClusters, Resource::Clusters)?;
    let (running, action) = match action {
        "start" => (true, "start"),
        "stop" => (false, "stop"),
        other => {
            return Err(ClusterError::BadRequest {
                field: "action",
                reason: format!("expected `stop` or `start`, not `{other}`"),
            });
        }
    };
    match ctx.services.clusters.get(name) {
        None => return Err(ClusterError::UnknownCluster(name.to_owned())),
        Some(cache) if !cache.config.demo => return Err(ClusterError::NotDemo(name.to_owned())),
        Some(_) => {}
    }
    let mut tx = ctx.pool().begin().await?;
    let event = ctx.audit_event(format!("demo-cluster.{action}"), format!("cluster:{name}"));
    crate::audit::append(&mut *tx, &event).await?;
    // Dropping `tx` on the early returns rolls the event back with the refusal.
    match control.set_running(name, running).await {
        Ok(true) => {}
        Ok(false) => return Err(ClusterError::NotDemo(name.to_owned())),
        Err(message) => {
            return Err(ClusterError::DemoControl {
                cluster: name.to_owned(),
                action,
                message,
            });
        }
    }
    if let Err(err) = tx.commit().await {
        if let Err(message) = control.set_running(name, !running).await {
            tracing::error!(cluster = name, %message, "could not undo an unaudited demo cluster change");
        }
        return Err(err.into());
    }
    Ok(())
}
