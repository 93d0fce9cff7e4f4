//! All configuration, parsed once in `main` from flags or `PARKWAY_…` environment
//! variables (see `.env.sample`), then passed down.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "parkway",
    version,
    about = "Parkway, the internal developer portal for the Kubernetes paved road."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeConfig,
    #[command(flatten)]
    pub db: DbConfig,
    #[command(flatten)]
    pub log: LogConfig,
}

/// Without a subcommand, `parkway` serves the portal.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations and exit (serving also migrates at start-up).
    Migrate,
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-compute the whole hash chain; exits non-zero naming the first bad row.
    Verify,
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address and port to serve HTTP on.
    #[arg(long, env = "PARKWAY_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,
    /// Folder holding the compiled site (`pkg/` with the WebAssembly, CSS and assets)
    /// that cargo-leptos writes.
    #[arg(long, env = "PARKWAY_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Longest a request may take before it is answered with 408; also bounds how long
    /// shutdown waits for requests in flight.
    #[arg(long, env = "PARKWAY_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
}

impl ServeConfig {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// Postgres connection URL. `cargo xtask run` sets it to its private cluster.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Upper bound on pooled Postgres connections per replica.
    #[arg(long, env = "PARKWAY_DB_MAX_CONNECTIONS", global = true, default_value_t = 10)]
    pub db_max_connections: u32,
}

#[derive(Debug, Clone, Args)]
pub struct LogConfig {
    /// `pretty` for people, `json` for log pipelines.
    #[arg(long, env = "PARKWAY_LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Which events to log, in `tracing` filter syntax (e.g. `info,parkway_core=debug`).
    #[arg(long, env = "PARKWAY_LOG", global = true, default_value = "info,sqlx=warn")]
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}
