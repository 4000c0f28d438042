//! `GET /metrics` read as Prometheus reads it (the `prometheus-parse`
//! crate, a parser written apart from the encoder), after real traffic.

mod common;

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use common::*;
use prometheus_parse::{Scrape, Value};

/// The proxy's metrics, parsed.
async fn scrape(proxy: std::net::SocketAddr) -> Scrape {
    let r = raw(proxy, "GET", "/metrics", &[]).await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/openmetrics-text"),
        "{:?}",
        r.header("content-type")
    );
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

/// The sum of the samples named `metric` whose labels include `labels`.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => panic!("no summaries here"),
        })
        .sum()
}

const P: &str = "modelarts_sync_proxy_";

#[tokio::test]
async fn traffic_shows_in_the_metrics() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = with_sync(
        upstream_settings(&upstream, token()),
        Duration::from_secs(60),
    );
    upstream_mut(&mut settings).upstream_rate_limit = NonZeroU32::new(3);
    upstream_mut(&mut settings).cache_ttl = Duration::from_secs(60);
    let proxy = start_proxy(settings).await;

    // A miss, then a hit; a batch of one cached and one new dataset (two
    // misses in all so far, the batch's one a third).
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d1"), &[]).await.status,
        200
    );
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d1"), &[]).await.status,
        200
    );
    let batch = "/v2/p/datasets/sync-data/status?dataset_ids=d1,d2";
    assert_eq!(raw(proxy, "GET", batch, &[]).await.status, 200);
    // The client's upstream limit (3) is spent by a sync: the next miss is a 429.
    let xrw = ("X-Requested-With", "test");
    assert_eq!(
        raw(proxy, "POST", &sync_path("p", "d1"), &[xrw])
            .await
            .status,
        200
    );
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d3"), &[]).await.status,
        429
    );
    // A second sync within the cooldown.
    assert_eq!(
        raw(proxy, "POST", &sync_path("p", "d1"), &[xrw])
            .await
            .status,
        429
    );
    assert_eq!(raw(proxy, "GET", "/nowhere", &[]).await.status, 404);

    let m = scrape(proxy).await;
    let requests = format!("{P}requests_total");
    assert_eq!(
        value(&m, &requests, &[("route", "status"), ("status", "200")]),
        2.0
    );
    assert_eq!(
        value(&m, &requests, &[("route", "status"), ("status", "429")]),
        1.0
    );
    assert_eq!(
        value(&m, &requests, &[("route", "batch"), ("status", "200")]),
        1.0
    );
    assert_eq!(
        value(&m, &requests, &[("route", "sync"), ("status", "200")]),
        1.0
    );
    assert_eq!(
        value(&m, &requests, &[("route", "sync"), ("status", "429")]),
        1.0
    );
    assert_eq!(
        value(&m, &requests, &[("route", "other"), ("status", "404")]),
        1.0
    );
    let cache = format!("{P}cache_total");
    assert_eq!(value(&m, &cache, &[("result", "miss")]), 2.0);
    assert_eq!(value(&m, &cache, &[("result", "hit")]), 2.0);
    let limited = format!("{P}rate_limited_total");
    assert_eq!(
        value(&m, &limited, &[("limit", "upstream-rate-limit")]),
        1.0
    );
    assert_eq!(value(&m, &limited, &[("limit", "sync-cooldown")]), 1.0);
    let upstream_count = format!("{P}upstream_request_duration_seconds_count");
    assert_eq!(
        value(
            &m,
            &upstream_count,
            &[("request", "status"), ("status", "200")]
        ),
        2.0
    );
    assert_eq!(
        value(
            &m,
            &upstream_count,
            &[("request", "sync"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(upstream.count(), 3);
    assert_eq!(value(&m, &format!("{P}cache_entries"), &[]), 2.0);
    // The scrape's own connection is open.
    assert!(value(&m, &format!("{P}open_connections"), &[]) >= 1.0);
    // Every metric has its help text.
    for name in [
        "requests",
        "cache",
        "rate_limited",
        "upstream_request_duration_seconds",
        "open_connections",
        "redis_faults",
        "cache_entries",
        "refused_connections",
    ] {
        assert!(m.docs.contains_key(&format!("{P}{name}")), "{name}");
    }
}

#[tokio::test]
async fn the_cache_holds_its_cap_through_100_000_distinct_datasets() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).cache_ttl = Duration::from_secs(300);
    upstream_mut(&mut settings).cache_entries = NonZeroUsize::new(1_000).unwrap();
    let proxy = start_proxy(settings).await;
    let client = client();
    // 100 IDs per batch request: 1,000 requests, 100,000 datasets.
    for batch in 0..1_000 {
        let ids: Vec<String> = (0..100).map(|i| format!("d{batch}x{i}")).collect();
        let url = format!(
            "http://{proxy}/v2/p/datasets/sync-data/status?dataset_ids={}",
            ids.join(",")
        );
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        if batch % 250 == 0 {
            let held = value(&scrape(proxy).await, &format!("{P}cache_entries"), &[]);
            assert!(held <= 1_000.0, "{held} after {batch} batches");
        }
    }
    assert_eq!(upstream.count(), 100_000);
    let m = scrape(proxy).await;
    assert_eq!(value(&m, &format!("{P}cache_entries"), &[]), 1_000.0);
    assert_eq!(
        value(&m, &format!("{P}cache_total"), &[("result", "miss")]),
        100_000.0
    );
}

#[tokio::test]
async fn metrics_listen_moves_metrics_off_the_public_listener() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    settings.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let proxy = start_proxy(settings).await;
    assert_eq!(raw(proxy, "GET", "/metrics", &[]).await.status, 404);
}
