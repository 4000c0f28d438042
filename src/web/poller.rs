//! Carries out the refresh policy in the browser: one timer (and three more:
//! the clock of "updated … ago", the one that displays the loading state
//! when the first answer is late, and the one that ends an unconfirmed "Sync
//! now"), one request in flight at most, page visibility and online/offline
//! listeners, and a clean stop when the card goes away. "Sync now"'s steps
//! are `core::sync`'s; this sends its POST.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::core::clock::{self, Due, RefreshTimer};
use crate::core::config::{Actions, Config};
use crate::core::format::ms_between;
use crate::core::model::SyncStatus;
use crate::core::policy::{Event, Next, Policy, Rhythm};
use crate::core::response::RequestError;
use crate::core::snapshot::Snapshot;
pub use crate::core::snapshot::StatusChange;
use crate::core::sync::SyncAction;
use crate::core::url::{sync_url, Transport};
use crate::web::batch::{self, Gather};
use crate::web::fetch::{fetch_status, post_sync, Sending};
use crate::web::random::jitter;
use crate::web::timer::Timer;
use crate::web::wall;

/// The one signal the poller writes and the view reads. One signal of one
/// type keeps the reactive code in the wasm small; the view still touches
/// only the DOM whose text or attributes changed.
#[derive(Clone, Copy)]
pub struct CardState(pub RwSignal<Snapshot>);

impl CardState {
    /// A card waiting `loading_delay` to display its loading state.
    fn new(loading_delay: Duration) -> Self {
        Self(RwSignal::new(Snapshot::loading(
            loading_delay,
            js_sys::Date::now(),
        )))
    }

    /// Applies `f`, and notifies the view only if the snapshot changed.
    fn change(&self, f: impl FnOnce(&mut Snapshot)) {
        self.0.maybe_update(|snapshot| {
            let before = snapshot.clone();
            f(snapshot);
            *snapshot != before
        });
    }

    fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        self.0.with_untracked(f)
    }
}

/// Called on every status change.
pub type StatusHook = Rc<dyn Fn(StatusChange)>;

/// The answer to a "Sync now": `Ok` when the proxy accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRequested {
    pub result: Result<(), RequestError>,
}

/// Called once per sync the user started, when the proxy answered.
pub type SyncHook = Rc<dyn Fn(SyncRequested)>;

/// What a card tells the code around it.
#[derive(Clone, Default)]
pub struct Hooks {
    pub on_status: Option<StatusHook>,
    pub on_sync: Option<SyncHook>,
}

/// Drives one card. Cheap to clone (a shared handle).
#[derive(Clone)]
pub struct Poller(Rc<Inner>);

struct Inner {
    transport: Transport,
    sending: Sending,
    state: CardState,
    policy: RefCell<Policy>,
    /// The policy's timer, the clock's, and the one that displays the
    /// loading state if the first answer is late.
    timer: Timer,
    clock: Timer,
    reveal: Timer,
    request: RefCell<Option<AbortController>>,
    /// `actions="sync"`: where the POST goes; the timer that ends an
    /// unconfirmed press; the POST in flight.
    sync_url: Option<String>,
    confirm: Timer,
    sync_request: RefCell<Option<AbortController>>,
    stopped: Cell<bool>,
    /// The request about to go out was asked for by the user: show it.
    manual: Cell<bool>,
    /// Batch cards: when the timer, set on a whole second, was due by the
    /// policy (a refresh's may fire up to half a second before, a retry's
    /// only by the browser's clock error: `core::clock::RefreshTimer`).
    planned: Cell<Option<Duration>>,
    /// Wall-clock time (ms) the clock is set to tick at.
    clock_at: Cell<f64>,
    hooks: Hooks,
}

/// Monotonic time since page load.
fn monotonic() -> Duration {
    let ms = web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now);
    ms_between(0.0, ms)
}

thread_local! {
    /// The page's running pollers, told of page and network events by one
    /// set of listeners for the page (a portal may hold a hundred cards).
    static RUNNING: RefCell<Vec<Weak<Inner>>> = const { RefCell::new(Vec::new()) };
    static LISTENING: Cell<bool> = const { Cell::new(false) };
}

