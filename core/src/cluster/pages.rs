//! Cluster results as the pages show them.

use super::{
    WorkloadSummary,
    view::{ClusterView, RuntimeView, Source},
};
use crate::{
    types::views::{
        catalog::RuntimeCluster,
        clusters::{ClusterRow, WorkloadRow},
    },
    view::{age, when},
};

impl From<&WorkloadSummary> for WorkloadRow {
    fn from(w: &WorkloadSummary) -> Self {
        Self {
            namespace: w.namespace.clone(),
            kind: w.kind.as_str().to_owned(),
            name: w.name.clone(),
            team: w.team.clone(),
            ready: w.ready,
            desired: w.desired,
            health: w.health().as_str().to_owned(),
            restarts: w.restarts,
            images: w.images.clone(),
            policy_failures: w.policy_failures(),
            warnings: w
                .warnings
                .iter()
                .map(|e| format!("{}: {}", e.reason, e.message))
                .collect(),
        }
    }
}

impl From<ClusterView> for ClusterRow {
    fn from(v: ClusterView) -> Self {
        Self {
            name: v.name,
            environment: v.environment,
            status: v.status,
            demo: v.demo,
            api_version: v.api_version,
            last_sync: v.last_sync.map(when),
            last_sync_age: v.last_sync.map(age),
            error: v.error,
        }
    }
}

impl From<RuntimeView> for RuntimeCluster {
    fn from(r: RuntimeView) -> Self {
        Self {
            live: r.source == Source::Live,
            as_of: r.as_of.map(when),
            age: r.as_of.map(age),
            workloads: r.workloads.iter().map(WorkloadRow::from).collect(),
            cluster: r.cluster,
            environment: r.environment,
            demo: r.demo,
            status: r.status,
        }
    }
}
