//! Credentials answered from memory keep every security rule: a remembered session or
//! token stops the moment it is signed out, revoked, deactivated or re-mapped — on
//! this replica at once, on another within a second — and time limits (expiry, idle
//! people) hold without asking Postgres. Without the change listener, nothing is
//! answered from memory.

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use parkway_core::identity::{
    Action, Role,
    tokens::{self, NewToken, Owner},
};
use sqlx::PgPool;

mod common;
use common::{ORIGIN, live_app, send, wait_live, with_token};

async fn me(app: &Router, token: &str) -> common::Answer {
    with_token(app, "GET", "/api/v1/me", token, None).await
}

async fn me_by_cookie(app: &Router, cookie: &str) -> StatusCode {
    common::get(app, "/api/v1/me", Some(cookie)).await.status
}

/// Polls `check` every 10 ms for up to `within`; true once it held.
async fn eventually(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

async fn person_token(pool: &PgPool, person: uuid::Uuid) -> (String, uuid::Uuid) {
    let created = tokens::create(
        pool,
        &NewToken {
            name: format!("t-{}", uuid::Uuid::new_v4().simple()),
            owner: Owner::Person(person),
            scopes: vec![],
            lifetime: Duration::from_secs(86_400),
            parent: None,
        },
        "user:test",
        None,
    )
    .await
    .expect("token");
    (created.secret, created.info.id)
}

/// Runs `sql` with the generation triggers of `table` switched off: a change no
/// replica hears about, to tell an answer from memory from one from Postgres.
async fn unannounced(pool: &PgPool, table: &str, sql: &str) {
    let mut tx = pool.begin().await.expect("tx");
    for statement in [
        format!("alter table {table} disable trigger user"),
        sql.to_owned(),
        format!("alter table {table} enable trigger user"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await
            .expect("statement");
    }
    tx.commit().await.expect("commit");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_remembered_token_is_answered_from_memory_and_stops_at_once_when_revoked(pool: PgPool) {
    let (app, services) = live_app(pool.clone(), &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let person = common::person(&pool, &[Role::Developer]).await;
    let (token, id) = person_token(&pool, person).await;
    // The set-up's own changes must be heard first, or their late announcement would
    // (rightly) drop the entry this test needs.
    common::caught_up(&services).await;

    assert_eq!(me(&app, &token).await.status, StatusCode::OK);
    assert_eq!(services.credentials.len().1, 1, "the checked token is remembered");
    // Revoked behind every replica's back: only an answer from memory still says yes.
    unannounced(
        &pool,
        "api_tokens",
        &format!("update api_tokens set revoked_at = now() where id = '{id}'"),
    )
    .await;
    assert_eq!(
        me(&app, &token).await.status,
        StatusCode::OK,
        "answered from memory"
    );

    // Revoked through Parkway: refused on the very next request.
    sqlx::query("update api_tokens set revoked_at = null where id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("un-revoke");
    assert_eq!(me(&app, &token).await.status, StatusCode::OK);
    let revoked = with_token(&app, "DELETE", &format!("/api/v1/tokens/{id}"), &admin, None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let refused = me(&app, &token).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn another_replica_s_revocation_reaches_this_one_within_a_second(pool: PgPool) {
    let (here, _) = live_app(pool.clone(), &[]).await;
    let (there, _) = live_app(pool.clone(), &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let person = common::person(&pool, &[Role::Developer]).await;
    let (token, id) = person_token(&pool, person).await;
    assert_eq!(me(&here, &token).await.status, StatusCode::OK);
    assert_eq!(me(&there, &token).await.status, StatusCode::OK);

    let revoked = with_token(&there, "DELETE", &format!("/api/v1/tokens/{id}"), &admin, None).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(me(&there, &token).await.status, StatusCode::UNAUTHORIZED);
    assert!(
        eventually(Duration::from_secs(1), async || me(&here, &token).await.status
            == StatusCode::UNAUTHORIZED)
        .await,
        "the other replica still accepts a revoked token after a second"
    );

    // A change made by another process (the CLI, a script) is heard the same way.
    let (second, second_id) = person_token(&pool, person).await;
    assert_eq!(me(&here, &second).await.status, StatusCode::OK);
    sqlx::query("update api_tokens set revoked_at = now() where id = $1")
        .bind(second_id)
        .execute(&pool)
        .await
        .expect("revoke");
    assert!(
        eventually(Duration::from_secs(1), async || me(&here, &second).await.status
            == StatusCode::UNAUTHORIZED)
        .await
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn deactivation_stops_remembered_sessions_and_tokens_at_once(pool: PgPool) {
    let (app, services) = live_app(pool.clone(), &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    let person: uuid::Uuid = sqlx::query_scalar("select user_id from sessions")
        .fetch_one(&pool)
        .await
        .expect("session owner");
    let (token, _) = person_token(&pool, person).await;
    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::OK);
    assert_eq!(me(&app, &token).await.status, StatusCode::OK);
    assert_eq!(
        services.credentials.len(),
        (1, 1),
        "the session and the person's token"
    );

    let off = with_token(
        &app,
        "POST",
        &format!("/api/v1/users/{person}/deactivate"),
        &admin,
        None,
    )
    .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &token).await.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_role_mapping_change_reaches_remembered_principals(pool: PgPool) {
    let (app, _) = live_app(pool.clone(), &[]).await;
    let admin = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let person = common::person(&pool, &[Role::Developer]).await;
    let (token, _) = person_token(&pool, person).await;
    let before = me(&app, &token).await.json();
    assert_eq!(before["roles"], serde_json::json!(["developer"]));

    // The person's group (`test-developer`) now also grants `leader`.
    let added = with_token(
        &app,
        "POST",
        "/api/v1/role-mappings",
        &admin,
        Some(r#"{"group": "test-developer", "role": "leader"}"#),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let after = me(&app, &token).await.json();
    assert_eq!(after["roles"], serde_json::json!(["developer", "leader"]));
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn sign_out_ends_a_remembered_session(pool: PgPool) {
    let (app, _) = live_app(pool.clone(), &[]).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::OK);
    let out = send(
        &app,
        Request::post("/auth/logout")
            .header("cookie", &cookie)
            .header("origin", ORIGIN)
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert!(
        out.status.is_redirection() || out.status.is_success(),
        "{}",
        out.status
    );
    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn time_limits_hold_for_remembered_credentials(pool: PgPool) {
    let (app, _) = live_app(pool.clone(), &[]).await;
    // A session with a second and a half left.
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    sqlx::query("update sessions set expires_at = now() + interval '1.5 seconds'")
        .execute(&pool)
        .await
        .expect("shorten");
    // A person whose idle limit (30 days) runs out in a second and a half.
    let person = common::person(&pool, &[Role::Developer]).await;
    let (token, _) = person_token(&pool, person).await;
    sqlx::query(
        "update users set last_sign_in_at = now() - interval '30 days' + interval '1.5 seconds' where id = $1",
    )
    .bind(person)
    .execute(&pool)
    .await
    .expect("age");
    // A service token that expires in a second and a half.
    let service = common::service_token(&pool, Role::Developer, &[Action::ViewPortal]).await;
    sqlx::query("update api_tokens set expires_at = now() + interval '1.5 seconds' where owner_id <> $1")
        .bind(person)
        .execute(&pool)
        .await
        .expect("shorten");

    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::OK);
    assert_eq!(me(&app, &token).await.status, StatusCode::OK);
    assert_eq!(me(&app, &service).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    assert_eq!(me_by_cookie(&app, &cookie).await, StatusCode::UNAUTHORIZED);
    let idle = me(&app, &token).await;
    assert_eq!(idle.status, StatusCode::UNAUTHORIZED);
    assert!(idle.body.contains("has not signed in"), "{}", idle.body);
    let expired = me(&app, &service).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert!(expired.body.contains("expired"), "{}", expired.body);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_session_of_an_issuer_this_replica_does_not_trust_is_refused(pool: PgPool) {
    let (trusting, _) = live_app(pool.clone(), &[]).await;
    let (other, _) = live_app(pool.clone(), &["--oidc-issuer", "https://other-idp.test"]).await;
    let cookie = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(me_by_cookie(&trusting, &cookie).await, StatusCode::OK);
    assert_eq!(me_by_cookie(&other, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn without_the_listener_nothing_is_answered_from_memory(pool: PgPool) {
    let (app, services) = live_app(pool.clone(), &[]).await;
    let person = common::person(&pool, &[Role::Developer]).await;
    let (token, id) = person_token(&pool, person).await;
    assert_eq!(me(&app, &token).await.status, StatusCode::OK);

    // The listening connection dies; the replica notices, listens again and re-reads
    // the generations (a change made meanwhile may have gone unheard).
    let listener = || {
        sqlx::query_scalar::<_, i32>(
            "select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%'",
        )
        .fetch_all(&pool)
    };
    let before = listener().await.expect("listeners");
    assert_eq!(before.len(), 1, "one listening connection");
    sqlx::query("select pg_terminate_backend($1)")
        .bind(before[0])
        .execute(&pool)
        .await
        .expect("terminate");
    assert!(
        eventually(Duration::from_secs(5), async || {
            let now = listener().await.expect("listeners");
            now.len() == 1 && now != before
        })
        .await,
        "no new listening connection"
    );
    wait_live(&services).await;
    sqlx::query("update api_tokens set revoked_at = now() where id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .expect("revoke");
    assert!(
        eventually(Duration::from_secs(1), async || me(&app, &token).await.status
            == StatusCode::UNAUTHORIZED)
        .await,
        "a reconnected listener hears changes again"
    );

    // A replica that never listens asks Postgres every time: nothing remembered.
    let unwatched = parkway_core::Services::new(pool.clone(), Default::default());
    let check = unwatched
        .credentials
        .token(&pool, &token, 30)
        .await
        .expect("check");
    assert!(matches!(check, tokens::TokenCheck::Revoked), "{check:?}");
    assert!(unwatched.credentials.is_empty());
}
