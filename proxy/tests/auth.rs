//! `--auth-url` and `--mock-auth`: the portal decides which viewer may read
//! or sync which dataset. The "portal" here is a real HTTP server on a
//! socket (the test servers' [`FakeUpstream`], which records what it gets
//! and answers what it is told), and, for `--mock-auth`, the mock's own
//! `GET /__mock/auth` asked by a second proxy over HTTP.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use modelarts_sync_proxy::auth::{AuthSettings, Decider};
use modelarts_sync_proxy::Settings;

const MINUTE: Duration = Duration::from_secs(60);
const XRW: (&str, &str) = ("X-Requested-With", "XMLHttpRequest");

fn reply(status: u16) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap(),
        body: String::new(),
        ..Reply::default()
    }
}

fn with_auth(mut settings: Settings, url: &str, ttl: Duration, timeout: Duration) -> Settings {
    settings.auth = Some(AuthSettings {
        decider: Decider::Remote(url.parse().unwrap()),
        ttl,
        timeout,
    });
    settings
}

/// A proxy to `upstream` that asks `portal` about every viewer.
async fn guarded(upstream: &FakeUpstream, portal: &FakeUpstream, ttl: Duration) -> SocketAddr {
    let settings = upstream_settings(upstream, token());
    let url = format!("{}/auth?from=proxy", portal.url);
    start_proxy(with_auth(settings, &url, ttl, Duration::from_secs(2))).await
}

