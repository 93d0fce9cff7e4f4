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
    router,
    state::AppState,
};
use parkway_core::{
    cluster::CacheOptions,
    identity::{role_mappings, sessions, users},
};

pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = &cli.serve;
    // Refusals of the configuration come before anything is touched.
    let auth = AuthSettings::from_config(&cli.auth, config.listen)?;
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
    if !matches!(auth.sign_in, SignIn::Dev) {
        remove_development_access(&pool).await?;
    }
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
    let app = router::build(state, config.request_timeout())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
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
    drop(running);
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

/// Without development sign-in, nothing it handed out may keep working: the demo
/// users' sessions and tokens and the `parkway-demo-*` mappings go (audited).
pub async fn remove_development_access(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    let removed = users::remove_development_access(pool, dev::DEV_ISSUER, "system:configuration")
        .await
        .context("could not remove what the development sign-in handed out")?;
    if !removed.is_empty() {
        tracing::warn!(
            sessions = removed.sessions_ended,
            tokens = removed.tokens_revoked.len(),
            mappings = ?removed.mappings_removed,
            "development sign-in is off: removed the demo users' sessions, tokens and role mappings"
        );
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
