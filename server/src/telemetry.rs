//! Logging set-up: pretty for people, JSON for pipelines, one filter for both.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber; call once, first thing in `main`.
pub fn init(config: &LogConfig) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.log)
        .map_err(|err| anyhow::anyhow!("PARKWAY_LOG is not a valid filter ({err})"))?;
    let registry = tracing_subscriber::registry().with(filter);
    match config.log_format {
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init()?,
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(false))
            .try_init()?,
    }
    Ok(())
}
