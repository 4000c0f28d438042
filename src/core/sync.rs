//! "Sync now" (`actions="sync"`): the steps from the first press of the
//! button to the proxy's answer, as a pure state machine. The browser layer
//! reports presses, the confirmation timer and the POST's answer with the
//! current time, and carries out the [`SyncAction`] it gets back.
//!
//! Rules:
//! - a first press only asks for confirmation: the button's words change,
//!   and a second press within [`CONFIRM_WINDOW`] sends the POST; after that
//!   the button is back to "Sync now" (a press long after the first is a new
//!   first press, never a surprise start);
//! - one POST at a time: presses while it is in flight do nothing;
//! - the button is offered while the task is not active (COMPLETED, FAILED,
//!   NOT_EXIST, an unknown status or none), and while a POST is in flight;
//!   a task that turns active (someone else started it) cancels a pending
//!   confirmation.

use std::time::Duration;

use crate::core::model::TaskStatus;
use crate::core::response::RequestError;

/// How long the button waits for the confirming press.
pub const CONFIRM_WINDOW: Duration = Duration::from_secs(10);

/// Where the card's "Sync now" stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum SyncStep {
    /// "Sync now".
    #[default]
    Idle,
    /// Pressed once: a second press before `until` starts the sync.
    Confirming { until: Duration },
    /// The POST is in flight.
    Sending,
    /// The proxy accepted the POST; the card polls for the new task.
    Started,
    /// The POST failed; the button can be pressed again.
    Failed(RequestError),
}

/// What the browser layer must do after a press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncAction {
    /// Nothing (a press while the POST is in flight).
    Nothing,
    /// Report [`SyncStep::expire`] after this wait.
    AwaitConfirmation(Duration),
    /// Send the POST now; report its answer to [`SyncStep::answered`].
    Send,
}

impl SyncStep {
    /// The button was pressed at `now`.
    pub fn press(&mut self, now: Duration) -> SyncAction {
        match self {
            Self::Sending => SyncAction::Nothing,
            Self::Confirming { until } if now < *until => {
                *self = Self::Sending;
                SyncAction::Send
            }
            _ => {
                *self = Self::Confirming {
                    until: now + CONFIRM_WINDOW,
                };
                SyncAction::AwaitConfirmation(CONFIRM_WINDOW)
            }
        }
    }

    /// The confirmation timer fired at `now`: an unconfirmed press is
    /// forgotten. Whether the step changed.
    pub fn expire(&mut self, now: Duration) -> bool {
        match self {
            Self::Confirming { until } if now >= *until => {
                *self = Self::Idle;
                true
            }
            _ => false,
        }
    }

    /// The POST answered (`Ok`: 2xx) or failed.
    pub fn answered(&mut self, result: Result<(), RequestError>) {
        *self = match result {
            Ok(()) => Self::Started,
            Err(err) => Self::Failed(err),
        };
    }

    /// A new status was received: once the task is active, the press that
    /// waited for confirmation is moot, and "started" has been seen to be
    /// true.
    pub fn status_seen(&mut self, status: Option<&TaskStatus>) {
        let active = status.is_some_and(TaskStatus::is_active);
        if active && matches!(self, Self::Confirming { .. } | Self::Started) {
            *self = Self::Idle;
        }
    }

    /// Whether the card offers the button, for the last status received
    /// (`None`: none yet, or an answer without one).
    pub fn offers_button(&self, answered: bool, status: Option<&TaskStatus>) -> bool {
        *self == Self::Sending || (answered && !status.is_some_and(TaskStatus::is_active))
    }

    /// The `data-step` of the button.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Idle => "idle",
            Self::Confirming { .. } => "confirming",
            Self::Sending => "sending",
            Self::Started => "started",
            Self::Failed(_) => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn a_second_press_within_the_window_sends() {
        let mut step = SyncStep::Idle;
        assert_eq!(
            step.press(100 * S),
            SyncAction::AwaitConfirmation(CONFIRM_WINDOW)
        );
        assert_eq!(step.as_str(), "confirming");
        assert_eq!(step.press(109 * S), SyncAction::Send);
        assert_eq!(step, SyncStep::Sending);
        // One POST at a time.
        assert_eq!(step.press(109 * S), SyncAction::Nothing);
        step.answered(Ok(()));
        assert_eq!(step, SyncStep::Started);
    }

    #[test]
    fn an_unconfirmed_press_expires_after_ten_seconds() {
        let mut step = SyncStep::Idle;
        step.press(100 * S);
        // A timer that fires early changes nothing.
        assert!(!step.expire(109 * S));
        assert_eq!(step.as_str(), "confirming");
        assert!(step.expire(110 * S));
        assert_eq!(step, SyncStep::Idle);
        // Expired: the next press asks again, it does not send.
        assert_eq!(
            step.press(111 * S),
            SyncAction::AwaitConfirmation(CONFIRM_WINDOW)
        );
    }

    #[test]
    fn a_late_second_press_is_a_new_first_press() {
        // The timer may not have fired (a throttled background tab).
        let mut step = SyncStep::Idle;
        step.press(100 * S);
        assert_eq!(
            step.press(110 * S),
            SyncAction::AwaitConfirmation(CONFIRM_WINDOW)
        );
        assert_eq!(step, SyncStep::Confirming { until: 120 * S });
    }

    #[test]
    fn a_failure_is_kept_until_the_next_press() {
        let mut step = SyncStep::Sending;
        let err = RequestError::Network(String::new());
        step.answered(Err(err.clone()));
        assert_eq!(step, SyncStep::Failed(err));
        assert!(!step.expire(1_000 * S));
        assert_eq!(
            step.press(5 * S),
            SyncAction::AwaitConfirmation(CONFIRM_WINDOW)
        );
    }

    #[test]
    fn an_active_task_cancels_the_confirmation_and_ends_started() {
        let mut step = SyncStep::Confirming { until: 10 * S };
        step.status_seen(Some(&TaskStatus::Completed));
        assert_eq!(step.as_str(), "confirming");
        step.status_seen(Some(&TaskStatus::Queuing));
        assert_eq!(step, SyncStep::Idle);
        let mut started = SyncStep::Started;
        started.status_seen(Some(&TaskStatus::Running));
        assert_eq!(started, SyncStep::Idle);
        // A POST in flight is not forgotten.
        let mut sending = SyncStep::Sending;
        sending.status_seen(Some(&TaskStatus::Running));
        assert_eq!(sending, SyncStep::Sending);
    }

    #[test]
    fn the_button_is_offered_while_the_task_is_not_active() {
        let idle = SyncStep::Idle;
        assert!(!idle.offers_button(false, None));
        for status in [
            TaskStatus::Completed,
            TaskStatus::Failed,
            TaskStatus::NotExist,
            TaskStatus::Unknown("PAUSED".into()),
        ] {
            assert!(idle.offers_button(true, Some(&status)), "{status:?}");
        }
        assert!(idle.offers_button(true, None));
        for status in [
            TaskStatus::Queuing,
            TaskStatus::Starting,
            TaskStatus::Running,
        ] {
            assert!(!idle.offers_button(true, Some(&status)), "{status:?}");
            assert!(SyncStep::Sending.offers_button(true, Some(&status)));
        }
    }
}
