//! Prometheus metrics: request counts and a latency histogram per matched route, plus
//! gauges read at scrape time (the pool, the clusters, the sync job).
//!
//! Built on `prometheus-client` with an explicit [`Registry`] held in `AppState`
//! rather than a global recorder, so every test (and every router) counts on its own.
//! Label values come from closed sets only: the method is a standard one or `other`,
//! the route is the matched pattern (never the raw path), the status a number.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use parkway_core::cluster::{Clusters, sync::SyncStatus};
use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder, text},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Registry, Unit},
};
use sqlx::PgPool;
use tracing::Instrument as _;

/// Upper bounds (seconds) of the latency buckets; `+Inf` is implied.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Label used when no route matched (static files and 404s).
const UNMATCHED: &str = "<unmatched>";

/// The OpenMetrics text format `prometheus-client` writes (Prometheus scrapes it).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The request method as a label: the nine standard methods by name, anything else
/// (`FOO`, `PROPFIND`) as `other`, so no client can grow the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodLabel {
    Standard(&'static str),
    Other,
}

impl From<&Method> for MethodLabel {
    fn from(method: &Method) -> Self {
        match method.as_str() {
            "GET" => MethodLabel::Standard("GET"),
            "HEAD" => MethodLabel::Standard("HEAD"),
            "POST" => MethodLabel::Standard("POST"),
            "PUT" => MethodLabel::Standard("PUT"),
            "DELETE" => MethodLabel::Standard("DELETE"),
            "CONNECT" => MethodLabel::Standard("CONNECT"),
            "OPTIONS" => MethodLabel::Standard("OPTIONS"),
            "TRACE" => MethodLabel::Standard("TRACE"),
            "PATCH" => MethodLabel::Standard("PATCH"),
            _ => MethodLabel::Other,
        }
    }
}

impl MethodLabel {
    pub fn as_str(self) -> &'static str {
        match self {
            MethodLabel::Standard(name) => name,
            MethodLabel::Other => "other",
        }
    }
}

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: MethodLabel,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabels {
    method: MethodLabel,
    route: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ClusterLabels {
    cluster: String,
    state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ObjectLabels {
    cluster: String,
    kind: &'static str,
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The request metrics of one application; scrape-time gauges are added by
/// [`Metrics::render`].
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = LatencyFamily::new_with_constructor(|| Histogram::new(BUCKETS));
        let mut registry = Registry::default();
        registry.register(
            "parkway_http_requests",
            "HTTP requests answered, by method, matched route and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "parkway_http_request_duration",
            "Time to answer HTTP requests, by method and matched route",
            Unit::Seconds,
            latency.clone(),
        );
        Self {
            registry,
            requests,
            latency,
        }
    }
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = MethodLabel::from(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Everything in OpenMetrics text: the request metrics, then the pool, cluster and
    /// sync gauges as they are now (a registry built for this scrape, so a cluster
    /// whose state changed leaves no stale series behind).
    pub fn render(&self, pool: &PgPool, clusters: &Clusters, sync: &SyncStatus) -> String {
        let now = scrape_registry(pool, clusters, sync);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = text::encode_registry(&mut out, &self.registry);
        let _ = text::encode_registry(&mut out, &now);
        let _ = text::encode_eof(&mut out);
        out
    }
}

/// The values read at scrape time.
fn scrape_registry(pool: &PgPool, clusters: &Clusters, sync: &SyncStatus) -> Registry {
    let mut registry = Registry::default();

    let connections = Family::<PoolLabels, Gauge>::default();
    let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
    let total = i64::from(pool.size());
    connections.get_or_create(&PoolLabels { state: "idle" }).set(idle);
    connections
        .get_or_create(&PoolLabels { state: "in_use" })
        .set((total - idle).max(0));
    registry.register(
        "parkway_db_pool_connections",
        "Pooled Postgres connections, by state",
        connections,
    );

    let up = Family::<ClusterLabels, Gauge>::default();
    let objects = Family::<ObjectLabels, Gauge>::default();
    for cache in clusters.all() {
        let state = cache.status().state;
        up.get_or_create(&ClusterLabels {
            cluster: cache.name().to_owned(),
            state: state.as_str(),
        })
        .set(i64::from(state.serves_live()));
        for (kind, count) in cache.object_counts() {
            objects
                .get_or_create(&ObjectLabels {
                    cluster: cache.name().to_owned(),
                    kind,
                })
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
    }
    registry.register(
        "parkway_cluster_up",
        "1 when the cluster's caches serve live data (ready or degraded), else 0",
        up,
    );
    registry.register(
        "parkway_cluster_cached_objects",
        "Objects held by the watch caches, by kind",
        objects,
    );

    let leader = Gauge::<i64>::default();
    leader.set(i64::from(sync.is_leader()));
    registry.register(
        "parkway_cluster_sync_leader",
        "1 when this replica holds the sync lock and writes snapshots",
        leader,
    );
    let runs = Counter::<u64>::default();
    runs.inc_by(sync.runs());
    registry.register(
        "parkway_cluster_sync_runs",
        "Snapshot passes this replica completed",
        runs,
    );
    registry
}

/// Middleware: times every request and records it under its matched route (never the
/// raw path, which would explode the label set); when traces are exported, runs it in
/// a server span.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let span = crate::telemetry::request_span(&method, &route, request.headers());
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.record("http.response.status_code", status);
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

/// `GET /metrics`, on the main listener or on `PARKWAY_METRICS_LISTEN`.
pub async fn export(
    State(metrics): State<Arc<Metrics>>,
    State(pool): State<PgPool>,
    State(clusters): State<Clusters>,
    State(sync): State<Arc<SyncStatus>>,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        metrics.render(&pool, &clusters, &sync),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(metrics: &Metrics) -> String {
        let mut out = String::new();
        text::encode(&mut out, &metrics.registry).expect("encodes");
        out
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.observe(&Method::GET, "/healthz", 200, 0.003);
        metrics.observe(&Method::GET, "/healthz", 200, 0.2);
        let out = encoded(&metrics);
        for line in [
            "parkway_http_request_duration_seconds_bucket{le=\"0.005\",method=\"GET\",route=\"/healthz\"} 1",
            "parkway_http_request_duration_seconds_bucket{le=\"0.25\",method=\"GET\",route=\"/healthz\"} 2",
            "parkway_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2",
            "parkway_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2",
        ] {
            assert!(out.contains(line), "{line} in {out}");
        }
    }

    #[test]
    fn custom_methods_share_one_label() {
        let metrics = Metrics::default();
        for name in ["FOO", "PROPFIND", "BREW"] {
            let method = Method::from_bytes(name.as_bytes()).expect("a token");
            metrics.observe(&method, "/healthz", 405, 0.001);
        }
        metrics.observe(&Method::PATCH, "/healthz", 405, 0.001);
        let out = encoded(&metrics);
        assert!(
            out.contains("parkway_http_requests_total{method=\"other\",route=\"/healthz\",status=\"405\"} 3"),
            "{out}"
        );
        assert!(out.contains("method=\"PATCH\""), "{out}");
        for name in ["FOO", "PROPFIND", "BREW"] {
            assert!(!out.contains(name), "{name} grew the registry: {out}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = Metrics::default();
        metrics.observe(&Method::GET, "/a\"b\\c", 200, 0.001);
        assert!(encoded(&metrics).contains("route=\"/a\\\"b\\\\c\""));
    }
}
