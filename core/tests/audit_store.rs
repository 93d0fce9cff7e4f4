//! The audit chain against a real Postgres: each test gets a fresh migrated database.

use parkway_core::audit::model::GENESIS_HASH;
use parkway_core::audit::security::{Recorded, Refusal, RefusalKind, Refusals};
use parkway_core::audit::{self, BreakReason, ChainHead, Error, HeadCheck, NewAuditEvent};
use parkway_core::identity::{Role, role_mappings};
use serde_json::json;
use sqlx::{PgPool, postgres::PgPoolOptions};

fn event(i: usize) -> NewAuditEvent {
    NewAuditEvent::new("alice@example.com", "thing.update", format!("thing:{i}"))
        .with_payload(json!({ "before": { "replicas": i }, "after": { "replicas": i + 1, "labels": { "z": 1, "a": [1.5, "x", null] } } }))
        .with_request_id(format!("req-{i}"))
}

/// `verify` finds `rows` rows and nothing wrong.
async fn assert_intact(pool: &PgPool, rows: u64) {
    let verification = audit::verify(pool).await.expect("verify");
    assert!(verification.is_intact(), "{verification:?}");
    assert_eq!(verification.rows, rows);
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

    assert_intact(&pool, 5).await;
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn empty_log_verifies(pool: PgPool) {
    assert_intact(&pool, 0).await;
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
    assert_intact(&pool, 2).await;
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

    let verification = audit::verify(&pool).await.expect("verify");
    assert!(!verification.is_intact(), "a tampered chain must not verify");
    let [first_bad] = verification.breaks.as_slice() else {
        panic!("exactly the edited row is named: {:?}", verification.breaks);
    };
    assert_eq!(first_bad.id, ids[2]);
    assert_eq!(first_bad.reason, BreakReason::ContentChanged);
    assert_eq!(verification.rows, 5, "every row was read");
    assert!(
        first_bad.to_string().contains(&ids[2].to_string()),
        "the message names the row"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn removed_row_breaks_the_next_link(pool: PgPool) {
    let ids = append_n(&pool, 4).await;
    tamper(&pool, "delete from audit_events where id = $1", ids[1]).await;

    let verification = audit::verify(&pool).await.expect("verify");
    let [first_bad] = verification.breaks.as_slice() else {
        panic!(
            "a chain with a hole names the row after it: {:?}",
            verification.breaks
        );
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
    assert_intact(&pool, 16).await;
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn event_rolls_back_with_the_callers_transaction(pool: PgPool) {
    let mut tx = pool.begin().await.expect("begin");
    audit::append(&mut *tx, &event(0)).await.expect("append in tx");
    tx.rollback().await.expect("rollback");

    append_n(&pool, 1).await;
    assert_intact(&pool, 1).await;
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn invalid_event_is_refused_before_touching_the_database(pool: PgPool) {
    let err = audit::append(&pool, &NewAuditEvent::new("", "x", "y"))
        .await
        .expect_err("blank actor");
    assert!(matches!(err, Error::Invalid { field: "actor", .. }));
    assert_intact(&pool, 0).await;
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

/// Postgres' `jsonb` rewrites numbers (`-0.0` → `0.0`, `1e19` → `10000000000000000000`);
/// the hash covers the payload as stored, so such rows verify like any other.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn payloads_verify_in_the_form_postgres_stores_them(pool: PgPool) {
    let tricky = json!({
        "negative_zero": -0.0,
        "beyond_2_to_the_53": 12_345_678_901_234_567_890_u64,
        "integral_float": 1e19,
        "huge": 1.5e300,
        "text": "Zürich ✓ 東京",
        "nested": { "b": [-0.0, 0.1, -1], "a": "tab\there \u{1F600}" },
    });
    let stored = audit::append(
        &pool,
        &NewAuditEvent::new("user:zoë@example.com", "thing.update", "thing:Zürich").with_payload(tricky),
    )
    .await
    .expect("append");
    audit::append(&pool, &event(1)).await.expect("append after it");

    assert_intact(&pool, 2).await;
    assert_eq!(stored.payload["text"], "Zürich ✓ 東京");
    assert_eq!(
        stored.payload["beyond_2_to_the_53"].as_u64(),
        Some(12_345_678_901_234_567_890)
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn verify_names_every_broken_row(pool: PgPool) {
    let ids = append_n(&pool, 6).await;
    tamper(
        &pool,
        "update audit_events set actor = 'mallory' where id = $1",
        ids[1],
    )
    .await;
    tamper(&pool, "delete from audit_events where id = $1", ids[3]).await;

    let verification = audit::verify(&pool).await.expect("verify");
    let found: Vec<(i64, BreakReason)> = verification.breaks.iter().map(|b| (b.id, b.reason)).collect();
    assert_eq!(
        found,
        [
            (ids[1], BreakReason::ContentChanged),
            (ids[4], BreakReason::BrokenLink)
        ]
    );
    assert_eq!(verification.rows, 5);
    assert!(!verification.is_intact());
}

/// Cutting off the newest rows leaves a chain that links up on its own; a head
/// published before the cut still gives it away.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn an_expected_head_detects_a_truncated_or_rewritten_tail(pool: PgPool) {
    let ids = append_n(&pool, 3).await;
    let published = audit::store::head(&pool).await.expect("head");
    assert_eq!(published.id, ids[2]);
    append_n(&pool, 2).await;

    let grown = audit::verify_against(&pool, Some(published))
        .await
        .expect("verify");
    assert!(grown.is_intact(), "{grown:?}");
    assert_eq!(grown.expected, Some((published, HeadCheck::Present)));

    let forged = ChainHead {
        id: ids[1],
        hash: [7; 32],
    };
    let rewritten = audit::verify_against(&pool, Some(forged)).await.expect("verify");
    assert_eq!(rewritten.expected, Some((forged, HeadCheck::Rewritten)));
    assert!(!rewritten.is_intact());

    tamper(&pool, "delete from audit_events where id >= $1", ids[2]).await;
    let cut = audit::verify_against(&pool, Some(published))
        .await
        .expect("verify");
    assert!(cut.breaks.is_empty(), "what is left links up: {:?}", cut.breaks);
    assert_eq!(cut.expected, Some((published, HeadCheck::Missing)));
    assert_eq!(cut.head.id, ids[1]);
    assert!(!cut.is_intact(), "the published head is gone");
    assert!(
        audit::verify(&pool).await.expect("verify").is_intact(),
        "without the head, truncation is invisible"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_head_of_an_empty_trail_is_the_genesis(pool: PgPool) {
    assert_eq!(audit::store::head(&pool).await.expect("head"), ChainHead::EMPTY);
    let ids = append_n(&pool, 2).await;
    let head = audit::store::head(&pool).await.expect("head");
    let stored: Vec<u8> = sqlx::query_scalar("select hash from audit_events where id = $1")
        .bind(ids[1])
        .fetch_one(&pool)
        .await
        .expect("hash");
    assert_eq!((head.id, head.hash.to_vec()), (ids[1], stored));
}

/// A role for the tests to serve as. Roles are cluster-wide: created once, with a
/// password in case the server asks for one, tolerating a concurrent creator.
const RUNTIME_ROLE: &str = "parkway_test_runtime";

async fn runtime_pool(pool: &PgPool) -> PgPool {
    // The role name is a constant of this test.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "do $$ begin create role {RUNTIME_ROLE} login password '{RUNTIME_ROLE}';
         exception when duplicate_object or unique_violation then null; end $$"
    )))
    .execute(pool)
    .await
    .expect("the runtime role exists");
    parkway_core::db::grant_runtime_role(pool, RUNTIME_ROLE)
        .await
        .expect("grants");
    let options = (*pool.connect_options())
        .clone()
        .username(RUNTIME_ROLE)
        .password(RUNTIME_ROLE);
    PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .expect("connects as the runtime role")
}

/// Tamper-evident against the database owner too: the role Parkway serves with can
/// append, but cannot change, remove or truncate rows, nor switch the trigger off.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn the_runtime_role_can_append_but_never_rewrite_history(pool: PgPool) {
    append_n(&pool, 2).await;
    let app = runtime_pool(&pool).await;
    assert!(
        parkway_core::db::audit_trail_protected(&app)
            .await
            .expect("checks")
    );
    assert!(
        !parkway_core::db::audit_trail_protected(&pool)
            .await
            .expect("checks"),
        "the superuser the tests migrate with could rewrite it"
    );

    audit::append(&app, &event(7))
        .await
        .expect("the runtime role appends");
    let added = role_mappings::seed(&app, &[("sre".to_owned(), Role::Leader)], "system:test")
        .await
        .expect("and writes ordinary tables");
    assert_eq!(added, 1);
    for statement in [
        "update audit_events set actor = 'mallory'",
        "delete from audit_events",
        "alter table audit_events disable trigger all",
        "truncate audit_events",
        "delete from _sqlx_migrations",
    ] {
        let err = sqlx::query(statement).execute(&app).await.expect_err(statement);
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(
            code.as_deref(),
            Some("42501"),
            "{statement} must be refused for lack of privilege: {err}"
        );
    }
    assert_intact(&pool, 4).await;
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn refusals_are_audited_up_to_the_rate_limit(pool: PgPool) {
    let refusals = Refusals::new(3, 100);
    let refusal = |actor: &str, kind: RefusalKind| Refusal {
        kind,
        actor: actor.to_owned(),
        attempted: "audit.export".to_owned(),
        target: "audit-log".to_owned(),
        reason: "role developer does not allow audit.export".to_owned(),
        request_id: Some("req-7".to_owned()),
    };
    let mut outcomes = Vec::new();
    for _ in 0..5 {
        outcomes.push(
            refusals
                .record(&pool, &refusal("user:eve", RefusalKind::Authorization))
                .await,
        );
    }
    use Recorded::{Dropped, Written};
    assert_eq!(outcomes, [Written, Written, Written, Dropped, Dropped]);
    assert_eq!(
        refusals
            .record(&pool, &refusal("user:bob", RefusalKind::Authorization))
            .await,
        Written,
        "one actor's flood does not silence another"
    );
    assert_eq!(refusals.dropped(), 2);

    refusals.spawn(pool.clone(), refusal("anonymous", RefusalKind::Csrf));
    let mut csrf = 0_i64;
    for _ in 0..100 {
        csrf = sqlx::query_scalar("select count(*) from audit_events where action = 'csrf.refused'")
            .fetch_one(&pool)
            .await
            .expect("count");
        if csrf > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(csrf, 1, "the fire-and-forget refusal is written");

    let rows: Vec<(String, String, serde_json::Value, Option<String>)> =
        sqlx::query_as("select actor, action, payload, request_id from audit_events order by id")
            .fetch_all(&pool)
            .await
            .expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].1, "auth.refused");
    assert_eq!(rows[0].2["attempted"], "audit.export");
    assert_eq!(rows[0].3.as_deref(), Some("req-7"));
    assert_eq!(rows[3].0, "user:bob");
    assert_intact(&pool, 5).await;
}
