//! Everything but GET of the status path with valid IDs is answered by the
//! proxy itself (JSON 404/405) and never reaches the upstream.

mod common;

use common::*;

#[tokio::test]
async fn rejected_requests_never_reach_the_upstream() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    common::upstream_mut(&mut settings).projects = vec!["p".into(), "allowed-2".into()];
    let proxy = start_proxy(settings).await;
    let long = "a".repeat(65);
    let long_path = status_path("p", &long);
    let cases: Vec<(&str, &str, u16)> = vec![
        // Traversal and encoded separators.
        ("GET", "/v2/p/datasets/../x", 404),
        ("GET", "/v2/p/datasets/../x/sync-data/status", 404),
        ("GET", "/v2/p/datasets/../sync-data/status", 404),
        ("GET", "/api/v2/p/datasets/../sync-data/status", 404),
        ("GET", "/v2/../datasets/d/sync-data/status", 404),
        ("GET", "/v2/p/datasets/%2e%2e/sync-data/status", 404),
        ("GET", "/v2/p/datasets/.%2E/sync-data/status", 404),
        ("GET", "/v2/p%2F..%2Fx/datasets/d/sync-data/status", 404),
        ("GET", "/v2/p/datasets/d%2Fe/sync-data/status", 404),
        (
            "GET",
            "/v2/p/datasets/d%2fsync-data%2fstatus/sync-data/status",
            404,
        ),
        (
            "GET",
            "/api/v2/p/datasets/..%2F..%2Fiam/sync-data/status",
            404,
        ),
        ("GET", "/v2/p/datasets/d%5Cx/sync-data/status", 404),
        ("GET", "/v2/p/datasets/d/sync-data/status/..", 404),
        ("GET", "/v2/p/datasets/d/sync-data/status/../../../x", 404),
        ("GET", "//v2/p/datasets/d/sync-data/status", 404),
        // Other verbs on the status path.
        ("POST", "/v2/p/datasets/d/sync-data/status", 405),
        ("PUT", "/v2/p/datasets/d/sync-data/status", 405),
        ("DELETE", "/v2/p/datasets/d/sync-data/status", 405),
        ("PATCH", "/api/v2/p/datasets/d/sync-data/status", 405),
        ("HEAD", "/v2/p/datasets/d/sync-data/status", 405),
        ("OPTIONS", "/v2/p/datasets/d/sync-data/status", 405),
        ("TRACE", "/v2/p/datasets/d/sync-data/status", 405),
        // Other APIs.
        ("POST", "/v2/p/datasets/d/sync-data", 405),
        ("GET", "/v2/p/datasets/d/sync-data", 404),
        ("GET", "/v2/p/datasets/d", 404),
        ("GET", "/v2/p/datasets", 404),
        ("DELETE", "/v2/p/datasets/d", 405),
        ("GET", "/v1/p/datasets/d/sync-data/status", 404),
        ("GET", "/v3/p/datasets/d/sync-data/status", 404),
        ("GET", "/V2/p/datasets/d/sync-data/status", 404),
        ("GET", "/v2/p/datasets/d/sync-data/status/", 404),
        ("GET", "/v3/projects", 404),
        ("GET", "/", 404),
        ("GET", "/__mock/requests", 404),
        // IDs with characters outside [A-Za-z0-9_-], or too long.
        ("GET", "/v2/p/datasets/a.b/sync-data/status", 404),
        ("GET", "/v2/p/datasets/a%20b/sync-data/status", 404),
        ("GET", "/v2/p/datasets/a~b/sync-data/status", 404),
        ("GET", "/v2/p/datasets/%C3%A9/sync-data/status", 404),
        ("GET", "/v2/p/datasets/%FF/sync-data/status", 404),
        ("GET", "/v2/p/datasets/a%00/sync-data/status", 404),
        ("GET", "/v2/p/datasets/a%3Fb/sync-data/status", 404),
        ("GET", "/v2/p/datasets/%/sync-data/status", 404),
        ("GET", "/v2/p%20q/datasets/d/sync-data/status", 404),
        ("GET", "/v2//datasets/d/sync-data/status", 404),
        ("GET", long_path.as_str(), 404),
        // A valid project not in --project.
        ("GET", "/v2/other/datasets/d/sync-data/status", 404),
        ("GET", "/api/v2/P/datasets/d/sync-data/status", 404),
    ];
    for (method, path, status) in &cases {
        let r = raw(proxy, method, path, &[]).await;
        assert_eq!(r.status, *status, "{method} {path}");
        if *method != "HEAD" {
            let body = r.json();
            let code = body["error_code"].as_str().unwrap_or_default();
            assert!(code.starts_with("PROXY."), "{method} {path}: {body}");
            assert!(body["error_msg"].is_string(), "{method} {path}: {body}");
        }
        assert_eq!(upstream.count(), 0, "{method} {path} reached the upstream");
    }
    // Preflights are answered locally too.
    let r = raw(
        proxy,
        "OPTIONS",
        &status_path("p", "d"),
        &[
            ("Origin", "https://a.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(upstream.count(), 0);

    // The same proxy does forward a valid request (the fake works), with
    // percent-encoded unreserved characters decoded.
    let r = raw(
        proxy,
        "GET",
        "/v2/%70/datasets/d_1-%41/sync-data/status",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = raw(proxy, "GET", &status_path("allowed-2", "d"), &[]).await;
    assert_eq!(r.status, 200);
    let targets: Vec<String> = upstream.received().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/v2/p/datasets/d_1-A/sync-data/status",
            "/v2/allowed-2/datasets/d/sync-data/status"
        ]
    );
}

#[tokio::test]
async fn rejections_answer_json_errors() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(upstream_settings(&upstream, token())).await;
    let r = raw(proxy, "POST", &status_path("p", "d"), &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("allow"), Some("GET, OPTIONS"));
    assert_eq!(r.json()["error_code"], "PROXY.0405");
    let r = raw(proxy, "GET", "/v2/p/datasets/a.b/sync-data/status", &[]).await;
    assert_eq!(r.json()["error_code"], "PROXY.0404");
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap()
        .contains("dataset ID"));
    // Health is answered locally too.
    let r = raw(proxy, "GET", "/healthz", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    let r = raw(proxy, "POST", "/healthz", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(upstream.count(), 0);
}
