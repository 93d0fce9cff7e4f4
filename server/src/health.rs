//! Liveness and readiness for load balancers and Kubernetes probes.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};
use sqlx::{PgPool, postgres::PgPoolOptions};

/// Longest a readiness probe waits for Postgres before calling it unreachable.
const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving; says nothing about its dependencies on purpose, so
/// a database outage never makes Kubernetes restart healthy replicas.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The readiness probe's own connection to Postgres. Under load every pooled connection
/// can be busy for seconds (the soak measured 4 s waits at 256 connections); a probe
/// that queued behind them would call a saturated but healthy replica unready, and
/// Kubernetes would take it out of the Service and push its load onto the others.
#[derive(Clone)]
pub struct ProbePool {
    /// The pool requests use: closed means this replica is shutting down.
    serving: PgPool,
    probe: PgPool,
}

impl ProbePool {
    /// One connection, to the same database as `pool`, opened on the first probe.
    pub fn beside(pool: &PgPool) -> Self {
        Self {
            serving: pool.clone(),
            probe: PgPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(DB_CHECK_TIMEOUT)
                .connect_lazy_with((*pool.connect_options()).clone()),
        }
    }
}

/// Ready when Postgres answers; 503 while it does not, and ready again as soon as it
/// is back (the pool replaces dead connections, nothing needs restarting).
pub async fn readyz(State(pools): State<ProbePool>) -> (StatusCode, Json<Value>) {
    if pools.serving.is_closed() {
        return unavailable("closed");
    }
    let check = tokio::time::timeout(DB_CHECK_TIMEOUT, sqlx::query("select 1").execute(&pools.probe)).await;
    match check {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "checks": { "database": "ok" } })),
        ),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check: database unavailable");
            unavailable("unreachable")
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = DB_CHECK_TIMEOUT.as_millis() as u64,
                "readiness check: database timed out"
            );
            unavailable("timeout")
        }
    }
}

fn unavailable(reason: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "checks": { "database": reason } })),
    )
}