/// Tells every running poller of a page or network event.
fn broadcast(event: impl Fn() -> Event) {
    // Out of the borrow: a status hook may mount or unmount cards.
    let running: Vec<Rc<Inner>> =
        RUNNING.with_borrow(|r| r.iter().filter_map(Weak::upgrade).collect());
    for inner in running {
        Poller(inner).dispatch(event());
    }
}

/// Runs `f` on the poller if it still exists.
fn with_poller(weak: &Weak<Inner>, f: impl FnOnce(&Poller)) {
    if let Some(inner) = weak.upgrade() {
        f(&Poller(inner));
    }
}

fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.hidden())
        .unwrap_or(false)
}

fn browser_offline() -> bool {
    web_sys::window()
        .map(|w| !w.navigator().on_line())
        .unwrap_or(false)
}

impl Poller {
    /// Starts polling for `config` into a new [`CardState`], which displays
    /// its loading state after `loading_delay`. Call [`Poller::stop`] when
    /// the card goes away.
    pub fn start(config: &Config, loading_delay: Duration, hooks: Hooks) -> Self {
        let poller = Self(Rc::new_cyclic(|weak: &Weak<Inner>| Inner {
            transport: Transport::of(config),
            sending: Sending::of(config),
            state: CardState::new(loading_delay),
            policy: RefCell::new(Policy::new(Rhythm {
                interval: config.interval,
                idle_interval: config.idle_interval,
                max_backoff: config.max_backoff,
            })),
            // The timers live inside the poller: they hold it weakly.
            timer: {
                let weak = weak.clone();
                Timer::new(move || with_poller(&weak, |p| p.dispatch(Event::Due)))
            },
            clock: {
                let weak = weak.clone();
                Timer::new(move || with_poller(&weak, Poller::tick))
            },
            reveal: {
                let weak = weak.clone();
                Timer::new(move || {
                    with_poller(&weak, |p| p.0.state.change(|s| s.late = !s.answered()))
                })
            },
            request: RefCell::new(None),
            sync_url: (config.actions == Actions::Sync).then(|| sync_url(config)),
            confirm: {
                let weak = weak.clone();
                Timer::new(move || with_poller(&weak, Poller::expire_sync))
            },
            sync_request: RefCell::new(None),
            stopped: Cell::new(false),
            manual: Cell::new(false),
            planned: Cell::new(None),
            clock_at: Cell::new(0.0),
            hooks,
        }));
        poller.listen();
        if page_hidden() {
            poller.dispatch(Event::Hidden);
        }
        if browser_offline() {
            poller.dispatch(Event::Offline);
        }
        poller.dispatch(Event::Start);
        poller.tick();
        poller.0.reveal.set(loading_delay);
        poller
    }

    /// The snapshot this poller writes, for the view to read.
    pub fn state(&self) -> CardState {
        self.0.state
    }

    /// The user asked for a refresh.
    pub fn refresh(&self) {
        // A click while a request is in flight waits for that one.
        if !self.0.policy.borrow().in_flight() {
            self.0.manual.set(true);
        }
        self.dispatch(Event::Manual);
    }

    /// Stops everything: timers, listeners and the request in flight.
    pub fn stop(&self) {
        let inner = &self.0;
        if inner.stopped.replace(true) {
            return;
        }
        inner.timer.clear();
        inner.clock.clear();
        inner.reveal.clear();
        inner.confirm.clear();
        for request in [&inner.request, &inner.sync_request] {
            if let Some(request) = request.borrow_mut().take() {
                request.abort();
            }
        }
        RUNNING.with_borrow_mut(|r| {
            r.retain(|w| w.strong_count() > 0 && !std::ptr::eq(w.as_ptr(), Rc::as_ptr(inner)))
        });
    }

