//! What reaches the upstream: the credentials (a token, or an AK/SK
//! signature the fake upstream recomputes on its own), and nothing of the
//! browser's request.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use modelarts_sync_proxy::{Credentials, Secret};

const AK: &str = "TESTAK0123456789ABCD";
const SK: &str = "testSecretKey0123456789abcdefghijklmnop";

/// Verifies the signature as the gateway would (see `common`).
fn verify_signature(received: &Received, secret_key: &str) -> Result<(), String> {
    verify_sdk_signature(received, AK, secret_key)
}

/// `YYYYMMDDTHHMMSSZ` within two minutes of now.
fn check_date(date: &str) {
    assert_eq!(date.len(), 16, "{date}");
    assert!(date.ends_with('Z') && date.as_bytes()[8] == b'T', "{date}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let ymd: i64 = date[..8].parse().unwrap();
    let hms: i64 = date[9..15].parse().unwrap();
    // Days from civil (same algorithm as any; an independent check of the
    // proxy's clock formatting at "now").
    let (y, m, d) = (ymd / 10_000, ymd / 100 % 100, ymd % 100);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hms / 10_000 * 3600 + hms / 100 % 100 * 60 + hms % 100;
    assert!((secs - now as i64).abs() < 120, "{date} is not now");
}

#[tokio::test]
async fn signs_requests_as_the_gateway_verifies_them() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let settings = upstream_settings(
        &upstream,
        Credentials::AkSk {
            access_key: AK.into(),
            secret_key: Secret::new(SK),
        },
    );
    let proxy = start_proxy(settings).await;
    let url = format!("http://{proxy}/api{}", status_path("proj1", "ds-1"));
    let response = client()
        .get(&url)
        .header("Cookie", "session=browser-secret")
        .header("Authorization", "Bearer browser-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let received = upstream.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/v2/proj1/datasets/ds-1/sync-data/status");
    verify_signature(r, SK).unwrap();
    let auth = r.headers["authorization"].to_str().unwrap();
    assert!(auth.contains("SignedHeaders=host;x-sdk-date,"), "{auth}");
    assert!(!auth.contains("browser-token"));
    check_date(r.headers["x-sdk-date"].to_str().unwrap());
    assert_eq!(
        r.headers["host"],
        upstream.url.trim_start_matches("http://")
    );
    assert!(r.headers.get("cookie").is_none());
    assert!(r.headers.get("x-auth-token").is_none());
    assert_only_allowed_headers(r);
    // A wrong key does not verify: the check above means something.
    assert!(verify_signature(r, "another-secret").is_err());
}

#[tokio::test]
async fn signs_the_project_header_too() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = upstream_settings(
        &upstream,
        Credentials::AkSk {
            access_key: AK.into(),
            secret_key: Secret::new(SK),
        },
    );
    upstream_mut(&mut settings).project_header = Some("proj1".into());
    let proxy = start_proxy(settings).await;
    let response = raw(proxy, "GET", &status_path("proj1", "ds-2"), &[]).await;
    assert_eq!(response.status, 200);
    let r = &upstream.received()[0];
    verify_signature(r, SK).unwrap();
    assert_eq!(r.headers["x-project-id"], "proj1");
    let auth = r.headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains("SignedHeaders=host;x-project-id;x-sdk-date,"),
        "{auth}"
    );
}

#[tokio::test]
async fn sends_the_token_and_nothing_of_the_browser() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(upstream_settings(&upstream, token())).await;
    let response = raw(
        proxy,
        "GET",
        &status_path("proj1", "ds-3"),
        &[
            ("Cookie", "session=browser-secret"),
            ("Authorization", "Bearer browser-token"),
            ("X-Auth-Token", "browser-supplied-token"),
            ("X-Forwarded-For", "203.0.113.9"),
            ("Origin", "https://evil.example"),
            ("Referer", "https://evil.example/page"),
            ("X-Custom", "1"),
            ("Accept-Encoding", "gzip"),
        ],
    )
    .await;
    assert_eq!(response.status, 200);
    let r = &upstream.received()[0];
    assert_eq!(r.headers["x-auth-token"], "test-token-123");
    assert_eq!(r.headers.get_all("x-auth-token").iter().count(), 1);
    assert!(r.headers.get("authorization").is_none());
    assert!(r.headers.get("cookie").is_none());
    assert!(r.headers.get("x-forwarded-for").is_none());
    assert!(r.headers.get("referer").is_none());
    assert_only_allowed_headers(r);
    // Nor is the proxy's token ever in what the browser gets.
    assert!(!String::from_utf8_lossy(&response.body).contains("test-token-123"));
    assert!(response
        .headers
        .iter()
        .all(|(_, v)| !v.contains("test-token-123")));
}

#[tokio::test]
async fn the_query_string_is_not_forwarded() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(upstream_settings(&upstream, token())).await;
    let path = format!("{}?limit=1&x=..%2F", status_path("p", "d"));
    assert_eq!(raw(proxy, "GET", &path, &[]).await.status, 200);
    assert_eq!(upstream.received()[0].target, status_path("p", "d"));
}
