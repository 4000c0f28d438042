//! DNS rebinding: a `Host` the proxy does not answer for gets a 421 on
//! reads and writes, before anything reaches the upstream; the proxy's own
//! origin comes from `--public-origin`, never from the request.

mod common;

use std::time::Duration;

use common::*;
use modelarts_sync_proxy::PublicOrigins;

const REBOUND: &str = "rebind.attacker.example";
const PUBLIC: &str = "https://status.example.com";
const XRW: (&str, &str) = ("X-Requested-With", "XMLHttpRequest");

async fn proxy(upstream: &FakeUpstream) -> std::net::SocketAddr {
    let mut settings = with_sync(
        upstream_settings(upstream, token()),
        Duration::from_secs(60),
    );
    settings.public_origins = PublicOrigins(vec![PUBLIC.into()]);
    start_proxy(settings).await
}

#[tokio::test]
async fn a_rebinding_host_is_refused_for_reads_and_writes() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy(&upstream).await;
    let rebound_origin = format!("http://{REBOUND}");
    for host in [REBOUND.to_owned(), format!("{REBOUND}:{}", proxy.port())] {
        for (method, path, headers) in [
            ("GET", status_path("p", "d"), vec![]),
            ("GET", format!("/api{}", status_path("p", "d")), vec![]),
            (
                "GET",
                "/v2/p/datasets/sync-data/status?dataset_ids=a,b".into(),
                vec![],
            ),
            (
                "POST",
                sync_path("p", "d"),
                vec![XRW, ("Origin", rebound_origin.as_str())],
            ),
            ("GET", "/".into(), vec![]),
        ] {
            let r = raw_to_host(proxy, &host, method, &path, &headers).await;
            assert_eq!(r.status, 421, "{method} {path} Host: {host}");
            assert_eq!(r.json()["error_code"], "PROXY.0421");
            assert!(r.header("access-control-allow-origin").is_none());
        }
    }
    assert_eq!(upstream.count(), 0, "nothing reached the upstream");
    // A health probe is answered whatever its Host.
    let r = raw_to_host(proxy, REBOUND, "GET", "/healthz", &[]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn the_public_origin_loopback_and_addresses_are_answered() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy(&upstream).await;
    let path = status_path("p", "d");
    for host in [
        "status.example.com",
        "Status.Example.com:443",
        "localhost",
        "127.0.0.1",
        "10.1.2.3:9009",
        "[::1]:9009",
    ] {
        let r = raw_to_host(proxy, host, "GET", &path, &[]).await;
        assert_eq!(r.status, 200, "Host: {host}");
    }
    // A sync from the public origin's page, as a TLS front passes it on.
    let r = raw_to_host(
        proxy,
        "status.example.com",
        "POST",
        &sync_path("p", "d"),
        &[XRW, ("Origin", PUBLIC)],
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        upstream.methods().iter().filter(|m| *m == "POST").count(),
        1
    );
}

#[tokio::test]
async fn own_origin_is_never_the_request_s_name() {
    // Even a Host the proxy answers for does not make its http:// origin
    // "own": only the --public-origin (here https) is.
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy(&upstream).await;
    let r = raw_to_host(
        proxy,
        "status.example.com",
        "POST",
        &sync_path("p", "d2"),
        &[XRW, ("Origin", "http://status.example.com")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn without_the_option_loopback_keeps_working_and_names_are_refused() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(with_sync(
        upstream_settings(&upstream, token()),
        Duration::from_secs(60),
    ))
    .await;
    let own = format!("http://{proxy}");
    let r = raw(
        proxy,
        "POST",
        &sync_path("p", "d"),
        &[XRW, ("Origin", &own)],
    )
    .await;
    assert_eq!(r.status, 200, "a same-origin sync on loopback");
    let r = raw_to_host(
        proxy,
        "status.example.com",
        "GET",
        &status_path("p", "d"),
        &[],
    )
    .await;
    assert_eq!(r.status, 421);
}
