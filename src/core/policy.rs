//! When the next request goes out: a pure state machine, no timers.
//!
//! The browser layer feeds it events (a request finished, the page was
//! hidden, the network came back, the user pressed refresh, a timer fired)
//! with the current time, and carries out the [`Next`] it answers. Times are
//! `Duration`s since any fixed origin (the browser uses `performance.now()`).
//!
//! Rules, in the spirit of TanStack Query's and SWR's refetch options:
//! - active task: every `interval`; terminal task: every `idle_interval`, or
//!   never (until the user refreshes) when it is 0;
//! - failures back off: `interval × 2^(n-1)`, ±20 % jitter, capped at
//!   `max_backoff`, never below `interval`, and at least any `Retry-After`;
//!   a success resets it;
//! - hidden page or offline browser: no request; on return, at once if due;
//! - never two requests in flight;
//! - a sync the proxy accepted ("Sync now") is followed at once, and a task
//!   still reported terminal is then refreshed at `interval`, not
//!   `idle_interval`, for [`SYNC_WATCH`] or until it is seen active: the
//!   API may take a moment to report the new task.

use std::time::Duration;

/// What happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The card was mounted.
    Start,
    /// The timer set for a [`Next::WaitUntil`] fired.
    Due,
    /// The request in flight answered with a status.
    Succeeded {
        terminal: bool,
    },
    /// The request in flight failed; `retry_after` as the server asked.
    Failed {
        retry_after: Option<Duration>,
    },
    /// The page became hidden (Page Visibility).
    Hidden,
    Shown,
    Offline,
    Online,
    /// The user asked for a refresh.
    Manual,
    /// The proxy accepted a sync the user started.
    SyncStarted,
}

/// What the browser layer must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Send the request now (the policy now counts it as in flight).
    Fetch,
    /// Set a timer and report [`Event::Due`] at this time.
    WaitUntil(Duration),
    /// Send nothing and set no timer until the situation changes.
    Paused(PauseReason),
    /// A request is in flight: wait for its answer.
    InFlight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseReason {
    Hidden,
    Offline,
    /// Terminal status with `idle_interval` 0.
    Idle,
}

/// The rhythm settings, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rhythm {
    pub interval: Duration,
    pub idle_interval: Option<Duration>,
    pub max_backoff: Duration,
}

/// Jitter amplitude: ±20 %.
pub const JITTER: f64 = 0.2;

/// How long a card waits for its first answer before it displays its
/// loading state. An answer that comes sooner goes straight to the status:
/// no flash of "Loading…", one layout shift instead of two, and nothing to
/// lay out meanwhile (a page of a hundred cards saves a frame). A tenth of
/// a second feels immediate; this is twice that.
pub const LOADING_DELAY: Duration = Duration::from_millis(200);

/// Where a card is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mount {
    /// In an empty place: nothing was shown there before.
    First,
    /// In place of another card (the element's attributes or the app's
    /// options changed).
    Replacing,
}

/// How long a card waits for its first answer before it displays its
/// loading state: [`LOADING_DELAY`]; none for a card that replaces
/// another, so that the place never goes blank.
pub fn loading_delay(mount: Mount) -> Duration {
    match mount {
        Mount::First => LOADING_DELAY,
        Mount::Replacing => Duration::ZERO,
    }
}

/// How long after a sync started a terminal status is refreshed at the
/// active interval.
pub const SYNC_WATCH: Duration = Duration::from_secs(60);

/// The refresh state of one card.
#[derive(Debug, Clone)]
pub struct Policy {
    rhythm: Rhythm,
    in_flight: bool,
    hidden: bool,
    offline: bool,
    terminal: bool,
    failures: u32,
    last_success: Option<Duration>,
    /// When the next request is due; `None`: not until the user asks.
    due: Option<Duration>,
    /// After a sync started: until when a terminal status is refreshed at
    /// the active interval.
    watch_until: Option<Duration>,
    /// A sync started while a request was in flight: the next one is due as
    /// soon as that one answers.
    refetch: bool,
}

