//! How the proxy protects the upstream (single-flight, TTL cache, rate
//! limit, timeout) and passes its answers through.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn concurrent_requests_for_one_dataset_make_one_upstream_request() {
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_millis(200),
        ..Reply::default()
    })
    .await;
    // A long TTL keeps a slow test machine from turning a late request into
    // a second fetch; `cache::tests` checks single-flight with a zero TTL.
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).cache_ttl = Duration::from_secs(30);
    let proxy = start_proxy(settings).await;
    let client = client();
    let url = format!("http://{proxy}{}", status_path("p", "popular"));
    let requests = (0..200).map(|i| {
        let client = client.clone();
        // Both spellings of the path are the same dataset.
        let url = if i % 2 == 0 {
            url.clone()
        } else {
            url.replace("/v2/", "/api/v2/")
        };
        tokio::spawn(async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        })
    });
    let tasks: Vec<_> = requests.collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, r#"{"status":"RUNNING","dataset_id":"d1"}"#);
    }
    assert_eq!(upstream.count(), 1);
    // Another dataset is another request.
    let r = client
        .get(format!("http://{proxy}{}", status_path("p", "other")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(upstream.count(), 2);
}

#[tokio::test]
async fn answers_are_reused_for_the_ttl() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).cache_ttl = Duration::from_millis(300);
    let proxy = start_proxy(settings).await;
    let path = status_path("p", "ttl");
    let start = Instant::now();
    for _ in 0..5 {
        assert_eq!(raw(proxy, "GET", &path, &[]).await.status, 200);
    }
    if start.elapsed() < Duration::from_millis(300) {
        assert_eq!(upstream.count(), 1);
    }
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(raw(proxy, "GET", &path, &[]).await.status, 200);
    assert!(upstream.count() >= 2);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(with_rate_limit(upstream_settings(&upstream, token()), 3)).await;
    for i in 0..3 {
        let r = raw(proxy, "GET", &status_path("p", &format!("d{i}")), &[]).await;
        assert_eq!(r.status, 200);
    }
    let r = raw(proxy, "GET", &status_path("p", "d9"), &[]).await;
    assert_eq!(r.status, 429);
    // 3 per minute: the next token in 20 s.
    let retry_after: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(r.json()["error_code"], "PROXY.0429");
    assert_eq!(upstream.count(), 3);
    // Health and preflights are not counted.
    assert_eq!(raw(proxy, "GET", "/healthz", &[]).await.status, 200);
}

#[tokio::test]
async fn a_slow_upstream_answers_504_json() {
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_secs(3),
        ..Reply::default()
    })
    .await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).timeout = Duration::from_millis(300);
    let proxy = start_proxy(settings).await;
    let start = Instant::now();
    let r = raw(proxy, "GET", &status_path("p", "slow"), &[]).await;
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(r.status, 504);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["error_code"], "PROXY.0504");
    assert!(r.json()["error_msg"].is_string());
}

#[tokio::test]
async fn an_html_body_becomes_a_json_error_with_the_status_kept() {
    let upstream = FakeUpstream::start(Reply {
        status: StatusCode::SERVICE_UNAVAILABLE,
        content_type: "text/html",
        body: "<html><head><title>503 Service Temporarily Unavailable</title></head></html>".into(),
        retry_after: Some("20"),
        ..Reply::default()
    })
    .await;
    let proxy = start_proxy(upstream_settings(&upstream, token())).await;
    let r = raw(proxy, "GET", &status_path("p", "html"), &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("retry-after"), Some("20"));
    let body = r.json();
    assert_eq!(body["error_code"], "PROXY.0502");
    assert!(body["error_msg"].as_str().unwrap().contains("503"));

    // 200 with a body that is not JSON: status kept, JSON error body.
    upstream.set_reply(Reply {
        content_type: "text/plain",
        body: "OK: sync status follows".into(),
        ..Reply::default()
    });
    let r = raw(proxy, "GET", &status_path("p", "text"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["error_code"], "PROXY.0502");
}

#[tokio::test]
async fn json_answers_pass_through_unchanged() {
    let huge = r#"{"status":"RUNNING","dataset_id":"d","total_sample_count":9007199254740993,"add_sample_count":9223372036854775807}"#;
    let upstream = FakeUpstream::start(Reply {
        body: huge.into(),
        ..Reply::default()
    })
    .await;
    let proxy = start_proxy(upstream_settings(&upstream, token())).await;
    let r = raw(proxy, "GET", &status_path("p", "huge"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], huge.as_bytes());
    assert_eq!(r.header("cache-control"), Some("no-store"));

    let errors = [
        (
            StatusCode::UNAUTHORIZED,
            r#"{"error_code":"APIG.0301","error_msg":"Incorrect IAM authentication information: token expired."}"#,
            None,
        ),
        (
            StatusCode::BAD_REQUEST,
            r#"{"error_code":"ModelArts.4352","error_msg":"Dataset not found."}"#,
            None,
        ),
        (
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached."}"#,
            Some("30"),
        ),
    ];
    for (i, (status, body, retry_after)) in errors.into_iter().enumerate() {
        upstream.set_reply(Reply {
            status,
            body: body.into(),
            retry_after,
            ..Reply::default()
        });
        let r = raw(proxy, "GET", &status_path("p", &format!("err{i}")), &[]).await;
        assert_eq!(r.status, status.as_u16());
        assert_eq!(&r.body[..], body.as_bytes());
        assert_eq!(r.header("retry-after"), retry_after);
    }
}

#[tokio::test]
async fn an_unreachable_upstream_answers_502_json() {
    // A port that was free a moment ago: nothing listens there.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).base = format!("http://127.0.0.1:{port}").parse().unwrap();
    let proxy = start_proxy(settings).await;
    let r = raw(proxy, "GET", &status_path("p", "down"), &[]).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.json()["error_code"], "PROXY.0502");
}
