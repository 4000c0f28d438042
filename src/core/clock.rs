//! When a card's timers fire, besides the refresh policy's own decision of
//! when to fetch: the clock that redraws "updated … ago" and the retry
//! countdown, and where batch cards put their refresh timer (on whole
//! seconds, so that a page's cards fall due together). Pure functions of the
//! wall clock (`wall`, ms since the epoch) and the policy's monotonic times;
//! `web::poller` only sets the timers they return.

use std::time::Duration;

use crate::core::config::Requests;
use crate::core::format::{age_tick, ms_between, on_a_whole_second, to_a_whole_second};

/// How long until the card's clock should tick again: when the "updated …
/// ago" text of a success at `updated_at` next changes, or on the next whole
/// second while a retry counts down. Always on a whole second of the wall
/// clock, so that the cards of a page redraw together.
pub fn next_tick(updated_at: Option<f64>, retrying: bool, wall: f64) -> Duration {
    let wait = if retrying {
        Duration::from_millis(1)
    } else {
        age_tick(updated_at.map_or(Duration::ZERO, |at| ms_between(at, wall)))
    };
    on_a_whole_second(wait, wall)
}

/// After a success, "updated now" must show its next step in time: a clock
/// armed for `armed_at` (set for an older, longer step) is set again, for
/// the returned wait. `None`: the clock as armed comes soon enough.
pub fn after_success(armed_at: f64, wall: f64) -> Option<Duration> {
    let first_step = age_tick(Duration::ZERO);
    // A whole second of slack: the armed tick is itself on a whole second.
    let latest = wall + first_step.as_secs_f64() * 1000.0 + 1000.0;
    (armed_at > latest).then(|| on_a_whole_second(first_step, wall))
}

/// Where a card's refresh timer goes, for a fetch the policy wants at `at`
/// (monotonic, like `now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshTimer {
    /// How long from now.
    pub wait: Duration,
    /// Batch cards: the time the policy asked for. The timer may fire before
    /// it (up to half a second for a refresh, put on the nearest whole
    /// second; a retry's, put on the next one, only by the browser's clock
    /// error), and then counts as due at this time.
    pub planned: Option<Duration>,
}

/// What a card's timer waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The next refresh.
    Refresh,
    /// A retry after a failure.
    Retry,
}

/// A single card's timer waits exactly. A batch card's waits until the
/// nearest whole second of the wall clock (due with the page's other batch
/// cards: one request), or, for a retry, the next one (a retry never goes
/// early: `Retry-After` may ask for it). Both count as due at `at` when they
/// fire: browsers' clocks are coarse (timers in whole milliseconds, a
/// rounded or jittered `performance.now()`), and a retry read as a
/// millisecond early would wait for the next whole second, without its batch.
pub fn refresh_timer(
    requests: Requests,
    due: Due,
    at: Duration,
    now: Duration,
    wall: f64,
) -> RefreshTimer {
    let wait = at.saturating_sub(now);
    let batch = requests == Requests::Batch;
    RefreshTimer {
        wait: match (requests, due) {
            (Requests::Single, _) => wait,
            (Requests::Batch, Due::Retry) => on_a_whole_second(wait, wall),
            (Requests::Batch, Due::Refresh) => to_a_whole_second(wait, wall),
        },
        planned: batch.then_some(at),
    }
}

