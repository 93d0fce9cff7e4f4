//! Database plumbing shared by the server, the CLI subcommands and the tests.

use sqlx::migrate::Migrator;

/// The forward-only migrations in `migrations/`, embedded at compile time so the
/// binary migrates the database it is pointed at without shipping SQL files beside it.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// SQLSTATE raised by Parkway's own triggers when a caller tries to change an
/// append-only table. Mapped by code so message wording can change freely.
pub const APPEND_ONLY_SQLSTATE: &str = "PW001";
