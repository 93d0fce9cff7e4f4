use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::WorkloadTable;
use crate::serverfns::AppError;

/// A cluster's workloads; `q` keeps those whose namespace, name or team contains it.
#[server(prefix = "/fn", endpoint = "cluster_workloads", input = GetUrl)]
pub async fn cluster_workloads(
    name: String,
    #[server(default)] q: String,
) -> Result<WorkloadTable, AppError> {
    use super::{MAX_ROWS, WorkloadRow};
    use crate::serverfns::identity::when;
    use parkway_core::{
        cluster::{
            Health,
            view::{self, Source},
        },
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewClusters, Resource::Clusters)?;
        let view = view::workloads(&ctx.pool, &ctx.clusters, &name).await?;
        let count = |h: Health| view.workloads.iter().filter(|w| w.health() == h).count();
        let needle = q.trim().to_lowercase();
        let matching: Vec<_> = view
            .workloads
            .iter()
            .filter(|w| {
                needle.is_empty()
                    || w.name.to_lowercase().contains(&needle)
                    || w.namespace.to_lowercase().contains(&needle)
                    || w.team
                        .as_deref()
                        .is_some_and(|t| t.to_lowercase().contains(&needle))
            })
            .collect();
        let rows = matching
            .iter()
            .take(MAX_ROWS)
            .map(|w| WorkloadRow::from(*w))
            .collect();
        Ok(WorkloadTable {
            total: view.workloads.len(),
            healthy: count(Health::Healthy) + count(Health::ScaledToZero),
            degraded: count(Health::Degraded),
            down: count(Health::Down),
            policy_failures: view.workloads.iter().map(|w| w.policy_failures()).sum(),
            matching: matching.len(),
            rows,
            live: view.source == Source::Live,
            as_of: view.as_of.map(when),
            age: view.as_of.map(super::age),
            cluster: view.cluster,
            environment: view.environment,
            status: view.status,
            demo: view.demo,
        })
    })
    .await
}
