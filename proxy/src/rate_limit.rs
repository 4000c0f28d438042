//! Per-client rate limits, so one runaway page or script cannot spend the
//! upstream's quota for all, while viewers who cost the upstream nothing are
//! never throttled:
//!
//! - `--upstream-rate-limit N` per minute counts the requests that go
//!   upstream (cache misses: [`crate::cache::SingleFlight`] asks before it
//!   starts a fetch); answers from the cache or shared with a fetch under
//!   way are free. 200 viewers of one dataset behind one address cost one.
//! - `--rate-limit N` per minute counts every status request (a batch one
//!   per dataset): a generous ceiling against floods ([`enforce`]).
//!
//! A token bucket per client address: `N` tokens, refilled at `N` per minute,
//! one per request. IPv6 clients are grouped by /64, the block one host
//! usually holds, so changing addresses inside it does not reset the limit.
//! The client address is the connection's, or the one a trusted front
//! names ([`crate::client`]).
//!
//! The table holds at most [`MAX_CLIENTS`] buckets; a new client beyond
//! evicts the least recently seen one in O(1) (the `lru` crate). A client
//! whose bucket was evicted starts again with a full one: what bounds
//! clients with more addresses than that is the replica's
//! `--upstream-budget` ([`Budget`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lru::LruCache;

use crate::batch;
use crate::errors::ApiError;
use crate::metrics::{Limit, Metrics};

/// Clients tracked at most (a bucket is some 50 bytes: 5 MB).
pub const MAX_CLIENTS: usize = 100_000;

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The buckets of every client seen.
pub struct RateLimiter {
    per_minute: NonZeroU32,
    buckets: Mutex<LruCache<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self::with_clients(per_minute, MAX_CLIENTS)
    }

    /// Tracks at most `clients` clients (at least one).
    pub fn with_clients(per_minute: NonZeroU32, clients: usize) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(LruCache::new(
                NonZeroUsize::new(clients).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.per_minute.get())
    }

    fn per_second(&self) -> f64 {
        self.capacity() / 60.0
    }

    /// Takes one token for `client`, or says how long until one is there.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        self.take(client, 1, now)
    }

    /// Takes `n` tokens (at most a full bucket's) for `client`, or says how
    /// long until they are there.
    pub fn take(&self, client: IpAddr, n: u32, now: Instant) -> Result<(), Duration> {
        let n = f64::from(n.max(1)).min(self.capacity());
        let key = bucket_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.get_or_insert_mut(key, || Bucket {
            tokens: self.capacity(),
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second()).min(self.capacity());
        bucket.updated = now;
        if bucket.tokens >= n {
            bucket.tokens -= n;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (n - bucket.tokens) / self.per_second(),
            ))
        }
    }
}

/// `--upstream-budget`: upstream requests per minute for the whole replica,
/// whoever asks (one bucket for all), so many addresses together cannot
/// spend the account's quota.
pub struct Budget(RateLimiter);

impl Budget {
    pub fn new(per_minute: NonZeroU32) -> Self {
        Self(RateLimiter::with_clients(per_minute, 1))
    }

    /// Takes one upstream request, or says how long until one is there.
    pub fn take(&self, now: Instant) -> Result<(), Duration> {
        self.0.check(IpAddr::V4(Ipv4Addr::UNSPECIFIED), now)
    }
}

/// The bucket a client address counts against.
pub(crate) fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

pub use crate::client::client_ip;

/// Middleware: 429 with `Retry-After` (whole seconds, at least 1) and a JSON
/// body once the client's bucket is empty.
pub async fn enforce(
    State((limiter, metrics)): State<(Arc<RateLimiter>, Arc<Metrics>)>,
    request: Request,
    next: Next,
) -> Response {
    let client = client_ip(&request).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    // A batch counts one request per dataset it names.
    let cost = batch::cost(request.uri().path(), request.uri().query());
    match limiter.take(client, cost, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            metrics.limited(Limit::Requests);
            refusal(wait).into_response()
        }
    }
}

