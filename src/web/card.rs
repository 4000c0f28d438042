//! The status card: a view over the poller's `Snapshot`, no logic of its
//! own beyond choosing words.
//!
//! Response text only ever reaches the DOM as text nodes.

use leptos::prelude::*;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use leptos::either::{Either, EitherOf3};

use crate::core::config::{Actions, Choice, Config, ConfigErrors, DurationUnit, SyncStatusOptions};
use crate::core::format::{
    format_duration, group_digits, iso_utc, ms_between, relative_age, whole_seconds,
};
use crate::core::i18n::{Asked, Text};
use crate::core::lang::Lang;
use crate::core::model::{SyncStatus, TaskStatus};
#[cfg(not(feature = "ssr"))]
use crate::core::policy::{loading_delay, Mount};
use crate::core::response::RequestError;
use crate::core::snapshot::Snapshot;
use crate::core::sync::SyncStep;
use crate::web::hydration;
use crate::web::intl::Formatters;
use crate::web::poller::{Hooks, Poller, StatusChange, SyncRequested};

/// Lets code outside the view refresh a mounted card (the JS API's
/// `refresh()`, [`SyncStatusCard`]'s `refresh` trigger). Empty until the card is
/// live.
#[derive(Clone, Default)]
pub(crate) struct CardControl(Rc<RefCell<Option<Poller>>>);

impl CardControl {
    /// Fetches at once, as the refresh button does.
    pub(crate) fn refresh(&self) {
        if let Some(poller) = self.0.borrow().as_ref() {
            poller.refresh();
        }
    }
}

/// The browser's preferred supported language (the default one where there
/// is no browser yet: see `web::hydration`).
pub fn browser_lang() -> Lang {
    if hydration::before_browser() {
        return Lang::default();
    }
    let languages = web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Lang::negotiate(languages.iter().map(String::as_str))
}

/// Shows the live status of one dataset synchronization task, in a Leptos
/// app: options in (a signal, so the app can switch datasets), status
/// changes and started syncs out (callbacks), and a trigger to refresh at
/// once.
///
/// ## Usage
///
/// ```ignore
/// use leptos::prelude::*;
/// use modelarts_sync_status::core::config::SyncStatusOptions;
/// use modelarts_sync_status::web::{StatusChange, SyncStatusCard};
///
/// #[component]
/// fn App() -> impl IntoView {
///     let dataset = RwSignal::new("d1".to_owned());
///     let refresh = Trigger::new();
///     let options = Signal::derive(move || {
///         SyncStatusOptions::default().project_id("p1").dataset_id(dataset.get())
///     });
///     let on_change = Callback::new(|c: StatusChange| leptos::logging::log!("{}", c.status));
///     view! {
///         <SyncStatusCard options on_status_change=on_change refresh />
///         <button on:click=move |_| dataset.set("d2".into())>"Dataset d2"</button>
///         <button on:click=move |_| refresh.notify()>"Refresh"</button>
///     }
/// }
/// ```
///
/// (`examples/leptos_app.rs` holds this example; `cargo xtask test` builds it
/// for wasm32. The card's CSS is `modelarts_sync_status::web::CARD_CSS`.)
///
/// Each change of `options` replaces the card (its timers and request stop,
/// the new one starts at once, showing its loading state).
///
/// In a server-rendered app (features `ssr` and `hydrate`), the server
/// renders the loading card and starts nothing; the browser hydrates it,
/// then polls (see `web::hydration`).
#[component]
pub fn SyncStatusCard(
    /// The card's options; any change replaces the card.
    #[prop(into)]
    options: Signal<SyncStatusOptions>,
    /// Called whenever the task's status changes (also for the first one).
    #[prop(optional, into)]
    on_status_change: Option<Callback<StatusChange>>,
    /// Each `notify()` fetches at once, as the refresh button does.
    #[prop(optional, into)]
    refresh: Option<Trigger>,
    /// With `.actions(Actions::Sync)`: called when the proxy answered a sync the
    /// viewer started, accepted or not.
    #[prop(optional, into)]
    on_sync_requested: Option<Callback<SyncRequested>>,
) -> impl IntoView {
    app_card(options, on_status_change, on_sync_requested, refresh)
}

