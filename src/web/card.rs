//! The status card: a view over [`CardState`], no logic of its own beyond
//! choosing words.
//!
//! Response text only ever reaches the DOM as text nodes.

use leptos::prelude::*;

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::config::{Choice, Config, ConfigErrors};
use crate::core::format::{
    format_duration, group_digits, iso_utc, ms_between, relative_age, whole_seconds,
};
use crate::core::i18n::{Lang, Text};
use crate::core::model::TaskStatus;
use crate::web::intl::Formatters;
use crate::web::poller::{CardState, Poller, Snapshot, StatusHook};

/// Lets code outside the view refresh a mounted card (the JS API's
/// `refresh()`). Empty until the card is live.
#[derive(Clone, Default)]
pub struct CardControl(Rc<RefCell<Option<Poller>>>);

impl CardControl {
    /// Fetches at once, as the refresh button does.
    pub fn refresh(&self) {
        if let Some(poller) = self.0.borrow().as_ref() {
            poller.refresh();
        }
    }
}

/// The browser's preferred supported language.
pub fn browser_lang() -> Lang {
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

/// Shows the live status of one dataset synchronization task.
///
/// ## Usage
///
/// ```ignore
/// use leptos::prelude::*;
/// use modelarts_sync_status::core::config::RawOptions;
/// use modelarts_sync_status::web::SyncStatusCard;
///
/// #[component]
/// fn App() -> impl IntoView {
///     let config = RawOptions::from_pairs([("project_id", "p1"), ("dataset_id", "d1")]).validate();
///     view! { <SyncStatusCard config /> }
/// }
/// ```
///
/// (`examples/leptos_app.rs` holds this example; `cargo xtask test` builds it
/// for wasm32. The card's CSS is `modelarts_sync_status::web::CARD_CSS`.)
#[component]
pub fn SyncStatusCard(
    /// The validated options, or every problem with them (shown on the card;
    /// no request is sent).
    config: Result<Config, ConfigErrors>,
    /// Called whenever the task's status changes (also for the first one).
    #[prop(optional)]
    on_status_change: Option<StatusHook>,
    /// Filled with a handle that can refresh the card.
    #[prop(optional)]
    control: Option<CardControl>,
) -> impl IntoView {
    match config {
        // Plain functions, not components: the card's parts need no props
        // builders of their own.
        Ok(config) => live_card(config, on_status_change, control).into_any(),
        Err(errors) => config_error_card(errors).into_any(),
    }
}

fn config_error_card(errors: ConfigErrors) -> impl IntoView {
    let lang = browser_lang();
    let t = lang.text();
    view! {
        <section class="mss-card" part="card" data-state="config-error" lang=lang.tag()>
            <header class="mss-card__header">
                <p class="mss-card__title">{t.title}</p>
            </header>
            <div class="mss-alert mss-alert--config" part="alert" role="alert">
                <p class="mss-alert__title">{t.config_problem}</p>
                <ul class="mss-alert__list" data-field="config_error">
                    {errors.0.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}
                </ul>
            </div>
        </section>
    }
}

fn live_card(
    config: Config,
    on_status_change: Option<StatusHook>,
    control: Option<CardControl>,
) -> impl IntoView {
    let lang = config.lang.unwrap_or_else(browser_lang);
    let t: &'static Text = lang.text();
    let unit = config.duration_unit;
    // A card replacing another shows its loading state at once.
    let state = CardState::new(config.loading_delay.is_zero());
    let poller = Poller::start(&config, state, on_status_change);
    if let Some(control) = &control {
        *control.0.borrow_mut() = Some(poller.clone());
    }
    {
        // Cleanup runs on the thread that mounted the card (wasm has one).
        let poller = send_wrapper::SendWrapper::new(poller.clone());
        on_cleanup(move || poller.stop());
    }

    let snap = state.0;

    // The parts of the card, as functions of the snapshot. One reactive
    // closure (below) renders them all on any change: tachys compares every
    // text and attribute with what it rendered before, so only what differs
    // reaches the DOM.
    let data_state = |s: &Snapshot| match (&s.data, &s.error) {
        (_, Some(_)) => "error",
        (Some(_), None) => "ok",
        (None, None) => "loading",
    };
    let data_status = |s: &Snapshot| {
        s.data
            .as_ref()
            .and_then(|d| d.status.as_ref())
            .map(|s| s.as_str().to_owned())
    };

    let live = move |s: &Snapshot| {
        let loading = (!s.answered()).then(|| view! { <p class="mss-loading">{t.loading}</p> });
        let badge = s.data.as_ref().map(|d| badge(t, d.status.as_ref()));
        let request_error = s.error.as_ref().map(|e| {
            view! {
                <div class="mss-alert mss-alert--request" part="alert">
                    <p class="mss-alert__title">{t.request_failed}</p>
                    <p class="mss-alert__text" data-field="request_error">{e.describe(lang)}</p>
                </div>
            }
        });
        (loading, badge, request_error)
    };

    let body = move |s: &Snapshot, f: Option<&Formatters>| {
        let d = s.data.as_ref()?;
        let count = |label, name, value: Option<i64>| {
            let text = value.map(group_digits);
            count_row(label, name, text)
        };
        let counts = view! {
            <dl class="mss-counts" part="counts">
                {count(t.total_samples, "total_sample_count", d.total_sample_count)}
                {count(t.added_samples, "add_sample_count", d.add_sample_count)}
                {count(t.deleted_samples, "deleted_sample_count", d.deleted_sample_count)}
            </dl>
        };
        let task = d
            .task_id
            .clone()
            .map(|id| detail_row(t.task_id, "task_id", id, None));
        let dataset = d
            .dataset_id
            .clone()
            .map(|id| detail_row(t.dataset_id, "dataset_id", id, None));
        let created = d.create_time.map(|ms| {
            let (text, iso) = match iso_utc(ms) {
                // In UTC (ISO 8601) until the page's formatters are made.
                Some(iso) => (
                    f.map(|f| f.dates.format(ms)).unwrap_or_else(|| iso.clone()),
                    Some(iso),
                ),
                None => (format!("{ms} ({})", t.invalid_time), None),
            };
            detail_row(t.created, "create_time", text, Some(iso))
        });
        let duration = d.duration_time.map(|raw| {
            let text = match unit.to_duration(raw) {
                Some(d) => format_duration(d, &t.units),
                None => format!("{raw}"),
            };
            detail_row(t.duration, "duration_time", text, None)
        });
        let details =
            (task.is_some() || dataset.is_some() || created.is_some() || duration.is_some()).then(
                || {
                    view! {
                        <dl class="mss-details" part="details">
                            {task}
                            {dataset}
                            {created}
                            {duration}
                        </dl>
                    }
                },
            );
        let failed = matches!(d.status, Some(TaskStatus::Failed));
        let failure = (failed || d.error_code.is_some() || d.error_msg.is_some()).then(|| {
            let code = d.error_code.clone().map(|c| {
                view! { <code class="mss-failure__code" data-field="error_code">{c}</code> }
            });
            let msg = d.error_msg.clone().map(|m| {
                view! { <p class="mss-failure__msg" data-field="error_msg">{m}</p> }
            });
            view! {
                <div class="mss-failure" part="failure">
                    <p class="mss-failure__title">{t.failure}</p>
                    {code}
                    {msg}
                </div>
            }
        });
        Some((counts, details, failure))
    };

    let footer = move |s: &Snapshot, f: Option<&Formatters>| {
        let updated = match s.updated_at {
            Some(at) => {
                let (value, unit) = relative_age(ms_between(at, s.now));
                let iso = iso_utc(at as i64);
                // The time itself until the page's formatters are made.
                let text = f
                    .map(|f| f.relative.format(value, unit))
                    .or_else(|| iso.clone())
                    .unwrap_or_default();
                Some(view! {
                    <span class="mss-updated">
                        <span class="mss-updated-label">{t.updated} " "</span>
                        <time data-field="updated_at" datetime=iso>{text}</time>
                    </span>
                })
            }
            None => None,
        };
        let never = s
            .updated_at
            .is_none()
            .then(|| view! { <span class="mss-updated">{t.never_updated}</span> });
        let stale = s
            .stale
            .then(|| view! { <span class="mss-stale">{t.stale}</span> });
        let retry = s.retry_at.map(|at| {
            let secs = whole_seconds(ms_between(s.now, at));
            let text = if lang == Lang::ZhCn {
                format!("{secs} 秒后重试")
            } else {
                format!("retrying in {secs} s")
            };
            view! { <span class="mss-retry" data-field="retry_in">{text}</span> }
        });
        (updated, never, stale, retry)
    };

    let card_class = format!("mss-card mss-card--{}", config.variant.as_str());
    let theme = config.theme.as_str();
    let poller = StoredValue::new_local(poller);
    move || {
        let card_class = card_class.clone();
        // One read of the signal per render.
        snap.with(move |s| {
            // The page's Intl formatters for this language, once made: asked
            // for by a card with data, or one still waiting after
            // `LOADING_DELAY` (made in the idle time of the wait).
            let intl = (s.data.is_some() || s.late)
                .then(|| Formatters::shared(lang.tag()))
                .flatten();
            let f = intl.as_deref();
            view! {
                <section
                    class=card_class
                    part="card"
                    data-theme=theme
                    lang=lang.tag()
                    data-state=data_state(s)
                    data-status=data_status(s)
                    data-stale=s.stale.then_some("true")
                    aria-busy=s.busy.then_some("true")
                    // Until the first answer or `LOADING_DELAY`, whichever
                    // comes first.
                    hidden=(!s.answered() && !s.late).then_some("")
                >
                    <header class="mss-card__header" part="header">
                        <p class="mss-card__title" part="title">{t.title}</p>
                        <button
                            type="button"
                            class="mss-refresh"
                            part="refresh"
                            data-action="refresh"
                            title=t.refresh
                            // Capture phase on the button itself: the same
                            // clicks (mouse, Enter, Space), without tachys's
                            // event-delegation table (3 KB gzip of wasm).
                            on:click:capture=move |_| poller.with_value(Poller::refresh)
                        >
                            <span class="mss-refresh__icon" aria-hidden="true"></span>
                            <span class="mss-refresh__text">
                                {if s.busy { t.refreshing } else { t.refresh }}
                            </span>
                        </button>
                    </header>
                    <div class="mss-live" role="status" aria-live="polite">
                        {live(s)}
                    </div>
                    {body(s, f)}
                    <footer class="mss-card__footer" part="footer">
                        {footer(s, f)}
                    </footer>
                </section>
            }
        })
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

/// One count; an absent count shows an em dash and no `data-field`.
fn count_row(label: &'static str, name: &'static str, text: Option<String>) -> impl IntoView {
    let missing = text
        .is_none()
        .then(|| view! { <span class="mss-missing">"—"</span> });
    let value = text.map(|text| view! { <span data-field=name>{text}</span> });
    view! {
        <div class="mss-count" part="count">
            <dt class="mss-count__label">{label}</dt>
            <dd class="mss-count__value">{value}{missing}</dd>
        </div>
    }
}

/// One row of details. With `datetime`, the value is a `<time>`; IDs are
/// `<code>`; the rest plain text.
fn detail_row(
    label: &'static str,
    field: &'static str,
    text: String,
    datetime: Option<Option<String>>,
) -> impl IntoView {
    let (time, other) = match datetime {
        Some(Some(iso)) => (Some((iso, text)), None),
        _ => (None, Some(text)),
    };
    let code = field.ends_with("_id");
    let time = time.map(|(iso, text)| view! { <time data-field=field datetime=iso>{text}</time> });
    let code_text = other.clone().filter(|_| code);
    let plain = other.filter(|_| !code);
    view! {
        <div class="mss-detail">
            <dt class="mss-detail__label">{label}</dt>
            <dd class="mss-detail__value">
                {time}
                {code_text.map(|text| view! { <code data-field=field>{text}</code> })}
                {plain.map(|text| view! { <span data-field=field>{text}</span> })}
            </dd>
        </div>
    }
}
