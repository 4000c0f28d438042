//! The batch path in upstream mode: each dataset goes through the same
//! checks, cache and upstream request as its own status request would.

mod common;

use common::*;

#[tokio::test]
async fn a_batch_answers_each_dataset_as_its_own_request_would() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).projects = vec!["p".into()];
    let proxy = start_proxy(settings).await;
    // "d1" twice, an ID that would leave its path segment, and "d2".
    let path = "/api/v2/p/datasets/sync-data/status?dataset_ids=d1,..%2Fx,d2,d1";
    let r = raw(proxy, "GET", path, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = r.json();
    let entries = body.as_object().unwrap();
    assert_eq!(entries.len(), 3, "{body}");
    for id in ["d1", "d2"] {
        assert_eq!(body[id]["http_status"], 200);
        assert_eq!(body[id]["body"]["status"], "RUNNING");
    }
    assert_eq!(body["../x"]["http_status"], 404);
    assert_eq!(body["../x"]["body"]["error_code"], "PROXY.0404");
    // The upstream saw d1 and d2 once each, at their own paths, no query.
    let mut targets: Vec<String> = upstream.received().into_iter().map(|r| r.target).collect();
    targets.sort();
    assert_eq!(
        targets,
        [
            "/v2/p/datasets/d1/sync-data/status",
            "/v2/p/datasets/d2/sync-data/status"
        ]
    );
    // The single path shares the batch's cached answers.
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "d1"), &[]).await.status,
        200
    );
    assert_eq!(upstream.count(), 2);
}

#[tokio::test]
async fn batches_are_checked_as_a_whole_first() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(&upstream, token());
    upstream_mut(&mut settings).projects = vec!["p".into()];
    let proxy = start_proxy(settings).await;
    let many: Vec<String> = (0..101).map(|i| format!("d{i}")).collect();
    let cases = [
        ("/v2/p/datasets/sync-data/status", 400),
        ("/v2/p/datasets/sync-data/status?dataset_ids=", 400),
        (
            &*format!(
                "/v2/p/datasets/sync-data/status?dataset_ids={}",
                many.join(",")
            ),
            400,
        ),
        ("/v2/p%2F/datasets/sync-data/status?dataset_ids=d", 404),
    ];
    for (path, status) in cases {
        let r = raw(proxy, "GET", path, &[]).await;
        assert_eq!(r.status, status, "{path}");
        assert!(r.json()["error_code"]
            .as_str()
            .unwrap()
            .starts_with("PROXY."));
    }
    let r = raw(
        proxy,
        "POST",
        "/v2/p/datasets/sync-data/status?dataset_ids=d",
        &[],
    )
    .await;
    assert_eq!(r.status, 405);
    // Another project: refused as a whole, nothing goes upstream.
    let r = raw(
        proxy,
        "GET",
        "/v2/q/datasets/sync-data/status?dataset_ids=a,b",
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error_code"], "PROXY.0404");
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn the_rate_limit_counts_each_dataset_of_a_batch() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(with_rate_limit(upstream_settings(&upstream, token()), 5)).await;
    let r = raw(
        proxy,
        "GET",
        "/v2/p/datasets/sync-data/status?dataset_ids=a,b,c,d",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    let r = raw(
        proxy,
        "GET",
        "/v2/p/datasets/sync-data/status?dataset_ids=e,f",
        &[],
    )
    .await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        raw(proxy, "GET", &status_path("p", "e"), &[]).await.status,
        200
    );
    assert_eq!(upstream.count(), 5);
}
