//! The Parkway server: configuration, router, operational endpoints, CLI subcommands.
//! `main.rs` only parses the command line and calls in here, so tests can build the
//! same router against their own database.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clusters;
pub mod config;
pub mod demo;
pub mod error;
pub mod feeds;
pub mod health;
pub mod metrics;
pub mod onboarding;
pub mod openapi;
pub mod router;
pub mod scorecards;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::config::DbConfig;

/// Opens the pool; fails with a message that says what to set when no URL is given.
pub async fn connect(db: &DbConfig) -> anyhow::Result<PgPool> {
    let url = db.database_url.as_deref().context(
        "DATABASE_URL is not set: point it at a Postgres database, or start Parkway with `cargo xtask run`, which provides one",
    )?;
    PgPoolOptions::new()
        .max_connections(db.db_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .context("could not connect to Postgres at DATABASE_URL")
}

/// Applies pending migrations, as the owner when `PARKWAY_MIGRATE_DATABASE_URL` is set
/// and then grants the `DATABASE_URL` role its runtime privileges (only SELECT and
/// INSERT on the audit trail); otherwise over `DATABASE_URL` itself. Returns whether
/// migrations ran as a separate owner.
pub async fn apply_migrations(db: &DbConfig) -> anyhow::Result<bool> {
    let Some(owner_url) = db.migrate_database_url.as_deref() else {
        let pool = connect(db).await?;
        parkway_core::db::upgrade_tolerant_migrator()
            .run(&pool)
            .await
            .context("could not apply database migrations")?;
        pool.close().await;
        return Ok(false);
    };
    let owner = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect(owner_url)
        .await
        .context("could not connect to Postgres at PARKWAY_MIGRATE_DATABASE_URL")?;
    parkway_core::db::upgrade_tolerant_migrator()
        .run(&owner)
        .await
        .context("could not apply database migrations (as PARKWAY_MIGRATE_DATABASE_URL)")?;
    if let Some(url) = db.database_url.as_deref() {
        let runtime = PgConnectOptions::from_str(url)
            .context("DATABASE_URL is not a Postgres URL")?
            .get_username()
            .to_owned();
        let owner_role: String = sqlx::query_scalar("select current_user::text")
            .fetch_one(&owner)
            .await
            .context("could not read the owner's role name")?;
        if runtime == owner_role {
            tracing::warn!(
                role = %runtime,
                "DATABASE_URL and PARKWAY_MIGRATE_DATABASE_URL name the same role: nothing to grant"
            );
        } else {
            parkway_core::db::grant_runtime_role(&owner, &runtime).await?;
            tracing::info!(role = %runtime, "runtime role granted its privileges (audit trail: SELECT, INSERT only)");
        }
    }
    owner.close().await;
    Ok(true)
}

/// Warns when the role Parkway serves with could rewrite the audit trail (it owns the
/// table, is a superuser, or may UPDATE/DELETE/TRUNCATE it): the hash chain still
/// detects changes, but nothing stops them.
pub async fn warn_if_audit_unprotected(pool: &PgPool) {
    match parkway_core::db::audit_trail_protected(pool).await {
        Ok(true) => tracing::info!("audit trail: the runtime role may only read and append"),
        Ok(false) => tracing::warn!(
            "the audit trail is not protected from the role Parkway connects as (it owns `audit_events`, is a superuser, or may change rows): \
             set PARKWAY_MIGRATE_DATABASE_URL to the owner and DATABASE_URL to a separate runtime role (README: Database roles)"
        ),
        Err(err) => {
            tracing::warn!(error = %err, "could not check the runtime role's privileges on the audit trail")
        }
    }
}
