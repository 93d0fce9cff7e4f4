//! The audit chain against a real Postgres: each test gets a fresh migrated database.

use parkway_core::audit::model::GENESIS_HASH;
use parkway_core::audit::{self, BreakReason, Error, NewAuditEvent, Verification};
use serde_json::json;
use sqlx::PgPool;

fn event(i: usize) -> NewAuditEvent {
    NewAuditEvent::new("alice@example.com", "thing.update", format!("thing:{i}"))
        .with_payload(json!({ "before": { "replicas": i }, "after": { "replicas": i + 1, "labels": { "z": 1, "a": [1.5, "x", null] } } }))
        .with_request_id(format!("req-{i}"))
}

async fn append_n(pool: &PgPool, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(audit::append(pool, &event(i)).await.expect("append").id);
    }
    ids
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn appended_events_form_a_verifiable_chain(pool: PgPool) {
    let first = audit::append(&pool, &event(0)).await.expect("append");
    let second = audit::append(&pool, &event(1)).await.expect("append");
    assert_eq!(
        first.prev_hash,
        GENESIS_HASH.to_vec(),
        "the first event chains onto the genesis hash"
    );
    assert_eq!(
        second.prev_hash, first.hash,
        "each event chains onto its predecessor"
    );
    append_n(&pool, 3).await;

    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 5 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn empty_log_verifies(pool: PgPool) {
    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 0 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn update_delete_and_truncate_are_rejected(pool: PgPool) {
    append_n(&pool, 2).await;
    for statement in [
        "update audit_events set actor = 'mallory'",
        "delete from audit_events",
        "truncate audit_events",
    ] {
        let err = sqlx::query(statement).execute(&pool).await.expect_err(statement);
        assert!(
            matches!(Error::from(err), Error::AppendOnly),
            "{statement} must be refused as append-only"
        );
    }
    let count: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(count, 2, "nothing was changed");
    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 2 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn edited_payload_is_named_as_first_bad_row(pool: PgPool) {
    let ids = append_n(&pool, 5).await;
    tamper(
        &pool,
        "update audit_events set payload = '{\"after\": {\"replicas\": 100}}' where id = $1",
        ids[2],
    )
    .await;

    let Verification::Broken { checked, first_bad } = audit::verify(&pool).await.expect("verify") else {
        panic!("a tampered chain must not verify");
    };
    assert_eq!(first_bad.id, ids[2]);
    assert_eq!(first_bad.reason, BreakReason::ContentChanged);
    assert_eq!(checked, 2, "the two rows before it still verify");
    assert!(
        first_bad.to_string().contains(&ids[2].to_string()),
        "the message names the row"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn removed_row_breaks_the_next_link(pool: PgPool) {
    let ids = append_n(&pool, 4).await;
    tamper(&pool, "delete from audit_events where id = $1", ids[1]).await;

    let Verification::Broken { first_bad, .. } = audit::verify(&pool).await.expect("verify") else {
        panic!("a chain with a hole must not verify");
    };
    assert_eq!(first_bad.id, ids[2]);
    assert_eq!(first_bad.reason, BreakReason::BrokenLink);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn concurrent_appends_keep_one_linear_chain(pool: PgPool) {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move { audit::append(&pool, &event(i)).await.map(|r| r.id) })
        })
        .collect();
    for task in tasks {
        task.await.expect("join").expect("append");
    }
    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 16 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn event_rolls_back_with_the_callers_transaction(pool: PgPool) {
    let mut tx = pool.begin().await.expect("begin");
    audit::append(&mut *tx, &event(0)).await.expect("append in tx");
    tx.rollback().await.expect("rollback");

    append_n(&pool, 1).await;
    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 1 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn invalid_event_is_refused_before_touching_the_database(pool: PgPool) {
    let err = audit::append(&pool, &NewAuditEvent::new("", "x", "y"))
        .await
        .expect_err("blank actor");
    assert!(matches!(err, Error::Invalid { field: "actor", .. }));
    assert_eq!(
        audit::verify(&pool).await.expect("verify"),
        Verification::Intact { rows: 0 }
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn set_updated_at_trigger_stamps_updates(pool: PgPool) {
    for statement in [
        "create table widgets (id int primary key, name text, updated_at timestamptz not null default '2000-01-01')",
        "create trigger widgets_updated_at before update on widgets for each row execute function set_updated_at()",
        "insert into widgets (id, name) values (1, 'a')",
        "update widgets set name = 'b' where id = 1",
    ] {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    let recent: bool =
        sqlx::query_scalar("select updated_at > now() - interval '1 minute' from widgets where id = 1")
            .fetch_one(&pool)
            .await
            .expect("select");
    assert!(recent, "the trigger set updated_at to now()");
}

/// Changes history the way an attacker with table access would: with the guard trigger
/// switched off for the duration.
async fn tamper(pool: &PgPool, statement: &'static str, id: i64) {
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("alter table audit_events disable trigger audit_events_append_only")
        .execute(&mut *tx)
        .await
        .expect("disable trigger");
    sqlx::query(statement)
        .bind(id)
        .execute(&mut *tx)
        .await
        .expect("tamper");
    sqlx::query("alter table audit_events enable trigger audit_events_append_only")
        .execute(&mut *tx)
        .await
        .expect("enable trigger");
    tx.commit().await.expect("commit");
}