/// [`SyncStatusCard`] on the server: its loading card, nothing started.
#[cfg(feature = "ssr")]
fn app_card(
    options: Signal<SyncStatusOptions>,
    _: Option<Callback<StatusChange>>,
    _: Option<Callback<SyncRequested>>,
    _: Option<Trigger>,
) -> impl IntoView {
    move || static_card(options.with(SyncStatusOptions::validate))
}

/// [`SyncStatusCard`] in the browser.
#[cfg(not(feature = "ssr"))]
fn app_card(
    options: Signal<SyncStatusOptions>,
    on_status_change: Option<Callback<StatusChange>>,
    on_sync_requested: Option<Callback<SyncRequested>>,
    refresh: Option<Trigger>,
) -> impl IntoView {
    let control = CardControl::default();
    if let Some(refresh) = refresh {
        let control = control.clone();
        // Not on the first run: the card fetches when it mounts.
        Effect::watch(
            move || refresh.track(),
            move |_, _, _| control.refresh(),
            false,
        );
    }
    let first = std::cell::Cell::new(true);
    #[cfg(feature = "hydrate")]
    let hydrated = hydration::hydrated();
    // The card lives on the one thread wasm has.
    let local = send_wrapper::SendWrapper::new((control, first));
    move || {
        let (control, first) = &*local;
        let config = options.with(SyncStatusOptions::validate);
        let mount = if first.replace(false) {
            Mount::First
        } else {
            Mount::Replacing
        };
        // Hydrating: the server's card, until the live one replaces it.
        #[cfg(feature = "hydrate")]
        if !hydrated.get() {
            return static_card(config);
        }
        let hooks = Hooks {
            on_status: on_status_change.map(|cb| Rc::new(move |c| cb.run(c)) as _),
            on_sync: on_sync_requested.map(|cb| Rc::new(move |r| cb.run(r)) as _),
        };
        configured_card(config, loading_delay(mount), hooks, Some(control.clone()))
    }
}

/// The card for options already validated (the custom element's and the JS
/// API's; Leptos apps use [`SyncStatusCard`]).
pub(crate) fn configured_card(
    config: Result<Config, ConfigErrors>,
    loading_delay: Duration,
    hooks: Hooks,
    control: Option<CardControl>,
) -> AnyView {
    match config {
        // The card's parts are view functions named for what they show:
        // components' props builders would cost wasm bytes for nothing.
        Ok(config) => live_card(config, loading_delay, hooks, control).into_any(),
        Err(errors) => config_error_card(errors).into_any(),
    }
}

/// The card before the browser runs it (see [`hydration`]): the loading
/// state, displayed; or the configuration errors. Starts nothing.
#[cfg(any(feature = "ssr", feature = "hydrate"))]
fn static_card(config: Result<Config, ConfigErrors>) -> AnyView {
    match config {
        Ok(config) => {
            let loading = Snapshot {
                late: true,
                ..Snapshot::default()
            };
            let words = Words::new(&config);
            let (class, theme) = (card_class(&config), config.theme.as_str());
            card(&loading, words, class, theme, None).into_any()
        }
        Err(errors) => config_error_card(errors).into_any(),
    }
}

fn config_error_card(errors: ConfigErrors) -> impl IntoView {
    let lang = errors.lang.unwrap_or_else(browser_lang);
    let t = lang.text();
    view! {
        <section class="mss-card" part="card" data-state="config-error" lang=lang.tag()>
            <header class="mss-card__header">
                <p class="mss-card__title">{t.title}</p>
            </header>
            <div class="mss-alert mss-alert--config" part="alert" role="alert">
                <p class="mss-alert__title">{t.config_problem}</p>
                <ul class="mss-alert__list" data-field="config_error">
                    {errors.errors.iter().map(|e| view! { <li>{e.describe(lang)}</li> }).collect_view()}
                </ul>
            </div>
        </section>
    }
}

/// What every part of a live card needs to choose its words (and whether
/// it has a "Sync now" to offer).
#[derive(Clone, Copy)]
struct Words {
    lang: Lang,
    t: &'static Text,
    unit: DurationUnit,
    actions: Actions,
}

