//! `GET /metrics`: what the proxy does, in the Prometheus text format
//! (the `prometheus-client` crate), for operators to scrape and alert on.
//!
//! Labels are fixed words (routes, outcomes, limits) and HTTP status codes,
//! never IDs, paths or addresses, so the series stay few whatever clients
//! send. Served on the listen address, or only on `--metrics-listen`.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry};

use crate::cache::Source;

/// The content type of the text format (OpenMetrics, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// `status`, `batch`, `sync`, `healthz`, `metrics`, `mock`, `other`.
    pub route: &'static str,
    /// The HTTP status answered.
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct UpstreamLabels {
    /// `status` (GET) or `sync` (POST).
    pub request: &'static str,
    /// The upstream's HTTP status, or `none` (timeout, refused, reset).
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CacheLabels {
    /// `hit`, `miss` or `shared`.
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AuthLabels {
    /// `allowed`, `unauthenticated`, `forbidden` or `unavailable`.
    pub decision: &'static str,
    /// `hit` (a kept decision), `shared` or `miss` (the auth URL asked).
    pub source: &'static str,
}

/// Which limit answered a 429.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Limit {
    /// `--rate-limit` (all requests of a client).
    Requests,
    /// `--upstream-rate-limit` (a client's misses).
    UpstreamPerClient,
    /// `--upstream-budget` (the replica's misses).
    UpstreamBudget,
    /// `--sync-cooldown`.
    SyncCooldown,
}

impl Limit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Requests => "rate-limit",
            Self::UpstreamPerClient => "upstream-rate-limit",
            Self::UpstreamBudget => "upstream-budget",
            Self::SyncCooldown => "sync-cooldown",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    pub limit: &'static str,
}

fn upstream_histogram() -> Histogram {
    // 10 ms to about 20 s.
    Histogram::new(exponential_buckets(0.01, 2.0, 12))
}

/// The shared cache's count of its faults (it keeps it, for `/healthz` too).
type FaultCount = Box<dyn Fn() -> u64 + Send + Sync>;

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    upstream: Family<UpstreamLabels, Histogram>,
    cache: Family<CacheLabels, Counter>,
    limited: Family<LimitLabels, Counter>,
    auth: Family<AuthLabels, Counter>,
    redis_faults: Counter,
    open_connections: Gauge,
    refused_connections: Counter,
    cache_entries: Gauge,
    /// The total of the Redis cache's faults, which it counts itself.
    redis_fault_source: OnceLock<FaultCount>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Metrics")
    }
}