impl Policy {
    pub fn new(rhythm: Rhythm) -> Self {
        Self {
            rhythm,
            in_flight: false,
            hidden: false,
            offline: false,
            terminal: false,
            failures: 0,
            last_success: None,
            due: Some(Duration::ZERO),
            watch_until: None,
            refetch: false,
        }
    }

    /// Applies an event at `now`. `jitter` is a random number in `[-1, 1]`
    /// (the caller's randomness keeps this function pure); it is used only
    /// when a failure is scheduled.
    pub fn on(&mut self, event: Event, now: Duration, jitter: f64) -> Next {
        match event {
            Event::Start | Event::Due => {}
            Event::Succeeded { terminal } => {
                self.in_flight = false;
                self.failures = 0;
                self.terminal = terminal;
                self.last_success = Some(now);
                if !terminal || self.watch_until.is_some_and(|until| now >= until) {
                    self.watch_until = None;
                }
                let interval = match self.watch_until {
                    Some(_) => Some(self.rhythm.interval),
                    None => self.current_interval(),
                };
                self.due = interval.map(|i| now + i);
                self.take_refetch(now);
            }
            Event::Failed { retry_after } => {
                self.in_flight = false;
                self.failures = self.failures.saturating_add(1);
                let delay = self.backoff(jitter).max(retry_after.unwrap_or_default());
                self.due = Some(now + delay);
                self.take_refetch(now);
            }
            Event::SyncStarted => {
                self.watch_until = Some(now + SYNC_WATCH);
                if self.in_flight {
                    // That answer may predate the sync.
                    self.refetch = true;
                    return Next::InFlight;
                }
                self.due = Some(now);
            }
            Event::Hidden => self.hidden = true,
            Event::Shown => self.hidden = false,
            Event::Offline => self.offline = true,
            Event::Online => {
                self.offline = false;
                // Whatever failed while offline is worth retrying at once.
                self.due = Some(now);
            }
            Event::Manual => {
                if self.in_flight {
                    return Next::InFlight;
                }
                return self.fetch();
            }
        }
        self.next(now)
    }

    /// What to do at `now` without a new event.
    pub fn next(&mut self, now: Duration) -> Next {
        if self.in_flight {
            Next::InFlight
        } else if self.offline {
            Next::Paused(PauseReason::Offline)
        } else if self.hidden {
            Next::Paused(PauseReason::Hidden)
        } else {
            match self.due {
                None => Next::Paused(PauseReason::Idle),
                Some(due) if due <= now => self.fetch(),
                Some(due) => Next::WaitUntil(due),
            }
        }
    }

    /// After an answer: a sync started while it was in flight wants the
    /// next request at once.
    fn take_refetch(&mut self, now: Duration) {
        if std::mem::take(&mut self.refetch) {
            self.due = Some(now);
        }
    }

    fn fetch(&mut self) -> Next {
        self.in_flight = true;
        Next::Fetch
    }

    /// The refresh period for the last status seen.
    pub fn current_interval(&self) -> Option<Duration> {
        if self.terminal {
            self.rhythm.idle_interval
        } else {
            Some(self.rhythm.interval)
        }
    }

    /// The wait after the `failures`-th failure in a row.
    fn backoff(&self, jitter: f64) -> Duration {
        let Rhythm {
            interval,
            max_backoff,
            ..
        } = self.rhythm;
        let exponent = self.failures.saturating_sub(1).min(20);
        let base = interval.saturating_mul(1u32 << exponent).min(max_backoff);
        let factor = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
        base.mul_f64(factor).max(interval)
    }

    /// When the last success is older than three times the current
    /// interval. A card whose refreshing stopped on purpose is not stale.
    pub fn is_stale(&self, now: Duration) -> bool {
        match (self.last_success, self.current_interval()) {
            (Some(at), Some(interval)) => now.saturating_sub(at) > interval * 3,
            _ => false,
        }
    }

