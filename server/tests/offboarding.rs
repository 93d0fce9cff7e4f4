//! The security review's identity fixes, through the real router and the real binary:
//! tokens cannot mint stronger tokens, off-boarding stops everything at once, idle
//! people's tokens stop, sessions die with their issuer, development sign-in leaves
//! nothing behind, failed credential lookups are limited, and the headers and cookies
//! follow the public URL.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use parkway_core::identity::{
    Action, Role, role_mappings, sessions,
    tokens::{self, NewToken, Owner},
    users::{self, Identity},
};
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;
use common::{ORIGIN, parkway, with_token};

fn app(pool: PgPool, args: &[&str]) -> Router {
    common::app_with(pool, Duration::from_secs(10), args)
}

/// A person's own token, as they would create it in the UI.
async fn person_token(pool: &PgPool, person: uuid::Uuid, scopes: &[Action], lifetime: Duration) -> String {
    let request = NewToken {
        name: format!("t-{}", uuid::Uuid::new_v4().simple()),
        owner: Owner::Person(person),
        scopes: scopes.to_vec(),
        lifetime,
        parent: None,
    };
    tokens::create(pool, &request, "user:test", None)
        .await
        .expect("token")
        .secret
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_token_cannot_mint_a_stronger_token(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let ada = common::person(&pool, &[Role::PlatformAdmin]).await;
    let narrow = person_token(
        &pool,
        ada,
        &[Action::ManageOwnTokens],
        Duration::from_secs(86_400),
    )
    .await;

    for (body, reason) in [
        (
            r#"{"name": "everything"}"#,
            "must be limited to some of those scopes too",
        ),
        (
            r#"{"name": "wider", "scopes": ["token.own", "audit.view"]}"#,
            "scope `audit.view` is beyond this API token's own scopes (token.own)",
        ),
        (
            r#"{"name": "longer", "scopes": ["token.own"], "expires": "366d"}"#,
            "after the API token used to create it",
        ),
        (
            r#"{"name": "svc", "service_account": "escalator", "role": "platform-admin"}"#,
            "not scoped for `token.manage`",
        ),
    ] {
        let refused = with_token(&app, "POST", "/api/v1/tokens", &narrow, Some(body)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{body}: {}", refused.body);
        assert!(refused.body.contains(reason), "{body}: {}", refused.body);
    }
    let tokens: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(tokens, 1, "nothing was created");

    // Within its limits it works; the child's default lifetime shrinks to its parent's.
    let child = with_token(
        &app,
        "POST",
        "/api/v1/tokens",
        &narrow,
        Some(r#"{"name": "child", "scopes": ["token.own"]}"#),
    )
    .await;
    assert_eq!(child.status, StatusCode::CREATED, "{}", child.body);
    let child_secret = child.json()["token"].as_str().expect("secret").to_owned();
    let lifetimes: (f64, f64) = sqlx::query_as(
        "select extract(epoch from p.expires_at)::float8, extract(epoch from c.expires_at)::float8
         from api_tokens c join api_tokens p on p.id = c.parent_id",
    )
    .fetch_one(&pool)
    .await
    .expect("parent and child");
    assert!(lifetimes.1 <= lifetimes.0, "{lifetimes:?}");
    assert_eq!(
        with_token(&app, "GET", "/api/v1/tokens", &child_secret, None)
            .await
            .status,
        StatusCode::OK
    );

    // Revoking the parent revokes what it made.
    let parent_id: uuid::Uuid = sqlx::query_scalar("select id from api_tokens where parent_id is null")
        .fetch_one(&pool)
        .await
        .expect("parent");
    let revoked = with_token(
        &app,
        "DELETE",
        &format!("/api/v1/tokens/{parent_id}"),
        &child_secret,
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let after = with_token(&app, "GET", "/api/v1/tokens", &child_secret, None).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert!(after.body.contains("revoked"), "{}", after.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn deactivating_a_person_stops_their_sessions_and_tokens_at_once(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let leaver_cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    let leaver: uuid::Uuid = sqlx::query_scalar("select user_id from sessions")
        .fetch_one(&pool)
        .await
        .expect("leaver");
    let leaver_token = person_token(&pool, leaver, &[], Duration::from_secs(3600)).await;
    assert_eq!(
        common::get(&app, "/api/v1/me", Some(&leaver_cookie)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        with_token(&app, "GET", "/api/v1/me", &leaver_token, None)
            .await
            .status,
        StatusCode::OK
    );

    // Only platform admins may; a developer is refused and nothing changes.
    let developer = common::service_token(&pool, Role::Developer, &[]).await;
    let path = format!("/api/v1/users/{leaver}/deactivate");
    let refused = with_token(&app, "POST", &path, &developer, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("user.manage"), "{}", refused.body);

    let listed = with_token(&app, "GET", "/api/v1/users", &admin, None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let row = listed
        .json()
        .as_array()
        .expect("list")
        .iter()
        .find(|u| u["id"] == leaver.to_string())
        .cloned();
    assert_eq!(row.as_ref().map(|r| r["live_sessions"].clone()), Some(1.into()));

    let done = with_token(&app, "POST", &path, &admin, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["sessions_ended"], 1);
    assert_eq!(done.json()["tokens_revoked"].as_array().map(Vec::len), Some(1));
    assert!(done.json()["user"]["deactivated_at"].is_string());

    assert_eq!(
        common::get(&app, "/api/v1/me", Some(&leaver_cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let page = common::get(&app, "/catalog", Some(&leaver_cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "an open page goes to sign-in");
    assert!(page.header("location").starts_with("/sign-in"));
    let token = with_token(&app, "GET", "/api/v1/me", &leaver_token, None).await;
    assert_eq!(token.status, StatusCode::UNAUTHORIZED);
    assert!(token.body.contains("revoked"), "{}", token.body);

    // Signing in again is refused, and their record is unchanged.
    let identity: (String, String) = sqlx::query_as("select issuer, subject from users where id = $1")
        .bind(leaver)
        .fetch_one(&pool)
        .await
        .expect("identity");
    let mut conn = pool.acquire().await.expect("connection");
    let again = users::upsert_person(
        &mut conn,
        &Identity {
            issuer: identity.0,
            subject: identity.1,
            email: None,
            email_verified: false,
            display_name: "Leaver".into(),
            groups: vec!["test-platform-admin".into()],
        },
        "team-",
    )
    .await;
    assert!(
        matches!(again, Err(parkway_core::identity::Error::Deactivated)),
        "{again:?}"
    );

    let audited: (String, serde_json::Value) =
        sqlx::query_as("select actor, payload from audit_events where action = 'user.deactivate'")
            .fetch_one(&pool)
            .await
            .expect("audited");
    assert!(audited.0.starts_with("service:"), "{audited:?}");
    assert_eq!(audited.1["sessions_ended"], 1);

    let twice = with_token(&app, "POST", &path, &admin, None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert!(twice.body.contains("already deactivated"), "{}", twice.body);
    let bad = with_token(&app, "POST", "/api/v1/users/not-a-uuid/deactivate", &admin, None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("not a user id"), "{}", bad.body);
    let nobody = with_token(
        &app,
        "POST",
        &format!("/api/v1/users/{}/deactivate", uuid::Uuid::nil()),
        &admin,
        None,
    )
    .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{}", nobody.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn nobody_deactivates_themselves_and_service_accounts_are_not_people(pool: PgPool) {
    let app = app(pool.clone(), &[]);
    let cookie = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let me: uuid::Uuid = sqlx::query_scalar("select user_id from sessions")
        .fetch_one(&pool)
        .await
        .expect("me");
    let request = Request::post(format!("/api/v1/users/{me}/deactivate"))
        .header("cookie", &cookie)
        .header("origin", ORIGIN)
        .body(Body::empty())
        .expect("request");
    let answer = common::send(&app, request).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(
        answer.body.contains("cannot deactivate yourself"),
        "{}",
        answer.body
    );

    common::service_token(&pool, Role::Developer, &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let service: uuid::Uuid =
        sqlx::query_scalar("select id from users where kind = 'service' order by created_at limit 1")
            .fetch_one(&pool)
            .await
            .expect("service account");
    let answer = with_token(
        &app,
        "POST",
        &format!("/api/v1/users/{service}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    assert!(
        answer.body.contains("revoke its tokens instead"),
        "{}",
        answer.body
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_persons_tokens_stop_when_they_have_not_signed_in_for_the_idle_limit(pool: PgPool) {
    let (app, services) = common::live_app(pool.clone(), &["--person-token-max-idle-days", "30"]).await;
    let person = common::person(&pool, &[Role::Developer]).await;
    let token = person_token(&pool, person, &[], Duration::from_secs(90 * 86_400)).await;
    assert_eq!(
        with_token(&app, "GET", "/api/v1/me", &token, None).await.status,
        StatusCode::OK
    );

    sqlx::query("update users set last_sign_in_at = now() - interval '31 days' where id = $1")
        .bind(person)
        .execute(&pool)
        .await
        .expect("age");
    common::caught_up(&services).await;
    let idle = with_token(&app, "GET", "/api/v1/me", &token, None).await;
    assert_eq!(idle.status, StatusCode::UNAUTHORIZED);
    assert!(
        idle.body
            .contains("has not signed in to Parkway for over 30 days"),
        "{}",
        idle.body
    );

    // A service account never signs in; its tokens are not affected.
    let service = common::service_token(&pool, Role::Developer, &[]).await;
    sqlx::query("update users set created_at = now() - interval '400 days' where kind = 'service'")
        .execute(&pool)
        .await
        .expect("age");
    assert_eq!(
        with_token(&app, "GET", "/api/v1/me", &service, None).await.status,
        StatusCode::OK
    );

    // Signing in again brings the person's tokens back.
    sqlx::query("update users set last_sign_in_at = now() where id = $1")
        .bind(person)
        .execute(&pool)
        .await
        .expect("sign in");
    assert_eq!(
        with_token(&app, "GET", "/api/v1/me", &token, None).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_session_ends_when_its_issuer_is_no_longer_the_configured_one(pool: PgPool) {
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    let same = app(pool.clone(), &[]);
    assert_eq!(
        common::get(&same, "/api/v1/me", Some(&cookie)).await.status,
        StatusCode::OK
    );
    for args in [
        &["--oidc-issuer", "https://other-idp.test"][..],
        &["--dev-sign-in"][..],
    ] {
        let moved = app(pool.clone(), args);
        let answer = common::get(&moved, "/api/v1/me", Some(&cookie)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{args:?}");
        assert!(
            answer.header("set-cookie").starts_with("parkway_session=; "),
            "{args:?}: the dead cookie is cleared"
        );
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn starting_without_development_sign_in_removes_what_it_handed_out(pool: PgPool) {
    // A demo session, a demo user's token and the demo mappings, as a dev run leaves them.
    let dev = app(pool.clone(), &["--dev-sign-in"]);
    role_mappings::seed(
        &pool,
        &parkway_server::auth::dev::mappings(),
        "system:configuration",
    )
    .await
    .expect("demo mappings");
    let signed_in = common::send(
        &dev,
        Request::post("/auth/dev")
            .header("origin", ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("user=pat"))
            .expect("request"),
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    let cookie = signed_in
        .header("set-cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned();
    let demo_user: uuid::Uuid = sqlx::query_scalar("select user_id from sessions")
        .fetch_one(&pool)
        .await
        .expect("demo user");
    let token = person_token(&pool, demo_user, &[], Duration::from_secs(3600)).await;
    let real = common::person(&pool, &[Role::Developer]).await;
    let kept = person_token(&pool, real, &[], Duration::from_secs(3600)).await;

    parkway_server::serve::remove_development_access(&pool)
        .await
        .expect("cleanup");

    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    assert_eq!(count("select count(*) from sessions").await, 0);
    assert_eq!(
        count("select count(*) from role_mappings where group_name like 'parkway-demo-%'").await,
        0
    );
    assert_eq!(
        count("select count(*) from role_mappings where group_name like 'test-%'").await,
        1,
        "other mappings stay"
    );
    let audited = count("select count(*) from audit_events where action = 'auth.dev-access.remove'").await;
    assert_eq!(audited, 1);
    // Even started in development mode again, the old session and token are dead.
    assert_eq!(
        common::get(&dev, "/api/v1/me", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        with_token(&dev, "GET", "/api/v1/me", &token, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let prod = app(pool.clone(), &[]);
    assert_eq!(
        with_token(&prod, "GET", "/api/v1/me", &kept, None).await.status,
        StatusCode::OK
    );

    // Nothing left: a second start-up audits nothing more.
    parkway_server::serve::remove_development_access(&pool)
        .await
        .expect("cleanup");
    assert_eq!(
        count("select count(*) from audit_events where action = 'auth.dev-access.remove'").await,
        1
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn failed_credential_lookups_are_limited_per_client(pool: PgPool) {
    let app = app(pool.clone(), &["--rate-limit-failed-credentials", "3"]);
    let good = common::service_token(&pool, Role::Developer, &[]).await;
    let random = || format!("pwk_{}", uuid::Uuid::new_v4().simple().to_string().repeat(2));
    for _ in 0..3 {
        assert_eq!(
            with_token(&app, "GET", "/api/v1/me", &random(), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = with_token(&app, "GET", "/api/v1/me", &random(), None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!limited.header("retry-after").is_empty());
    // Random session cookies count too, and while blocked nothing is looked up.
    let cookie = format!("parkway_session={}", "ab".repeat(32));
    let blocked = common::get(&app, "/api/v1/me", Some(&cookie)).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let also_blocked = with_token(&app, "GET", "/api/v1/me", &good, None).await;
    assert_eq!(also_blocked.status, StatusCode::TOO_MANY_REQUESTS);
    // Requests without credentials are not this limit's business.
    assert_eq!(common::get(&app, "/healthz", None).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn https_deployments_get_hsts_host_cookies_and_strict_origins(pool: PgPool) {
    let tls = app(pool.clone(), &["--public-url", "https://parkway.example.com"]);
    let health = common::get(&tls, "/healthz", None).await;
    assert_eq!(
        health.header("strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    assert!(health.header("permissions-policy").contains("camera=()"));

    let cookie = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let id = cookie.trim_start_matches("parkway_session=");
    // Over TLS only the `__Host-` cookie is read.
    assert_eq!(
        common::get(&tls, "/api/v1/me", Some(&cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let host_cookie = format!("__Host-parkway_session={id}");
    let me = common::get(&tls, "/api/v1/me", Some(&host_cookie)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.header("cache-control"), "no-store");

    // A state change must come from exactly the public origin, scheme included.
    let post = |origin: &'static str| {
        Request::post("/api/v1/role-mappings")
            .header("cookie", &host_cookie)
            .header("origin", origin)
            .header("host", "parkway.example.com")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"group": "g", "role": "leader"}"#))
            .expect("request")
    };
    let downgraded = common::send(&tls, post("http://parkway.example.com")).await;
    assert_eq!(downgraded.status, StatusCode::FORBIDDEN, "{}", downgraded.body);
    let same = common::send(&tls, post("https://parkway.example.com")).await;
    assert_eq!(same.status, StatusCode::CREATED, "{}", same.body);

    // Plain HTTP: no HSTS, but the other headers still apply.
    let plain = app(pool.clone(), &[]);
    let health = common::get(&plain, "/healthz", None).await;
    assert!(health.header("strict-transport-security").is_empty());
    assert!(!health.header("permissions-policy").is_empty());
    assert!(
        health.header("cache-control").is_empty(),
        "anonymous answers may be cached"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_cli_deactivates_a_person_by_handle(options: PgPoolOptions, connect: PgConnectOptions) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let person = common::person(&pool, &[Role::Developer]).await;
    let handle: String = sqlx::query_scalar("select handle from users where id = $1")
        .bind(person)
        .fetch_one(&pool)
        .await
        .expect("handle");
    let mut conn = pool.acquire().await.expect("connection");
    let policy = sessions::SessionPolicy {
        idle: Duration::from_secs(600),
        absolute: Duration::from_secs(600),
    };
    sessions::create(&mut conn, person, policy, None, common::ISSUER)
        .await
        .expect("session");
    person_token(&pool, person, &[], Duration::from_secs(600)).await;

    let out = parkway(&url, &["user", "deactivate", &handle]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("1 sessions ended, 1 API tokens revoked"),
        "{stdout}"
    );
    let actor: String = sqlx::query_scalar("select actor from audit_events where action = 'user.deactivate'")
        .fetch_one(&pool)
        .await
        .expect("audited");
    assert_eq!(actor, "system:cli");

    for (args, message) in [
        (vec!["user", "deactivate", handle.as_str()], "already deactivated"),
        (
            vec!["user", "deactivate", "nobody@example.com"],
            "no person has the handle",
        ),
    ] {
        let out = parkway(&url, &args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
