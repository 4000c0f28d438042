//! The rate limits as a portal meets them: many viewers behind one address
//! are served, a client asking for ever new datasets is stopped, and the
//! client address comes from X-Forwarded-For only through a trusted front.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use clap::Parser;
use common::*;
use modelarts_sync_proxy::client::{Cidr, TrustedProxies};
use modelarts_sync_proxy::settings::{Cli, DEFAULT_UPSTREAM_RATE_LIMIT};
use modelarts_sync_proxy::Settings;

/// The settings `--upstream URL` gets with nothing else on the command line.
fn defaults(upstream: &FakeUpstream, extra: &[&str]) -> Settings {
    let mut args = vec!["modelarts-sync-proxy", "--upstream", &upstream.url];
    args.extend_from_slice(extra);
    let cli = Cli::try_parse_from(args).unwrap();
    Settings::from_cli(cli, |name| {
        (name == "MODELARTS_TOKEN").then(|| "test-token-123".to_owned())
    })
    .unwrap()
}

#[tokio::test]
async fn two_hundred_viewers_behind_one_address_get_200_and_cost_one_request() {
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_millis(200),
        ..Reply::default()
    })
    .await;
    // Default limits; a long TTL only so that a slow machine cannot turn a
    // late viewer into a second upstream request (the limits do not depend
    // on it).
    let proxy = start_proxy(defaults(&upstream, &["--cache-ttl", "30"])).await;
    let client = client();
    let url = format!("http://{proxy}/api{}", status_path("p", "popular"));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move { client.get(url).send().await.unwrap().status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        200,
        "{statuses:?}"
    );
    assert_eq!(upstream.count(), 1);
    // Another round of the same 200 viewers: still all served, from the cache.
    for _ in 0..200 {
        assert_eq!(
            raw(proxy, "GET", &status_path("p", "popular"), &[])
                .await
                .status,
            200
        );
    }
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn a_client_hammering_misses_is_limited_with_retry_after() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(defaults(&upstream, &["--cache-ttl", "60"])).await;
    let client = client();
    let budget = DEFAULT_UPSTREAM_RATE_LIMIT as usize;
    // Batches of 100 datasets never asked for before, one batch after the other.
    let batches = budget / 100 + 1;
    let mut refused = 0;
    for b in 0..batches {
        let ids: Vec<String> = (0..100).map(|i| format!("d{b}x{i}")).collect();
        let url = format!(
            "http://{proxy}/api/v2/p/datasets/sync-data/status?dataset_ids={}",
            ids.join(",")
        );
        let text = client.get(url).send().await.unwrap().text().await.unwrap();
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        for id in &ids {
            let entry = &answer[id.as_str()];
            if entry["http_status"] == 429 {
                refused += 1;
                let wait: u64 = entry["retry_after"].as_str().unwrap().parse().unwrap();
                assert!((1..=60).contains(&wait), "{entry}");
                assert_eq!(entry["body"]["error_code"], "PROXY.0429");
            } else {
                assert_eq!(entry["http_status"], 200, "{entry}");
            }
        }
    }
    // The budget (and what refilled meanwhile, 50 a second) went
    // upstream; the rest was refused.
    let went = upstream.count();
    assert!(went >= budget && went < batches * 100, "{went}");
    assert_eq!(refused, batches * 100 - went);
    // Single requests for new datasets, 100 at once: refused with Retry-After.
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            tokio::spawn(async move {
                raw(proxy, "GET", &status_path("p", &format!("s{i}")), &[]).await
            })
        })
        .collect();
    let mut singles_refused = 0;
    for task in tasks {
        let r = task.await.unwrap();
        if r.status == 429 {
            singles_refused += 1;
            let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
            assert_eq!(r.json()["error_code"], "PROXY.0429");
        } else {
            assert_eq!(r.status, 200);
        }
    }
    assert!(singles_refused > 0);
    let went = upstream.count();
    // What is in the cache costs nothing: still served.
    let r = raw(proxy, "GET", &status_path("p", "d0x0"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(upstream.count(), went);
}

/// Upstream settings with `--upstream-rate-limit 2` and these fronts.
fn two_misses(upstream: &FakeUpstream, trusted: &[&str]) -> Settings {
    let mut settings = upstream_settings(upstream, token());
    upstream_mut(&mut settings).upstream_rate_limit = NonZeroU32::new(2);
    upstream_mut(&mut settings).cache_ttl = Duration::from_secs(60);
    settings.trusted_proxies =
        TrustedProxies(trusted.iter().map(|c| c.parse::<Cidr>().unwrap()).collect());
    settings
}

#[tokio::test]
async fn a_trusted_front_names_the_client() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    // The test's connections come from 127.0.0.1: the front.
    let proxy = start_proxy(two_misses(&upstream, &["127.0.0.0/8", "10.0.0.0/8"])).await;
    let get = |dataset: &str, xff: &'static str| {
        let path = status_path("p", dataset);
        async move { raw(proxy, "GET", &path, &[("X-Forwarded-For", xff)]).await }
    };
    assert_eq!(get("a1", "198.51.100.1").await.status, 200);
    assert_eq!(get("a2", "198.51.100.1").await.status, 200);
    let r = get("a3", "198.51.100.1").await;
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    // Another user behind the same front has a budget of their own.
    assert_eq!(get("b1", "198.51.100.2").await.status, 200);
    // A user who writes someone else's address first is still themselves:
    // the front appended the address it saw, the right-most untrusted one.
    assert_eq!(get("a4", "198.51.100.2, 198.51.100.1").await.status, 429);
    // Through two fronts (the inner one trusted too).
    assert_eq!(get("a5", "198.51.100.1, 10.0.0.7").await.status, 429);
    assert_eq!(get("b2", "198.51.100.2, 10.0.0.7").await.status, 200);
    assert_eq!(get("b3", "198.51.100.2").await.status, 429);
    assert_eq!(upstream.count(), 4);
}

