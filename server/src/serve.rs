//! `parkway` without a subcommand: migrate, then serve until SIGTERM or Ctrl-C.

use std::sync::Arc;

use anyhow::Context;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::{
    auth::{AuthSettings, SignIn, dev},
    clusters,
    config::Cli,
    connect,
    metrics::Metrics,
    router::{self, MetricsAt},
    state::AppState,
};
use parkway_core::{
    cluster::CacheOptions,
    identity::{role_mappings, sessions},
};

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
    let auth = AuthSettings::from_config(&cli.auth, config.listen)?;
    seed_role_mappings(&pool, &auth).await?;
    match &auth.sign_in {
        SignIn::Oidc(_) => {
            tracing::info!(issuer = ?cli.auth.oidc_issuer, "sign-in through the OpenID Provider")
        }
        SignIn::Dev => {
            tracing::warn!("DEVELOPMENT SIGN-IN is on: anyone reaching this server can act as any demo user")
        }
        SignIn::Disabled => tracing::warn!(
            "no sign-in configured: set PARKWAY_OIDC_ISSUER (or PARKWAY_DEV_SIGN_IN=1 for a local demo); only API tokens work"
        ),
    }
    let (configs, demo) = clusters::configure(&cli.clusters).await?;
    let options = CacheOptions {
        probe_every: cli.clusters.probe_every(),
        ..CacheOptions::default()
    };
    let running = clusters::start(&pool, configs, options, cli.clusters.sync_every()).await?;
    let state = AppState {
        leptos_options,
        services: parkway_core::Services {
            pool: pool.clone(),
            clusters: running.clusters.clone(),
            catalog_facets: Default::default(),
        },
        metrics: Arc::new(Metrics::default()),
        auth: Arc::new(auth),
        sync: running.sync.clone(),
        demo: Arc::new(demo),
    };
    tokio::spawn(purge_sessions(pool.clone(), state.auth.sessions));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics_server = match config.metrics_listen {
        Some(address) => Some(serve_metrics(address, &state, config.request_timeout(), stopped).await?),
        None => None,
    };
    let app = router::build_with(state, config.request_timeout(), MetricsAt::from_config(config))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = TcpListener::bind(config.listen).await.with_context(|| {
        format!(
            "could not listen on {} (is another Parkway running?)",
            config.listen
        )
    })?;
    tracing::info!(address = %config.listen, "Parkway is serving on http://{}", config.listen);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await
        .context("server error")?;
    if let Some(server) = metrics_server {
        match server.await {
            Ok(result) => result.context("metrics server error")?,
            Err(err) => tracing::warn!(error = %err, "the metrics server did not stop cleanly"),
        }
    }
    drop(running);
    pool.close().await;
    tracing::info!("Parkway stopped");
    Ok(())
}

/// Serves `/metrics` alone on `address` (`PARKWAY_METRICS_LISTEN`) until `stopped`
/// turns true.
async fn serve_metrics(
    address: std::net::SocketAddr,
    state: &AppState,
    request_timeout: std::time::Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let listener = TcpListener::bind(address).await.with_context(|| {
        format!("could not listen for metrics on {address} (PARKWAY_METRICS_LISTEN; is the port taken?)")
    })?;
    tracing::info!(address = %address, "metrics are served on http://{address}/metrics");
    let app = router::metrics_only(state.clone(), request_timeout);
    Ok(tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await
    }))
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

/// Adds configured (and, in development mode, the demo) group-to-role mappings.
async fn seed_role_mappings(pool: &sqlx::PgPool, auth: &AuthSettings) -> anyhow::Result<()> {
    let mut pairs = auth.seed_mappings.clone();
    if matches!(auth.sign_in, SignIn::Dev) {
        pairs.extend(dev::mappings());
    }
    let added = role_mappings::seed(pool, &pairs, "system:configuration")
        .await
        .context("could not seed role mappings")?;
    if added > 0 {
        tracing::info!(added, "role mappings seeded from configuration");
    }
    Ok(())
}

/// Deletes expired sessions and abandoned sign-ins every ten minutes.
async fn purge_sessions(pool: sqlx::PgPool, policy: sessions::SessionPolicy) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match sessions::purge_expired(&pool, policy).await {
            Ok(0) => {}
            Ok(removed) => tracing::debug!(removed, "expired sessions purged"),
            Err(err) => tracing::warn!(error = %err, "could not purge expired sessions"),
        }
    }
}
