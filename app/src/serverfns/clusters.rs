//! Registered clusters and what runs on them.

mod cluster_workloads;
mod list_clusters;

pub use cluster_workloads::*;
pub use list_clusters::*;

use serde::{Deserialize, Serialize};

/// A cluster as the clusters page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRow {
    pub name: String,
    pub environment: String,
    pub status: String,
    pub demo: bool,
    pub api_version: Option<String>,
    pub last_sync: Option<String>,
    /// `3 min ago`, computed when the page was rendered.
    pub last_sync_age: Option<String>,
    pub error: Option<String>,
}

/// One workload row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadRow {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    pub team: Option<String>,
    pub ready: i32,
    pub desired: i32,
    /// `healthy`, `degraded`, `down` or `scaled-to-zero`.
    pub health: String,
    pub restarts: i32,
    pub images: Vec<String>,
    pub policy_failures: usize,
    pub warnings: Vec<String>,
}

/// A cluster's workloads, and where they came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadTable {
    pub cluster: String,
    pub environment: String,
    pub status: String,
    pub demo: bool,
    /// From the watch caches (`true`) or the snapshot.
    pub live: bool,
    pub as_of: Option<String>,
    pub age: Option<String>,
    pub total: usize,
    pub healthy: usize,
    pub degraded: usize,
    pub down: usize,
    pub policy_failures: usize,
    /// The rows matching the filter, at most [`MAX_ROWS`].
    pub rows: Vec<WorkloadRow>,
    pub matching: usize,
}

/// Rows a page shows at once; the filter narrows larger clusters.
pub const MAX_ROWS: usize = 200;

/// `42 s ago`, `3 min ago`, `5 h ago`, `2 d ago`.
#[cfg(feature = "ssr")]
pub(crate) fn age(t: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (chrono::Utc::now() - t).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

#[cfg(feature = "ssr")]
impl From<&parkway_core::cluster::WorkloadSummary> for WorkloadRow {
    fn from(w: &parkway_core::cluster::WorkloadSummary) -> Self {
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