/// Registers `metric` as `name` with its `help`; returns it (a handle to the
/// metric registered).
fn registered<M: Metric + Clone>(registry: &mut Registry, name: &str, help: &str, metric: M) -> M {
    registry.register(name, help, metric.clone());
    metric
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("modelarts_sync_proxy");
        // Fields are made in the order written: the registry last.
        Self {
            requests: registered(
                &mut registry,
                "requests",
                "Requests answered, by route and HTTP status",
                Family::<RequestLabels, Counter>::default(),
            ),
            upstream: registered(
                &mut registry,
                "upstream_request_duration_seconds",
                "Requests to ModelArts and how long they took, by kind and upstream status",
                Family::<UpstreamLabels, Histogram>::new_with_constructor(
                    upstream_histogram as fn() -> Histogram,
                ),
            ),
            cache: registered(
                &mut registry,
                "cache",
                "Dataset answers by where they came from: this replica's cache (hit), a fetch under way (shared), a new fetch (miss)",
                Family::<CacheLabels, Counter>::default(),
            ),
            limited: registered(
                &mut registry,
                "rate_limited",
                "Requests answered 429, by the limit that refused them",
                Family::<LimitLabels, Counter>::default(),
            ),
            auth: registered(
                &mut registry,
                "auth_decisions",
                "Viewer authorizations (--auth-url, --mock-auth), by decision and where it came from: kept (hit), asked by another request (shared), asked (miss)",
                Family::<AuthLabels, Counter>::default(),
            ),
            redis_faults: registered(
                &mut registry,
                "redis_faults",
                "Redis operations that failed or timed out (--redis); the replica's own cache answered",
                Counter::default(),
            ),
            open_connections: registered(
                &mut registry,
                "open_connections",
                "Client connections open now",
                Gauge::default(),
            ),
            refused_connections: registered(
                &mut registry,
                "refused_connections",
                "Connections closed at once by --max-connections or --max-connections-per-client",
                Counter::default(),
            ),
            cache_entries: registered(
                &mut registry,
                "cache_entries",
                "Datasets the cache holds (at most --cache-entries)",
                Gauge::default(),
            ),
            redis_fault_source: OnceLock::new(),
            registry,
        }
    }
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
    }

    /// One request to ModelArts: `status` is `None` without an answer.
    pub fn upstream(&self, request: &'static str, status: Option<u16>, took: Duration) {
        let status = status.map_or_else(|| "none".to_owned(), |s| s.to_string());
        self.upstream
            .get_or_create(&UpstreamLabels { request, status })
            .observe(took.as_secs_f64());
    }

    pub fn cache(&self, source: Source) {
        self.cache
            .get_or_create(&CacheLabels {
                result: source.as_str(),
            })
            .inc();
    }

    pub fn limited(&self, limit: Limit) {
        self.limited
            .get_or_create(&LimitLabels {
                limit: limit.as_str(),
            })
            .inc();
    }

    /// One viewer authorization (`crate::auth`).
    pub fn auth(&self, decision: &'static str, source: Source) {
        self.auth
            .get_or_create(&AuthLabels {
                decision,
                source: source.as_str(),
            })
            .inc();
    }

    /// Counts the shared cache's faults (`--redis`): `faults` tells their
    /// total so far, read each time the metrics are rendered.
    pub fn count_redis_faults(&self, faults: impl Fn() -> u64 + Send + Sync + 'static) {
        let _ = self.redis_fault_source.set(Box::new(faults));
    }

    /// Brings the Redis fault counter up to `total` (the shared cache counts
    /// its faults itself, for `/healthz` too).
    fn redis_faults_total(&self, total: u64) {
        let seen = self.redis_faults.get();
        if total > seen {
            self.redis_faults.inc_by(total - seen);
        }
    }

    pub fn connection_opened(&self) {
        self.open_connections.inc();
    }

    pub fn connection_closed(&self) {
        self.open_connections.dec();
    }

    pub fn connection_refused(&self) {
        self.refused_connections.inc();
    }

    pub fn cache_entries(&self, entries: usize) {
        self.cache_entries
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    /// The text format.
    pub fn encode(&self) -> String {
        if let Some(faults) = self.redis_fault_source.get() {
            self.redis_faults_total(faults());
        }
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// The `/metrics` answer.
    pub fn response(&self) -> Response {
        (
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            self.encode(),
        )
            .into_response()
    }
}

/// `GET /metrics` alone (for `--metrics-listen`, or merged into the app).
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new().route("/metrics", get(move || async move { metrics.response() }))
}

/// The route label of a request path (fixed words: never the path itself).
pub fn route(path: &str) -> &'static str {
    let path = path.strip_prefix("/api").unwrap_or(path);
    if path == "/healthz" {
        "healthz"
    } else if path == "/metrics" {
        "metrics"
    } else if path.starts_with("/__mock/") {
        "mock"
    } else if !path.starts_with("/v2/") {
        "other"
    } else if path.ends_with("/datasets/sync-data/status") {
        "batch"
    } else if path.ends_with("/sync-data/status") {
        "status"
    } else if path.ends_with("/sync-data") {
        "sync"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_fixed_words() {
        assert_eq!(route("/v2/p/datasets/d/sync-data/status"), "status");
        assert_eq!(route("/api/v2/p/datasets/d/sync-data/status"), "status");
        assert_eq!(route("/api/v2/p/datasets/sync-data/status"), "batch");
        assert_eq!(route("/v2/p/datasets/d/sync-data"), "sync");
        assert_eq!(route("/healthz"), "healthz");
        assert_eq!(route("/metrics"), "metrics");
        assert_eq!(route("/__mock/requests"), "mock");
        assert_eq!(route("/index.html"), "other");
        assert_eq!(route("/v2/../../etc/passwd"), "other");
    }

    #[test]
    fn the_text_names_every_metric_with_its_help() {
        let m = Metrics::default();
        m.request("status", 200);
        m.upstream("status", Some(200), Duration::from_millis(30));
        m.upstream("sync", None, Duration::from_secs(10));
        m.cache(Source::Hit);
        m.limited(Limit::UpstreamBudget);
        m.redis_faults_total(3);
        m.redis_faults_total(2);
        m.connection_opened();
        let text = m.encode();
        for line in [
            "modelarts_sync_proxy_requests_total{route=\"status\",status=\"200\"} 1",
            "modelarts_sync_proxy_cache_total{result=\"hit\"} 1",
            "modelarts_sync_proxy_rate_limited_total{limit=\"upstream-budget\"} 1",
            "modelarts_sync_proxy_redis_faults_total 3",
            "modelarts_sync_proxy_open_connections 1",
            "modelarts_sync_proxy_upstream_request_duration_seconds_count{request=\"sync\",status=\"none\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
        }
        assert!(text.contains("# HELP modelarts_sync_proxy_requests Requests answered"));
        assert!(text.ends_with("# EOF\n"));
    }
}