    /// The user pressed "Sync now" (or its confirmation).
    pub fn press_sync(&self) {
        let inner = &self.0;
        let Some(url) = inner.sync_url.as_deref() else {
            return;
        };
        if inner.stopped.get() {
            return;
        }
        let mut action = SyncAction::Nothing;
        inner.state.change(|s| action = s.sync.press(monotonic()));
        match action {
            SyncAction::Nothing => {}
            SyncAction::AwaitConfirmation(wait) => inner.confirm.set(wait),
            SyncAction::Send => {
                inner.confirm.clear();
                self.send_sync(url);
            }
        }
    }

    fn expire_sync(&self) {
        let now = monotonic();
        self.0.state.change(|s| {
            s.sync.expire(now);
        });
    }

    /// Sends the POST; its answer moves the sync's step, and a sync started
    /// is followed by the policy.
    fn send_sync(&self, url: &str) {
        let inner = &self.0;
        let Ok(controller) = AbortController::new() else {
            self.sync_answered(Err(RequestError::Network(String::new())));
            return;
        };
        *inner.sync_request.borrow_mut() = Some(controller.clone());
        let answer = post_sync(url, inner.sending, &controller);
        let this = self.clone();
        spawn_local(async move {
            let result = answer.await;
            this.sync_answered(result);
        });
    }

    fn sync_answered(&self, result: Result<(), RequestError>) {
        let inner = &self.0;
        if inner.stopped.get() {
            return;
        }
        inner.sync_request.borrow_mut().take();
        let started = result.is_ok();
        inner.state.change(|s| s.sync.answered(result.clone()));
        if started {
            self.dispatch(Event::SyncStarted);
        }
        // Last: a listener may remove the card.
        if let Some(hook) = &inner.hooks.on_sync {
            hook(SyncRequested { result });
        }
    }

