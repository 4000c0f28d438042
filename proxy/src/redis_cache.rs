//! The cache replicas share (`--redis URL`), so that several proxies behind
//! a load balancer make one upstream request per dataset per TTL between
//! them, as one proxy does on its own.
//!
//! It sits behind each replica's own single-flight cache ([`crate::cache`]):
//! a replica asks Redis only when it has no fresh answer and no fetch under
//! way for that dataset, then
//!
//! ```text
//! GET status, PTTL status, EXISTS lock      (one round trip)
//!   answer there  → use it for the rest of its TTL
//!   no lock       → SET lock NX PX (--upstream-timeout + 1 s)
//!                     taken → ask upstream, then SET status PX --cache-ttl
//!                             and delete the lock if still ours (one script)
//!   locked        → poll every 50 ms until the answer is there (at most
//!                   --upstream-timeout, then 504 as a timeout would), or
//!                   the lock is gone without one (try to take it)
//! ```
//!
//! Keys are `mss:v1:status:{project_id}:{dataset_id}` and `mss:v1:lock:…`
//! with validated IDs (`[A-Za-z0-9_-]`: no `:` or anything else a request
//! could use to name another key). A value holds what the viewer is sent
//! anyway (status, `Retry-After`, the JSON body) and is checked again when
//! read.
//!
//! With `--allow-sync`, the sync cooldown is shared too: a trigger takes
//! `mss:v1:cooldown:{project_id}:{dataset_id}` with `SET NX PX` (the
//! cooldown), so a dataset is triggered once per cooldown whatever replica
//! is asked; one that ModelArts refused outright gives it back (a script
//! deletes it only if still its own).
//!
//! Redis is never needed to answer: every operation has a short timeout,
//! and a failure switches the replica to its own cache alone (a fault
//! logged at most once a minute). A connection Redis dropped (a restart) is
//! tried once more after the client reconnects, before that counts as a
//! fault: the first use after a restart is shared like any other. While
//! Redis is marked down, requests leave it alone and one background task
//! PINGs it every [`PROBE_EVERY`]; the first answer switches back, so a
//! burst just after Redis returns is shared again. A lock whose replica
//! died expires by its TTL.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use reqwest::Url;
use serde::{Deserialize, Serialize};

use crate::upstream::UpstreamAnswer;
use crate::validation::{is_valid_id, Target};

/// Connections per replica (each multiplexes any number of requests, and
/// reconnects by itself).
const CONNECTIONS: usize = 4;
/// Every Redis operation answers within this, or counts as a fault.
pub const OP_TIMEOUT: Duration = Duration::from_millis(500);
/// While Redis is down, the background probe PINGs it this often.
pub const PROBE_EVERY: Duration = Duration::from_millis(200);
/// A fault is logged at most this often.
pub const LOG_EVERY: Duration = Duration::from_secs(60);
/// How often a replica waiting for another's upstream request looks.
pub const POLL: Duration = Duration::from_millis(50);
/// The lock outlives the holder's upstream request by this much.
const LOCK_MARGIN: Duration = Duration::from_secs(1);
/// A stored answer is a status: far smaller than this.
const MAX_VALUE: usize = (1 << 20) + 4096;
/// Key prefix; `v1` changes with the value's format.
const PREFIX: &str = "mss:v1";

/// A Redis URL, printed without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    full: String,
    shown: String,
    password: Option<String>,
}

impl RedisUrl {
    /// `redis://[[user]:password@]host[:port][/db]` (or `valkey://`). The
    /// error never repeats the value (it may hold a password).
    pub fn parse(value: &str) -> Result<Self, String> {
        let url = Url::parse(value)
            .map_err(|_| "not a URL: give redis://[:PASSWORD@]HOST[:PORT][/DB]".to_owned())?;
        match url.scheme() {
            "redis" | "valkey" => {}
            "rediss" | "valkeys" => {
                return Err(
                    "TLS to Redis is not built in: use redis:// on a private network or loopback"
                        .into(),
                )
            }
            _ => return Err("use redis://[:PASSWORD@]HOST[:PORT][/DB]".into()),
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("no host".into());
        }
        let db = url.path().trim_start_matches('/');
        if !(db.is_empty() || db.parse::<u16>().is_ok()) {
            return Err("the path is a database number (/0), nothing else".into());
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err("no query or fragment".into());
        }
        redis::Client::open(value).map_err(|_| "not a URL the Redis client accepts".to_owned())?;
        let password = url.password().filter(|p| !p.is_empty()).map(str::to_owned);
        let mut shown = url.clone();
        if password.is_some() {
            let _ = shown.set_password(Some("***"));
        }
        Ok(Self {
            full: value.to_owned(),
            shown: shown.to_string(),
            password,
        })
    }

