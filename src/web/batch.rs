//! Requests shared by the cards of a page (`requests="batch"`).
//!
//! A card asks [`request`] instead of fetching. What cards ask for together
//! goes out as one GET per proxy batch path, timeout and credentials, of up to
//! [`MAX_BATCH`] datasets, through [`fetch_answer`]:
//!
//! - cards mounted or refreshed by hand in one task (`together`): sent once
//!   that task's microtasks have run, before the page renders;
//! - anything else is a task per card: timers (batch cards refresh on whole
//!   seconds of the wall clock, so theirs fall due together, within a few
//!   milliseconds), a page shown again, the network back: sent [`WINDOW`]
//!   after the first.
//!
//! A request holds at most [`MAX_BATCH`] datasets and [`MAX_IDS_LEN`]
//! characters of IDs (gateways refuse long URLs). The answer is split by
//! `core::batch` and each card gets its own part, or the batch's failure,
//! with the batch's jitter for a backoff, so that the cards retry together.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::core::batch::split;
use crate::core::model::SyncStatus;
use crate::core::response::RequestError;
use crate::core::url::{batch_url, encode_segment, MAX_BATCH};
use crate::web::fetch::{fetch_answer, Sending};
use crate::web::random::jitter;
use crate::web::timer::Timer;
use crate::web::wall;

type CardAnswer = Result<SyncStatus, RequestError>;
/// The answer, and the batch's jitter in `[-1, 1]`.
type Reply = Box<dyn FnOnce(CardAnswer, f64)>;

/// The longest list of encoded IDs in one request: with the rest of the URL,
/// well under the 8 KB many gateways accept.
pub const MAX_IDS_LEN: usize = 6_000;

/// How long a timer's request waits for the others: timers due on the same
/// whole second fire as separate tasks, spread over a few milliseconds
/// (more on a busy page). A refresh every few seconds does not notice.
const WINDOW: Duration = Duration::from_millis(20);

/// The cards waiting for one batch path, timeout and credentials
/// (repeated datasets are asked for once by the proxy, which removes
/// repeats).
struct Group {
    path: String,
    sending: Sending,
    ids: Vec<String>,
    /// Of the IDs, encoded.
    ids_len: usize,
    replies: Vec<Reply>,
}

thread_local! {
    static GROUPS: RefCell<Vec<Group>> = const { RefCell::new(Vec::new()) };
    static FLUSH: Timer = Timer::new(flush);
    /// A flush is queued as a microtask.
    static SOON: Cell<bool> = const { Cell::new(false) };
}

/// When a batch card's request goes out with the page's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gather {
    /// Cards mounted or refreshed in one task: their batch goes out at the
    /// end of it (a microtask), before the page renders.
    ThisTask,
    /// A timer or a page event, a task per card: the batch waits
    /// [`WINDOW`] for the others.
    Window,
}

/// Asks for `dataset_id`'s status through the batch `path`; `reply` gets the
/// answer exactly once.
pub fn request(
    path: &str,
    sending: Sending,
    dataset_id: &str,
    gather: Gather,
    reply: impl FnOnce(CardAnswer, f64) + 'static,
) {
    let len = encode_segment(dataset_id).len() + 1;
    let first = GROUPS.with(|groups| {
        let mut groups = groups.borrow_mut();
        let first = groups.is_empty();
        let fits = |g: &Group| {
            g.path == path
                && g.sending == sending
                && g.ids.len() < MAX_BATCH
                && g.ids_len + len <= MAX_IDS_LEN
        };
        let i = match groups.iter().position(fits) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    path: path.to_owned(),
                    sending,
                    ids: Vec::new(),
                    ids_len: 0,
                    replies: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[i];
        group.ids.push(dataset_id.to_owned());
        group.ids_len += len;
        group.replies.push(Box::new(reply));
        first
    });
    if gather == Gather::ThisTask && !SOON.replace(true) {
        spawn_local(async {
            SOON.set(false);
            flush();
        });
    } else if first {
        FLUSH.with(|timer| timer.set(WINDOW));
    }
}

/// Sends one request per group waiting.
fn flush() {
    FLUSH.with(Timer::clear);
    for group in GROUPS.with(|groups| groups.take()) {
        let url = batch_url(&group.path, group.ids.iter().map(String::as_str));
        let answer = AbortController::new()
            .ok()
            .map(|controller| fetch_answer(&url, group.sending, &controller));
        spawn_local(async move {
            let answer = match answer {
                Some(answer) => answer.await,
                None => Err(RequestError::Network(String::new())),
            };
            let answers = match answer {
                Ok((status, retry_after, body)) => {
                    split(status, retry_after.as_deref(), &body, &group.ids)
                }
                Err(err) => vec![Err(err); group.ids.len()],
            };
            let jitter = jitter();
            // `split` answers each ID in order; the cards plan from one
            // reading of the wall clock, so that they stay together.
            wall::held_while(|| {
                for (reply, answer) in group.replies.into_iter().zip(answers) {
                    reply(answer, jitter);
                }
            });
        });
    }
}
