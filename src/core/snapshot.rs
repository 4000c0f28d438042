//! What a card shows, as plain data, and the rules the view reads off it:
//! its `data-state`, whether it is displayed yet, whether its dates are
//! asked for. `web::poller` writes it; `web::card` renders it and decides
//! nothing of its own.

use std::time::Duration;

use crate::core::format::ms_between;
use crate::core::model::{SyncStatus, TaskStatus};
use crate::core::response::RequestError;
use crate::core::sync::SyncStep;

/// A status change: the new status string as sent and the previous one
/// (`None` for the first status this card received).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub status: String,
    pub previous: Option<String>,
}

/// What the view shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The last status received; kept through later errors.
    pub data: Option<SyncStatus>,
    /// Why the last request failed, if it did.
    pub error: Option<RequestError>,
    /// A request the user asked for is in flight.
    pub busy: bool,
    /// Wall-clock time (ms) of the last success.
    pub updated_at: Option<f64>,
    /// Wall-clock time (ms) of the next retry after a failure.
    pub retry_at: Option<f64>,
    /// The last success is older than three intervals.
    pub stale: bool,
    /// The first answer has taken the loading delay
    /// (`policy::loading_delay`): the loading state is displayed.
    pub late: bool,
    /// The wall clock (ms), ticking for "updated … ago".
    pub now: f64,
    /// Where "Sync now" stands (`actions="sync"` only).
    pub sync: SyncStep,
}

impl Snapshot {
    /// A card before its first answer, which waits `loading_delay` to
    /// display its loading state (at once when it is zero).
    pub fn loading(loading_delay: Duration, now: f64) -> Self {
        Self {
            late: loading_delay.is_zero(),
            now,
            ..Self::default()
        }
    }

    /// Takes a status received at `now` (wall-clock ms): the data, no
    /// error, not stale, nothing in progress. Returns the change of status
    /// it brings, if any (the first status is one). The sync's step sees
    /// the status too (`SyncStep::status_seen`).
    pub fn receive(&mut self, status: SyncStatus, now: f64) -> Option<StatusChange> {
        let as_sent = |s: Option<&TaskStatus>| s.map(|s| s.as_str().to_owned());
        let previous = as_sent(self.status());
        let change = as_sent(status.status.as_ref())
            .filter(|current| previous.as_ref() != Some(current))
            .map(|status| StatusChange { status, previous });
        self.busy = false;
        self.sync.status_seen(status.status.as_ref());
        self.data = Some(status);
        self.error = None;
        self.updated_at = Some(now);
        self.stale = false;
        change
    }

    /// Takes a failed request: its error shows; the last data stays.
    pub fn fail(&mut self, error: RequestError) {
        self.busy = false;
        self.error = Some(error);
    }

    /// A first answer (data or error) has come.
    pub fn answered(&self) -> bool {
        self.data.is_some() || self.error.is_some()
    }

    /// The last status received, if any.
    pub fn status(&self) -> Option<&TaskStatus> {
        self.data.as_ref().and_then(|d| d.status.as_ref())
    }

    /// `data-state`: the last request failed, or there is data, or neither
    /// yet.
    pub fn data_state(&self) -> &'static str {
        match (&self.data, &self.error) {
            (_, Some(_)) => "error",
            (Some(_), None) => "ok",
            (None, None) => "loading",
        }
    }

    /// Not displayed until the first answer or the loading delay,
    /// whichever comes first: a quick answer never flashes a loading state.
    pub fn hidden(&self) -> bool {
        !self.answered() && !self.late
    }

    /// The card has dates to show (or, waiting past the loading delay, soon
    /// may): the page's date formatters are asked for, to be made in idle
    /// time. Before that, the first `Intl` formatter's start-up would only
    /// compete with the first status.
    pub fn wants_dates(&self) -> bool {
        self.data.is_some() || self.late
    }

    /// Whether "Sync now" is offered (with `actions="sync"`).
    pub fn offers_sync(&self) -> bool {
        self.sync.offers_button(self.data.is_some(), self.status())
    }

    /// How long until the next retry, by the card's clock.
    pub fn retry_in(&self) -> Option<Duration> {
        self.retry_at.map(|at| ms_between(self.now, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running() -> SyncStatus {
        SyncStatus {
            status: Some(TaskStatus::Running),
            ..SyncStatus::default()
        }
    }

    #[test]
    fn the_state_is_the_last_request_then_the_data() {
        let mut s = Snapshot::default();
        assert_eq!(s.data_state(), "loading");
        s.data = Some(running());
        assert_eq!(s.data_state(), "ok");
        // An error after data: the data stays, the state says the error.
        s.error = Some(RequestError::Network(String::new()));
        assert_eq!(s.data_state(), "error");
        assert_eq!(s.status(), Some(&TaskStatus::Running));
    }

    #[test]
    fn a_change_of_status_is_reported_once() {
        let mut s = Snapshot {
            busy: true,
            stale: true,
            ..Snapshot::default()
        };
        let first = s.receive(running(), 1_000.0);
        assert_eq!(
            first,
            Some(StatusChange {
                status: "RUNNING".into(),
                previous: None
            })
        );
        assert!(!s.busy && !s.stale);
        assert_eq!(s.updated_at, Some(1_000.0));
        // The same status again: no change, a newer "updated".
        assert_eq!(s.receive(running(), 2_000.0), None);
        assert_eq!(s.updated_at, Some(2_000.0));
        // An error keeps the data and does not count as a change.
        s.fail(RequestError::Network(String::new()));
        assert_eq!(s.status(), Some(&TaskStatus::Running));
        let done = SyncStatus {
            status: Some(TaskStatus::Completed),
            ..running()
        };
        assert_eq!(
            s.receive(done, 3_000.0),
            Some(StatusChange {
                status: "COMPLETED".into(),
                previous: Some("RUNNING".into())
            })
        );
        assert_eq!(s.error, None);
        // An answer without a status changes nothing to report.
        let blank = SyncStatus {
            status: None,
            ..running()
        };
        assert_eq!(s.receive(blank, 4_000.0), None);
    }

    #[test]
    fn a_replacing_card_shows_its_loading_state_at_once() {
        use crate::core::policy::{loading_delay, Mount};
        assert!(Snapshot::loading(loading_delay(Mount::First), 0.0).hidden());
        let replacing = Snapshot::loading(loading_delay(Mount::Replacing), 5.0);
        assert!(!replacing.hidden());
        assert_eq!(replacing.now, 5.0);
    }

    #[test]
    fn hidden_until_the_first_answer_or_the_loading_delay() {
        let waiting = Snapshot::default();
        assert!(waiting.hidden());
        assert!(!waiting.wants_dates());
        let late = Snapshot {
            late: true,
            ..Snapshot::default()
        };
        assert!(!late.hidden());
        assert!(late.wants_dates());
        let failed = Snapshot {
            error: Some(RequestError::Network(String::new())),
            ..Snapshot::default()
        };
        assert!(!failed.hidden());
        // An error has no dates to show.
        assert!(!failed.wants_dates());
        let answered = Snapshot {
            data: Some(running()),
            ..Snapshot::default()
        };
        assert!(!answered.hidden());
        assert!(answered.wants_dates());
    }

    #[test]
    fn the_retry_is_counted_down_by_the_cards_clock() {
        let s = Snapshot {
            retry_at: Some(13_500.0),
            now: 4_000.0,
            ..Snapshot::default()
        };
        assert_eq!(s.retry_in(), Some(Duration::from_millis(9_500)));
        assert_eq!(Snapshot::default().retry_in(), None);
    }
}
