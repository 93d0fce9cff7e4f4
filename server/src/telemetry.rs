//! Logging set-up: pretty for people, JSON for pipelines, one filter for both; and,
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, the same spans exported as OpenTelemetry
//! traces over OTLP (HTTP/protobuf) to the collector platform teams already run.

use std::sync::OnceLock;

use opentelemetry::{propagation::Extractor, trace::TracerProvider as _};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogConfig, LogFormat};

/// The standard OpenTelemetry variable naming the collector, e.g.
/// `http://otel-collector:4318` (`/v1/traces` is appended).
pub const OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Whether spans leave the process; request spans are only made when they do.
static EXPORTING: OnceLock<bool> = OnceLock::new();

/// True when traces are exported (`OTEL_EXPORTER_OTLP_ENDPOINT` was set at start-up).
pub fn exporting() -> bool {
    EXPORTING.get().copied().unwrap_or(false)
}

/// What `init` started; [`Telemetry::shutdown`] flushes spans still buffered.
#[derive(Debug, Default)]
#[must_use = "call shutdown() before exiting, or buffered spans are lost"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still in the batch and stops the exporter. Blocks (up to the
    /// exporter's timeout): call it from a blocking context.
    pub fn shutdown(self) {
        if let Some(provider) = self.traces
            && let Err(err) = provider.shutdown()
        {
            eprintln!("warning: could not flush traces to the OTLP collector: {err}");
        }
    }
}

/// Installs the global subscriber; call once, first thing in `main`. Logs go to
/// stderr, so a subcommand's stdout carries only its result (`parkway token create`
/// prints just the token, for scripts to capture).
pub fn init(config: &LogConfig) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&config.log)
        .map_err(|err| anyhow::anyhow!("PARKWAY_LOG is not a valid filter ({err})"))?;
    let traces = otlp_provider()?;
    let _ = EXPORTING.set(traces.is_some());
    let otel = traces
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer("parkway")));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    match config.log_format {
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init()?,
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init()?,
    }
    if let Some(endpoint) = std::env::var(OTLP_ENDPOINT).ok().filter(|e| !e.trim().is_empty()) {
        tracing::info!(otlp.endpoint = %endpoint, "exporting traces over OTLP");
    }
    Ok(Telemetry { traces })
}

/// The tracer provider when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; the exporter reads
/// it and the other standard `OTEL_EXPORTER_OTLP_*` variables (headers, timeout).
/// The service is `parkway` unless `OTEL_SERVICE_NAME` says otherwise.
fn otlp_provider() -> anyhow::Result<Option<SdkTracerProvider>> {
    if !std::env::var(OTLP_ENDPOINT).is_ok_and(|e| !e.trim().is_empty()) {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|err| {
            anyhow::anyhow!("{OTLP_ENDPOINT} is set but the OTLP exporter cannot start ({err})")
        })?;
    let resource = if std::env::var_os("OTEL_SERVICE_NAME").is_some() {
        Resource::builder().build()
    } else {
        Resource::builder().with_service_name("parkway").build()
    };
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build();
    // Incoming `traceparent` headers continue the caller's trace.
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(Some(provider))
}

/// Reads W3C trace context from request headers.
pub struct HeaderExtractor<'a>(pub &'a axum::http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(axum::http::HeaderName::as_str).collect()
    }
}

/// The span one request runs in when traces are exported (else a disabled span),
/// continuing the caller's trace when the request carries `traceparent`.
pub fn request_span(
    method: &axum::http::Method,
    route: &str,
    headers: &axum::http::HeaderMap,
) -> tracing::Span {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    if !exporting() {
        return tracing::Span::none();
    }
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
    );
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    let _ = span.set_parent(parent);
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_context_is_read_from_headers() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "traceparent",
            axum::http::HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        );
        let extractor = HeaderExtractor(&headers);
        assert_eq!(
            extractor.get("traceparent"),
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        );
        assert_eq!(extractor.keys(), ["traceparent"]);
        assert!(
            !exporting(),
            "off unless OTEL_EXPORTER_OTLP_ENDPOINT was set at start-up"
        );
    }
}