    /// The URL to connect with (password included): never log it.
    pub fn expose(&self) -> &str {
        &self.full
    }

    /// `text` with the password (and its percent-encoded form) replaced.
    fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) => {
                let decoded = percent_encoding::percent_decode_str(p).decode_utf8_lossy();
                text.replace(p.as_str(), "***")
                    .replace(decoded.as_ref(), "***")
            }
            None => text.to_owned(),
        }
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// An [`UpstreamAnswer`] as stored: what the viewer gets, nothing else.
#[derive(Serialize, Deserialize)]
struct Stored {
    status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<String>,
    /// The JSON body, as text.
    body: String,
}

fn encode(answer: &UpstreamAnswer) -> Vec<u8> {
    let stored = Stored {
        status: answer.status.as_u16(),
        upstream_status: answer.upstream_status.map(|s| s.as_u16()),
        retry_after: answer
            .retry_after
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&answer.body).into_owned(),
    };
    serde_json::to_vec(&stored).unwrap_or_default()
}

/// A stored answer, if it is one the proxy could have sent (anything else
/// in that key is ignored and replaced by the next fetch).
fn decode(bytes: &[u8]) -> Option<UpstreamAnswer> {
    if bytes.len() > MAX_VALUE {
        return None;
    }
    let stored: Stored = serde_json::from_slice(bytes).ok()?;
    let status = StatusCode::from_u16(stored.status).ok()?;
    let upstream_status = match stored.upstream_status {
        Some(s) => Some(StatusCode::from_u16(s).ok()?),
        None => None,
    };
    let retry_after = match stored.retry_after {
        Some(r) if r.len() <= 64 => Some(HeaderValue::from_str(&r).ok()?),
        Some(_) => return None,
        None => None,
    };
    serde_json::from_str::<serde::de::IgnoredAny>(&stored.body).ok()?;
    Some(UpstreamAnswer {
        status,
        body: Bytes::from(stored.body),
        retry_after,
        upstream_status,
    })
}

/// The sync cooldown's key of one dataset (validated IDs, as [`keys`]).
fn cooldown_key(target: &Target) -> Option<String> {
    (is_valid_id(&target.project_id) && is_valid_id(&target.dataset_id)).then(|| {
        format!(
            "{PREFIX}:cooldown:{}:{}",
            target.project_id, target.dataset_id
        )
    })
}

/// The keys of one dataset. IDs are validated (`[A-Za-z0-9_-]{1,64}`), so a
/// request names its own dataset's keys and no other.
fn keys(target: &Target) -> Option<(String, String)> {
    if !(is_valid_id(&target.project_id) && is_valid_id(&target.dataset_id)) {
        return None;
    }
    let id = format!("{}:{}", target.project_id, target.dataset_id);
    Some((
        format!("{PREFIX}:status:{id}"),
        format!("{PREFIX}:lock:{id}"),
    ))
}

/// Whether Redis is in use, and when to log about it.
struct Health {
    down: AtomicBool,
    /// The background probe runs (at most one).
    probing: AtomicBool,
    logged_at: Mutex<Option<Instant>>,
    faults: AtomicU64,
}

impl Health {
    fn new() -> Self {
        Self {
            down: AtomicBool::new(false),
            probing: AtomicBool::new(false),
            logged_at: Mutex::new(None),
            faults: AtomicU64::new(0),
        }
    }

    /// Whether requests use Redis: while it is up (while it is down, the
    /// background probe alone asks it).
    fn usable(&self) -> bool {
        !self.down.load(Ordering::Acquire)
    }

    fn ok(&self) {
        if self.down.swap(false, Ordering::AcqRel) {
            tracing::warn!("redis: answering again; answers are shared with the other replicas");
        }
    }

