//! Single-flight plus a short TTL, so that the upstream sees at most one
//! request per key per TTL however many viewers poll the same dataset.
//!
//! Concurrent callers for one key share one fetch; its answer is then reused
//! until `ttl` has passed since it arrived. The fetch runs in its own task:
//! a viewer that goes away (its request dropped) neither cancels the fetch
//! the others wait for nor causes a second one.
//!
//! At most `entries` keys are held (`--cache-entries`): a new key beyond
//! that evicts the least recently used one, in O(1) (the `lru` crate), so
//! memory is bounded whatever IDs clients ask for, and nothing scans the
//! map. An evicted fetch under way still answers those waiting for it.

use std::convert::Infallible;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lru::LruCache;
use tokio::sync::watch;

/// `--cache-entries`' default: far more datasets than portals watch at once
/// (an answer is about 1 KB: some 10 MB at most).
pub const DEFAULT_ENTRIES: usize = 10_000;

/// Where an answer came from, for the access log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// This request started the fetch.
    Miss,
    /// This request waited for a fetch another request had started.
    Shared,
    /// A stored answer younger than the TTL.
    Hit,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Miss => "miss",
            Self::Shared => "shared",
            Self::Hit => "hit",
        }
    }
}

enum Slot<V> {
    InFlight(watch::Receiver<Option<V>>),
    Ready { value: V, at: Instant },
}

/// Answers by key, fetched once per TTL.
pub struct SingleFlight<K, V> {
    ttl: Duration,
    slots: Mutex<LruCache<K, Slot<V>>>,
}

