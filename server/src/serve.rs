//! `parkway` without a subcommand: migrate, then serve until SIGTERM or Ctrl-C.

use std::sync::Arc;

use anyhow::Context;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::{config::Cli, connect, metrics::Metrics, router, state::AppState};

pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = &cli.serve;
    let pool = connect(&cli.db).await?;
    parkway_core::db::MIGRATOR
        .run(&pool)
        .await
        .context("could not apply database migrations")?;
    let leptos_options = LeptosOptions::builder()
        .output_name("parkway")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let state = AppState {
        leptos_options,
        pool: pool.clone(),
        metrics: Arc::new(Metrics::default()),
    };
    let app = router::build(state, config.request_timeout());
    let listener = TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "could not listen on {} (is another Parkway running?)",
            config.listen
        )
    })?;
    tracing::info!(address = %config.listen, "Parkway is serving on http://{}", config.listen);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    pool.close().await;
    tracing::info!("Parkway stopped");
    Ok(())
}

/// Resolves on SIGTERM (Kubernetes) or Ctrl-C; in-flight requests then get up to the
/// request timeout to finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