impl Words {
    fn new(config: &Config) -> Self {
        let lang = config.lang.unwrap_or_else(browser_lang);
        Self {
            lang,
            t: lang.text(),
            unit: config.duration_unit,
            actions: config.actions,
        }
    }
}

/// The card's root classes.
fn card_class(config: &Config) -> String {
    format!("mss-card mss-card--{}", config.variant.as_str())
}

/// Starts the card's poller and renders the card from its snapshot.
///
/// One reactive closure renders the whole card on any change: tachys
/// compares every text and attribute with what it rendered before, so only
/// what differs reaches the DOM (an unchanged refresh moves only the
/// "updated" time). Fine-grained signals would cost wasm bytes per closure.
fn live_card(
    config: Config,
    loading_delay: Duration,
    hooks: Hooks,
    control: Option<CardControl>,
) -> impl IntoView {
    let words = Words::new(&config);
    let poller = Poller::start(&config, loading_delay, hooks);
    let state = poller.state();
    if let Some(control) = &control {
        *control.0.borrow_mut() = Some(poller.clone());
    }
    {
        // Cleanup runs on the thread that mounted the card (wasm has one).
        let poller = send_wrapper::SendWrapper::new(poller.clone());
        on_cleanup(move || poller.stop());
    }
    let class = card_class(&config);
    let theme = config.theme.as_str();
    let poller = Some(StoredValue::new_local(poller));
    move || {
        let class = class.clone();
        // One read of the signal per render.
        state.0.with(move |s| card(s, words, class, theme, poller))
    }
}

/// One render of a live card, from its snapshot.
fn card(
    s: &Snapshot,
    words: Words,
    class: String,
    theme: &'static str,
    poller: Option<StoredValue<Poller, LocalStorage>>,
) -> impl IntoView {
    let lang = words.lang;
    // The page's Intl formatters for this language, once made (when they
    // are asked for: `Snapshot::wants_dates`).
    let intl = s
        .wants_dates()
        .then(|| Formatters::shared(lang.tag()))
        .flatten();
    let dates = intl.as_deref();
    view! {
        <section
            class=class
            part="card"
            data-theme=theme
            lang=lang.tag()
            data-state=s.data_state()
            data-status=s.status().map(|status| status.as_str().to_owned())
            data-stale=s.stale.then_some("true")
            aria-busy=s.busy.then_some("true")
            hidden=s.hidden().then_some("")
        >
            {header(words.t, s.busy, poller)}
            <div class="mss-live" role="status" aria-live="polite">
                {(!s.answered()).then(|| view! { <p class="mss-loading">{words.t.loading}</p> })}
                {s.data.as_ref().map(|d| badge(words.t, d.status.as_ref()))}
                {s.error.as_ref().map(|e| request_error(words, e))}
                {(words.actions == Actions::Sync).then(|| sync_note(words, &s.sync))}
            </div>
            {s.data.as_ref().map(|d| view! {
                {counts(words.t, d)}
                {details(words, d, dates)}
                {failure_panel(words.t, d)}
            })}
            {(words.actions == Actions::Sync && s.offers_sync())
                .then(|| sync_button(words.t, &s.sync, poller))}
            <footer class="mss-card__footer" part="footer">
                {footer(words, s, dates)}
            </footer>
        </section>
    }
}

/// The title and the refresh button (which does nothing before the card
/// has a poller: on the server, and while hydrating).
fn header(
    t: &'static Text,
    busy: bool,
    poller: Option<StoredValue<Poller, LocalStorage>>,
) -> impl IntoView {
    view! {
        <header class="mss-card__header" part="header">
            <p class="mss-card__title" part="title">{t.title}</p>
            <button
                type="button"
                class="mss-refresh"
                part="refresh"
                data-action="refresh"
                title=t.refresh
                // Capture phase on the button itself: the same clicks
                // (mouse, Enter, Space), without tachys's event-delegation
                // table (3 KB gzip of wasm).
                on:click:capture=move |_| {
                    if let Some(poller) = poller {
                        poller.with_value(Poller::refresh);
                    }
                }
            >
                <span class="mss-refresh__icon" aria-hidden="true"></span>
                <span class="mss-refresh__text">{if busy { t.refreshing } else { t.refresh }}</span>
            </button>
        </header>
    }
}