/// The time a timer event happens at, for the policy: `now`, or the planned
/// time of a batch card's timer that fired before it.
pub fn due_time(now: Duration, planned: Option<Duration>) -> Duration {
    now.max(planned.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01 00:00:00.250 UTC, a quarter second into a second.
    const WALL: f64 = 1_796_083_200_250.0;

    #[test]
    fn the_clock_ticks_when_the_text_changes_on_whole_seconds() {
        // Updated 3.5 s ago: "now" until 10 s, so 6.5 s, then to the whole
        // second.
        let wait = next_tick(Some(WALL - 3_500.0), false, WALL);
        assert_eq!(wait, Duration::from_millis(6_750));
        assert_eq!((WALL + 6_750.0) % 1000.0, 0.0);
        // Never updated: as for an age of zero.
        assert_eq!(next_tick(None, false, WALL), Duration::from_millis(10_750));
        // Counting down a retry: every whole second.
        assert_eq!(
            next_tick(Some(WALL - 3_500.0), true, WALL),
            Duration::from_millis(750)
        );
        // An hour and a half ago: the next whole hour of age.
        let wait = next_tick(Some(WALL - 5_400_000.0), false, WALL);
        assert_eq!(wait, Duration::from_millis(1_800_750));
    }

    #[test]
    fn a_success_brings_a_far_clock_back() {
        // Armed for the next minute step of an old age: too late for "now".
        assert_eq!(
            after_success(WALL + 50_000.0, WALL),
            Some(Duration::from_millis(10_750))
        );
        // Armed within the first step: left alone.
        assert_eq!(after_success(WALL + 9_000.0, WALL), None);
        assert_eq!(after_success(WALL + 10_750.0, WALL), None);
    }

    #[test]
    fn single_cards_wait_exactly() {
        let t = refresh_timer(
            Requests::Single,
            Due::Refresh,
            Duration::from_millis(12_340),
            Duration::from_secs(2),
            WALL,
        );
        assert_eq!(
            t,
            RefreshTimer {
                wait: Duration::from_millis(10_340),
                planned: None
            }
        );
        let t = refresh_timer(
            Requests::Single,
            Due::Refresh,
            Duration::from_secs(1),
            Duration::from_secs(2),
            WALL,
        );
        assert_eq!(t.wait, Duration::ZERO);
    }

    #[test]
    fn batch_cards_fall_due_on_whole_seconds() {
        let at = Duration::from_millis(12_340);
        let now = Duration::from_secs(2);
        // 10.34 s from 0.25 s into a second ends 0.59 s into one: to the
        // nearest whole second, 0.41 s later; the policy's time is kept.
        let t = refresh_timer(Requests::Batch, Due::Refresh, at, now, WALL);
        assert_eq!(
            t,
            RefreshTimer {
                wait: Duration::from_millis(10_750),
                planned: Some(at)
            }
        );
        assert_eq!((WALL + 10_750.0) % 1000.0, 0.0);
        // 10.14 s ends 0.39 s into one: 0.39 s earlier.
        let t = refresh_timer(
            Requests::Batch,
            Due::Refresh,
            at - Duration::from_millis(200),
            now,
            WALL,
        );
        assert_eq!(t.wait, Duration::from_millis(9_750));
        // A retry goes to the next whole second, never earlier.
        let retry_at = at - Duration::from_millis(200);
        let t = refresh_timer(Requests::Batch, Due::Retry, retry_at, now, WALL);
        assert_eq!(
            t,
            RefreshTimer {
                wait: Duration::from_millis(10_750),
                planned: Some(retry_at)
            }
        );
    }

    /// The retry of a batch that failed, for a `Retry-After` that ends on a
    /// whole second, as every card of the batch plans it. Its timer, in whole
    /// milliseconds, can fire before the policy's time by the browser's
    /// clocks: it must still fetch then, with the batch, not a second later.
    #[test]
    fn a_batch_retry_that_fires_a_millisecond_early_is_due() {
        use crate::core::policy::{Event, Next, Policy, Rhythm};
        let mut policy = Policy::new(Rhythm {
            interval: Duration::from_secs(1),
            idle_interval: None,
            max_backoff: Duration::from_secs(300),
        });
        let now = Duration::from_millis(2_000);
        policy.on(Event::Start, now, 0.0);
        let failed = Event::Failed {
            retry_after: Some(Duration::from_millis(9_750)),
        };
        let Next::WaitUntil(at) = policy.on(failed, now, 0.0) else {
            panic!("a failure waits");
        };
        let t = refresh_timer(Requests::Batch, Due::Retry, at, now, WALL);
        assert_eq!(t.wait, Duration::from_millis(9_750));
        let fired = now + t.wait - Duration::from_micros(600);
        assert_eq!(
            policy.on(Event::Due, due_time(fired, t.planned), 0.0),
            Next::Fetch
        );
    }

    #[test]
    fn an_early_timer_counts_as_due_at_its_planned_time() {
        let planned = Some(Duration::from_millis(12_340));
        assert_eq!(
            due_time(Duration::from_millis(12_000), planned),
            Duration::from_millis(12_340)
        );
        assert_eq!(
            due_time(Duration::from_millis(13_000), planned),
            Duration::from_millis(13_000)
        );
        assert_eq!(
            due_time(Duration::from_millis(13_000), None),
            Duration::from_millis(13_000)
        );
    }

    proptest::proptest! {
        /// Every batch timer ends on a whole second, within half a second
        /// of the policy's time; every clock tick on a whole second, after
        /// the text's next change.
        #[test]
        fn timers_land_on_whole_seconds(
            wall in 1_000_000_000_000u64..2_000_000_000_000,
            wait_ms in 0u64..100_000_000,
            age_ms in 0u64..100_000_000,
        ) {
            let wall = wall as f64;
            let now = Duration::from_secs(5);
            let at = now + Duration::from_millis(wait_ms);
            let t = refresh_timer(Requests::Batch, Due::Refresh, at, now, wall);
            proptest::prop_assert_eq!((wall as u64 + t.wait.as_millis() as u64) % 1000, 0);
            proptest::prop_assert!((t.wait.as_millis() as i64 - wait_ms as i64).abs() <= 500);
            let tick = next_tick(Some(wall - age_ms as f64), false, wall);
            proptest::prop_assert_eq!((wall as u64 + tick.as_millis() as u64) % 1000, 0);
            proptest::prop_assert!(tick >= age_tick(Duration::from_millis(age_ms)));
        }
    }
}
