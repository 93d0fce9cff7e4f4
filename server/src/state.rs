//! What every handler, page and server function can reach, provided once.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use parkway_app::auth::server::ServerContext;
use parkway_core::{
    catalog::facets::FacetCache,
    cluster::{Clusters, sync::SyncStatus},
};
use sqlx::PgPool;

use crate::{auth::AuthSettings, clusters::DemoClusters, metrics::Metrics};

/// Shared application state; cheap to clone. No global statics, so each test builds
/// its own with its own database.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
    pub auth: Arc<AuthSettings>,
    /// Every registered cluster's watch caches.
    pub clusters: Clusters,
    /// This replica's part in the cluster sync (leader or not).
    pub sync: Arc<SyncStatus>,
    /// The built-in demo endpoints, when serving them (outage simulation).
    pub demo: Arc<DemoClusters>,
    /// This replica's facet counts, reloaded when the catalog changes.
    pub catalog_facets: FacetCache,
}

impl AppState {
    /// What pages and server functions get from context.
    pub fn server_context(&self) -> ServerContext {
        ServerContext {
            pool: self.pool.clone(),
            sign_in: self.auth.sign_in.mode(),
            clusters: self.clusters.clone(),
            catalog_facets: self.catalog_facets.clone(),
        }
    }
}