#[tokio::test]
async fn a_forged_header_from_an_untrusted_peer_is_ignored() {
    for trusted in [&[][..], &["10.0.0.0/8"][..]] {
        let upstream = FakeUpstream::start(Reply::default()).await;
        let proxy = start_proxy(two_misses(&upstream, trusted)).await;
        // 127.0.0.1 is not a trusted front: each request claims a new
        // address, and all count against 127.0.0.1.
        for (i, forged) in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "10.0.0.1"]
            .into_iter()
            .enumerate()
        {
            let r = raw(
                proxy,
                "GET",
                &status_path("p", &format!("d{i}")),
                &[("X-Forwarded-For", forged)],
            )
            .await;
            let expected = if i < 2 { 200 } else { 429 };
            assert_eq!(r.status, expected, "{trusted:?} request {i}");
        }
        assert_eq!(upstream.count(), 2);
    }
}

#[tokio::test]
async fn the_upstream_budget_holds_for_all_addresses_together() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let mut settings = two_misses(&upstream, &["127.0.0.0/8"]);
    upstream_mut(&mut settings).upstream_budget = NonZeroU32::new(5);
    let proxy = start_proxy(settings).await;
    // Each address stays within its own limit (2): the replica's budget (5)
    // is what stops them together.
    let mut served = 0;
    let mut refused = Vec::new();
    for client in 1..=5 {
        for n in 0..2 {
            let xff = format!("198.51.100.{client}");
            let path = status_path("p", &format!("c{client}x{n}"));
            let r = raw(proxy, "GET", &path, &[("X-Forwarded-For", &xff)]).await;
            match r.status {
                200 => served += 1,
                429 => refused.push(r),
                other => panic!("{other}"),
            }
        }
    }
    assert_eq!(served, 5);
    assert_eq!(refused.len(), 5);
    assert_eq!(upstream.count(), 5, "the budget is what went upstream");
    let r = &refused[0];
    assert_eq!(r.json()["error_code"], "PROXY.0429");
    assert!(
        r.json()["error_msg"]
            .as_str()
            .unwrap()
            .contains("all viewers"),
        "{:?}",
        r.json()
    );
    // 5 a minute: one more in 12 s.
    assert_eq!(r.header("retry-after"), Some("12"));
    // Answers in the cache cost no budget: still served.
    let r = raw(
        proxy,
        "GET",
        &status_path("p", "c1x0"),
        &[("X-Forwarded-For", "198.51.100.9")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(upstream.count(), 5);
}

#[test]
fn the_default_budget_is_generous_and_zero_turns_it_off() {
    let upstream_url = "http://127.0.0.1:9";
    let parse = |extra: &[&str]| {
        let mut args = vec!["modelarts-sync-proxy", "--upstream", upstream_url];
        args.extend_from_slice(extra);
        let settings = Settings::from_cli(Cli::try_parse_from(args).unwrap(), |name| {
            (name == "MODELARTS_TOKEN").then(|| "t".to_owned())
        })
        .unwrap();
        match settings.mode {
            modelarts_sync_proxy::Mode::Upstream(u) => (u.upstream_budget, u.cache_entries),
            _ => unreachable!(),
        }
    };
    let (budget, entries) = parse(&[]);
    assert_eq!(budget, NonZeroU32::new(12_000));
    assert_eq!(entries.get(), 10_000);
    assert_eq!(parse(&["--upstream-budget", "0"]).0, None);
    assert_eq!(parse(&["--cache-entries", "50"]).1.get(), 50);
}
