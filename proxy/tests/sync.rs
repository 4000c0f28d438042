//! `--allow-sync`: the POST that starts a synchronization. Off by default;
//! when on, signed like the SDK signs a POST, refused to other sites, once
//! per dataset per cooldown, never cached; and the mock's answers to it.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use modelarts_sync_proxy::{Credentials, Origins, Secret};

const AK: &str = "TESTAK0123456789ABCD";
const SK: &str = "testSecretKey0123456789abcdefghijklmnop";
const PORTAL: &str = "https://portal.example";
const XRW: (&str, &str) = ("X-Requested-With", "XMLHttpRequest");
const MINUTE: Duration = Duration::from_secs(60);

fn aksk() -> Credentials {
    Credentials::AkSk {
        access_key: AK.into(),
        secret_key: Secret::new(SK),
    }
}

async fn post(proxy: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> RawResponse {
    raw(proxy, "POST", path, headers).await
}

async fn preflight(proxy: std::net::SocketAddr, path: &str, origin: &str) -> RawResponse {
    raw(
        proxy,
        "OPTIONS",
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "x-requested-with"),
        ],
    )
    .await
}

fn posts(upstream: &FakeUpstream) -> usize {
    upstream
        .received()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

#[tokio::test]
async fn without_allow_sync_the_post_is_405_and_never_sent() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    settings.origins = Origins::List(vec![PORTAL.into()]);
    let proxy = start_proxy(settings).await;
    for path in [sync_path("p", "d"), format!("/api{}", sync_path("p", "d"))] {
        let r = post(proxy, &path, &[XRW, ("Origin", PORTAL)]).await;
        assert_eq!(r.status, 405, "{path}");
        assert_eq!(r.json()["error_code"], "PROXY.0405");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    // The preflight does not offer POST either.
    let r = raw(
        proxy,
        "OPTIONS",
        &sync_path("p", "d"),
        &[
            ("Origin", PORTAL),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "x-requested-with"),
        ],
    )
    .await;
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(upstream.count(), 0);
    // The status is served as ever.
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d"), &[]).await.status,
        200
    );
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn the_mock_without_allow_sync_is_405_too() {
    let proxy = start_proxy(mock_settings()).await;
    let r = post(proxy, &sync_path("p", "done-1"), &[XRW]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error_code"], "PROXY.0405");
    let counts = raw(proxy, "GET", "/__mock/requests", &[]).await.json();
    assert_eq!(counts["triggers"], serde_json::json!({}));
    let r = raw(proxy, "GET", &status_path("p", "done-1"), &[]).await;
    assert_eq!(r.json()["status"], "COMPLETED");
}

#[tokio::test]
async fn the_post_is_signed_as_the_sdk_signs_a_post_without_body() {
    let upstream = FakeUpstream::start(Reply {
        body: String::new(),
        ..Reply::default()
    })
    .await;
    let mut settings = with_sync(upstream_settings(&upstream, aksk()), MINUTE);
    upstream_mut(&mut settings).project_header = Some("proj1".into());
    let proxy = start_proxy(settings).await;
    let r = post(
        proxy,
        &format!("/api{}", sync_path("proj1", "ds-1")),
        &[
            XRW,
            ("Cookie", "session=browser-secret"),
            ("Authorization", "Bearer browser-token"),
            ("Content-Type", "text/plain"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty(), "200 without a body, as the API answers");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let received = upstream.received();
    assert_eq!(received.len(), 1);
    let sent = &received[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/v2/proj1/datasets/ds-1/sync-data");
    assert!(sent.body.is_empty());
    assert_eq!(sent.headers["content-length"], "0");
    assert_eq!(sent.headers["content-type"], "application/json");
    assert_eq!(sent.headers["x-project-id"], "proj1");
    verify_sdk_signature(sent, AK, SK).unwrap();
    let auth = sent.headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=host;x-project-id;x-sdk-date,"),
        "{auth}"
    );
    assert!(!auth.contains("browser-token"));
    assert_only_allowed_headers(sent);
    // The method is part of what is signed: as a GET it would not verify.
    let as_get = Received {
        method: "GET".into(),
        ..sent.clone()
    };
    assert!(verify_sdk_signature(&as_get, AK, SK).is_err());
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_the_upstream() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = with_sync(upstream_settings(&upstream, token()), MINUTE);
    settings.origins = Origins::List(vec![PORTAL.into()]);
    let proxy = start_proxy(settings).await;
    let path = sync_path("p", "d");
    // An HTML form on another site: no custom header, a foreign Origin.
    let form = [
        ("Origin", "https://evil.example"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    for headers in [
        &form[..],
        &[("Origin", PORTAL)],
        &[],
        &[XRW, ("Origin", "https://evil.example")],
        &[XRW, ("Origin", "null")],
        &[XRW, ("Origin", "https://portal.example.evil.example")],
    ] {
        let r = post(proxy, &path, headers).await;
        assert_eq!(r.status, 403, "{headers:?}");
        assert_eq!(r.json()["error_code"], "PROXY.0403");
    }
    // Its preflight gets nothing for a foreign origin.
    let r = preflight(proxy, &path, "https://evil.example").await;
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(upstream.count(), 0);
    // The allowed origin's preflight allows the POST and the header.
    let r = preflight(proxy, &path, PORTAL).await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    let allowed = r.header("access-control-allow-headers").unwrap();
    assert!(allowed.contains("X-Requested-With"), "{allowed}");
    // A script of the portal, of the proxy's own origin, or no browser.
    let own = format!("http://{proxy}");
    for (dataset, headers) in [
        ("d1", vec![XRW, ("Origin", PORTAL)]),
        ("d2", vec![XRW, ("Origin", own.as_str())]),
        ("d3", vec![XRW]),
    ] {
        let r = post(proxy, &sync_path("p", dataset), &headers).await;
        assert_eq!(r.status, 200, "{headers:?}");
    }
    assert_eq!(posts(&upstream), 3);
}

#[tokio::test]
async fn one_trigger_per_dataset_per_cooldown() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(with_sync(upstream_settings(&upstream, token()), MINUTE)).await;
    assert_eq!(post(proxy, &sync_path("p", "d1"), &[XRW]).await.status, 200);
    let r = post(proxy, &format!("/api{}", sync_path("p", "d1")), &[XRW]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error_code"], "PROXY.0429");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(upstream.count(), 1);
    // Per dataset, and per project: not per client.
    assert_eq!(post(proxy, &sync_path("p", "d2"), &[XRW]).await.status, 200);
    assert_eq!(
        post(proxy, &sync_path("p2", "d1"), &[XRW]).await.status,
        200
    );
    assert_eq!(upstream.count(), 3);
    // Concurrent triggers of one dataset: one goes upstream.
    upstream.set_reply(Reply {
        delay: Duration::from_millis(200),
        ..Reply::default()
    });
    let tasks: Vec<_> = (0..5)
        .map(|_| tokio::spawn(async move { post(proxy, &sync_path("p", "d3"), &[XRW]).await }))
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().status);
    }
    statuses.sort();
    assert_eq!(statuses, [200, 429, 429, 429, 429]);
    assert_eq!(upstream.count(), 4);
}

#[tokio::test]
async fn a_refusal_ends_the_cooldown_an_outage_does_not() {
    let upstream = FakeUpstream::start(Reply {
        status: StatusCode::FORBIDDEN,
        body: r#"{"error_code":"ModelArts.0203","error_msg":"Forbidden."}"#.into(),
        ..Reply::default()
    })
    .await;
    let proxy = start_proxy(with_sync(upstream_settings(&upstream, token()), MINUTE)).await;
    for expected_count in [1, 2] {
        let r = post(proxy, &sync_path("p", "d"), &[XRW]).await;
        assert_eq!(r.status, 403);
        assert_eq!(r.json()["error_code"], "ModelArts.0203");
        assert_eq!(upstream.count(), expected_count);
    }
    // A 503 may have started one: the cooldown stays.
    upstream.set_reply(Reply {
        status: StatusCode::SERVICE_UNAVAILABLE,
        content_type: "text/html",
        body: "<html>503</html>".into(),
        ..Reply::default()
    });
    let r = post(proxy, &sync_path("p", "e"), &[XRW]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error_code"], "PROXY.0502");
    assert_eq!(post(proxy, &sync_path("p", "e"), &[XRW]).await.status, 429);
    assert_eq!(upstream.count(), 3);
}

#[tokio::test]
async fn the_post_is_never_cached_and_drops_the_cached_status() {
    let upstream = FakeUpstream::start(Reply {
        body: r#"{"status":"COMPLETED","dataset_id":"d"}"#.into(),
        ..Reply::default()
    })
    .await;
    let mut settings = with_sync(
        upstream_settings(&upstream, token()),
        Duration::from_millis(1),
    );
    upstream_mut(&mut settings).cache_ttl = MINUTE;
    let proxy = start_proxy(settings).await;
    let status = status_path("p", "d");
    for _ in 0..2 {
        let r = raw(proxy, "GET", &status, &[]).await;
        assert_eq!(r.json()["status"], "COMPLETED");
    }
    assert_eq!(upstream.count(), 1, "the second GET is a cache hit");
    // The trigger, then the next GET asks the upstream again.
    upstream.set_reply(Reply {
        body: String::new(),
        ..Reply::default()
    });
    assert_eq!(post(proxy, &sync_path("p", "d"), &[XRW]).await.status, 200);
    upstream.set_reply(Reply {
        body: r#"{"status":"QUEUING","dataset_id":"d"}"#.into(),
        ..Reply::default()
    });
    let r = raw(proxy, "GET", &status, &[]).await;
    assert_eq!(r.json()["status"], "QUEUING");
    assert_eq!(upstream.count(), 3);
    // Each POST is a request of its own (the cooldown here is 1 ms).
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(post(proxy, &sync_path("p", "d"), &[XRW]).await.status, 200);
    assert_eq!(posts(&upstream), 2);
    // Nor is it shared with a GET in flight for the same dataset.
    upstream.set_reply(Reply {
        delay: Duration::from_millis(300),
        ..Reply::default()
    });
    let slow_get =
        tokio::spawn(async move { raw(proxy, "GET", &status_path("p", "x"), &[]).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = post(proxy, &sync_path("p", "x"), &[XRW]).await;
    assert_eq!(r.status, 200);
    assert_eq!(slow_get.await.unwrap().json()["status"], "RUNNING");
    let methods: Vec<String> = upstream
        .received()
        .iter()
        .filter(|r| r.target.contains("/datasets/x/"))
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(methods, ["GET", "POST"]);
}

#[tokio::test]
async fn a_client_going_away_does_not_cut_the_trigger_short() {
    let upstream = FakeUpstream::start(Reply {
        body: r#"{"status":"COMPLETED","dataset_id":"d"}"#.into(),
        ..Reply::default()
    })
    .await;
    let mut settings = with_sync(upstream_settings(&upstream, token()), MINUTE);
    upstream_mut(&mut settings).cache_ttl = MINUTE;
    let proxy = start_proxy(settings).await;
    let status = status_path("p", "d");
    assert_eq!(
        raw(proxy, "GET", &status, &[]).await.json()["status"],
        "COMPLETED"
    );
    upstream.set_reply(Reply {
        delay: Duration::from_millis(400),
        body: String::new(),
        ..Reply::default()
    });
    // The client hangs up while the upstream is still answering the POST.
    let gone = tokio::time::timeout(
        Duration::from_millis(100),
        post(proxy, &sync_path("p", "d"), &[XRW]),
    )
    .await;
    assert!(gone.is_err(), "the client was to leave first");
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The trigger went through, and the stale status was dropped all the same.
    upstream.set_reply(Reply {
        body: r#"{"status":"QUEUING","dataset_id":"d"}"#.into(),
        ..Reply::default()
    });
    assert_eq!(
        raw(proxy, "GET", &status, &[]).await.json()["status"],
        "QUEUING"
    );
    assert_eq!(upstream.methods(), ["GET", "POST", "GET"]);
    // And its cooldown holds.
    assert_eq!(post(proxy, &sync_path("p", "d"), &[XRW]).await.status, 429);
}

#[tokio::test]
async fn only_post_with_valid_ids_and_allowed_projects() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = with_sync(upstream_settings(&upstream, token()), MINUTE);
    upstream_mut(&mut settings).projects = vec!["p".into()];
    let proxy = start_proxy(settings).await;
    let r = raw(proxy, "GET", &sync_path("p", "d"), &[XRW]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST, OPTIONS"));
    for path in [
        "/v2/p/datasets/a.b/sync-data",
        "/v2/p/datasets/..%2Fx/sync-data",
        "/v2/p%2F1/datasets/d/sync-data",
        "/v2/other/datasets/d/sync-data",
    ] {
        let r = post(proxy, path, &[XRW]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error_code"], "PROXY.0404");
    }
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn the_upstream_budget_counts_triggers() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = with_sync(upstream_settings(&upstream, token()), MINUTE);
    upstream_mut(&mut settings).upstream_rate_limit = std::num::NonZeroU32::new(1);
    let proxy = start_proxy(settings).await;
    assert_eq!(post(proxy, &sync_path("p", "d1"), &[XRW]).await.status, 200);
    let r = post(proxy, &sync_path("p", "d2"), &[XRW]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error_code"], "PROXY.0429");
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn the_rate_limit_counts_triggers() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let settings = with_rate_limit(with_sync(upstream_settings(&upstream, token()), MINUTE), 1);
    let proxy = start_proxy(settings).await;
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d"), &[]).await.status,
        200
    );
    let r = post(proxy, &sync_path("p", "d"), &[XRW]).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error_code"], "PROXY.0429");
    assert_eq!(posts(&upstream), 0);
}

#[tokio::test]
async fn the_mock_restarts_a_finished_dataset_and_fails_like_the_api() {
    let mut settings = with_sync(mock_settings(), MINUTE);
    settings.mode = modelarts_sync_proxy::Mode::Mock {
        cycle: Duration::from_secs(2),
    };
    let proxy = start_proxy(settings).await;
    let status = format!("/api{}", status_path("p", "done-7"));
    let before = raw(proxy, "GET", &status, &[]).await.json();
    assert_eq!(before["status"], "COMPLETED");
    // The same guards as the proxy.
    let r = post(proxy, &sync_path("p", "done-7"), &[]).await;
    assert_eq!(r.status, 403);
    let r = post(proxy, &format!("/api{}", sync_path("p", "done-7")), &[XRW]).await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(
        raw(proxy, "GET", &status, &[]).await.json()["status"],
        "QUEUING"
    );
    assert_eq!(
        post(proxy, &sync_path("p", "done-7"), &[XRW]).await.status,
        429
    );
    // Then it moves on.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        raw(proxy, "GET", &status, &[]).await.json()["status"],
        "COMPLETED"
    );
    for (id, code, error) in [
        ("http-401", 401, "APIG.0301"),
        ("http-403", 403, "ModelArts.0203"),
        ("http-404", 404, "APIG.0101"),
        ("http-400", 400, "ModelArts.4352"),
        ("text-dataset", 400, "ModelArts.4371"),
    ] {
        let r = post(proxy, &sync_path("p", id), &[XRW]).await;
        assert_eq!(r.status, code, "{id}");
        assert_eq!(r.json()["error_code"], error, "{id}");
    }
    let counts = raw(proxy, "GET", "/__mock/requests", &[]).await.json();
    assert_eq!(counts["triggers"]["done-7"], 1);
    assert_eq!(counts["triggers"]["text-dataset"], 1);
}
