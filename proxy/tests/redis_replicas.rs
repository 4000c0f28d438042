//! Replicas sharing one Redis (`--redis`): real `redis-server` processes
//! (started here on free loopback ports, never a mock), real proxy
//! processes (the built binary), and an in-process fake ModelArts that
//! counts what reaches it.
//!
//! `redis-server` must be on PATH (`cargo xtask setup` installs it); a test
//! that cannot find it fails, it does not skip.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_modelarts-sync-proxy");

/// A child process killed when dropped (only this test's own).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One `redis-server` of this test, on 127.0.0.1:port, without persistence.
struct Redis {
    port: u16,
    process: Option<Process>,
}

impl Redis {
    fn start() -> Self {
        let mut redis = Self {
            port: free_port(),
            process: None,
        };
        redis.restart();
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port, and waits until it answers.
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): it must be on PATH; \
                     run `cargo xtask setup` (it installs the apt package redis-server)"
                )
            });
        self.process = Some(Process(child));
        let start = Instant::now();
        while start.elapsed() < LIMIT {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer PING", self.port);
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// SIGKILL: gone at once, as a crashed server is.
    fn kill(&mut self) {
        self.process = None;
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
}

/// One proxy process in upstream mode.
struct Replica {
    process: Process,
    addr: std::net::SocketAddr,
    log: PathBuf,
}

impl Replica {
    fn start(upstream: &FakeUpstream, redis_url: &str, args: &[&str]) -> Self {
        Self::start_logging(upstream, redis_url, args, "warn")
    }

    /// With the log level `RUST_LOG` (stderr goes to a file: [`Self::logs`]).
    fn start_logging(upstream: &FakeUpstream, redis_url: &str, args: &[&str], level: &str) -> Self {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log =
            std::env::temp_dir().join(format!("mss-redis-replica-{}-{n}.log", std::process::id()));
        let mut child = Command::new(BIN)
            .args(["--upstream", &upstream.url, "--listen", "127.0.0.1:0"])
            .args(["--redis", redis_url])
            // No limits: these tests count upstream requests, not refusals.
            .args(["--rate-limit", "0", "--upstream-rate-limit", "0"])
            .args(args)
            .env("MODELARTS_TOKEN", "test-token-123")
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let process = Process(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .parse()
            .unwrap();
        Self { process, addr, log }
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn health(&self) -> serde_json::Value {
        raw(self.addr, "GET", "/healthz", &[]).await.json()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.process.0.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `viewers` concurrent requests for one dataset, spread evenly over the
/// replicas; every status answered.
async fn wave(replicas: &[Replica], viewers: usize, dataset: &str) -> Vec<u16> {
    let client = client();
    let tasks: Vec<_> = (0..viewers)
        .map(|i| {
            let url = format!(
                "http://{}/api{}",
                replicas[i % replicas.len()].addr,
                status_path("p", dataset)
            );
            let client = client.clone();
            tokio::spawn(async move { client.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::with_capacity(viewers);
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

/// Upstream requests for one dataset so far.
fn asked(upstream: &FakeUpstream, dataset: &str) -> usize {
    let path = status_path("p", dataset);
    upstream
        .received()
        .iter()
        .filter(|r| r.target == path)
        .count()
}

/// One test of this file at a time: each starts several processes, and a
/// 2-core machine running them all at once would be measuring itself.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn all_ok(statuses: &[u16]) -> bool {
    statuses.iter().all(|&s| s == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_make_one_upstream_request_per_ttl_between_them() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start();
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_millis(300),
        ..Reply::default()
    })
    .await;
    // The TTL is long enough that a wave of 500 viewers ends inside one
    // window (a wave takes about 0.6 s on a shared 2-core machine).
    let ttl = Duration::from_secs(3);
    for n in [2, 5] {
        let replicas: Vec<Replica> = (0..n)
            .map(|_| Replica::start(&upstream, &redis.url(), &["--cache-ttl", "3"]))
            .collect();
        let dataset = format!("popular-{n}");
        let started = Instant::now();
        let statuses = wave(&replicas, 500, &dataset).await;
        eprintln!(
            "{n} replicas: 500 viewers answered in {:?}",
            started.elapsed()
        );
        assert!(all_ok(&statuses), "{n} replicas: {statuses:?}");
        assert_eq!(asked(&upstream, &dataset), 1, "{n} replicas, first window");
        // The next window: once the answer has expired, one request again.
        tokio::time::sleep((ttl + Duration::from_millis(1500)).saturating_sub(started.elapsed()))
            .await;
        let statuses = wave(&replicas, 500, &dataset).await;
        assert!(all_ok(&statuses), "{n} replicas: {statuses:?}");
        assert_eq!(asked(&upstream, &dataset), 2, "{n} replicas, second window");
        for replica in &replicas {
            assert_eq!(replica.health().await["redis"], "up");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_then_restarted() {
    let _serial = SERIAL.lock().await;
    let mut redis = Redis::start();
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_millis(500),
        ..Reply::default()
    })
    .await;
    let n = 3;
    let replicas: Vec<Replica> = (0..n)
        .map(|_| Replica::start(&upstream, &redis.url(), &["--cache-ttl", "2"]))
        .collect();
    let ttl = Duration::from_secs(2);

    // Shared: one request.
    assert!(all_ok(&wave(&replicas, 150, "a").await));
    assert_eq!(asked(&upstream, "a"), 1);

    // Killed while a wave waits for the upstream (one replica holds the
    // lock, the others poll): every viewer is answered, each replica asks
    // at most once on its own.
    let during = {
        let addrs: Vec<_> = replicas.iter().map(|r| r.addr).collect();
        tokio::spawn(async move {
            let client = client();
            let tasks: Vec<_> = (0..150)
                .map(|i| {
                    let url = format!("http://{}/api{}", addrs[i % n], status_path("p", "b"));
                    let client = client.clone();
                    tokio::spawn(
                        async move { client.get(url).send().await.unwrap().status().as_u16() },
                    )
                })
                .collect();
            let mut statuses = Vec::new();
            for task in tasks {
                statuses.push(task.await.unwrap());
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    redis.kill();
    let statuses = during.await.unwrap();
    assert!(all_ok(&statuses), "{statuses:?}");
    let b = asked(&upstream, "b");
    assert!(
        (1..=n).contains(&b),
        "{b} upstream requests with Redis killed mid-wave"
    );

    // Down: still served, at most one request per replica per window.
    let down_started = Instant::now();
    for window in 0..2 {
        let statuses = wave(&replicas, 150, "c").await;
        assert!(all_ok(&statuses), "{statuses:?}");
        let c = asked(&upstream, "c");
        assert!(c <= n * (window + 1), "window {window}: {c}");
        tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    }
    assert!(asked(&upstream, "c") >= 2, "each window asks again");
    for replica in &replicas {
        let health = replica.health().await;
        assert_eq!(health["status"], "ok");
        assert_eq!(health["redis"], "down");
    }
    assert!(down_started.elapsed() < Duration::from_secs(60));

    // Restarted (empty, same port): each replica goes back to Redis on its
    // own (the background probe notices). Warm up with datasets of their own
    // until a round passes without a Redis fault on any replica.
    redis.restart();
    let start = Instant::now();
    let mut round = 0;
    loop {
        assert!(start.elapsed() < LIMIT, "replicas did not go back to Redis");
        let before: Vec<_> = {
            let mut v = Vec::new();
            for r in &replicas {
                v.push(r.health().await["redis_faults"].as_u64().unwrap());
            }
            v
        };
        for (i, replica) in replicas.iter().enumerate() {
            for k in 0..8 {
                let path = status_path("p", &format!("warm-{round}-{i}-{k}"));
                assert_eq!(raw(replica.addr, "GET", &path, &[]).await.status, 200);
            }
        }
        let mut clean = true;
        for (r, faults) in replicas.iter().zip(before) {
            let health = r.health().await;
            clean &= health["redis"] == "up" && health["redis_faults"] == faults;
        }
        if clean {
            break;
        }
        round += 1;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Back to one request for all of them.
    let statuses = wave(&replicas, 150, "d").await;
    assert!(all_ok(&statuses), "{statuses:?}");
    assert_eq!(asked(&upstream, "d"), 1);

    // The fault was logged, once (it lasted well under a minute).
    for replica in &replicas {
        let logs = replica.logs();
        assert_eq!(logs.matches("redis: unreachable").count(), 1, "{logs}");
        assert!(logs.contains("redis: answering again"), "{logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_or_frozen_at_start_serves_and_never_shows_the_password() {
    let _serial = SERIAL.lock().await;
    let upstream = FakeUpstream::start(Reply::default()).await;
    // Nothing listens there yet; the URL has a password.
    let port = free_port();
    let url = format!("redis://:hunter2-redis@127.0.0.1:{port}");
    let replica = Replica::start_logging(&upstream, &url, &["--cache-ttl", "1"], "info");
    let startup = replica.logs();
    assert!(
        startup.contains(&format!("redis://:***@127.0.0.1:{port}")),
        "{startup}"
    );
    for i in 0..3 {
        let r = raw(
            replica.addr,
            "GET",
            &status_path("p", &format!("x{i}")),
            &[],
        )
        .await;
        assert_eq!(r.status, 200);
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert_eq!(upstream.count(), 3);
    let health = replica.health().await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["redis"], "down");
    // Requests leave Redis alone while it is down (the background probe
    // alone asks, and its failures are not the viewers' faults).
    assert_eq!(health["redis_faults"], 1, "{health}");
    let healthz = raw(replica.addr, "GET", "/healthz", &[]).await;
    assert!(!String::from_utf8_lossy(&healthz.body).contains("hunter2"));
    let logs = replica.logs();
    assert_eq!(logs.matches("redis: unreachable").count(), 1, "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");
    assert!(!startup.contains("hunter2"), "{startup}");
    drop(replica);

    // A server that accepts connections but never answers (stopped with
    // SIGSTOP): requests still answered, each Redis step bounded.
    let mut redis = Redis::start();
    let replica = Replica::start(&upstream, &redis.url(), &["--cache-ttl", "1"]);
    assert_eq!(
        raw(replica.addr, "GET", &status_path("p", "f0"), &[])
            .await
            .status,
        200
    );
    assert_eq!(replica.health().await["redis"], "up");
    let pid = redis.process.as_ref().unwrap().0.id().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    for i in 1..4 {
        let r = raw(
            replica.addr,
            "GET",
            &status_path("p", &format!("f{i}")),
            &[],
        )
        .await;
        assert_eq!(r.status, 200);
    }
    assert_eq!(replica.health().await["redis"], "down");
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    // Answering again: used again (the background probe notices).
    let start = Instant::now();
    for i in 10.. {
        assert!(start.elapsed() < LIMIT, "Redis not used again");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let r = raw(
            replica.addr,
            "GET",
            &status_path("p", &format!("f{i}")),
            &[],
        )
        .await;
        assert_eq!(r.status, 200);
        if replica.health().await["redis"] == "up" {
            break;
        }
    }
    redis.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_lock_expires_values_hold_only_the_answer_and_batches_share_keys() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start();
    let upstream = FakeUpstream::start(Reply::default()).await;
    let replica = Replica::start(
        &upstream,
        &redis.url(),
        &["--cache-ttl", "30", "--upstream-timeout", "5"],
    );
    let mut con = redis.connection().await;
    // A replica died holding the lock: it expires by its TTL, and the
    // waiting replica then asks itself.
    let _: () = redis::cmd("SET")
        .arg("mss:v1:lock:p:orphan")
        .arg("dead-replica")
        .arg("PX")
        .arg(1500)
        .query_async(&mut con)
        .await
        .unwrap();
    let r = raw(replica.addr, "GET", &status_path("p", "orphan"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(asked(&upstream, "orphan"), 1);
    let locked: bool = redis::cmd("EXISTS")
        .arg("mss:v1:lock:p:orphan")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(!locked, "the lock is released after the answer is stored");

    // What is stored: the answer the viewer gets, under a key of the
    // validated IDs, for the TTL.
    let stored: String = redis::cmd("GET")
        .arg("mss:v1:status:p:orphan")
        .query_async(&mut con)
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored,
        serde_json::json!({
            "status": 200,
            "upstream_status": 200,
            "body": r#"{"status":"RUNNING","dataset_id":"d1"}"#
        })
    );
    assert!(!stored.to_string().contains("test-token-123"));
    let pttl: i64 = redis::cmd("PTTL")
        .arg("mss:v1:status:p:orphan")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!((1..=30_000).contains(&pttl), "{pttl}");

    // A value another replica stored is served as it is…
    let _: () = redis::cmd("SET")
        .arg("mss:v1:status:p:elsewhere")
        .arg(r#"{"status":200,"upstream_status":200,"body":"{\"status\":\"COMPLETED\"}"}"#)
        .arg("PX")
        .arg(30_000)
        .query_async(&mut con)
        .await
        .unwrap();
    let r = raw(replica.addr, "GET", &status_path("p", "elsewhere"), &[]).await;
    assert_eq!(
        (r.status, &r.body[..]),
        (200, &br#"{"status":"COMPLETED"}"#[..])
    );
    assert_eq!(asked(&upstream, "elsewhere"), 0);
    // …and one that is not an answer the proxy could send is ignored.
    let _: () = redis::cmd("SET")
        .arg("mss:v1:status:p:junk")
        .arg(r#"{"status":200,"body":"<script>alert(1)</script>"}"#)
        .arg("PX")
        .arg(30_000)
        .query_async(&mut con)
        .await
        .unwrap();
    let r = raw(replica.addr, "GET", &status_path("p", "junk"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], br#"{"status":"RUNNING","dataset_id":"d1"}"#);
    assert_eq!(asked(&upstream, "junk"), 1);
    // The batch path uses the same keys: what one replica's batch fetched,
    // another replica's single requests (and batches) find.
    let other = Replica::start(&upstream, &redis.url(), &["--cache-ttl", "30"]);
    let batch = "/api/v2/p/datasets/sync-data/status?dataset_ids=orphan,elsewhere,batched";
    let r = raw(replica.addr, "GET", batch, &[]).await;
    assert_eq!(r.status, 200);
    let entries = r.json();
    for id in ["orphan", "elsewhere", "batched"] {
        assert_eq!(entries[id]["http_status"], 200, "{entries}");
    }
    assert_eq!(entries["elsewhere"]["body"]["status"], "COMPLETED");
    assert_eq!(asked(&upstream, "batched"), 1);
    let r = raw(other.addr, "GET", &status_path("p", "batched"), &[]).await;
    assert_eq!(r.status, 200);
    let r = raw(other.addr, "GET", batch, &[]).await;
    assert_eq!(r.json()["elsewhere"]["body"]["status"], "COMPLETED");
    for (id, n) in [("orphan", 1), ("elsewhere", 0), ("batched", 1)] {
        assert_eq!(asked(&upstream, id), n, "{id}");
    }
    // Only the proxy's own keys were written.
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut con)
        .await
        .unwrap();
    keys.sort();
    assert_eq!(
        keys,
        [
            "mss:v1:status:p:batched",
            "mss:v1:status:p:elsewhere",
            "mss:v1:status:p:junk",
            "mss:v1:status:p:orphan"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_deletes_the_shared_status() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start();
    let upstream = FakeUpstream::start(Reply {
        body: r#"{"status":"COMPLETED","dataset_id":"d"}"#.into(),
        ..Reply::default()
    })
    .await;
    let args = ["--cache-ttl", "60", "--allow-sync"];
    let a = Replica::start(&upstream, &redis.url(), &args);
    let b = Replica::start(&upstream, &redis.url(), &args);
    let status = status_path("p", "d");
    assert_eq!(
        raw(a.addr, "GET", &status, &[]).await.json()["status"],
        "COMPLETED"
    );
    let mut redis_connection = redis.connection().await;
    let key = "mss:v1:status:p:d";
    let stored: Option<String> = redis::cmd("GET")
        .arg(key)
        .query_async(&mut redis_connection)
        .await
        .unwrap();
    assert!(stored.is_some_and(|v| v.contains("COMPLETED")));
    // The trigger through replica A deletes the shared answer...
    upstream.set_reply(Reply {
        body: String::new(),
        ..Reply::default()
    });
    let r = raw(
        a.addr,
        "POST",
        &sync_path("p", "d"),
        &[("X-Requested-With", "test")],
    )
    .await;
    assert_eq!(r.status, 200);
    let stored: Option<String> = redis::cmd("GET")
        .arg(key)
        .query_async(&mut redis_connection)
        .await
        .unwrap();
    assert_eq!(stored, None);
    // ... so replica B asks ModelArts rather than serving the old one.
    upstream.set_reply(Reply {
        body: r#"{"status":"QUEUING","dataset_id":"d"}"#.into(),
        ..Reply::default()
    });
    assert_eq!(
        raw(b.addr, "GET", &status, &[]).await.json()["status"],
        "QUEUING"
    );
    assert_eq!(upstream.methods(), ["GET", "POST", "GET"]);
}

/// POSTs to the sync path of `dataset` so far.
fn triggered(upstream: &FakeUpstream, dataset: &str) -> usize {
    let path = sync_path("p", dataset);
    upstream
        .received()
        .iter()
        .filter(|r| r.method == "POST" && r.target == path)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_cooldown_is_shared_by_the_replicas() {
    let _serial = SERIAL.lock().await;
    let redis = Redis::start();
    let upstream = FakeUpstream::start(Reply {
        body: String::new(),
        ..Reply::default()
    })
    .await;
    let args = ["--allow-sync", "--sync-cooldown", "60"];
    let replicas: Vec<Replica> = (0..2)
        .map(|_| Replica::start(&upstream, &redis.url(), &args))
        .collect();
    let xrw = [("X-Requested-With", "test")];
    let post = |replica: &Replica, dataset: &str| {
        let (addr, path) = (replica.addr, sync_path("p", dataset));
        async move { raw(addr, "POST", &path, &xrw).await }
    };

    // One trigger, whichever replica is asked next.
    assert_eq!(post(&replicas[0], "d").await.status, 200);
    for replica in [&replicas[1], &replicas[0], &replicas[1]] {
        let r = post(replica, "d").await;
        assert_eq!(r.status, 429);
        let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((55..=60).contains(&wait), "Retry-After {wait}");
    }
    assert_eq!(triggered(&upstream, "d"), 1);

    // Concurrent triggers through both replicas: one reaches ModelArts.
    let (a, b) = tokio::join!(post(&replicas[0], "e"), post(&replicas[1], "e"));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 429]);
    assert_eq!(triggered(&upstream, "e"), 1);

    // Refused outright by ModelArts: nothing started, the cooldown is
    // given back for every replica.
    upstream.set_reply(Reply {
        status: axum::http::StatusCode::FORBIDDEN,
        body: r#"{"error_code":"ModelArts.0001","error_msg":"no permission"}"#.into(),
        ..Reply::default()
    });
    assert_eq!(post(&replicas[0], "f").await.status, 403);
    upstream.set_reply(Reply {
        body: String::new(),
        ..Reply::default()
    });
    assert_eq!(post(&replicas[1], "f").await.status, 200);
    assert_eq!(triggered(&upstream, "f"), 2);
    let mut redis_connection = redis.connection().await;
    let left: i64 = redis::cmd("PTTL")
        .arg("mss:v1:cooldown:p:f")
        .query_async(&mut redis_connection)
        .await
        .unwrap();
    assert!(left > 55_000, "{left} ms");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_redis_is_shared_again_at_once() {
    let _serial = SERIAL.lock().await;
    let mut redis = Redis::start();
    let upstream = FakeUpstream::start(Reply {
        delay: Duration::from_millis(300),
        ..Reply::default()
    })
    .await;
    let replicas: Vec<Replica> = (0..3)
        .map(|_| Replica::start(&upstream, &redis.url(), &["--cache-ttl", "5"]))
        .collect();
    assert!(all_ok(&wave(&replicas, 60, "a").await));
    assert_eq!(asked(&upstream, "a"), 1);

    // Restarted while the replicas were idle: their connections are
    // broken, and the first burst after is still one upstream request.
    redis.kill();
    redis.restart();
    assert!(all_ok(&wave(&replicas, 60, "b").await));
    assert_eq!(
        asked(&upstream, "b"),
        1,
        "first burst after an idle restart"
    );

    // Down under traffic (each replica marks it down), then back: within a
    // second the background probe has noticed, and the next burst is shared.
    redis.kill();
    assert!(all_ok(&wave(&replicas, 60, "c").await));
    for replica in &replicas {
        assert_eq!(replica.health().await["redis"], "down");
    }
    redis.restart();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for replica in &replicas {
        assert_eq!(replica.health().await["redis"], "up");
    }
    assert!(all_ok(&wave(&replicas, 60, "d").await));
    assert_eq!(asked(&upstream, "d"), 1, "first burst once Redis is back");
}