    /// Records a fault; says whether a probe should start (none runs yet).
    fn fault(&self, what: &str) -> bool {
        self.faults.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        self.down.store(true, Ordering::Release);
        let mut logged_at = self.logged_at.lock().unwrap_or_else(|e| e.into_inner());
        if logged_at.is_none_or(|at| now.duration_since(at) >= LOG_EVERY) {
            *logged_at = Some(now);
            tracing::warn!(
                error = what,
                "redis: unreachable or too slow; answering from this replica's own cache, \
                 trying again every 200 ms (logged at most once a minute)"
            );
        }
        drop(logged_at);
        self.probing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

/// What Redis said about a dataset this replica has no answer for.
enum Step {
    /// An answer, and how old it is.
    Cached(UpstreamAnswer, Duration),
    /// This replica holds the lock (with this token): ask upstream.
    Fetch(String),
    /// Another replica held the lock past the wait limit.
    TimedOut,
}

/// The shared cache of one replica.
pub struct SharedCache {
    url: RedisUrl,
    connections: Vec<ConnectionManager>,
    next: AtomicUsize,
    ttl: Duration,
    /// How long a waiting replica waits, and (plus a margin) the lock's TTL.
    wait_limit: Duration,
    health: Arc<Health>,
    tokens: AtomicU64,
}

impl SharedCache {
    /// Connects lazily: Redis need not be up when the proxy starts.
    pub fn new(url: &RedisUrl, ttl: Duration, wait_limit: Duration) -> Result<Self, String> {
        let client = redis::Client::open(url.expose())
            .map_err(|e| format!("--redis: {}", url.scrub(&e.to_string())))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OP_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(200));
        let connections = (0..CONNECTIONS)
            .map(|_| ConnectionManager::new_lazy_with_config(client.clone(), config.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("--redis: {}", url.scrub(&e.to_string())))?;
        Ok(Self {
            url: url.clone(),
            connections,
            next: AtomicUsize::new(0),
            ttl,
            wait_limit,
            health: Arc::new(Health::new()),
            tokens: AtomicU64::new(0),
        })
    }

    /// `up` or `down`, for `/healthz`.
    pub fn state(&self) -> &'static str {
        if self.health.down.load(Ordering::Acquire) {
            "down"
        } else {
            "up"
        }
    }

    /// Faults seen since start (for tests and `/healthz`).
    pub fn faults(&self) -> u64 {
        self.health.faults.load(Ordering::Relaxed)
    }

    /// The answer for `target`: from Redis, or from `fetch` (the upstream
    /// request) when this replica is the one to ask, or, while Redis is
    /// unusable, from `fetch` directly. Also says how old the answer is.
    pub async fn answer(
        &self,
        target: &Target,
        fetch: impl Future<Output = UpstreamAnswer>,
    ) -> (UpstreamAnswer, Duration) {
        let step = match keys(target) {
            Some(keys) if !self.ttl.is_zero() && self.health.usable() => {
                self.step(&keys).await.map(|step| (keys, step))
            }
            _ => Err(()),
        };
        match step {
            Ok((_, Step::Cached(answer, age))) => (answer, age),
            Ok((keys, Step::Fetch(token))) => {
                let answer = fetch.await;
                self.store(&keys, &answer, &token).await;
                (answer, Duration::ZERO)
            }
            Ok((_, Step::TimedOut)) => (UpstreamAnswer::timeout(self.wait_limit), Duration::ZERO),
            Err(()) => (fetch.await, Duration::ZERO),
        }
    }

    /// Deletes the stored answer for `target` (not the lock), so that no
    /// replica serves it again: a sync has just started, and the status it
    /// holds is out of date. Best effort, like every operation here: while
    /// Redis is unusable, nothing is deleted and the stale answer lives out
    /// its TTL (`--cache-ttl`, a few seconds).
    pub async fn forget(&self, target: &Target) {
        let Some((status, _)) = keys(target) else {
            return;
        };
        if !self.health.usable() {
            return;
        }
        let mut del = redis::cmd("DEL");
        del.arg(&status);
        let _: Result<i64, ()> = self
            .query(|mut c| {
                let del = &del;
                async move { del.query_async(&mut c).await }
            })
            .await;
    }

    /// Takes the sync cooldown of `target` for `period` for all replicas:
    /// `Ok(Some(token))` taken (give it to [`release_cooldown`] if nothing
    /// started), `Err(wait)` another replica's trigger holds it, `Ok(None)`
    /// Redis is unusable (the replica's own cooldown alone applies).
    ///
    /// [`release_cooldown`]: Self::release_cooldown
    pub async fn claim_cooldown(
        &self,
        target: &Target,
        period: Duration,
    ) -> Result<Option<String>, Duration> {
        let Some(key) = cooldown_key(target) else {
            return Ok(None);
        };
        if !self.health.usable() {
            return Ok(None);
        }
        let token = self.token();
        let mut claim = redis::pipe();
        claim
            .cmd("SET")
            .arg(&key)
            .arg(&token)
            .arg("NX")
            .arg("PX")
            .arg(period.as_millis().max(1) as u64);
        claim.cmd("PTTL").arg(&key);
        let answer: Result<(Option<String>, i64), ()> = self
            .query(|mut c| {
                let claim = &claim;
                async move { claim.query_async(&mut c).await }
            })
            .await;
        match answer {
            Ok((Some(_), _)) => Ok(Some(token)),
            Ok((None, left_ms)) => Err(Duration::from_millis(
                u64::try_from(left_ms).unwrap_or(1000),
            )),
            Err(()) => Ok(None),
        }
    }

    /// Gives back a cooldown this replica took (ModelArts refused outright:
    /// nothing started), if it is still its own.
    pub async fn release_cooldown(&self, target: &Target, token: &str) {
        static RELEASE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end \
                 return 1",
            )
        });
        let Some(key) = cooldown_key(target) else {
            return;
        };
        let mut invocation = RELEASE.key(key);
        invocation.arg(token);
        let _: Result<i64, ()> = self
            .query(|mut c| {
                let invocation = &invocation;
                async move { invocation.invoke_async(&mut c).await }
            })
            .await;
    }

    async fn step(&self, (status, lock): &(String, String)) -> Result<Step, ()> {
        let deadline = Instant::now() + self.wait_limit;
        loop {
            let mut look = redis::pipe();
            look.cmd("GET").arg(status);
            look.cmd("PTTL").arg(status);
            look.cmd("EXISTS").arg(lock);
            let (value, pttl, locked): (Option<Vec<u8>>, i64, i64) = self
                .query(|mut c| {
                    let look = &look;
                    async move { look.query_async(&mut c).await }
                })
                .await?;
            if let Some(answer) = value.as_deref().and_then(decode) {
                return Ok(Step::Cached(answer, self.age(pttl)));
            }
            if locked == 0 {
                let token = self.token();
                let lock_ttl = self.wait_limit + LOCK_MARGIN;
                let mut take = redis::cmd("SET");
                take.arg(lock)
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(lock_ttl.as_millis() as u64);
                let taken: Option<String> = self
                    .query(|mut c| {
                        let take = &take;
                        async move { take.query_async(&mut c).await }
                    })
                    .await?;
                if taken.is_some() {
                    return Ok(Step::Fetch(token));
                }
            }
            if Instant::now() + POLL > deadline {
                return Ok(Step::TimedOut);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Stores the answer for the TTL and releases the lock if still ours.
    async fn store(&self, (status, lock): &(String, String), answer: &UpstreamAnswer, token: &str) {
        static STORE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) \
                 if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end \
                 return 1",
            )
        });
        let value = encode(answer);
        let ttl_ms = self.ttl.as_millis().max(1) as u64;
        let mut invocation = STORE.key(status);
        invocation.key(lock).arg(value).arg(ttl_ms).arg(token);
        let _: Result<i64, ()> = self
            .query(|mut c| {
                let invocation = &invocation;
                async move { invocation.invoke_async(&mut c).await }
            })
            .await;
    }

    /// How old an answer is, from the time its key has left.
    fn age(&self, pttl_ms: i64) -> Duration {
        match u64::try_from(pttl_ms) {
            Ok(left) => self.ttl.saturating_sub(Duration::from_millis(left)),
            // No expiry (not written by a replica) or just gone: keep it no longer.
            Err(_) => self.ttl,
        }
    }

    fn token(&self) -> String {
        let n = self.tokens.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        format!("{}-{nanos:x}-{n}", std::process::id())
    }

    /// The next connection of the pool, in turn.
    fn connection(&self) -> ConnectionManager {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.connections.len();
        self.connections[i].clone()
    }

    /// Runs one operation within [`OP_TIMEOUT`]; a failure is a fault. A
    /// connection Redis dropped (it restarted) is tried once more on the same
    /// connection manager, which reconnects first.
    async fn query<T, F, Fut>(&self, op: F) -> Result<T, ()>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let connection = self.connection();
        let attempts = async {
            match op(connection.clone()).await {
                // The same manager: it has replaced the connection by now.
                Err(error) if is_dropped(&error) => op(connection).await,
                answer => answer,
            }
        };
        let error = match tokio::time::timeout(OP_TIMEOUT, attempts).await {
            Ok(Ok(value)) => {
                self.health.ok();
                return Ok(value);
            }
            Ok(Err(error)) => self.url.scrub(&error.to_string()),
            Err(_) => format!("no answer within {} ms", OP_TIMEOUT.as_millis()),
        };
        if self.health.fault(&error) {
            self.probe();
        }
        Err(())
    }

    /// While Redis is down: PING it every [`PROBE_EVERY`] in the background
    /// until it answers, then mark it up (requests leave it alone meanwhile).
    fn probe(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.health.probing.store(false, Ordering::Release);
            return;
        };
        let health = Arc::clone(&self.health);
        let connection = self.connection();
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let mut c = connection.clone();
                let ping = redis::cmd("PING");
                let ping = ping.query_async::<String>(&mut c);
                if let Ok(Ok(_)) = tokio::time::timeout(OP_TIMEOUT, ping).await {
                    // Not probing before up: a fault right after starts a new probe.
                    health.probing.store(false, Ordering::Release);
                    health.ok();
                    return;
                }
            }
        });
    }
}