impl<K, V> SingleFlight<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// `ttl` zero still shares concurrent fetches, and reuses nothing after.
    /// Holds [`DEFAULT_ENTRIES`] keys at most.
    pub fn new(ttl: Duration) -> Self {
        Self::with_entries(ttl, NonZeroUsize::new(DEFAULT_ENTRIES).expect("not zero"))
    }

    /// Holds at most `entries` keys (the least recently used goes first).
    pub fn with_entries(ttl: Duration, entries: NonZeroUsize) -> Self {
        Self {
            ttl,
            slots: Mutex::new(LruCache::new(entries)),
        }
    }

    /// The stored answer for `key` if fresh, else the one being fetched, else
    /// the answer of `fetch` (run once, in a task of its own). `failed` is
    /// the answer when that task died without one (a panic).
    pub async fn get_or_fetch<F, Fut>(
        self: &Arc<Self>,
        key: K,
        fetch: F,
        failed: impl FnOnce() -> V,
    ) -> (V, Source)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = V> + Send + 'static,
    {
        let fetch = move || {
            let future = fetch();
            async move { (future.await, Duration::ZERO) }
        };
        match self
            .get_or_fetch_admitted(key, || Ok::<(), Infallible>(()), fetch, failed)
            .await
        {
            Ok(answer) => answer,
            Err(never) => match never {},
        }
    }

    /// As [`get_or_fetch`](Self::get_or_fetch), but a fetch starts only if
    /// `admit` agrees (asked only then: hits and shared fetches are free), and
    /// the fetch says how old its value already is (an answer another replica
    /// fetched a moment ago is reused only for the rest of the TTL).
    pub async fn get_or_fetch_admitted<A, E, F, Fut>(
        self: &Arc<Self>,
        key: K,
        admit: A,
        fetch: F,
        failed: impl FnOnce() -> V,
    ) -> Result<(V, Source), E>
    where
        A: FnOnce() -> Result<(), E>,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = (V, Duration)> + Send + 'static,
    {
        let (mut receiver, source) = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            match slots.get(&key) {
                Some(Slot::Ready { value, at }) if now.duration_since(*at) < self.ttl => {
                    return Ok((value.clone(), Source::Hit));
                }
                // A receiver whose sender is gone belongs to a fetch that died.
                Some(Slot::InFlight(receiver)) if receiver.has_changed().is_ok() => {
                    (receiver.clone(), Source::Shared)
                }
                _ => {
                    admit()?;
                    let (sender, receiver) = watch::channel(None);
                    slots.put(key.clone(), Slot::InFlight(receiver.clone()));
                    let future = fetch();
                    let this = Arc::clone(self);
                    let own = receiver.clone();
                    tokio::spawn(async move {
                        let (value, age) = future.await;
                        let now = Instant::now();
                        let mut slots = this.slots.lock().unwrap_or_else(|e| e.into_inner());
                        // Stored only if the slot is still this fetch's: one
                        // [`forget`](Self::forget) during the fetch means
                        // its answer may be stale, so it is not kept (those
                        // waiting for it still get it).
                        if matches!(slots.peek(&key), Some(Slot::InFlight(r)) if r.same_channel(&own))
                        {
                            slots.put(
                                key,
                                Slot::Ready {
                                    value: value.clone(),
                                    at: now.checked_sub(age).unwrap_or(now),
                                },
                            );
                        }
                        drop(slots);
                        // Nobody waiting is fine.
                        let _ = sender.send(Some(value));
                    });
                    (receiver, Source::Miss)
                }
            }
        };
        let value = match receiver.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            Err(_) => None,
        };
        Ok(match value {
            Some(value) => (value, source),
            None => (failed(), source),
        })
    }

    /// Drops what is held for `key` (an answer known to be out of date, such
    /// as a status just before a sync started): the next request fetches.
    /// A fetch under way still answers those waiting for it, but is not kept.
    pub fn forget(&self, key: &K) {
        self.slots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop(key);
    }

    /// Keys held (fresh, stale or in flight): for tests.
    pub fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn counted(
        cache: &Arc<SingleFlight<&'static str, usize>>,
        calls: &Arc<AtomicUsize>,
        key: &'static str,
        delay: Duration,
    ) -> (usize, Source) {
        let calls = Arc::clone(calls);
        cache
            .get_or_fetch(
                key,
                move || async move {
                    tokio::time::sleep(delay).await;
                    calls.fetch_add(1, Ordering::SeqCst) + 1
                },
                || 0,
            )
            .await
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tasks.push(tokio::spawn(async move {
                counted(&cache, &calls, "k", Duration::from_millis(100)).await
            }));
        }
        let mut sources = Vec::new();
        for task in tasks {
            let (value, source) = task.await.unwrap();
            assert_eq!(value, 1);
            sources.push(source);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(sources.iter().filter(|s| **s == Source::Miss).count(), 1);
        // Afterwards, a hit.
        let (value, source) = counted(&cache, &calls, "k", Duration::ZERO).await;
        assert_eq!((value, source), (1, Source::Hit));
        // Another key is another fetch.
        let (value, source) = counted(&cache, &calls, "other", Duration::ZERO).await;
        assert_eq!((value, source), (2, Source::Miss));
    }

    #[tokio::test]
    async fn answers_expire_after_the_ttl() {
        let cache = Arc::new(SingleFlight::new(Duration::from_millis(100)));
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(counted(&cache, &calls, "k", Duration::ZERO).await.0, 1);
        assert_eq!(counted(&cache, &calls, "k", Duration::ZERO).await.0, 1);
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            counted(&cache, &calls, "k", Duration::ZERO).await,
            (2, Source::Miss)
        );
    }

    #[tokio::test]
    async fn zero_ttl_still_shares_concurrent_fetches() {
        let cache = Arc::new(SingleFlight::new(Duration::ZERO));
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
                tokio::spawn(async move {
                    counted(&cache, &calls, "k", Duration::from_millis(100)).await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().0, 1);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn forget_drops_the_answer_and_one_under_way() {
        let cache = Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(counted(&cache, &calls, "k", Duration::ZERO).await.0, 1);
        assert_eq!(counted(&cache, &calls, "other", Duration::ZERO).await.0, 2);
        cache.forget(&"k");
        assert_eq!(
            counted(&cache, &calls, "k", Duration::ZERO).await,
            (3, Source::Miss)
        );
        // The other key is kept.
        assert_eq!(
            counted(&cache, &calls, "other", Duration::ZERO).await,
            (2, Source::Hit)
        );
        // Forgotten while in flight: its waiter gets it, nobody after.
        let slow = {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tokio::spawn(
                async move { counted(&cache, &calls, "k2", Duration::from_millis(100)).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        cache.forget(&"k2");
        assert_eq!(slow.await.unwrap(), (4, Source::Miss));
        assert_eq!(
            counted(&cache, &calls, "k2", Duration::ZERO).await,
            (5, Source::Miss)
        );
        assert_eq!(
            counted(&cache, &calls, "k2", Duration::ZERO).await,
            (5, Source::Hit)
        );
    }

    #[tokio::test]
    async fn zero_ttl_reuses_nothing() {
        let cache = Arc::new(SingleFlight::new(Duration::ZERO));
        let calls = Arc::new(AtomicUsize::new(0));
        assert_eq!(counted(&cache, &calls, "k", Duration::ZERO).await.0, 1);
        assert_eq!(counted(&cache, &calls, "k", Duration::ZERO).await.0, 2);
    }

    #[tokio::test]
    async fn a_caller_going_away_does_not_cancel_the_fetch() {
        let cache = Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let first = {
            let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
            tokio::spawn(
                async move { counted(&cache, &calls, "k", Duration::from_millis(100)).await },
            )
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let (value, source) = counted(&cache, &calls, "k", Duration::ZERO).await;
        assert_eq!((value, source), (1, Source::Shared));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_fetch_that_dies_answers_failed_and_is_retried() {
        let cache: Arc<SingleFlight<&str, usize>> =
            Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let (value, _) = cache
            .get_or_fetch(
                "k",
                || async {
                    if true {
                        panic!("fetch died (expected in this test)");
                    }
                    1
                },
                || 99,
            )
            .await;
        assert_eq!(value, 99);
        let (value, source) = cache.get_or_fetch("k", || async { 7 }, || 99).await;
        assert_eq!((value, source), (7, Source::Miss));
    }

    #[tokio::test]
    async fn admission_is_asked_for_misses_only() {
        let cache: Arc<SingleFlight<&str, usize>> =
            Arc::new(SingleFlight::new(Duration::from_secs(60)));
        let asked = AtomicUsize::new(0);
        let admit = |ok: bool| {
            let asked = &asked;
            move || {
                asked.fetch_add(1, Ordering::SeqCst);
                if ok {
                    Ok(())
                } else {
                    Err("refused")
                }
            }
        };
        let fetch = || async { (7, Duration::ZERO) };
        // Refused: nothing fetched, nothing stored.
        let refused = cache.get_or_fetch_admitted("k", admit(false), fetch, || 0);
        assert_eq!(refused.await.unwrap_err(), "refused");
        assert!(cache.is_empty());
        let first = cache.get_or_fetch_admitted("k", admit(true), fetch, || 0);
        assert_eq!(first.await.unwrap(), (7, Source::Miss));
        // A hit is not asked about, even when it would be refused.
        let hit = cache.get_or_fetch_admitted("k", admit(false), fetch, || 0);
        assert_eq!(hit.await.unwrap(), (7, Source::Hit));
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_aged_value_is_kept_for_the_rest_of_the_ttl_only() {
        let cache: Arc<SingleFlight<&str, usize>> =
            Arc::new(SingleFlight::new(Duration::from_millis(400)));
        let ok = || Ok::<(), ()>(());
        // Fetched elsewhere 300 ms ago: 100 ms left.
        let aged = cache.get_or_fetch_admitted(
            "k",
            ok,
            || async { (1, Duration::from_millis(300)) },
            || 0,
        );
        assert_eq!(aged.await.unwrap(), (1, Source::Miss));
        let again = cache.get_or_fetch_admitted("k", ok, || async { (2, Duration::ZERO) }, || 0);
        let (value, source) = again.await.unwrap();
        if source == Source::Hit {
            assert_eq!(value, 1);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        let later = cache.get_or_fetch_admitted("k", ok, || async { (3, Duration::ZERO) }, || 0);
        assert_eq!(later.await.unwrap(), (3, Source::Miss));
        // Older than the TTL: used by those who waited, kept by no one.
        let stale =
            cache.get_or_fetch_admitted("s", ok, || async { (4, Duration::from_secs(10)) }, || 0);
        assert_eq!(stale.await.unwrap(), (4, Source::Miss));
        let after = cache.get_or_fetch_admitted("s", ok, || async { (5, Duration::ZERO) }, || 0);
        assert_eq!(after.await.unwrap(), (5, Source::Miss));
    }

    #[tokio::test]
    async fn the_least_recently_used_key_goes_beyond_the_cap() {
        let cache = Arc::new(SingleFlight::with_entries(
            Duration::from_secs(60),
            NonZeroUsize::new(100).unwrap(),
        ));
        let calls = Arc::new(AtomicUsize::new(0));
        let fetch = |calls: &Arc<AtomicUsize>| {
            let calls = Arc::clone(calls);
            move || async move { calls.fetch_add(1, Ordering::SeqCst) }
        };
        cache.get_or_fetch(0, fetch(&calls), || 0).await;
        for i in 1..100_000 {
            cache.get_or_fetch(i, fetch(&calls), || 0).await;
            // Key 0 is asked often: it stays.
            if i % 50 == 0 {
                let (_, source) = cache.get_or_fetch(0, fetch(&calls), || 0).await;
                assert_eq!(source, Source::Hit, "after {i} keys");
            }
        }
        assert_eq!(cache.len(), 100);
        assert_eq!(calls.load(Ordering::SeqCst), 100_000);
        // An evicted key is fetched again.
        let (_, source) = cache.get_or_fetch(1, fetch(&calls), || 0).await;
        assert_eq!(source, Source::Miss);
    }
}