/// The 429 for a client that must wait this long (`Retry-After` in whole
/// seconds, at least 1).
pub fn refusal(wait: Duration) -> ApiError {
    ApiError::rate_limited(wait.as_secs_f64().ceil().max(1.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(n: u32) -> RateLimiter {
        RateLimiter::new(NonZeroU32::new(n).unwrap())
    }

    #[test]
    fn allows_n_then_asks_to_wait() {
        let l = limiter(3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check(ip, t0).is_ok());
        }
        let wait = l.check(ip, t0).unwrap_err();
        // 3 per minute: one token every 20 s.
        assert!((19.9..=20.0).contains(&wait.as_secs_f64()), "{wait:?}");
        // Other clients have their own bucket.
        assert!(l.check("192.0.2.2".parse().unwrap(), t0).is_ok());
        // A token comes back after 20 s.
        assert!(l.check(ip, t0 + Duration::from_secs(20)).is_ok());
        assert!(l.check(ip, t0 + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn a_batch_takes_a_token_per_dataset() {
        let l = limiter(60);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        assert!(l.take(ip, 50, t0).is_ok());
        let wait = l.take(ip, 20, t0).unwrap_err();
        // 10 tokens left, 10 more at one per second.
        assert!((9.9..=10.0).contains(&wait.as_secs_f64()), "{wait:?}");
        assert!(l.take(ip, 10, t0).is_ok());
        // More than a bucket holds costs a full bucket.
        let later = t0 + Duration::from_secs(60);
        assert!(l.take(ip, 1_000, later).is_ok());
        assert!(l.check(ip, later).is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        let l = limiter(1);
        let t0 = Instant::now();
        assert!(l.check("2001:db8:1:2::1".parse().unwrap(), t0).is_ok());
        assert!(l.check("2001:db8:1:2::ffff".parse().unwrap(), t0).is_err());
        assert!(l.check("2001:db8:1:3::1".parse().unwrap(), t0).is_ok());
        assert!(l.check("192.0.2.9".parse().unwrap(), t0).is_ok());
        assert!(l.check("::ffff:192.0.2.9".parse().unwrap(), t0).is_err());
    }

    #[test]
    fn the_defaults_never_throttle_the_widgets_own_use() {
        use crate::settings::{DEFAULT_RATE_LIMIT, DEFAULT_UPSTREAM_RATE_LIMIT};
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        // One user's table of 100 cards polled every 5 s for 10 minutes.
        // The default TTL (2 s) is shorter than the interval: every request
        // is a miss, so both limits count all of them.
        for batch in [false, true] {
            let (total, misses) = (
                limiter(DEFAULT_RATE_LIMIT),
                limiter(DEFAULT_UPSTREAM_RATE_LIMIT),
            );
            for round in 0..120 {
                let now = t0 + Duration::from_secs(5 * round);
                if batch {
                    assert!(total.take(ip, 100, now).is_ok(), "round {round}");
                } else {
                    for card in 0..100 {
                        assert!(total.check(ip, now).is_ok(), "round {round} card {card}");
                    }
                }
                for card in 0..100 {
                    assert!(misses.check(ip, now).is_ok(), "round {round} card {card}");
                }
            }
        }
        // 200 viewers of one dataset behind one address, polling every 5 s:
        // 200 requests a round, one of them a miss (the others share it).
        let (total, misses) = (
            limiter(DEFAULT_RATE_LIMIT),
            limiter(DEFAULT_UPSTREAM_RATE_LIMIT),
        );
        for round in 0..120 {
            let now = t0 + Duration::from_secs(5 * round);
            for viewer in 0..200 {
                assert!(
                    total.check(ip, now).is_ok(),
                    "round {round} viewer {viewer}"
                );
            }
            assert!(misses.check(ip, now).is_ok());
        }
        // A client asking for ever new datasets is stopped by the miss limit.
        let misses = limiter(DEFAULT_UPSTREAM_RATE_LIMIT);
        let refused = (0..2 * DEFAULT_UPSTREAM_RATE_LIMIT)
            .filter(|_| misses.check(ip, t0).is_err())
            .count();
        assert_eq!(refused, DEFAULT_UPSTREAM_RATE_LIMIT as usize);
    }

    #[test]
    fn the_table_holds_at_most_its_clients_and_keeps_the_recent_ones() {
        let l = RateLimiter::with_clients(NonZeroU32::new(2).unwrap(), 1_000);
        let t0 = Instant::now();
        let busy: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.take(busy, 2, t0).is_ok());
        for i in 0..100_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            assert!(l.check(ip, t0).is_ok());
            // The busy client keeps being seen, so it keeps its empty bucket.
            if i % 100 == 0 {
                assert!(l.check(busy, t0).is_err(), "after {i} clients");
            }
        }
        assert_eq!(l.buckets.lock().unwrap().len(), 1_000);
    }

    #[test]
    fn the_budget_is_one_bucket_for_everyone() {
        let budget = Budget::new(NonZeroU32::new(3).unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(budget.take(t0).is_ok());
        }
        let wait = budget.take(t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(20));
        assert!(budget.take(t0 + Duration::from_secs(20)).is_ok());
    }
}
