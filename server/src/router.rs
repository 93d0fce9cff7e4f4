//! The HTTP surface: pages (SSR), operational endpoints, static assets, and the layers
//! every request passes through.

use std::time::Duration;

use axum::{Router, http::StatusCode, middleware, routing::get};
use leptos_axum::{LeptosRoutes, generate_route_list};
use parkway_app::{App, shell};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

use crate::{health, metrics, security, state::AppState};

/// Builds the whole application; tests call this with their own state.
pub fn build(state: AppState, request_timeout: Duration) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::export))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state);
    security::apply(router)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
