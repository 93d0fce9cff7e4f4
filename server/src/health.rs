//! Liveness and readiness for load balancers and Kubernetes probes.

use std::time::Duration;

use axum::{Json, extract::State, http::StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

/// Longest a readiness probe waits for Postgres before calling it unreachable.
const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving; says nothing about its dependencies on purpose, so
/// a database outage never makes Kubernetes restart healthy replicas.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Ready when Postgres answers; 503 while it does not, and ready again as soon as it
/// is back (the pool replaces dead connections, nothing needs restarting).
pub async fn readyz(State(pool): State<PgPool>) -> (StatusCode, Json<Value>) {
    let check = tokio::time::timeout(DB_CHECK_TIMEOUT, sqlx::query("select 1").execute(&pool)).await;
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
