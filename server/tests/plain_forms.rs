//! Forms posted without script (islands leave most forms as plain HTML): Leptos answers
//! such a post with a redirect back to the page, and a refusal must come back too,
//! carried in the address, for the page to show; nothing is written.

use std::time::Duration;

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use parkway_core::identity::Role;
use sqlx::PgPool;

mod common;

use common::ORIGIN;

async fn post_add_category(app: &axum::Router, cookie: &str, accept: Option<&str>) -> common::Answer {
    let body = "slug=Not+A+Slug&title=Runtime";
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/fn/add_category")
        .header("origin", ORIGIN)
        .header("referer", format!("{ORIGIN}/guardrails/categories"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", body.len());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    common::send(app, request.body(Body::from(body)).expect("request")).await
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_refused_plain_form_post_returns_to_its_page_which_shows_why(pool: PgPool) {
    let app = common::app(pool.clone(), Duration::from_secs(30));
    let editor = common::session_cookie(&pool, &[Role::CoeEditor]).await;

    // From an island (fetch): the refusal's own status and JSON, as before.
    let fetched = post_add_category(&app, &editor, None).await;
    assert_eq!(
        fetched.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        fetched.body
    );
    assert!(fetched.body.contains("slug"), "{}", fetched.body);

    // From a plain form: back to the page, the error in the address.
    let posted = post_add_category(&app, &editor, Some("text/html,application/xhtml+xml;q=0.9")).await;
    assert_eq!(posted.status, StatusCode::FOUND, "{}", posted.body);
    let location = posted.headers["location"].to_str().expect("location").to_owned();
    assert!(
        location.starts_with(&format!("{ORIGIN}/guardrails/categories?")) && location.contains("__err="),
        "{location}"
    );
    let path = location.trim_start_matches(ORIGIN);
    let request = Request::builder()
        .uri(path)
        .header("cookie", &editor)
        .body(Body::empty())
        .expect("request");
    let page = common::send(&app, request).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let alert = page
        .body
        .split("role=\"alert\"")
        .nth(1)
        .expect("the page shows the refusal as an alert");
    assert!(
        alert[..alert.find("</p>").expect("closed")].contains("slug"),
        "{alert}"
    );

    let added: i64 = sqlx::query_scalar("select count(*) from guardrail_categories where title = 'Runtime'")
        .fetch_one(&pool)
        .await
        .expect("counts");
    assert_eq!(added, 0, "nothing written");
}