fn header<'a>(received: &'a Received, name: &str) -> Option<&'a str> {
    received.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_portal_is_asked_with_the_viewers_credentials_and_the_upstream_never_sees_them() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(204)).await;
    let proxy = guarded(&upstream, &portal, MINUTE).await;
    let path = "/api/v2/p1/datasets/d_1/sync-data/status";
    let r = raw(
        proxy,
        "GET",
        path,
        &[
            ("Cookie", "session=s3cret"),
            ("Authorization", "Bearer t0ken"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.json()["status"], "RUNNING");

    let asked = portal.received();
    assert_eq!(asked.len(), 1);
    let asked = &asked[0];
    assert_eq!(asked.method, "GET");
    assert_eq!(asked.target, "/auth?from=proxy");
    assert_eq!(header(asked, "cookie"), Some("session=s3cret"));
    assert_eq!(header(asked, "authorization"), Some("Bearer t0ken"));
    assert_eq!(header(asked, "x-original-method"), Some("GET"));
    assert_eq!(header(asked, "x-original-uri"), Some(path));
    assert_eq!(header(asked, "x-modelarts-project-id"), Some("p1"));
    assert_eq!(header(asked, "x-modelarts-dataset-id"), Some("d_1"));

    // The upstream got the proxy's token, and nothing of the viewer's.
    let sent = upstream.received();
    assert_eq!(sent.len(), 1);
    assert_only_allowed_headers(&sent[0]);
    assert!(sent[0].headers.get("cookie").is_none());
    assert_eq!(header(&sent[0], "x-auth-token"), Some("test-token-123"));
}

#[tokio::test]
async fn a_401_or_403_from_the_portal_is_passed_on_and_the_upstream_is_not_asked() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(401)).await;
    let proxy = guarded(&upstream, &portal, MINUTE).await;
    let r = raw(proxy, "GET", &status_path("p1", "d1"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "PROXY.0401");
    assert!(r.json()["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("Not signed in"));

    portal.set_reply(reply(403));
    let r = raw(
        proxy,
        "GET",
        &status_path("p1", "d1"),
        &[("Cookie", "mss_user=bob")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error_code"], "PROXY.0403");
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn anything_else_from_the_portal_refuses_fail_closed() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(500)).await;
    let settings = upstream_settings(&upstream, token());
    let url = format!("{}/auth", portal.url);
    let timeout = Duration::from_millis(300);
    let proxy = start_proxy(with_auth(settings, &url, MINUTE, timeout)).await;
    // Each case with credentials of its own (a refusal is kept 2 s).
    let cases = [
        ("a", reply(500)),
        ("b", reply(404)),
        // A redirect to a sign-in page is not a yes.
        ("c", reply(302)),
        (
            "d",
            Reply {
                delay: Duration::from_secs(2),
                ..reply(204)
            },
        ),
    ];
    for (who, answer) in cases {
        portal.set_reply(answer);
        let cookie = format!("session={who}");
        let r = raw(
            proxy,
            "GET",
            &status_path("p1", "d1"),
            &[("Cookie", &cookie)],
        )
        .await;
        assert_eq!(r.status, 503, "{who}");
        assert_eq!(r.json()["error_code"], "PROXY.0503", "{who}");
    }
    assert_eq!(portal.count(), 4);

    // No portal at all (nothing listening): refused as well.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let settings = upstream_settings(&upstream, token());
    let proxy = start_proxy(with_auth(
        settings,
        &format!("http://{closed}/auth"),
        MINUTE,
        timeout,
    ))
    .await;
    let r = raw(proxy, "GET", &status_path("p1", "d1"), &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(upstream.count(), 0);
}

#[tokio::test]
async fn decisions_are_kept_per_credentials_so_refreshes_cost_none() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(204)).await;
    let proxy = guarded(&upstream, &portal, MINUTE).await;
    let get = |cookie: &'static str| async move {
        raw(
            proxy,
            "GET",
            &status_path("p1", "d1"),
            &[("Cookie", cookie)],
        )
        .await
        .status
    };
    // Twenty refreshes of one card: one question.
    for _ in 0..20 {
        assert_eq!(get("session=alice").await, 200);
    }
    assert_eq!(portal.count(), 1);
    // Other credentials are asked about on their own.
    assert_eq!(get("session=carol").await, 200);
    assert_eq!(portal.count(), 2);
    // Ten at once with new credentials share one question.
    let together: Vec<_> = (0..10).map(|_| tokio::spawn(get("session=dave"))).collect();
    for request in together {
        assert_eq!(request.await.unwrap(), 200);
    }
    assert_eq!(portal.count(), 3);

    // A refusal is kept 2 s at most: a viewer who signs in is let in soon.
    portal.set_reply(reply(401));
    assert_eq!(get("session=erin").await, 401);
    assert_eq!(get("session=erin").await, 401);
    assert_eq!(portal.count(), 4);
    portal.set_reply(reply(204));
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(get("session=erin").await, 200);
    assert_eq!(portal.count(), 5);
}

#[tokio::test]
async fn a_batch_asks_once_per_dataset() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(204)).await;
    let proxy = guarded(&upstream, &portal, MINUTE).await;
    let path = "/api/v2/p1/datasets/sync-data/status?dataset_ids=d1,d2,d3";
    let r = raw(proxy, "GET", path, &[("Cookie", "session=alice")]).await;
    assert_eq!(r.status, 200);
    for id in ["d1", "d2", "d3"] {
        assert_eq!(r.json()[id]["http_status"], 200, "{id}");
    }
    let mut asked: Vec<String> = portal
        .received()
        .iter()
        .map(|r| header(r, "x-modelarts-dataset-id").unwrap().to_owned())
        .collect();
    asked.sort();
    assert_eq!(asked, ["d1", "d2", "d3"]);
    // The next refresh asks nothing.
    raw(proxy, "GET", path, &[("Cookie", "session=alice")]).await;
    assert_eq!(portal.count(), 3);

    // Refused: each entry says so, as its own request would.
    portal.set_reply(reply(403));
    let r = raw(proxy, "GET", path, &[("Cookie", "session=bob")]).await;
    assert_eq!(r.status, 200);
    for id in ["d1", "d2", "d3"] {
        assert_eq!(r.json()[id]["http_status"], 403, "{id}");
        assert_eq!(r.json()[id]["body"]["error_code"], "PROXY.0403", "{id}");
    }
}