    fn listen(&self) {
        RUNNING.with_borrow_mut(|r| {
            r.retain(|w| w.strong_count() > 0);
            r.push(Rc::downgrade(&self.0));
        });
        if LISTENING.replace(true) {
            return;
        }
        // For as long as the page lives; with no card running they do nothing.
        let on = |name: &'static str, event: fn() -> Event| {
            std::mem::forget(window_event_listener_untyped(name, move |_| {
                broadcast(event)
            }));
        };
        on("visibilitychange", || {
            if page_hidden() {
                Event::Hidden
            } else {
                Event::Shown
            }
        });
        on("online", || Event::Online);
        on("offline", || Event::Offline);
    }

    fn dispatch(&self, event: Event) {
        self.dispatch_with(event, jitter());
    }

    /// `jitter` for a failure's backoff: batch cards share their batch's, so
    /// that they retry together.
    fn dispatch_with(&self, event: Event, jitter: f64) {
        if self.0.stopped.get() {
            return;
        }
        // Mounted or asked for together, in one task: a batch can go out
        // before the page renders. Anything else (timers, page and network
        // events, each a task per card) waits for the others.
        let gather = match event {
            Event::Start | Event::Manual => Gather::ThisTask,
            _ => Gather::Window,
        };
        let mut now = monotonic();
        if event == Event::Due {
            now = clock::due_time(now, self.0.planned.take());
        }
        let next = self.0.policy.borrow_mut().on(event, now, jitter);
        self.carry_out(next, now, gather);
    }

    fn carry_out(&self, next: Next, now: Duration, gather: Gather) {
        let inner = &self.0;
        match next {
            Next::InFlight => return,
            Next::Fetch => {
                inner.timer.clear();
                self.request(gather);
            }
            Next::WaitUntil(at) => {
                let due = match inner.policy.borrow().retry_in(now) {
                    Some(_) => Due::Retry,
                    None => Due::Refresh,
                };
                let requests = inner.transport.requests();
                let RefreshTimer { wait, planned } =
                    clock::refresh_timer(requests, due, at, now, wall::now());
                inner.planned.set(planned);
                inner.timer.set(wait);
            }
            Next::Paused(_) => inner.timer.clear(),
        }
        self.show_retry(now);
    }

    /// Sends the request now (batch cards: with the page's others); its
    /// answer is handled when it comes.
    fn request(&self, gather: Gather) {
        let inner = &self.0;
        let url = match &inner.transport {
            Transport::Single { url } => url,
            Transport::Batch { path, id } => {
                if inner.manual.replace(false) {
                    inner.state.change(|s| s.busy = true);
                }
                let this = self.clone();
                let reply = move |answer, jitter| this.answered_with(answer, jitter);
                batch::request(path, inner.sending, id, gather, reply);
                return;
            }
        };
        let Ok(controller) = AbortController::new() else {
            // Never leave the policy waiting for an answer that cannot come.
            self.answered(Err(RequestError::Network(String::new())));
            return;
        };
        *inner.request.borrow_mut() = Some(controller.clone());
        // Only a refresh the user asked for shows progress: a background
        // refresh of unchanged data leaves the DOM alone.
        let shown = inner.manual.replace(false);
        let state = inner.state;
        if shown {
            state.change(|s| s.busy = true);
        }
        let answer = fetch_status(url, inner.sending, &controller);
        let this = self.clone();
        spawn_local(async move {
            let result = answer.await;
            this.answered(result);
        });
    }

    fn answered(&self, result: Result<SyncStatus, RequestError>) {
        self.answered_with(result, jitter());
    }

    fn answered_with(&self, result: Result<SyncStatus, RequestError>, jitter: f64) {
        let inner = &self.0;
        if inner.stopped.get() {
            return;
        }
        let state = inner.state;
        inner.request.borrow_mut().take();
        // Answered: no need to reveal (a page of a hundred cards would run a
        // hundred timer tasks for nothing).
        inner.reveal.clear();
        let mut change = None;
        let event = match result {
            Ok(status) => {
                let terminal = status.status.as_ref().is_some_and(|s| s.is_terminal());
                // Unchanged data leaves the view alone but for "updated".
                // "Updated now" needs no new clock reading: the clock's next
                // tick stays as armed.
                let now = js_sys::Date::now();
                state.change(|s| change = s.receive(status, now));
                Event::Succeeded { terminal }
            }
            Err(err) => {
                let retry_after = err.retry_after();
                state.change(|s| s.fail(err));
                Event::Failed { retry_after }
            }
        };
        let failed = matches!(event, Event::Failed { .. });
        self.dispatch_with(event, jitter);
        if failed {
            // Starts the "retrying in N s" countdown.
            self.tick();
        } else {
            // "Updated now": the clock may be set for an older, longer step.
            let wall = js_sys::Date::now();
            if let Some(wait) = clock::after_success(inner.clock_at.get(), wall) {
                self.arm_clock(wait, wall);
            }
        }
        // Last: a listener may remove the card, which stops this poller.
        if let (Some(hook), Some(change)) = (&inner.hooks.on_status, change) {
            hook(change);
        }
    }

    fn show_retry(&self, now: Duration) {
        let retry = self.0.policy.borrow().retry_in(now);
        let at = retry.map(|d| js_sys::Date::now() + d.as_secs_f64() * 1000.0);
        self.0.state.change(|s| s.retry_at = at);
    }

    /// Moves the clock the view reads, and the staleness flag, as often as
    /// the text that depends on them can change.
    fn tick(&self) {
        let inner = &self.0;
        if inner.stopped.get() {
            return;
        }
        let wall = js_sys::Date::now();
        let stale = inner.policy.borrow().is_stale(monotonic());
        let (updated_at, retrying) = inner.state.read(|s| (s.updated_at, s.retry_at.is_some()));
        inner.state.change(|s| {
            s.now = wall;
            s.stale = stale;
        });
        // (A card that turns stale while nothing changes says so at the next
        // change of its text.)
        self.arm_clock(clock::next_tick(updated_at, retrying, wall), wall);
    }

    /// Sets the clock to tick after `wait`.
    fn arm_clock(&self, wait: Duration, wall: f64) {
        self.0.clock_at.set(wall + wait.as_secs_f64() * 1000.0);
        self.0.clock.set(wait);
    }
}
