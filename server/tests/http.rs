//! The real router against a real Postgres, driven in-process with `oneshot`.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use common::Answer;
use parkway_core::identity::Role;
use parkway_server::security::DEFAULT_CSP;
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;

fn app(pool: PgPool) -> Router {
    common::app(pool, Duration::from_secs(10))
}

/// A developer's session, for the pages that need a signed-in person.
async fn developer(pool: &PgPool) -> String {
    common::session_cookie(pool, &[Role::Developer]).await
}

async fn get(app: &Router, path: &str) -> Answer {
    common::get(app, path, None).await
}

fn header<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer.header(name)
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn healthz_answers_ok(pool: PgPool) {
    let answer = get(&app(pool), "/healthz").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("\"ok\""), "{}", answer.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn readyz_follows_the_database(pool: PgPool) {
    let app = app(pool.clone());
    let up = get(&app, "/readyz").await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);

    pool.close().await;
    let down = get(&app, "/readyz").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(down.body.contains("\"database\""), "{}", down.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn home_page_is_server_rendered_with_a_nonce_csp(pool: PgPool) {
    let cookie = developer(&pool).await;
    let answer = common::get(&app(pool), "/", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(header(&answer, "content-type").starts_with("text/html"));
    assert!(
        answer.body.contains("The paved road to production"),
        "home content is in the HTML"
    );
    assert!(answer.body.contains("<title>Parkway</title>"), "document title");

    let csp = header(&answer, "content-security-policy");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page CSP carries a nonce");
    assert!(nonce.len() >= 16, "nonce is long enough to be unguessable");
    assert!(
        answer.body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts carry the same nonce"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(
        !csp.contains("unsafe-inline"),
        "no inline script runs without the nonce"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_area_page_renders_with_its_title(pool: PgPool) {
    let cookie = developer(&pool).await;
    let app = app(pool);
    for (path, title) in [
        ("/catalog", "Catalog"),
        ("/guardrails", "Guardrails"),
        ("/onboarding", "Onboarding"),
        ("/scorecards", "Scorecards"),
        ("/admin", "Admin"),
    ] {
        let answer = common::get(&app, path, Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(
            answer.body.contains(&format!("<title>{title} · Parkway</title>")),
            "{path} title"
        );
        assert!(
            answer.body.contains("aria-current=\"page\""),
            "{path} marks itself current in the nav"
        );
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn unknown_path_is_a_404_page(pool: PgPool) {
    let cookie = developer(&pool).await;
    let answer = common::get(&app(pool), "/no/such/page", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.body.contains("Page not found"));
    assert!(header(&answer, "content-type").starts_with("text/html"));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn security_headers_are_on_every_response(pool: PgPool) {
    let app = app(pool);
    for path in ["/healthz", "/", "/missing"] {
        let answer = get(&app, path).await;
        assert_eq!(header(&answer, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&answer, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&answer, "referrer-policy"), "same-origin", "{path}");
        assert!(
            !header(&answer, "x-request-id").is_empty(),
            "{path} carries a request id"
        );
    }
    assert_eq!(
        header(&get(&app, "/healthz").await, "content-security-policy"),
        DEFAULT_CSP
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn metrics_count_requests_by_matched_route(pool: PgPool) {
    let app = app(pool);
    get(&app, "/healthz").await;
    get(&app, "/healthz").await;
    get(&app, "/nowhere.txt").await;
    let answer = get(&app, "/metrics").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        header(&answer, "content-type"),
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let body = answer.body;
    assert!(
        body.contains("parkway_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"),
        "{body}"
    );
    assert!(body.contains("route=\"<unmatched>\",status=\"404\"} 1"), "{body}");
    assert!(
        body.contains(
            "parkway_http_request_duration_seconds_bucket{le=\"+Inf\",method=\"GET\",route=\"/healthz\"} 2"
        ),
        "{body}"
    );
    assert!(
        body.contains("parkway_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2"),
        "{body}"
    );
    assert!(
        body.contains("parkway_db_pool_connections{state=\"idle\"}"),
        "{body}"
    );
    assert!(!body.contains("/nowhere"), "raw paths never become labels");
    assert!(body.ends_with("# EOF\n"), "one complete exposition: {body}");
}

/// Any method a client invents is counted as `other`: the registry cannot be grown by
/// sending `FOO`, `FOO2`, … requests.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn custom_methods_are_counted_as_other(pool: PgPool) {
    let app = app(pool);
    let mut statuses = Vec::new();
    for method in ["FOO", "FOO", "BAR"] {
        let request = Request::builder()
            .method(method)
            .uri("/healthz")
            .body(Body::empty())
            .expect("request");
        let answer = common::send(&app, request).await;
        assert!(answer.status.is_client_error(), "{method}: {}", answer.status);
        statuses.push(answer.status);
    }
    assert!(statuses.iter().all(|s| *s == statuses[0]), "{statuses:?}");
    let body = get(&app, "/metrics").await.body;
    let expected = format!(
        "parkway_http_requests_total{{method=\"other\",route=\"/healthz\",status=\"{}\"}} 3",
        statuses[0].as_u16()
    );
    assert!(body.contains(&expected), "{expected} in {body}");
    assert!(!body.contains("FOO") && !body.contains("BAR"), "{body}");
}

/// With `PARKWAY_METRICS_LISTEN`, the main listener has no `/metrics` (scrapers use
/// the other port); the metrics router serves it, with this application's counts.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_separate_metrics_listener_takes_metrics_off_the_main_one(pool: PgPool) {
    let main = common::app_with(
        pool.clone(),
        Duration::from_secs(10),
        &["--metrics-listen", "127.0.0.1:9100"],
    );
    assert_eq!(get(&main, "/healthz").await.status, StatusCode::OK);
    let hidden = get(&main, "/metrics").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    assert!(!hidden.body.contains("parkway_http_requests_total"));

    let default = common::app(pool, Duration::from_secs(10));
    assert_eq!(
        get(&default, "/metrics").await.status,
        StatusCode::OK,
        "unset: on the main listener"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn page_routes_are_labelled_by_their_pattern(pool: PgPool) {
    let cookie = developer(&pool).await;
    let app = app(pool);
    assert_eq!(
        common::get(&app, "/catalog", Some(&cookie)).await.status,
        StatusCode::OK
    );
    let body = get(&app, "/metrics").await.body;
    assert!(body.contains("route=\"/catalog\",status=\"200\"} 1"), "{body}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn requests_over_the_timeout_get_408(options: PgPoolOptions, connect: PgConnectOptions) {
    // One pooled connection, held by the test: checking the token needs it and waits,
    // so a 200 ms request timeout must answer first, with 408.
    let pool = options
        .max_connections(1)
        .connect_with(connect)
        .await
        .expect("pool");
    let token = common::service_token(&pool, Role::Developer, &[]).await;
    let _held = pool.acquire().await.expect("hold the only connection");
    let app = common::app(pool.clone(), Duration::from_millis(200));
    let answer = common::with_token(&app, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(answer.status, StatusCode::REQUEST_TIMEOUT, "{}", answer.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn anonymous_page_views_are_sent_to_sign_in_with_their_way_back(pool: PgPool) {
    let app = app(pool);
    let answer = get(&app, "/admin/audit?actor=x").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.header("location"),
        "/sign-in?next=%2Fadmin%2Faudit%3Factor%3Dx"
    );
    let sign_in = get(&app, "/sign-in").await;
    assert_eq!(sign_in.status, StatusCode::OK);
    // The test apps are configured with an identity provider.
    assert!(
        sign_in.body.contains("Sign in with your company account"),
        "{}",
        sign_in.body
    );
}