    /// After failures, how long until the next retry ("retrying in 40 s").
    pub fn retry_in(&self, now: Duration) -> Option<Duration> {
        match self.due {
            Some(due) if self.failures > 0 && !self.in_flight => Some(due.saturating_sub(now)),
            _ => None,
        }
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: Duration = Duration::from_secs(1);

    fn rhythm() -> Rhythm {
        Rhythm {
            interval: 10 * S,
            idle_interval: Some(60 * S),
            max_backoff: 300 * S,
        }
    }

    fn failed() -> Event {
        Event::Failed { retry_after: None }
    }

    #[test]
    fn starts_by_fetching_and_keeps_one_in_flight() {
        let mut p = Policy::new(rhythm());
        assert_eq!(p.on(Event::Start, S, 0.0), Next::Fetch);
        assert_eq!(p.on(Event::Due, 2 * S, 0.0), Next::InFlight);
        assert_eq!(p.on(Event::Manual, 2 * S, 0.0), Next::InFlight);
        assert_eq!(
            p.on(Event::Succeeded { terminal: false }, 3 * S, 0.0),
            Next::WaitUntil(13 * S)
        );
        assert_eq!(p.on(Event::Due, 12 * S, 0.0), Next::WaitUntil(13 * S));
        assert_eq!(p.on(Event::Due, 13 * S, 0.0), Next::Fetch);
    }

    #[test]
    fn failures_back_off_to_the_cap_and_success_resets() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        let mut now = Duration::ZERO;
        let mut waits = vec![];
        for _ in 0..8 {
            let Next::WaitUntil(at) = p.on(failed(), now, 0.0) else {
                panic!("expected a wait")
            };
            waits.push((at - now).as_secs());
            now = at;
            assert_eq!(p.on(Event::Due, now, 0.0), Next::Fetch);
        }
        assert_eq!(waits, [10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(
            p.on(Event::Succeeded { terminal: false }, now, 0.0),
            Next::WaitUntil(now + 10 * S)
        );
        assert_eq!(p.failures(), 0);
    }

    #[test]
    fn jitter_spreads_retries_but_never_below_interval() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(failed(), Duration::ZERO, 0.0);
        p.on(Event::Due, 10 * S, 0.0);
        // Second failure: 20 s ± 20 %.
        assert_eq!(p.on(failed(), 10 * S, 1.0), Next::WaitUntil(34 * S));
        p.on(Event::Due, 34 * S, 0.0);
        assert_eq!(
            p.on(failed(), 34 * S, -1.0),
            Next::WaitUntil(34 * S + 32 * S)
        );
        let mut first = Policy::new(rhythm());
        first.on(Event::Start, Duration::ZERO, 0.0);
        assert_eq!(
            first.on(failed(), Duration::ZERO, -1.0),
            Next::WaitUntil(10 * S)
        );
    }

    #[test]
    fn retry_after_is_honoured_even_beyond_the_cap() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        let next = p.on(
            Event::Failed {
                retry_after: Some(600 * S),
            },
            Duration::ZERO,
            0.0,
        );
        assert_eq!(next, Next::WaitUntil(600 * S));
        assert_eq!(p.retry_in(100 * S), Some(500 * S));
    }

