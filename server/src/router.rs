//! The HTTP surface: pages (SSR), server functions, the REST API, sign-in, operational
//! endpoints, static assets, and the layers every request passes through.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::StatusCode,
    middleware,
    response::IntoResponse,
    routing::get,
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use parkway_app::{App, shell};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

use crate::{api, auth, health, metrics, security, state::AppState};

/// Where server functions are mounted (their `prefix`).
pub const SERVER_FN_PREFIX: &str = "/fn";

/// Builds the whole application; tests call this with their own state.
pub fn build(state: AppState, request_timeout: Duration) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let page_context = state.server_context();
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::export))
        .route("/fn/{*name}", get(server_fn).post(server_fn))
        .route(
            "/admin/clusters/{name}/outage",
            axum::routing::post(crate::demo::outage),
        )
        .merge(api::router())
        .merge(auth::routes::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(page_context.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::middleware::authenticate,
        ))
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

/// Largest server-function body: room for an 8 MiB import, URL-encoded, so an
/// oversized paste reaches the import's own precise size check.
pub const SERVER_FN_BODY_LIMIT: usize = 3 * parkway_core::catalog::store::MAX_IMPORT_BYTES;

/// Server functions get the same context as pages (CONVENTIONS rule 4). Their body is
/// read here, with a limit (server functions would read any size), and a body over it
/// is answered as the functions' own error type, so forms show why.
async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, SERVER_FN_BODY_LIMIT).await else {
        let error = parkway_app::serverfns::AppError::Invalid {
            field: "request".into(),
            reason: format!(
                "the form is over {} MiB; an import may be at most {} MiB (use the CLI or the API for bigger catalogs, split into several sources)",
                SERVER_FN_BODY_LIMIT / 1_048_576,
                parkway_core::catalog::store::MAX_IMPORT_BYTES / 1_048_576
            ),
        };
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(error)).into_response();
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    let context = state.server_context();
    handle_server_fns_with_context(move || provide_context(context.clone()), request)
        .await
        .into_response()
}
