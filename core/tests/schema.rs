//! What a replica checks before serving a shared database during a rolling upgrade:
//! every migration it was built with is applied unchanged, and migrations of a newer
//! release are fine, for the check and for the migrator alike.

use parkway_core::db::{SchemaBehind, check_schema, upgrade_tolerant_migrator};
use sqlx::PgPool;

#[sqlx::test(migrations = false)]
async fn an_empty_database_is_unmigrated_until_migrated(pool: PgPool) {
    assert!(matches!(check_schema(&pool).await, Err(SchemaBehind::Unmigrated)));
    upgrade_tolerant_migrator().run(&pool).await.expect("migrates");
    check_schema(&pool).await.expect("current");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_missing_or_changed_migration_is_named(pool: PgPool) {
    check_schema(&pool).await.expect("current");
    let newest: i64 = sqlx::query_scalar("select max(version) from _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .expect("newest");
    sqlx::query("update _sqlx_migrations set checksum = '\\x00'::bytea where version = $1")
        .bind(newest)
        .execute(&pool)
        .await
        .expect("changed");
    match check_schema(&pool).await {
        Err(SchemaBehind::Changed { version }) => assert_eq!(version, newest),
        other => panic!("{other:?}"),
    }
    sqlx::query("delete from _sqlx_migrations where version = $1")
        .bind(newest)
        .execute(&pool)
        .await
        .expect("removed");
    let behind = check_schema(&pool).await.expect_err("behind");
    assert!(
        matches!(behind, SchemaBehind::Missing { count: 1, .. }),
        "{behind:?}"
    );
    assert!(behind.to_string().contains(&newest.to_string()), "{behind}");
    assert!(behind.to_string().contains("parkway migrate"), "{behind}");
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_database_migrated_by_a_newer_release_is_accepted(pool: PgPool) {
    // What the next release's migration leaves behind.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99991231000000, 'from a newer release', true, '\\x01'::bytea, 1)",
    )
    .execute(&pool)
    .await
    .expect("newer migration");
    check_schema(&pool).await.expect("an older release still serves");
    // And an old replica that restarts and migrates on start does not refuse it either.
    upgrade_tolerant_migrator().run(&pool).await.expect("tolerated");
    let strict = parkway_core::db::MIGRATOR.run(&pool).await;
    assert!(
        strict.is_err(),
        "sqlx's own migrator refuses it, which is why the tolerant one exists"
    );
}
