//! The audit trail over HTTP: the signed chain head, and an export that says when it
//! stopped at the cap.

use std::time::Duration;

use axum::http::StatusCode;
use parkway_core::{
    audit::{self, AuditKey, NewAuditEvent},
    identity::Role,
};
use sqlx::PgPool;

mod common;

const KEY: &str = "0123456789abcdef0123456789abcdef-test";

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_chain_head_is_signed_with_the_configured_key(pool: PgPool) {
    let app = common::app_with(pool.clone(), Duration::from_secs(10), &["--audit-key", KEY]);
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;
    let newest = audit::append(
        &pool,
        &NewAuditEvent::new("system:test", "thing.update", "thing:1"),
    )
    .await
    .expect("an event");
    let answer = common::get(&app, "/api/v1/audit/head", Some(&admin)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let head = answer.json();
    assert_eq!(head["id"], newest.id);
    assert_eq!(head["hash"], hex::encode(&newest.hash));
    assert!(head["at"].as_str().is_some_and(|at| at.contains('T')), "{head}");
    let signature = hex::decode(head["signature"].as_str().expect("a signature")).expect("hex");
    let message = format!("{}:{}", newest.id, hex::encode(&newest.hash));
    assert!(
        AuditKey::new(KEY)
            .expect("key")
            .verifies(message.as_bytes(), &signature),
        "HMAC-SHA256 of `id:hash` under PARKWAY_AUDIT_KEY"
    );

    let developer = common::session_cookie(&pool, &[Role::Developer]).await;
    assert_eq!(
        common::get(&app, "/api/v1/audit/head", Some(&developer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// 100,001 matching events: the export holds the newest 100,000 and says so, in a
/// header and in the CSV's last line, instead of stopping silently.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn an_export_over_the_cap_says_so(pool: PgPool) {
    sqlx::query(
        "insert into audit_events (occurred_at, actor, action, target, payload, prev_hash, hash)
         select now(), 'system:test', 'bulk.row', 'thing:' || g, '{}'::jsonb,
                sha256(('prev' || g)::bytea), sha256(('hash' || g)::bytea)
         from generate_series(1, 100001) g",
    )
    .execute(&pool)
    .await
    .expect("bulk rows");
    let oldest_kept: i64 = sqlx::query_scalar(
        "select id from audit_events where action = 'bulk.row' order by id desc offset 99999 limit 1",
    )
    .fetch_one(&pool)
    .await
    .expect("id");
    let app = common::app(pool.clone(), Duration::from_secs(60));
    let admin = common::session_cookie(&pool, &[Role::PlatformAdmin]).await;

    let answer = common::get(&app, "/api/v1/audit/export?format=csv&action=bulk.", Some(&admin)).await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}",
        answer.body.chars().take(200).collect::<String>()
    );
    assert_eq!(answer.header("parkway-export-truncated"), "100000");
    let lines: Vec<&str> = answer.body.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 100_000 + 1, "header, the rows, the note");
    let note = lines.last().expect("a last line");
    assert!(
        note.starts_with("TRUNCATED: this export stops at 100000 events"),
        "{note}"
    );
    assert!(note.contains(&format!("before={oldest_kept}")), "{note}");

    let json = common::get(
        &app,
        "/api/v1/audit/export?format=json&action=bulk.",
        Some(&admin),
    )
    .await;
    assert_eq!(json.header("parkway-export-truncated"), "100000");
    assert_eq!(json.json().as_array().map(Vec::len), Some(100_000));

    let complete = common::get(
        &app,
        "/api/v1/audit/export?format=csv&action=audit.",
        Some(&admin),
    )
    .await;
    assert_eq!(complete.status, StatusCode::OK);
    assert!(complete.headers.get("parkway-export-truncated").is_none());
    assert!(!complete.body.contains("TRUNCATED"));
    let exports: Vec<serde_json::Value> =
        sqlx::query_scalar("select payload from audit_events where action = 'audit.export' order by id")
            .fetch_all(&pool)
            .await
            .expect("export events");
    assert_eq!(exports.len(), 3);
    assert_eq!(exports[0]["truncated"], true);
    assert_eq!(exports[0]["rows"], 100_000);
}
