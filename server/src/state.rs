//! What every handler, page and server function can reach, provided once.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use parkway_app::auth::server::ServerContext;
use parkway_core::{
    Services,
    audit::AuditKey,
    cluster::{Clusters, sync::SyncStatus},
};
use sqlx::PgPool;

use crate::{auth::AuthSettings, clusters::DemoClusters, metrics::Metrics};

/// Shared application state; cheap to clone. No global statics, so each test builds
/// its own with its own database.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The pool, the cluster caches and the catalog facets, as operations get them.
    pub services: Services,
    pub metrics: Arc<Metrics>,
    pub auth: Arc<AuthSettings>,
    /// This replica's part in the cluster sync (leader or not).
    pub sync: Arc<SyncStatus>,
    /// The built-in demo endpoints, when serving them (outage simulation).
    pub demo: Arc<DemoClusters>,
    /// Signs the published audit chain head (`PARKWAY_AUDIT_KEY`).
    pub audit_key: Arc<AuditKey>,
    /// `/readyz`'s own connection, so a busy pool never reads as a dead database.
    pub probe: crate::health::ProbePool,
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.services.pool.clone()
    }
}

impl FromRef<AppState> for Clusters {
    fn from_ref(state: &AppState) -> Self {
        state.services.clusters.clone()
    }
}

impl AppState {
    pub fn pool(&self) -> &PgPool {
        &self.services.pool
    }

    /// What pages and server functions get from context.
    pub fn server_context(&self) -> ServerContext {
        ServerContext {
            services: self.services.clone(),
            sign_in: self.auth.sign_in.mode(),
            audit_key: self.audit_key.clone(),
        }
    }
}
