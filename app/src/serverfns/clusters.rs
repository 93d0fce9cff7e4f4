//! Registered clusters and what runs on them.

mod cluster_workloads;
mod list_clusters;

pub use cluster_workloads::*;
pub use list_clusters::*;
pub use parkway_types::views::clusters::*;
