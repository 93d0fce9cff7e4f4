//! Database plumbing shared by the server, the CLI subcommands and the tests.

use sqlx::{PgPool, migrate::Migrator};

/// The forward-only migrations in `migrations/`, embedded at compile time so the
/// binary migrates the database it is pointed at without shipping SQL files beside it.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The migrator a release runs against a shared database: [`MIGRATOR`], except that
/// migrations applied by a *newer* release are accepted. During a rolling upgrade the
/// new release migrates first; an old replica that restarts meanwhile must still start
/// (migrations are expand/contract, so the old queries still work), where sqlx would
/// refuse with "migration … was previously applied but is missing".
pub fn upgrade_tolerant_migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(MIGRATOR.iter().cloned().collect());
    migrator.set_ignore_missing(true);
    migrator
}

/// Why the schema cannot serve this release yet.
#[derive(Debug, thiserror::Error)]
pub enum SchemaBehind {
    #[error("the database has no migration history yet: run `parkway migrate`")]
    Unmigrated,
    #[error(
        "the database lacks {count} migration(s) this release needs, first {first}: run `parkway migrate` (the Job in deploy/migrate-job.yaml)"
    )]
    Missing { count: usize, first: String },
    #[error(
        "migration {version} in the database differs from the one this release was built with (edited after it was applied?)"
    )]
    Changed { version: i64 },
    #[error("could not read the migration history: {0}")]
    Unreadable(#[source] sqlx::Error),
}

/// Checks, without changing anything, that every migration this release embeds is
/// applied with the same checksum; migrations of newer releases are fine. Serving
/// replicas that do not migrate themselves (`PARKWAY_MIGRATE_ON_START=false`) wait on
/// this, so a rollout cannot outrun the migration Job.
pub async fn check_schema(pool: &PgPool) -> Result<(), SchemaBehind> {
    let exists: bool = sqlx::query_scalar("select to_regclass('_sqlx_migrations') is not null")
        .fetch_one(pool)
        .await
        .map_err(SchemaBehind::Unreadable)?;
    if !exists {
        return Err(SchemaBehind::Unmigrated);
    }
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("select version, checksum from _sqlx_migrations where success")
            .fetch_all(pool)
            .await
            .map_err(SchemaBehind::Unreadable)?;
    let applied: std::collections::HashMap<i64, Vec<u8>> = applied.into_iter().collect();
    let mut missing = MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .filter(|m| !applied.contains_key(&m.version));
    if let Some(first) = missing.next() {
        return Err(SchemaBehind::Missing {
            count: 1 + missing.count(),
            first: format!("{} {}", first.version, first.description),
        });
    }
    for migration in MIGRATOR.iter().filter(|m| !m.migration_type.is_down_migration()) {
        if applied.get(&migration.version).map(Vec::as_slice) != Some(migration.checksum.as_ref()) {
            return Err(SchemaBehind::Changed {
                version: migration.version,
            });
        }
    }
    Ok(())
}

/// SQLSTATE raised by Parkway's own triggers when a caller tries to change an
/// append-only table. Mapped by code so message wording can change freely.
pub const APPEND_ONLY_SQLSTATE: &str = "PW001";

/// Gives `role` (the role Parkway serves with) what it needs and no more: SELECT,
/// INSERT, UPDATE, DELETE on Parkway's tables, but only SELECT and INSERT on
/// `audit_events` and only SELECT on the migration history; sequences to draw ids.
/// Without UPDATE, DELETE or TRUNCATE on `audit_events`, and without owning it (so it
/// cannot `ALTER TABLE … DISABLE TRIGGER`), that role cannot change history even with
/// a bug or an injection in Parkway. Run by the owner after every migration (tables
/// added later get their grants the same way); idempotent.
pub async fn grant_runtime_role(owner: &PgPool, role: &str) -> Result<(), GrantError> {
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_roles where rolname = $1)")
        .bind(role)
        .fetch_one(owner)
        .await?;
    if !exists {
        return Err(GrantError::NoSuchRole(role.to_owned()));
    }
    let (role, schema): (String, String) =
        sqlx::query_as("select quote_ident($1), quote_ident(current_schema())")
            .bind(role)
            .fetch_one(owner)
            .await?;
    // sqlx's bookkeeping table exists wherever the migrator ran (not in a database
    // migrated by other means, such as the scratch one `cargo xtask prepare` uses).
    let history: bool = sqlx::query_scalar(
        "select to_regclass(quote_ident(current_schema()) || '._sqlx_migrations') is not null",
    )
    .fetch_one(owner)
    .await?;
    let mut statements = vec![
        format!("grant usage on schema {schema} to {role}"),
        format!("grant select, insert, update, delete on all tables in schema {schema} to {role}"),
        format!("grant usage on all sequences in schema {schema} to {role}"),
        format!("revoke update, delete, truncate, references, trigger on {schema}.audit_events from {role}"),
    ];
    if history {
        statements.push(format!(
            "revoke insert, update, delete, truncate, references, trigger on {schema}._sqlx_migrations from {role}"
        ));
    }
    let mut tx = owner.begin().await?;
    for statement in statements {
        // Safe: the only inputs are the role and schema names, quoted by `quote_ident`.
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx.commit().await?)
}

/// Why the runtime role could not be given its grants.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error(
        "the role `{0}` (the user in DATABASE_URL) does not exist: create it first, e.g. `create role {0} login password '…'`"
    )]
    NoSuchRole(String),
    #[error("could not grant the runtime role its privileges: {0}")]
    Database(#[from] sqlx::Error),
}

/// Whether the connected role cannot rewrite the audit trail: it is no superuser, and
/// neither owns `audit_events` nor is a member of its owner (either could switch its
/// append-only trigger off), and has no UPDATE, DELETE or TRUNCATE on it.
pub async fn audit_trail_protected(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "select not (r.rolsuper
                     or pg_has_role(current_user, c.relowner, 'MEMBER')
                     or has_table_privilege(c.oid, 'UPDATE, DELETE, TRUNCATE'))
         from pg_roles r, pg_class c
         where r.rolname = current_user and c.oid = 'audit_events'::regclass",
    )
    .fetch_one(pool)
    .await
}