/// The status badge: words, an icon shape and a colour per status.
fn badge(t: &'static Text, status: Option<&TaskStatus>) -> impl IntoView {
    let (modifier, words, title) = match status {
        Some(s @ TaskStatus::Unknown(raw)) => (s.css_modifier(), raw.clone(), t.unknown_status),
        Some(s) => (s.css_modifier(), t.status(s).to_owned(), ""),
        None => ("none", t.no_status.to_owned(), ""),
    };
    view! {
        <span class=format!("mss-badge mss-badge--{modifier}") part="badge" title=title>
            <span class="mss-badge__icon" aria-hidden="true"></span>
            <span data-field="status">{words}</span>
        </span>
    }
}

/// Why the last request failed (the last good data stays on the card).
fn request_error(words: Words, error: &RequestError) -> impl IntoView {
    view! {
        <div class="mss-alert mss-alert--request" part="alert">
            <p class="mss-alert__title">{words.t.request_failed}</p>
            <p class="mss-alert__text" data-field="request_error">{error.describe(words.lang)}</p>
        </div>
    }
}

/// "Sync now", its confirmation and its progress (`core::sync`). Pressed
/// again while the POST is in flight it does nothing: `aria-disabled`, not
/// `disabled`, so that it keeps the keyboard focus.
fn sync_button(
    t: &'static Text,
    step: &SyncStep,
    poller: Option<StoredValue<Poller, LocalStorage>>,
) -> impl IntoView {
    let words = match step {
        SyncStep::Confirming { .. } => t.sync.confirm,
        SyncStep::Sending => t.sync.sending,
        _ => t.sync.button,
    };
    view! {
        <div class="mss-actions" part="actions">
            <button
                type="button"
                class="mss-sync"
                part="sync"
                data-action="sync"
                data-step=step.as_str()
                aria-disabled=(*step == SyncStep::Sending).then_some("true")
                on:click:capture=move |_| {
                    if let Some(poller) = poller {
                        poller.with_value(Poller::press_sync);
                    }
                }
            >
                {words}
            </button>
        </div>
    }
}

/// What "Sync now" has to say, in the live region: the confirmation asked
/// for, the sync started, or why it could not be.
fn sync_note(words: Words, step: &SyncStep) -> Option<impl IntoView> {
    let t = &words.t.sync;
    let (class, text) = match step {
        SyncStep::Confirming { .. } => ("mss-sync-note", t.confirm_hint.to_owned()),
        SyncStep::Started => ("mss-sync-note mss-sync-note--started", t.started.to_owned()),
        SyncStep::Failed(err) => {
            let mut text = err.describe_for(Asked::Sync, words.lang);
            if let Some(wait) = err.retry_after() {
                text.push(' ');
                text.push_str(&t.again_in(whole_seconds(wait)));
            }
            return Some(Either::Left(view! {
                <div class="mss-alert mss-alert--sync" part="alert">
                    <p class="mss-alert__title">{t.failed}</p>
                    <p class="mss-alert__text" data-field="sync_error">{text}</p>
                </div>
            }));
        }
        SyncStep::Idle | SyncStep::Sending => return None,
    };
    Some(Either::Right(
        view! { <p class=class data-field="sync_note">{text}</p> },
    ))
}

/// Total, added and deleted samples.
fn counts(t: &'static Text, d: &SyncStatus) -> impl IntoView {
    view! {
        <dl class="mss-counts" part="counts">
            {count(t.total_samples, "total_sample_count", d.total_sample_count)}
            {count(t.added_samples, "add_sample_count", d.add_sample_count)}
            {count(t.deleted_samples, "deleted_sample_count", d.deleted_sample_count)}
        </dl>
    }
}

/// One count, grouped exactly; an absent count shows an em dash and no
/// `data-field`, never 0.
fn count(label: &'static str, field: &'static str, value: Option<i64>) -> impl IntoView {
    let value = match value {
        Some(n) => Either::Left(view! { <span data-field=field>{group_digits(n)}</span> }),
        None => Either::Right(view! { <span class="mss-missing">"—"</span> }),
    };
    view! {
        <div class="mss-count" part="count">
            <dt class="mss-count__label">{label}</dt>
            <dd class="mss-count__value">{value}</dd>
        </div>
    }
}

