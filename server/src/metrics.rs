//! Prometheus metrics: request counts and a latency histogram per matched route.
//!
//! Hand-rolled on purpose: a global recorder (as `metrics-exporter-prometheus` installs)
//! would be shared by every test in the process; this registry lives in `AppState`.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{Arc, Mutex},
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use parkway_core::cluster::{Clusters, sync::SyncStatus};
use sqlx::PgPool;

/// Upper bounds (seconds) of the latency buckets; `+Inf` is implied.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Label used when no route matched (static files and 404s).
const UNMATCHED: &str = "<unmatched>";

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Registry>,
}

#[derive(Debug, Default)]
struct Registry {
    /// (method, route, status) → count
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) → histogram
    latency: BTreeMap<(String, String), Histogram>,
}

#[derive(Debug, Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut registry = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *registry
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = registry
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The registry in Prometheus text exposition format 0.0.4.
    pub fn render(&self, pool: &PgPool) -> String {
        let registry = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        out.push_str("# HELP parkway_http_requests_total HTTP requests answered, by method, matched route and status.\n");
        out.push_str("# TYPE parkway_http_requests_total counter\n");
        for ((method, route, status), count) in &registry.requests {
            let _ = writeln!(
                out,
                "parkway_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP parkway_http_request_duration_seconds Time to answer HTTP requests, by method and matched route.\n");
        out.push_str("# TYPE parkway_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &registry.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            for (bound, count) in BUCKETS.iter().zip(histogram.buckets) {
                let _ = writeln!(
                    out,
                    "parkway_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "parkway_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "parkway_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "parkway_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out.push_str("# HELP parkway_db_pool_connections Pooled Postgres connections, by state.\n");
        out.push_str("# TYPE parkway_db_pool_connections gauge\n");
        let idle = pool.num_idle() as u64;
        let total = u64::from(pool.size());
        let _ = writeln!(out, "parkway_db_pool_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(
            out,
            "parkway_db_pool_connections{{state=\"in_use\"}} {}",
            total.saturating_sub(idle)
        );
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request and records it under its matched route (never the
/// raw path, which would explode the label set).
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics.observe(&method, &route, status, elapsed.as_secs_f64());
    tracing::debug!(
        http.method = %method,
        http.route = %route,
        http.status = status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request finished"
    );
    response
}

/// `GET /metrics`
pub async fn export(
    State(metrics): State<Arc<Metrics>>,
    State(pool): State<PgPool>,
    State(clusters): State<Clusters>,
    State(sync): State<Arc<SyncStatus>>,
) -> impl IntoResponse {
    let mut text = metrics.render(&pool);
    text.push_str(&render_clusters(&clusters, &sync));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
}

/// Cluster health and the sync job, as this replica sees them.
fn render_clusters(clusters: &Clusters, sync: &SyncStatus) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP parkway_cluster_up 1 when the cluster's caches serve live data (ready or degraded), else 0."
    );
    let _ = writeln!(out, "# TYPE parkway_cluster_up gauge");
    for cache in clusters.all() {
        let state = cache.status().state;
        let _ = writeln!(
            out,
            "parkway_cluster_up{{cluster=\"{}\",state=\"{}\"}} {}",
            escape(cache.name()),
            state.as_str(),
            u8::from(state.serves_live())
        );
    }
    let _ = writeln!(
        out,
        "# HELP parkway_cluster_cached_objects Objects held by the watch caches, by kind."
    );
    let _ = writeln!(out, "# TYPE parkway_cluster_cached_objects gauge");
    for cache in clusters.all() {
        for (kind, count) in cache.object_counts() {
            let _ = writeln!(
                out,
                "parkway_cluster_cached_objects{{cluster=\"{}\",kind=\"{kind}\"}} {count}",
                escape(cache.name())
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP parkway_cluster_sync_leader 1 when this replica holds the sync lock and writes snapshots."
    );
    let _ = writeln!(out, "# TYPE parkway_cluster_sync_leader gauge");
    let _ = writeln!(out, "parkway_cluster_sync_leader {}", u8::from(sync.is_leader()));
    let _ = writeln!(
        out,
        "# HELP parkway_cluster_sync_runs_total Snapshot passes this replica completed."
    );
    let _ = writeln!(out, "# TYPE parkway_cluster_sync_runs_total counter");
    let _ = writeln!(out, "parkway_cluster_sync_runs_total {}", sync.runs());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/healthz", 200, 0.003);
        metrics.observe("GET", "/healthz", 200, 0.2);
        let registry = metrics.inner.lock().expect("lock");
        let histogram = &registry.latency[&("GET".to_owned(), "/healthz".to_owned())];
        assert_eq!(histogram.buckets[0], 1, "0.003 s is under the 5 ms bound");
        assert_eq!(histogram.buckets[5], 2, "both are under 250 ms");
        assert_eq!(histogram.count, 2);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