/// An error of a connection that Redis closed or reset, which the client
/// replaces on the next use.
fn is_dropped(error: &redis::RedisError) -> bool {
    error.is_connection_dropped() || error.is_io_error() || error.is_unrecoverable_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_shown_without_password() {
        let url = RedisUrl::parse("redis://:s3cr%2Ft@10.0.0.5:6380/2").unwrap();
        assert_eq!(url.expose(), "redis://:s3cr%2Ft@10.0.0.5:6380/2");
        for shown in [format!("{url}"), format!("{url:?}")] {
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(shown.contains("10.0.0.5:6380"), "{shown}");
        }
        assert_eq!(
            url.scrub("auth s3cr/t failed, s3cr%2Ft"),
            "auth *** failed, ***"
        );
        let url = RedisUrl::parse("redis://user:pw@cache.internal").unwrap();
        assert!(!format!("{url:?}").contains("pw"));
        assert!(RedisUrl::parse("valkey://127.0.0.1:6379").is_ok());
        assert!(RedisUrl::parse("redis://127.0.0.1").is_ok());
        for bad in [
            "127.0.0.1:6379",
            "http://127.0.0.1",
            "rediss://:pw@127.0.0.1",
            "redis://127.0.0.1/x",
            "redis://127.0.0.1/0?protocol=resp3",
            "redis://",
        ] {
            let error = RedisUrl::parse(bad).unwrap_err();
            assert!(!error.contains("pw"), "{error}");
        }
    }

    #[test]
    fn values_round_trip_and_junk_is_ignored() {
        let answer = UpstreamAnswer::from_upstream(
            StatusCode::TOO_MANY_REQUESTS,
            Bytes::from_static(br#"{"error_code":"APIG.0308","n":9007199254740993}"#),
            Some(HeaderValue::from_static("30")),
        );
        let back = decode(&encode(&answer)).unwrap();
        assert_eq!(back.status, answer.status);
        assert_eq!(back.body, answer.body);
        assert_eq!(back.retry_after, answer.retry_after);
        assert_eq!(back.upstream_status, answer.upstream_status);
        let own = UpstreamAnswer::timeout(Duration::from_secs(10));
        assert_eq!(decode(&encode(&own)).unwrap().upstream_status, None);
        for junk in [
            &b"not json"[..],
            br#"{"status":200,"body":"<html>"}"#,
            br#"{"status":99,"body":"{}"}"#,
            br#"{"status":200,"retry_after":"a\nb","body":"{}"}"#,
            br#"{"body":"{}"}"#,
        ] {
            assert!(decode(junk).is_none(), "{}", String::from_utf8_lossy(junk));
        }
    }

    #[test]
    fn keys_are_made_of_valid_ids_only() {
        let target = |p: &str, d: &str| Target {
            project_id: p.into(),
            dataset_id: d.into(),
        };
        assert_eq!(
            keys(&target("p1", "d-1_x")).unwrap(),
            (
                "mss:v1:status:p1:d-1_x".to_owned(),
                "mss:v1:lock:p1:d-1_x".to_owned()
            )
        );
        for (p, d) in [("p:1", "d"), ("p", "d*"), ("", "d"), ("p", "d\r\nDEL x")] {
            assert!(keys(&target(p, d)).is_none(), "{p:?} {d:?}");
        }
    }
}
