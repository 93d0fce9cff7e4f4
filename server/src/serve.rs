//! `parkway` without a subcommand: migrate, then serve until SIGTERM or Ctrl-C.

use std::sync::Arc;

use anyhow::Context;
use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;

use crate::{
    apply_migrations,
    auth::{AuthSettings, SignIn, dev},
    clusters,
    config::{AuditArgs, Cli},
    connect,
    metrics::Metrics,
    router::{self, MetricsAt},
    state::AppState,
    warn_if_audit_unprotected,
};
use parkway_core::{
    audit::{self, AuditKey, SignedHead},
    cluster::CacheOptions,
    identity::{role_mappings, sessions, users},
};

pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    let config = &cli.serve;
    // Refusals of the configuration come before anything is touched.
    let auth = AuthSettings::from_config(&cli.auth, config.listen)?;
    let pool = if cli.db.migrate_on_start {
        apply_migrations(&cli.db).await?;
        connect(&cli.db).await?
    } else {
        let pool = connect(&cli.db).await?;
        wait_for_schema(&pool).await;
        pool
    };
    warn_if_audit_unprotected(&pool).await;
    let audit_key = Arc::new(audit_key(&cli.audit)?);
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
            import_limit: cli.import.limit(),
            onboarding: parkway_core::onboarding::Settings {
                team_group_prefix: cli.auth.team_group_prefix.clone(),
            },
            scorecards: parkway_core::scorecards::Settings {
                sealing_key: parkway_core::scorecards::webhooks::SealingKey::derive(&audit_key),
                ..cli.scorecards.settings()
            },
            ..parkway_core::Services::new(pool.clone(), running.clusters.clone())
        },
        metrics: Arc::new(Metrics::default()),
        auth: Arc::new(auth),
        sync: running.sync.clone(),
        demo: Arc::new(demo),
        audit_key: audit_key.clone(),
        probe: crate::health::ProbePool::beside(&pool),
    };
    state.services.watch().await;
    // Load the catalog index in the background: ready at once, and the first catalog
    // page finds it (or waits for this one load) instead of starting its own.
    let services = state.services.clone();
    tokio::spawn(async move {
        if let Err(err) = services.catalog_index.index(&services.pool).await {
            tracing::warn!(error = %err, "could not load the catalog index yet");
        }
    });
    let onboarding = crate::onboarding::start(&state, &cli.clusters).await;
    let scorecards = tokio::spawn(crate::scorecards::refresh_loop(
        state.services.clone(),
        cli.scorecards.refresh_every(),
        cli.scorecards.maturity_every(),
    ));
    tokio::spawn(purge_sessions(pool.clone(), state.auth.sessions));
    tokio::spawn(publish_audit_head(pool.clone(), audit_key));
    tokio::spawn(sample_coverage(state.services.clone()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics_server = match config.metrics_listen {
        Some(address) => Some(serve_metrics(address, &state, config.request_timeout(), stopped).await?),
        None => None,
    };
    let app = router::build_with(state, config.request_timeout(), MetricsAt::from_config(config))
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "could not listen on {} (is another Parkway running?)",
                config.listen
            )
        })?
        .tap_io(no_delay);
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
    drop(onboarding);
    scorecards.abort();
    drop(running);
    pool.close().await;
    tracing::info!("Parkway stopped");
    Ok(())
}

/// Turns Nagle's algorithm off on every accepted connection. A page is streamed in
/// several writes (head, then the rendered body as its parts resolve); with Nagle on,
/// each write after the first waited for the browser's delayed acknowledgement, about
/// 40 ms, so every page took at least that long however fast it rendered.
fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(err) = stream.set_nodelay(true) {
        tracing::debug!(error = %err, "could not set TCP_NODELAY on a connection");
    }
}

/// Waits (logging why every ten seconds) until the database holds every migration this
/// release was built with: the migration Job of a rollout may still be running.
async fn wait_for_schema(pool: &sqlx::PgPool) {
    let mut attempt = 0u32;
    loop {
        match parkway_core::db::check_schema(pool).await {
            Ok(()) => return,
            Err(behind) => {
                if attempt.is_multiple_of(10) {
                    tracing::warn!(reason = %behind, "waiting for the schema (PARKWAY_MIGRATE_ON_START=false)");
                }
            }
        }
        attempt += 1;
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// Serves `/metrics` alone on `address` (`PARKWAY_METRICS_LISTEN`) until `stopped`
/// turns true.
async fn serve_metrics(
    address: std::net::SocketAddr,
    state: &AppState,
    request_timeout: std::time::Duration,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<std::io::Result<()>>> {
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| {
            format!("could not listen for metrics on {address} (PARKWAY_METRICS_LISTEN; is the port taken?)")
        })?
        .tap_io(no_delay);
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
pub async fn shutdown_signal() {
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

/// `PARKWAY_AUDIT_KEY`, or a random key for this process (with a warning: heads it
/// signs cannot be checked against anything after a restart).
pub fn audit_key(args: &AuditArgs) -> anyhow::Result<AuditKey> {
    match &args.audit_key {
        Some(secret) => AuditKey::new(secret.expose()).map_err(|reason| anyhow::anyhow!(reason)),
        None => {
            tracing::warn!(
                "PARKWAY_AUDIT_KEY is not set: the published audit chain head is signed with a random key that changes on every start"
            );
            Ok(AuditKey::ephemeral())
        }
    }
}

/// How often each replica offers today's coverage sample (the first one of a UTC day
/// per guardrail and cluster is kept).
const COVERAGE_SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Records the daily coverage sample evidence packs report (`coverage.csv`).
async fn sample_coverage(services: parkway_core::Services) {
    let mut every = tokio::time::interval(COVERAGE_SAMPLE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match parkway_core::evidence::sample::sample(&services).await {
            Ok(0) => {}
            Ok(rows) => tracing::info!(rows, "coverage sampled for today"),
            Err(err) => tracing::warn!(error = %err, "could not sample guardrail coverage"),
        }
    }
}

/// How often the signed chain head is written to the log.
const AUDIT_HEAD_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Logs the signed chain head every minute (and at start-up), so log storage outside
/// the database holds anchors `parkway audit verify --expect-head` can check against.
async fn publish_audit_head(pool: sqlx::PgPool, key: Arc<AuditKey>) {
    let mut every = tokio::time::interval(AUDIT_HEAD_EVERY);
    loop {
        every.tick().await;
        match audit::store::head(&pool).await {
            Ok(head) => {
                let signed = SignedHead::new(head, &key, chrono::Utc::now());
                tracing::info!(
                    audit.head.id = signed.id,
                    audit.head.hash = %signed.hash,
                    audit.head.signature = %signed.signature,
                    "audit chain head {}:{}",
                    signed.id,
                    signed.hash
                );
            }
            Err(err) => tracing::warn!(error = %err, "could not read the audit chain head"),
        }
    }
}
