//! The cluster pages: registered clusters, and the workloads of one.

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
