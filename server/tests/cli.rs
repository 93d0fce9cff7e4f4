//! The `parkway` binary's subcommands, run as real processes against a real database.

use std::process::Command;

use parkway_core::audit::{self, NewAuditEvent};
use sqlx::{
    ConnectOptions, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

mod common;
use common::parkway;

async fn setup(options: PgPoolOptions, connect: PgConnectOptions) -> (PgPool, String) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    for i in 0..3 {
        let event = NewAuditEvent::new("alice", "thing.update", format!("thing:{i}"));
        audit::append(&pool, &event).await.expect("append");
    }
    (pool, url)
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn audit_verify_passes_on_an_intact_chain(options: PgPoolOptions, connect: PgConnectOptions) {
    let (_pool, url) = setup(options, connect).await;
    let out = parkway(&url, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 events verified"), "{stdout}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn audit_verify_fails_naming_the_first_bad_row(options: PgPoolOptions, connect: PgConnectOptions) {
    let (pool, url) = setup(options, connect).await;
    let second: i64 = sqlx::query_scalar("select id from audit_events order by id offset 1 limit 1")
        .fetch_one(&pool)
        .await
        .expect("id");
    let mut tx = pool.begin().await.expect("begin");
    for statement in [
        "alter table audit_events disable trigger audit_events_append_only",
        "update audit_events set actor = 'mallory' where id = (select id from audit_events order by id offset 1 limit 1)",
        "alter table audit_events enable trigger audit_events_append_only",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.expect(statement);
    }
    tx.commit().await.expect("commit");

    let out = parkway(&url, &["audit", "verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("audit event {second} ")),
        "names row {second}: {stderr}"
    );
    assert!(stderr.contains("contents were changed"), "{stderr}");
}

/// A head published before the newest rows were cut off gives the cut away; on an
/// intact trail it passes.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn audit_verify_with_an_expected_head_detects_a_cut_tail(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let (pool, url) = setup(options, connect).await;
    let published = audit::store::head(&pool).await.expect("head").to_string();
    audit::append(&pool, &NewAuditEvent::new("alice", "thing.update", "thing:later"))
        .await
        .expect("append");

    let out = parkway(&url, &["audit", "verify", "--expect-head", &published]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("including the expected head"), "{stdout}");

    let mut tx = pool.begin().await.expect("begin");
    for statement in [
        "alter table audit_events disable trigger audit_events_append_only",
        "delete from audit_events where id >= (select id from audit_events order by id offset 2 limit 1)",
        "alter table audit_events enable trigger audit_events_append_only",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.expect(statement);
    }
    tx.commit().await.expect("commit");
    let plain = parkway(&url, &["audit", "verify"]);
    assert!(plain.status.success(), "a cut tail still links up on its own");
    let out = parkway(&url, &["audit", "verify", "--expect-head", &published]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("TRUNCATED"), "{stderr}");
    assert!(stderr.contains(&published), "names the head: {stderr}");

    let bad = parkway(&url, &["audit", "verify", "--expect-head", "7:nothex"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("64 hexadecimal digits"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// `parkway migrate` with the owner's URL grants the `DATABASE_URL` role what it
/// needs, and that role then cannot rewrite the audit trail.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn migrate_as_the_owner_grants_the_runtime_role_reading_and_appending_only(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    const ROLE: &str = "parkway_test_cli_runtime";
    let (pool, owner_url) = setup(options, connect.clone()).await;
    // The role name is a constant of this test.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "do $$ begin create role {ROLE} login password '{ROLE}';
         exception when duplicate_object or unique_violation then null; end $$"
    )))
    .execute(&pool)
    .await
    .expect("role");
    let runtime = connect.username(ROLE).password(ROLE);
    let runtime_url = runtime.to_url_lossy().to_string();

    let out = Command::new(env!("CARGO_BIN_EXE_parkway"))
        .arg("migrate")
        .env("DATABASE_URL", &runtime_url)
        .env("PARKWAY_MIGRATE_DATABASE_URL", &owner_url)
        .env("PARKWAY_LOG", "warn")
        .output()
        .expect("run parkway");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("migrations applied as the owner"), "{stdout}");

    let app = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(runtime)
        .await
        .expect("connects as the runtime role");
    audit::append(&app, &NewAuditEvent::new("alice", "thing.update", "thing:new"))
        .await
        .expect("appends");
    let refused = sqlx::query("delete from audit_events")
        .execute(&app)
        .await
        .expect_err("may not delete");
    assert_eq!(
        refused.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501")
    );
    assert!(
        parkway_core::db::audit_trail_protected(&app)
            .await
            .expect("checks")
    );
}

#[test]
fn subcommands_without_a_database_say_what_to_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_parkway"))
        .args(["audit", "verify"])
        .env_remove("DATABASE_URL")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run parkway");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("DATABASE_URL is not set"), "{stderr}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn token_create_prints_a_working_token_once_and_audits_it(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let out = parkway(
        &url,
        &[
            "token",
            "create",
            "--name",
            "ci-deployer",
            "--role",
            "developer",
            "--expires",
            "30d",
        ],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    let token = stdout.trim();
    assert!(
        token.starts_with("pwk_") && token.len() == 68,
        "stdout is only the token: {stdout}"
    );
    assert!(
        stderr.contains("service account `ci-deployer` with role developer"),
        "{stderr}"
    );
    assert!(!stderr.contains(token), "the token is printed once");
    let principal = match parkway_core::identity::tokens::authenticate(&pool, token, 30)
        .await
        .expect("lookup")
    {
        parkway_core::identity::tokens::TokenCheck::Valid { principal, .. } => principal,
        other => panic!("the printed token works: {other:?}"),
    };
    assert_eq!(principal.actor(), "service:ci-deployer");
    let audited: String = sqlx::query_scalar("select actor from audit_events where action = 'token.create'")
        .fetch_one(&pool)
        .await
        .expect("audited");
    assert_eq!(audited, "system:cli");

    for (args, message) in [
        (["--role", "root", "--expires", "30d"], "unknown role `root`"),
        (
            ["--role", "leader", "--expires", "forever"],
            "expires: `forever` is not a lifetime",
        ),
    ] {
        let mut all = vec!["token", "create", "--name", "other"];
        all.extend(args);
        let out = parkway(&url, &all);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(out.stdout.is_empty(), "no token printed on failure");
    }
    let tokens: i64 = sqlx::query_scalar("select count(*) from api_tokens")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(tokens, 1, "failed attempts created nothing");
}