#[tokio::test]
async fn a_sync_needs_the_portals_yes_for_a_post() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    // The portal lets GETs through and refuses POSTs.
    let portal = FakeUpstream::start(reply(403)).await;
    let settings = with_sync(upstream_settings(&upstream, token()), MINUTE);
    let url = format!("{}/auth", portal.url);
    let proxy = start_proxy(with_auth(settings, &url, MINUTE, Duration::from_secs(2))).await;
    let r = raw(
        proxy,
        "POST",
        &sync_path("p1", "d1"),
        &[XRW, ("Cookie", "session=bob")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error_code"], "PROXY.0403");
    assert_eq!(upstream.count(), 0);
    let asked = portal.received();
    assert_eq!(header(&asked[0], "x-original-method"), Some("POST"));
    assert_eq!(
        header(&asked[0], "x-original-uri"),
        Some(sync_path("p1", "d1").as_str())
    );

    // Allowed: it starts (the refusal started no cooldown).
    portal.set_reply(reply(200));
    let r = raw(
        proxy,
        "POST",
        &sync_path("p1", "d1"),
        &[XRW, ("Cookie", "session=alice")],
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(upstream.methods(), ["POST"]);
    assert!(upstream.received()[0].headers.get("cookie").is_none());
}

#[tokio::test]
async fn the_mock_decides_by_its_rules_in_process_and_over_http() {
    let mock = start_proxy(with_sync(
        {
            let mut s = mock_settings();
            s.auth = Some(AuthSettings {
                decider: Decider::Mock,
                ttl: MINUTE,
                timeout: Duration::from_secs(2),
            });
            s
        },
        MINUTE,
    ))
    .await;
    let get = |project: &'static str, cookie: &'static str| async move {
        let headers: &[(&str, &str)] = if cookie.is_empty() {
            &[]
        } else {
            &[("Cookie", cookie)]
        };
        raw(mock, "GET", &status_path(project, "d1"), headers)
            .await
            .status
    };
    assert_eq!(get("p1", "").await, 401);
    assert_eq!(get("p1", "theme=dark; mss_user=alice").await, 200);
    assert_eq!(get("p2", "mss_user=alice").await, 403);
    assert_eq!(get("p1", "mss_user=bob").await, 200);
    assert_eq!(get("p1", "mss_user=mallory").await, 403);
    let sync = |cookie: &'static str| async move {
        raw(
            mock,
            "POST",
            &sync_path("p1", "d1"),
            &[XRW, ("Cookie", cookie)],
        )
        .await
        .status
    };
    assert_eq!(sync("mss_user=bob").await, 403);
    assert_eq!(sync("mss_user=alice").await, 200);

    // The same rules as an auth URL, asked by a proxy over HTTP.
    let upstream = FakeUpstream::start(Reply::default()).await;
    let url = format!("http://{mock}/__mock/auth");
    let settings = upstream_settings(&upstream, token());
    let proxy = start_proxy(with_auth(settings, &url, MINUTE, Duration::from_secs(2))).await;
    for (project, cookie, status) in [
        ("p1", "mss_user=alice", 200),
        ("p1", "mss_user=nobody", 403),
        ("p2", "mss_user=alice", 403),
    ] {
        let r = raw(
            proxy,
            "GET",
            &status_path(project, "d1"),
            &[("Cookie", cookie)],
        )
        .await;
        assert_eq!(r.status, status, "{project} {cookie}");
    }
    let r = raw(proxy, "GET", &status_path("p1", "d1"), &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn decisions_show_in_the_metrics() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let portal = FakeUpstream::start(reply(204)).await;
    let proxy = guarded(&upstream, &portal, MINUTE).await;
    for _ in 0..3 {
        raw(
            proxy,
            "GET",
            &status_path("p1", "d1"),
            &[("Cookie", "session=alice")],
        )
        .await;
    }
    let text = String::from_utf8(raw(proxy, "GET", "/metrics", &[]).await.body.to_vec()).unwrap();
    let line = |labels: &str| {
        text.lines()
            .find(|l| {
                l.starts_with(&format!(
                    "modelarts_sync_proxy_auth_decisions_total{{{labels}}}"
                ))
            })
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(
        line(r#"decision="allowed",source="miss""#).as_deref(),
        Some("1"),
        "{text}"
    );
    assert_eq!(
        line(r#"decision="allowed",source="hit""#).as_deref(),
        Some("2"),
        "{text}"
    );
    // Nothing of the viewer's credentials in the metrics.
    assert!(!text.contains("alice"));
}
