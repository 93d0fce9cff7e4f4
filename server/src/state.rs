//! What every handler, page and server function can reach, provided once.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use crate::metrics::Metrics;

/// Shared application state; cheap to clone. No global statics, so each test builds
/// its own with its own database.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    pub metrics: Arc<Metrics>,
}
