//! Shared set-up for the server's integration tests.

use std::{sync::Arc, time::Duration};

use axum::Router;
use leptos::prelude::LeptosOptions;
use parkway_server::{metrics::Metrics, router, state::AppState};
use sqlx::PgPool;

/// The real router over `pool`, as `parkway` builds it at start-up; static files are
/// not needed by these tests, so the site root may be absent.
pub fn app(pool: PgPool, request_timeout: Duration) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name("parkway")
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .build();
    let state = AppState {
        leptos_options,
        pool,
        metrics: Arc::new(Metrics::default()),
    };
    router::build(state, request_timeout)
}
