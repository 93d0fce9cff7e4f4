//! Sign-in, sessions, tokens, CSRF, rate limits and bad input, through the real router.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use parkway_core::identity::{Action, Role};
use sqlx::PgPool;

mod common;
use common::{Answer, ORIGIN, with_token};

fn app(pool: PgPool, args: &[&str]) -> Router {
    common::app_with(pool, Duration::from_secs(10), args)
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    let sql = match table {
        "users" => "select count(*) from users",
        "sessions" => "select count(*) from sessions",
        "api_tokens" => "select count(*) from api_tokens",
        "role_mappings" => "select count(*) from role_mappings",
        "audit_events" => "select count(*) from audit_events",
        other => panic!("no count for {other}"),
    };
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// A `tracing` writer that keeps everything in memory, to check what was logged.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn tokens_are_refused_when_wrong_expired_revoked_or_out_of_scope(pool: PgPool) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app(pool.clone(), &[]);
    let good = common::service_token(&pool, Role::PlatformAdmin, &[Action::ViewAudit]).await;
    let me = with_token(&app, "GET", "/api/v1/audit/events", &good, None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);

    let refused = |answer: &Answer, status: StatusCode, message: &str| {
        assert_eq!(answer.status, status, "{}", answer.body);
        assert_eq!(answer.header("content-type"), "application/json");
        let text = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.contains(message), "{text}");
    };
    let wrong = format!("pwk_{}", "0".repeat(64));
    refused(
        &with_token(&app, "GET", "/api/v1/me", &wrong, None).await,
        StatusCode::UNAUTHORIZED,
        "unknown API token",
    );
    refused(
        &with_token(&app, "GET", "/api/v1/me", "not-a-token", None).await,
        StatusCode::UNAUTHORIZED,
        "not a Parkway API token",
    );

    let out_of_scope = with_token(&app, "GET", "/api/v1/role-mappings", &good, None).await;
    refused(
        &out_of_scope,
        StatusCode::FORBIDDEN,
        "not scoped for `role-mapping.view`",
    );

    let expiring = common::service_token(&pool, Role::Developer, &[]).await;
    sqlx::query("update api_tokens set expires_at = now() - interval '1 second' where display_prefix = $1")
        .bind(&expiring[..12])
        .execute(&pool)
        .await
        .expect("expire");
    refused(
        &with_token(&app, "GET", "/api/v1/me", &expiring, None).await,
        StatusCode::UNAUTHORIZED,
        "expired",
    );

    // Revoked through the API by an admin token, then refused.
    let victim = common::service_token(&pool, Role::Developer, &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let listed = with_token(&app, "GET", "/api/v1/tokens?all=true", &admin, None).await;
    let id = listed
        .json()
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["display_prefix"] == victim[..12])
        .expect("listed")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let revoked = with_token(&app, "DELETE", &format!("/api/v1/tokens/{id}"), &admin, None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    refused(
        &with_token(&app, "GET", "/api/v1/me", &victim, None).await,
        StatusCode::UNAUTHORIZED,
        "revoked",
    );
    let again = with_token(&app, "DELETE", &format!("/api/v1/tokens/{id}"), &admin, None).await;
    refused(&again, StatusCode::CONFLICT, "already revoked");

    // Last use is recorded; the secret is stored only as a hash and never logged.
    let used: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("select last_used_at from api_tokens where display_prefix = $1")
            .bind(&good[..12])
            .fetch_one(&pool)
            .await
            .expect("row");
    assert!(used.is_some(), "last use recorded");
    let logged = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        logged.contains("API token accepted"),
        "the capture works: {logged}"
    );
    for secret in [&good, &expiring, &victim, &admin] {
        assert!(
            !logged.contains(secret.as_str()),
            "a token value reached the logs"
        );
        assert!(
            !logged.contains(&secret[4..]),
            "part of a token value reached the logs"
        );
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn tokens_created_through_the_api_are_shown_once_and_scoped(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let created = with_token(
        &app,
        "POST",
        "/api/v1/tokens",
        &admin,
        Some(r#"{"name": "ci", "expires": "30m", "service_account": "ci-deployer", "role": "developer", "scopes": ["portal.view"]}"#),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.json()["token"].as_str().expect("secret").to_owned();
    let me = with_token(&app, "GET", "/api/v1/me", &secret, None).await;
    assert_eq!(me.json()["handle"], "ci-deployer");
    assert_eq!(me.json()["roles"], serde_json::json!(["developer"]));
    let stored: i64 =
        sqlx::query_scalar("select count(*) from api_tokens where token_hash = sha256($1::text::bytea)")
            .bind(&secret)
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(stored, 1, "stored as its SHA-256");
    let listing = with_token(&app, "GET", "/api/v1/tokens?all=true", &admin, None).await;
    assert!(!listing.body.contains(&secret), "listings never show the secret");

    for (body, status, message) in [
        (
            r#"{"name": "x", "expires": "2y"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "expires:",
        ),
        (
            r#"{"name": "x", "scopes": ["audit.delete"]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown scope `audit.delete`",
        ),
        (
            r#"{"name": "x", "service_account": "svc"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "role: is required",
        ),
        (
            r#"{"name": 5}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "name: invalid type",
        ),
        (
            r#"{"name": "x", "colour": "red"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown field `colour`",
        ),
        (r#"{"name": "#, StatusCode::BAD_REQUEST, "EOF"),
    ] {
        let before = count(&pool, "api_tokens").await;
        let answer = with_token(&app, "POST", "/api/v1/tokens", &admin, Some(body)).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        let text = answer.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.contains(message), "{body}: {text}");
        assert_eq!(count(&pool, "api_tokens").await, before, "{body} changed nothing");
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn role_mapping_mistakes_are_named_and_change_nothing(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let add = |body: &'static str| {
        let app = app.clone();
        let admin = admin.clone();
        async move { with_token(&app, "POST", "/api/v1/role-mappings", &admin, Some(body)).await }
    };
    assert_eq!(
        add(r#"{"group": "sre", "role": "leader"}"#).await.status,
        StatusCode::CREATED
    );
    let mappings = count(&pool, "role_mappings").await;
    let events = count(&pool, "audit_events").await;
    for (body, status, message) in [
        (
            r#"{"group": "sre", "role": "root"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "role: unknown role `root`: expected one of developer",
        ),
        (
            r#"{"group": "sre", "role": "leader"}"#,
            StatusCode::CONFLICT,
            "group `sre` is already mapped to role `leader`",
        ),
        (
            r#"{"group": " ", "role": "leader"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "group: must not be blank",
        ),
        (
            r#"{"group": "sre"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field `role`",
        ),
    ] {
        let answer = add(body).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        assert!(answer.body.contains(message), "{body}: {}", answer.body);
    }
    assert_eq!(count(&pool, "role_mappings").await, mappings);
    assert_eq!(
        count(&pool, "audit_events").await,
        events,
        "refusals write no audit events"
    );
    let gone = with_token(&app, "DELETE", "/api/v1/role-mappings/999999", &admin, None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.json()["error"]["message"], "role mapping not found");
    let malformed = with_token(&app, "DELETE", "/api/v1/role-mappings/seven", &admin, None).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(
        malformed.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("seven")),
        "{}",
        malformed.body
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn state_changes_need_a_same_origin_request_or_the_csrf_token(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let cookie = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let post = |origin: Option<&'static str>, extra: Option<(&'static str, String)>| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let mut request = Request::post("/api/v1/role-mappings")
                .header("cookie", cookie)
                .header("content-type", "application/json");
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            if let Some((name, value)) = extra {
                request = request.header(name, value);
            }
            common::send(
                &app,
                request
                    .body(Body::from(r#"{"group": "g", "role": "leader"}"#))
                    .expect("request"),
            )
            .await
        }
    };
    let cross = post(Some("https://evil.example"), None).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert!(cross.body.contains("https://evil.example"), "{}", cross.body);
    let bare = post(None, None).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN, "{}", bare.body);
    assert_eq!(
        count(&pool, "role_mappings").await,
        1,
        "only the test's own seed mapping"
    );
    let fake_token = post(None, Some(("x-csrf-token", "f".repeat(64)))).await;
    assert_eq!(fake_token.status, StatusCode::FORBIDDEN);
    let referer = post(None, Some(("referer", format!("{ORIGIN}/admin/roles")))).await;
    assert_eq!(referer.status, StatusCode::CREATED, "{}", referer.body);
    let csrf: String = sqlx::query_scalar("select csrf_token from sessions limit 1")
        .fetch_one(&pool)
        .await
        .expect("session");
    let with_token = post(None, Some(("x-csrf-token", csrf))).await;
    assert_eq!(
        with_token.status,
        StatusCode::CONFLICT,
        "passes CSRF, then meets the duplicate"
    );
    let same_origin = post(Some(ORIGIN), None).await;
    assert_eq!(same_origin.status, StatusCode::CONFLICT);

    // The three refusals are in the trail, written on the side of the answer.
    let refusals = || async {
        sqlx::query_as::<_, (String, serde_json::Value)>(
            "select actor, payload from audit_events where action = 'csrf.refused' order by id",
        )
        .fetch_all(&pool)
        .await
        .expect("refusals")
    };
    let mut recorded = refusals().await;
    for _ in 0..50 {
        if recorded.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        recorded = refusals().await;
    }
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    // Written on the side, so in any order.
    assert!(
        recorded
            .iter()
            .all(|(actor, p)| actor.starts_with("user:") && p["attempted"] == "POST /api/v1/role-mappings"),
        "{recorded:?}"
    );
    assert!(
        recorded.iter().any(|(_, p)| p["reason"]
            .as_str()
            .is_some_and(|r| r.contains("https://evil.example"))),
        "{recorded:?}"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn refused_authorizations_are_audited_without_flooding_the_trail(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let developer = common::service_token(&pool, Role::Developer, &[]).await;
    for _ in 0..25 {
        let refused = with_token(&app, "GET", "/api/v1/audit/events", &developer, None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let written = || async {
        sqlx::query_as::<_, (String, String, serde_json::Value)>(
            "select actor, target, payload from audit_events where action = 'auth.refused'",
        )
        .fetch_all(&pool)
        .await
        .expect("refusals")
    };
    let mut rows = written().await;
    for _ in 0..50 {
        if rows.len() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        rows = written().await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rows = written().await;
    assert_eq!(rows.len(), 10, "at most 10 per actor per minute: {rows:?}");
    assert!(rows[0].0.starts_with("service:svc-"), "{rows:?}");
    assert_eq!(rows[0].1, "audit-log");
    assert_eq!(rows[0].2["attempted"], "audit.view");
    // Anonymous callers are asked to sign in, not recorded.
    assert_eq!(
        common::get(&app, "/api/v1/audit/events", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn sign_in_and_api_calls_are_rate_limited_with_retry_after(pool: PgPool) {
    let app = app(
        pool.clone(),
        &["--rate-limit-sign-in", "2", "--rate-limit-api", "3"],
    );
    for _ in 0..2 {
        assert_ne!(
            common::get(&app, "/auth/login", None).await.status,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let limited = common::get(&app, "/auth/callback?code=a&state=b", None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("retry-after"), "30");
    let token = common::service_token(&pool, Role::Developer, &[]).await;
    for _ in 0..3 {
        assert_eq!(
            with_token(&app, "GET", "/api/v1/me", &token, None).await.status,
            StatusCode::OK
        );
    }
    let limited = with_token(&app, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.header("retry-after"), "20");
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn oversized_cookies_and_headers_get_431(pool: PgPool) {
    let app = app(pool, &[]);
    let cookie = format!("junk={}", "x".repeat(5000));
    let answer = common::get(&app, "/api/v1/me", Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(
        answer.body.contains("the Cookie header is 5005 bytes"),
        "{}",
        answer.body
    );
    let mut request = Request::get("/healthz");
    for i in 0..20 {
        request = request.header(format!("x-filler-{i}"), "y".repeat(1000));
    }
    let answer = common::send(&app, request.body(Body::empty()).expect("request")).await;
    assert_eq!(answer.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(answer.body.contains("at most 16384"), "{}", answer.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn malformed_callbacks_are_refused_precisely_and_create_nothing(pool: PgPool) {
    // Discovery is lazy, and these refusals happen before the provider is contacted.
    let app = app(pool.clone(), &["--oidc-issuer", "http://127.0.0.1:9/"]);
    let flow_cookie = format!("parkway_login={}", "a".repeat(64));
    for (query, cookie, message) in [
        ("", None, "`code` parameter is missing"),
        ("?code=abc", None, "`state` parameter is missing"),
        (
            "?code=a&state=b&state=c",
            None,
            "`state` parameter appears more than once",
        ),
        (
            "?error=access_denied&error_description=Call+%2B1-555-0100+to+unlock",
            None,
            "The identity provider did not sign you in.",
        ),
        ("?code=a&state=b", None, "sign-in is in progress in this browser"),
        (
            "?code=a&state=b&iss=https%3A%2F%2Fevil.example",
            None,
            "names an issuer other than the configured identity provider",
        ),
        (
            "?code=a&state=b",
            Some(flow_cookie.as_str()),
            "expired or was already completed",
        ),
    ] {
        let answer = common::get(&app, &format!("/auth/callback{query}"), cookie).await;
        assert!(answer.status.is_client_error(), "{query}: {}", answer.status);
        assert!(answer.body.contains(message), "{query}: {}", answer.body);
        for provider_text in ["555-0100", "evil.example"] {
            assert!(
                !answer.body.contains(provider_text),
                "{query}: provider text shown"
            );
        }
        assert!(
            answer.header("set-cookie").contains("parkway_login=; "),
            "the flow cookie is cleared"
        );
    }
    assert_eq!(count(&pool, "users").await, 0);
    assert_eq!(count(&pool, "sessions").await, 0);
    let failures: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'auth.sign-in.failed'")
            .fetch_one(&pool)
            .await
            .expect("count");
    assert_eq!(failures, 7, "every failed sign-in is audited");
    let recorded: Vec<String> = sqlx::query_scalar("select payload::text from audit_events")
        .fetch_all(&pool)
        .await
        .expect("payloads");
    assert!(
        recorded
            .iter()
            .any(|p| p.contains(r#""provider_error": "access_denied""#)),
        "the error code is recorded: {recorded:?}"
    );
    assert!(
        recorded.iter().all(|p| !p.contains("555-0100")),
        "the provider's prose is not: {recorded:?}"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn an_unreachable_provider_gets_a_generic_message(pool: PgPool) {
    let app = app(pool, &["--oidc-issuer", "http://127.0.0.1:9/"]);
    let answer = common::get(&app, "/auth/login", None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert!(
        answer
            .body
            .contains("Parkway could not reach the identity provider"),
        "{}",
        answer.body
    );
    assert!(
        !answer.body.contains("127.0.0.1:9") && !answer.body.contains("error sending request"),
        "details stay in the log: {}",
        answer.body
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn development_sign_in_rotates_sessions_and_sign_out_ends_them(pool: PgPool) {
    let app = app(pool.clone(), &["--dev-sign-in"]);
    let sign_in = |cookie: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::post("/auth/dev")
                .header("origin", ORIGIN)
                .header("content-type", "application/x-www-form-urlencoded");
            if let Some(cookie) = cookie {
                request = request.header("cookie", cookie);
            }
            common::send(
                &app,
                request
                    .body(Body::from("user=pat&next=%2Fadmin"))
                    .expect("request"),
            )
            .await
        }
    };
    let first = sign_in(None).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(first.header("location"), "/admin");
    let set = first.header("set-cookie").to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"),
        "{set}"
    );
    let cookie = set.split(';').next().expect("pair").to_owned();

    let home = common::get(&app, "/", Some(&cookie)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Pat Platform"), "the name is shown");
    assert!(
        home.body.contains("Development sign-in is on"),
        "the banner is shown"
    );

    let second = sign_in(Some(cookie.clone())).await;
    let rotated = second
        .header("set-cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    assert_ne!(rotated, cookie, "a new id at every sign-in");
    assert_eq!(
        common::get(&app, "/", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER,
        "the old id is dead"
    );

    let out = common::send(
        &app,
        Request::post("/auth/logout")
            .header("origin", ORIGIN)
            .header("cookie", &rotated)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(count(&pool, "sessions").await, 0, "sign-out destroys the session");
    assert_eq!(
        common::get(&app, "/", Some(&rotated)).await.status,
        StatusCode::SEE_OTHER
    );
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_events where action like 'auth.%' order by id")
            .fetch_all(&pool)
            .await
            .expect("audit");
    assert_eq!(actions, ["auth.sign-in", "auth.sign-in", "auth.sign-out"]);

    let unknown = common::send(
        &app,
        Request::post("/auth/dev")
            .header("origin", ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("user=mallory"))
            .expect("request"),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("`mallory` is not one of the demo users"));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn idle_sessions_end(pool: PgPool) {
    let (app, services) = common::live_app(pool.clone(), &["--session-idle-minutes", "5"]).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(common::get(&app, "/", Some(&cookie)).await.status, StatusCode::OK);
    sqlx::query("update sessions set last_seen_at = now() - interval '6 minutes'")
        .execute(&pool)
        .await
        .expect("age");
    common::caught_up(&services).await;
    assert_eq!(
        common::get(&app, "/", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
    let api = common::get(&app, "/api/v1/me", Some(&cookie)).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_callback_whose_state_differs_from_the_flow_is_refused_and_the_flow_is_spent(pool: PgPool) {
    use parkway_core::identity::sessions::{LoginFlow, start_login};
    let app = app(pool.clone(), &["--oidc-issuer", "http://127.0.0.1:9/"]);
    let flow = LoginFlow {
        state: "the-real-state".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        return_to: "/".into(),
    };
    let id = start_login(&pool, &flow).await.expect("flow");
    let cookie = format!("parkway_login={id}");
    let tampered = common::get(&app, "/auth/callback?code=c&state=forged", Some(&cookie)).await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(
        tampered
            .body
            .contains("does not match the sign-in this browser started"),
        "{}",
        tampered.body
    );
    let replay = common::get(&app, "/auth/callback?code=c&state=the-real-state", Some(&cookie)).await;
    assert!(
        replay.body.contains("expired or was already completed"),
        "a refused flow cannot be retried"
    );
    assert_eq!(count(&pool, "sessions").await, 0);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn sessions_end_at_their_absolute_expiry_however_busy(pool: PgPool) {
    let (app, services) = common::live_app(pool.clone(), &[]).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(
        common::get(&app, "/api/v1/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    sqlx::query("update sessions set expires_at = now() - interval '1 second', last_seen_at = now()")
        .execute(&pool)
        .await
        .expect("expire");
    common::caught_up(&services).await;
    assert_eq!(
        common::get(&app, "/api/v1/me", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
}