/// How a detail's value is shown.
enum Detail {
    /// An identifier, in `<code>`.
    Code(String),
    /// A point in time: its text and its ISO 8601 `datetime`.
    Time {
        text: String,
        iso: String,
    },
    Text(String),
}

/// Task and dataset IDs, creation time and duration: the rows the answer has.
fn details(words: Words, d: &SyncStatus, dates: Option<&Formatters>) -> Option<impl IntoView> {
    let t = words.t;
    let task = d.task_id.clone().map(Detail::Code);
    let dataset = d.dataset_id.clone().map(Detail::Code);
    let created = d.create_time.map(|ms| match iso_utc(ms) {
        // In UTC (ISO 8601) until the page's formatters are made.
        Some(iso) => Detail::Time {
            text: dates.map_or_else(|| iso.clone(), |f| f.dates.format(ms)),
            iso,
        },
        None => Detail::Text(format!("{ms} ({})", t.invalid_time)),
    });
    let duration = d.duration_time.map(|raw| {
        Detail::Text(match words.unit.to_duration(raw) {
            Some(d) => format_duration(d, &t.units),
            None => raw.to_string(),
        })
    });
    if task.is_none() && dataset.is_none() && created.is_none() && duration.is_none() {
        return None;
    }
    Some(view! {
        <dl class="mss-details" part="details">
            {task.map(|v| detail_row(t.task_id, "task_id", v))}
            {dataset.map(|v| detail_row(t.dataset_id, "dataset_id", v))}
            {created.map(|v| detail_row(t.created, "create_time", v))}
            {duration.map(|v| detail_row(t.duration, "duration_time", v))}
        </dl>
    })
}

fn detail_row(label: &'static str, field: &'static str, value: Detail) -> impl IntoView {
    let value = match value {
        Detail::Code(text) => EitherOf3::A(view! { <code data-field=field>{text}</code> }),
        Detail::Time { text, iso } => {
            EitherOf3::B(view! { <time data-field=field datetime=iso>{text}</time> })
        }
        Detail::Text(text) => EitherOf3::C(view! { <span data-field=field>{text}</span> }),
    };
    view! {
        <div class="mss-detail">
            <dt class="mss-detail__label">{label}</dt>
            <dd class="mss-detail__value">{value}</dd>
        </div>
    }
}

/// A FAILED task's `error_code` and `error_msg` (or any answer that has
/// them).
fn failure_panel(t: &'static Text, d: &SyncStatus) -> Option<impl IntoView> {
    d.reports_failure().then(|| {
        view! {
            <div class="mss-failure" part="failure">
                <p class="mss-failure__title">{t.failure}</p>
                {d.error_code.clone().map(|code| view! {
                    <code class="mss-failure__code" data-field="error_code">{code}</code>
                })}
                {d.error_msg.clone().map(|msg| view! {
                    <p class="mss-failure__msg" data-field="error_msg">{msg}</p>
                })}
            </div>
        }
    })
}

/// "Updated 20 seconds ago", staleness, and the retry countdown.
fn footer(words: Words, s: &Snapshot, dates: Option<&Formatters>) -> impl IntoView {
    let t = words.t;
    let updated = match s.updated_at {
        Some(at) => {
            let (value, unit) = relative_age(ms_between(at, s.now));
            let iso = iso_utc(at as i64);
            // The time itself until the page's formatters are made.
            let text = dates
                .map(|f| f.relative.format(value, unit))
                .or_else(|| iso.clone())
                .unwrap_or_default();
            Either::Left(view! {
                <span class="mss-updated">
                    <span class="mss-updated-label">{t.updated} " "</span>
                    <time data-field="updated_at" datetime=iso>{text}</time>
                </span>
            })
        }
        None => Either::Right(view! { <span class="mss-updated">{t.never_updated}</span> }),
    };
    let stale = s
        .stale
        .then(|| view! { <span class="mss-stale">{t.stale}</span> });
    let retry = s.retry_in().map(|wait| {
        let secs = whole_seconds(wait);
        view! { <span class="mss-retry" data-field="retry_in">{t.retrying_in(secs)}</span> }
    });
    (updated, stale, retry)
}
