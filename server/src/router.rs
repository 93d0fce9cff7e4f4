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
    compression::{
        CompressionLayer,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};

use crate::{api, auth, health, metrics, security, state::AppState};

/// Where server functions are mounted (their `prefix`).
pub const SERVER_FN_PREFIX: &str = "/fn";

/// Where `GET /metrics` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAt {
    /// On the main listener, beside the application (no `PARKWAY_METRICS_LISTEN`).
    Main,
    /// Only on its own listener ([`metrics_only`]); the main one answers 404.
    Separate,
}

impl MetricsAt {
    /// Where the configuration puts the metrics.
    pub fn from_config(serve: &crate::config::ServeConfig) -> Self {
        if serve.metrics_listen.is_some() {
            MetricsAt::Separate
        } else {
            MetricsAt::Main
        }
    }
}

/// Builds the whole application with `/metrics` on it; tests call this with their
/// own state.
pub fn build(state: AppState, request_timeout: Duration) -> Router {
    build_with(state, request_timeout, MetricsAt::Main)
}

/// Builds the whole application, serving `/metrics` where `metrics` says.
pub fn build_with(state: AppState, request_timeout: Duration, metrics_at: MetricsAt) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let page_context = state.server_context();
    let operational = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    let operational = match metrics_at {
        MetricsAt::Main => operational.route("/metrics", get(metrics::export)),
        MetricsAt::Separate => operational,
    };
    let router = operational
        .route("/fn/{*name}", get(server_fn).post(server_fn))
        .route(
            "/admin/clusters/{name}/outage",
            axum::routing::post(crate::demo::outage),
        )
        .route("/guardrails/feed.atom", get(crate::feeds::guardrails))
        .merge(api::router(state.services.import_limit))
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
            state.services.import_limit,
            limit_server_fn_bodies,
        ))
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
        .layer(
            CompressionLayer::new()
                .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/zip"))),
        )
        .layer(middleware::from_fn(
            move |request: Request, next: middleware::Next| time_limited(request, next, request_timeout),
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Evidence packs of a long period read the whole period and verify the whole audit
/// chain before the first byte can be sent; they get this long instead of the request
/// timeout (when that is shorter).
pub const EVIDENCE_TIMEOUT: Duration = Duration::from_secs(600);

/// Answers 408 when the handler has not answered within the request timeout (or
/// [`EVIDENCE_TIMEOUT`] for the evidence page, its summary and its download).
async fn time_limited(request: Request, next: middleware::Next, limit: Duration) -> axum::response::Response {
    let path = request.uri().path();
    let limit = if matches!(path, "/api/v1/evidence" | "/evidence" | "/fn/evidence_summary") {
        limit.max(EVIDENCE_TIMEOUT)
    } else {
        limit
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// The metrics listener's application (`PARKWAY_METRICS_LISTEN`): `GET /metrics` and
/// nothing else, so scrapers reach it on a port the public never sees.
pub fn metrics_only(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/metrics", get(metrics::export))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
}

/// Largest server-function body: axum's default, which server functions apply.
/// Browser imports are therefore smaller than API and CLI ones (`PARKWAY_IMPORT_MAX_MB`,
/// 64 MiB by default): a form posts the text urlencoded, read whole several times over.
pub const SERVER_FN_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Server functions refuse a body over the limit with an opaque deserialization
/// error; answer it first, in their own error type, so a form can say why and what
/// to do instead.
async fn limit_server_fn_bodies(
    State(import_limit): State<parkway_core::catalog::ImportLimit>,
    request: Request<Body>,
    next: middleware::Next,
) -> axum::response::Response {
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
                import_limit.max_bytes / 1_048_576
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
