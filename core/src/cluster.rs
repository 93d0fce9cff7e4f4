//! Cluster access: which clusters Parkway reads ([`registry`]), watch-backed caches of
//! what runs there ([`cache`]), the pure summaries pages and scorecards use ([`model`]),
//! their snapshots in Postgres ([`snapshot`]) written by one replica at a time
//! ([`sync`]), whose workloads an entity's page shows ([`ownership`]), the ClusterRole
//! that allows all this ([`access`]), and the server-side apply helper later writers
//! share ([`apply`]).

pub mod access;
pub mod apply;
pub mod cache;
pub mod error;
pub mod model;
pub mod ops;
pub mod ownership;
mod pages;
pub mod projection;
pub mod registry;
pub mod snapshot;
pub mod sync;
pub mod view;

pub use cache::{CacheOptions, ClusterCache, ClusterState, Clusters, LiveStatus};
pub use error::{ClusterError, Result};
pub use model::{Health, PolicyFinding, WorkloadKind, WorkloadSummary};
pub use registry::{ClusterConfig, Environment, Source};
