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
pub mod health;
pub mod metrics;
pub mod openapi;
pub mod router;
pub mod security;
pub mod serve;
pub mod state;
pub mod telemetry;

use std::time::Duration;

use anyhow::Context;
use sqlx::{PgPool, postgres::PgPoolOptions};

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