    #[test]
    fn terminal_statuses_use_the_idle_interval_and_switch_back() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        assert_eq!(
            p.on(Event::Succeeded { terminal: true }, Duration::ZERO, 0.0),
            Next::WaitUntil(60 * S)
        );
        p.on(Event::Due, 60 * S, 0.0);
        assert_eq!(
            p.on(Event::Succeeded { terminal: false }, 60 * S, 0.0),
            Next::WaitUntil(70 * S)
        );
    }

    #[test]
    fn idle_interval_zero_stops_until_manual() {
        let mut p = Policy::new(Rhythm {
            idle_interval: None,
            ..rhythm()
        });
        p.on(Event::Start, Duration::ZERO, 0.0);
        assert_eq!(
            p.on(Event::Succeeded { terminal: true }, S, 0.0),
            Next::Paused(PauseReason::Idle)
        );
        assert_eq!(
            p.on(Event::Due, 1000 * S, 0.0),
            Next::Paused(PauseReason::Idle)
        );
        assert!(!p.is_stale(100_000 * S));
        assert_eq!(p.on(Event::Manual, 1000 * S, 0.0), Next::Fetch);
    }

    #[test]
    fn hidden_pages_send_nothing_and_catch_up_when_shown() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(Event::Succeeded { terminal: false }, Duration::ZERO, 0.0);
        assert_eq!(
            p.on(Event::Hidden, S, 0.0),
            Next::Paused(PauseReason::Hidden)
        );
        assert_eq!(
            p.on(Event::Due, 50 * S, 0.0),
            Next::Paused(PauseReason::Hidden)
        );
        assert_eq!(p.on(Event::Shown, 50 * S, 0.0), Next::Fetch);
        // Shown again before anything is due: just wait.
        p.on(Event::Succeeded { terminal: false }, 50 * S, 0.0);
        p.on(Event::Hidden, 51 * S, 0.0);
        assert_eq!(p.on(Event::Shown, 52 * S, 0.0), Next::WaitUntil(60 * S));
    }

    #[test]
    fn a_request_in_flight_when_hidden_still_lands() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        assert_eq!(p.on(Event::Hidden, S, 0.0), Next::InFlight);
        assert_eq!(
            p.on(Event::Succeeded { terminal: false }, 2 * S, 0.0),
            Next::Paused(PauseReason::Hidden)
        );
    }

    #[test]
    fn offline_pauses_and_online_fetches_at_once() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(Event::Succeeded { terminal: false }, Duration::ZERO, 0.0);
        assert_eq!(
            p.on(Event::Offline, S, 0.0),
            Next::Paused(PauseReason::Offline)
        );
        assert_eq!(
            p.on(Event::Shown, 2 * S, 0.0),
            Next::Paused(PauseReason::Offline)
        );
        assert_eq!(p.on(Event::Online, 3 * S, 0.0), Next::Fetch);
    }

    #[test]
    fn manual_refresh_retries_at_once() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(failed(), Duration::ZERO, 0.0);
        assert_eq!(p.retry_in(4 * S), Some(6 * S));
        assert_eq!(p.on(Event::Manual, 4 * S, 0.0), Next::Fetch);
        assert_eq!(p.retry_in(4 * S), None);
    }

    #[test]
    fn staleness_is_three_intervals() {
        let mut p = Policy::new(rhythm());
        assert!(!p.is_stale(1000 * S));
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(Event::Succeeded { terminal: false }, Duration::ZERO, 0.0);
        assert!(!p.is_stale(30 * S));
        assert!(p.is_stale(31 * S));
        p.on(Event::Due, 31 * S, 0.0);
        p.on(Event::Succeeded { terminal: true }, 31 * S, 0.0);
        assert!(!p.is_stale(200 * S));
        assert!(p.is_stale(212 * S));
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            Just(Event::Due),
            any::<bool>().prop_map(|terminal| Event::Succeeded { terminal }),
            proptest::option::of(0u64..1000).prop_map(|s| Event::Failed {
                retry_after: s.map(Duration::from_secs)
            }),
            Just(Event::Hidden),
            Just(Event::Shown),
            Just(Event::Offline),
            Just(Event::Online),
            Just(Event::Manual),
        ]
    }

    proptest! {
        /// Over random event sequences: one request in flight at most; a
        /// scheduled wait after an answer is never below `interval`, and
        /// never above the cap plus jitter unless the server asked.
        #[test]
        fn invariants_hold(
            interval in 1u64..120,
            idle in proptest::option::of(1u64..600),
            cap in 1u64..900,
            steps in proptest::collection::vec((event(), 0u64..400, -1.0f64..=1.0), 1..80),
        ) {
            let rhythm = Rhythm {
                interval: Duration::from_secs(interval),
                idle_interval: idle.map(|i| Duration::from_secs(i.max(interval))),
                max_backoff: Duration::from_secs(cap.max(interval)),
            };
            let mut p = Policy::new(rhythm);
            let mut now = Duration::ZERO;
            let mut in_flight = p.on(Event::Start, now, 0.0) == Next::Fetch;
            for (event, advance, jitter) in steps {
                now += Duration::from_secs(advance);
                // Answers only come for a request that is in flight.
                let is_answer = matches!(event, Event::Succeeded { .. } | Event::Failed { .. });
                if is_answer && !in_flight {
                    continue;
                }
                let retry_after = match &event {
                    Event::Failed { retry_after } => *retry_after,
                    _ => None,
                };
                let next = p.on(event.clone(), now, jitter);
                if is_answer {
                    in_flight = false;
                }
                if next == Next::Fetch {
                    prop_assert!(!in_flight, "a second request while one is in flight");
                    in_flight = true;
                    // Immediate fetches come only from a due time, the user,
                    // the network's return or the page being shown.
                    prop_assert!(!is_answer);
                }
                prop_assert_eq!(p.in_flight(), in_flight);
                if let (true, Next::WaitUntil(at)) = (is_answer, next) {
                    let wait = at - now;
                    prop_assert!(wait >= rhythm.interval, "wait {wait:?} below interval");
                    let ceiling = rhythm
                        .max_backoff
                        .max(rhythm.idle_interval.unwrap_or_default())
                        .mul_f64(1.0 + JITTER)
                        .max(retry_after.unwrap_or_default());
                    prop_assert!(wait <= ceiling + Duration::from_millis(1), "wait {wait:?} above {ceiling:?}");
                }
            }
        }
    }

    #[test]
    fn a_started_sync_is_followed_at_once_then_at_the_active_interval() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        let done = Event::Succeeded { terminal: true };
        assert_eq!(p.on(done.clone(), S, 0.0), Next::WaitUntil(61 * S));
        assert_eq!(p.on(Event::SyncStarted, 5 * S, 0.0), Next::Fetch);
        // Still reported COMPLETED: looked at again after `interval`.
        assert_eq!(p.on(done.clone(), 6 * S, 0.0), Next::WaitUntil(16 * S));
        // Seen active: the watch is over, the rhythm is the usual one.
        p.on(Event::Due, 16 * S, 0.0);
        let active = Event::Succeeded { terminal: false };
        assert_eq!(p.on(active, 17 * S, 0.0), Next::WaitUntil(27 * S));
        p.on(Event::Due, 27 * S, 0.0);
        assert_eq!(p.on(done, 28 * S, 0.0), Next::WaitUntil(88 * S));
    }

    #[test]
    fn the_watch_after_a_sync_ends() {
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        let done = Event::Succeeded { terminal: true };
        p.on(done.clone(), S, 0.0);
        p.on(Event::SyncStarted, 2 * S, 0.0);
        let at = 2 * S + SYNC_WATCH;
        assert_eq!(p.on(done.clone(), at - S, 0.0), Next::WaitUntil(at + 9 * S));
        p.on(Event::Due, at + 9 * S, 0.0);
        assert_eq!(p.on(done, at + 10 * S, 0.0), Next::WaitUntil(at + 70 * S));
    }

    #[test]
    fn a_sync_started_during_a_request_refetches_after_it() {
        let mut p = Policy::new(rhythm());
        assert_eq!(p.on(Event::Start, Duration::ZERO, 0.0), Next::Fetch);
        assert_eq!(p.on(Event::SyncStarted, S, 0.0), Next::InFlight);
        // The answer in flight predates the sync: ask again at once.
        assert_eq!(
            p.on(Event::Succeeded { terminal: true }, 2 * S, 0.0),
            Next::Fetch
        );
        assert_eq!(
            p.on(Event::Succeeded { terminal: true }, 3 * S, 0.0),
            Next::WaitUntil(13 * S)
        );
        // Also after a failure.
        let mut p = Policy::new(rhythm());
        p.on(Event::Start, Duration::ZERO, 0.0);
        p.on(Event::SyncStarted, S, 0.0);
        assert_eq!(p.on(failed(), 2 * S, 0.0), Next::Fetch);
    }
}
