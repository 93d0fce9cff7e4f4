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
        .layer(middleware::from_fn(limit_server_fn_bodies))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .with_state(state.clone());
    let router = if state.auth.secure_cookies {
        security::strict_transport(router)
    } else {
        router
    };
    security::apply(router)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Largest server-function body: axum's default, which server functions apply.
/// Browser imports are therefore smaller than API and CLI ones (8 MiB).
pub const SERVER_FN_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Server functions refuse a body over the limit with an opaque deserialization
/// error; answer it first, in their own error type, so a form can say why and what
/// to do instead.
async fn limit_server_fn_bodies(request: Request<Body>, next: middleware::Next) -> axum::response::Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if request.uri().path().starts_with("/fn/") && declared.is_some_and(|n| n > SERVER_FN_BODY_LIMIT) {
        let error = parkway_app::serverfns::AppError::from(parkway_core::Failure::at(
            parkway_core::ErrorKind::TooLarge,
            "request",
            format!(
                "the form is over {} MiB, the most a browser form may send; import bigger files with the CLI or the API (up to {} MiB each), or split them",
                SERVER_FN_BODY_LIMIT / 1_048_576,
                parkway_core::catalog::ops::MAX_IMPORT_BYTES / 1_048_576
            ),
        ));
        return (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(error)).into_response();
    }
    next.run(request).await
}

/// Server functions get the same context as pages (CONVENTIONS rule 4).
async fn server_fn(State(state): State<AppState>, request: Request<Body>) -> axum::response::Response {
    let context = state.server_context();
    handle_server_fns_with_context(move || provide_context(context.clone()), request)
        .await
        .into_response()
}
