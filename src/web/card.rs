//! The status card: a view over [`CardState`], no logic of its own beyond
//! choosing words.
//!
//! Response text only ever reaches the DOM as text nodes.

use leptos::prelude::*;

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::config::{Choice, Config, ConfigErrors};
use crate::core::format::{date_ms, format_duration, ms_between, relative_age, whole_seconds};
use crate::core::i18n::{Lang, Text};
use crate::core::model::{SyncStatus, TaskStatus};
use crate::web::intl::{DateTimeFormat, NumberFormat, RelativeTime};
use crate::web::poller::{CardState, Poller, StatusHook};

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
        Ok(config) => view! { <LiveCard config on_status_change control /> }.into_any(),
        Err(errors) => view! { <ConfigErrorCard errors /> }.into_any(),
    }
}

#[component]
fn ConfigErrorCard(errors: ConfigErrors) -> impl IntoView {
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

#[component]
fn LiveCard(
    config: Config,
    on_status_change: Option<StatusHook>,
    control: Option<CardControl>,
) -> impl IntoView {
    let lang = config.lang.unwrap_or_else(browser_lang);
    let t: &'static Text = lang.text();
    let unit = config.duration_unit;
    let state = CardState::new();
    let poller = Poller::start(&config, state, on_status_change);
    if let Some(control) = &control {
        *control.0.borrow_mut() = Some(poller.clone());
    }
    {
        // Cleanup runs on the thread that mounted the card (wasm has one).
        let poller = send_wrapper::SendWrapper::new(poller.clone());
        on_cleanup(move || poller.stop());
    }
    let relative = RelativeTime::new(lang.tag());
    let numbers = StoredValue::new_local(NumberFormat::new(lang.tag()));
    let dates = StoredValue::new_local(DateTimeFormat::new(lang.tag()));

    let CardState {
        data,
        error,
        busy,
        updated_at,
        retry_at,
        stale,
        now,
    } = state;

    let data_state = move || match (data.with(Option::is_some), error.with(Option::is_some)) {
        (_, true) => "error",
        (true, false) => "ok",
        (false, false) => "loading",
    };
    let data_status = move || {
        data.with(|d| {
            d.as_ref()
                .and_then(|d| d.status.as_ref())
                .map(|s| s.as_str().to_owned())
        })
    };
    let status = Memo::new(move |_| data.with(|d| d.as_ref().map(|d| d.status.clone())));

    let badge = move || {
        status.get().map(|s| {
            let (modifier, words) = match &s {
                Some(s @ TaskStatus::Unknown(raw)) => (s.css_modifier(), raw.clone()),
                Some(s) => (s.css_modifier(), t.status(s).to_owned()),
                None => ("none", t.no_status.to_owned()),
            };
            let title = match &s {
                Some(TaskStatus::Unknown(_)) => t.unknown_status,
                _ => "",
            };
            view! {
                <span class=format!("mss-badge mss-badge--{modifier}") part="badge" title=title>
                    <span class="mss-badge__icon" aria-hidden="true"></span>
                    <span data-field="status">{words}</span>
                </span>
            }
        })
    };

    let field = move |get: fn(&SyncStatus) -> Option<String>| {
        Memo::new(move |_| data.with(|d| d.as_ref().and_then(get)))
    };
    let number = move |get: fn(&SyncStatus) -> Option<i64>| {
        Memo::new(move |_| data.with(|d| d.as_ref().and_then(get)))
    };
    let total = number(|d| d.total_sample_count);
    let added = number(|d| d.add_sample_count);
    let deleted = number(|d| d.deleted_sample_count);
    let task_id = field(|d| d.task_id.clone());
    let dataset_id = field(|d| d.dataset_id.clone());
    let error_code = field(|d| d.error_code.clone());
    let error_msg = field(|d| d.error_msg.clone());
    let create_time = Memo::new(move |_| data.with(|d| d.as_ref().and_then(|d| d.create_time)));
    let duration_time = Memo::new(move |_| data.with(|d| d.as_ref().and_then(|d| d.duration_time)));
    let is_failed = Memo::new(move |_| matches!(status.get(), Some(Some(TaskStatus::Failed))));

    let count = move |label: &'static str, name: &'static str, value: Memo<Option<i64>>| {
        view! {
            <div class="mss-count" part="count">
                <dt class="mss-count__label">{label}</dt>
                <dd class="mss-count__value">
                    {move || match value.get() {
                        Some(n) => {
                            let text = numbers.with_value(|f| f.format(n));
                            view! { <span data-field=name>{text}</span> }.into_any()
                        }
                        None => view! { <span class="mss-missing">"—"</span> }.into_any(),
                    }}
                </dd>
            </div>
        }
    };

    let detail = move |label: &'static str, body: AnyView| {
        view! {
            <div class="mss-detail">
                <dt class="mss-detail__label">{label}</dt>
                <dd class="mss-detail__value">{body}</dd>
            </div>
        }
    };

    // One reactive closure per row, so a growing duration re-renders only
    // its own text; the list itself changes only when rows come or go.
    let task_row = move || {
        task_id.get().map(|id| {
            detail(
                t.task_id,
                view! { <code data-field="task_id">{id}</code> }.into_any(),
            )
        })
    };
    let dataset_row = move || {
        dataset_id.get().map(|id| {
            detail(
                t.dataset_id,
                view! { <code data-field="dataset_id">{id}</code> }.into_any(),
            )
        })
    };
    let created_row = move || {
        create_time.get().map(|ms| {
            let body = match date_ms(ms) {
                Some(ms) => {
                    let (text, iso) = dates.with_value(|f| f.format(ms));
                    view! { <time data-field="create_time" datetime=iso>{text}</time> }.into_any()
                }
                None => view! {
                    <span data-field="create_time">{format!("{ms} ({})", t.invalid_time)}</span>
                }
                .into_any(),
            };
            detail(t.created, body)
        })
    };
    let duration_row = move || {
        duration_time.get().map(|raw| {
            let text = match unit.to_duration(raw) {
                Some(d) => format_duration(d, &t.units),
                None => format!("{raw}"),
            };
            detail(
                t.duration,
                view! { <span data-field="duration_time">{text}</span> }.into_any(),
            )
        })
    };
    let has_details = Memo::new(move |_| {
        task_id.with(Option::is_some)
            || dataset_id.with(Option::is_some)
            || create_time.with(Option::is_some)
            || duration_time.with(Option::is_some)
    });
    let details = move || {
        has_details.get().then(|| {
            view! {
                <dl class="mss-details" part="details">
                    {task_row}
                    {dataset_row}
                    {created_row}
                    {duration_row}
                </dl>
            }
        })
    };

    let failure = move || {
        let code = error_code.get();
        let msg = error_msg.get();
        (is_failed.get() || code.is_some() || msg.is_some()).then(|| {
            view! {
                <div class="mss-failure" part="failure">
                    <p class="mss-failure__title">{t.failure}</p>
                    {code.map(|c| view! { <code class="mss-failure__code" data-field="error_code">{c}</code> })}
                    {msg.map(|m| view! { <p class="mss-failure__msg" data-field="error_msg">{m}</p> })}
                </div>
            }
        })
    };

    let request_error = move || {
        error.with(|e| {
            e.as_ref().map(|e| {
                let text = e.describe(lang);
                view! {
                    <div class="mss-alert mss-alert--request" part="alert">
                        <p class="mss-alert__title">{t.request_failed}</p>
                        <p class="mss-alert__text" data-field="request_error">{text}</p>
                    </div>
                }
            })
        })
    };

    let relative = StoredValue::new_local(relative);
    let updated = move || {
        let at = updated_at.get();
        let wall = now.get();
        match at {
            Some(at) => {
                let age = ms_between(at, wall);
                let (value, unit) = relative_age(age);
                let text = relative.with_value(|r| r.format(value, unit));
                let iso = js_sys::Date::new(&at.into()).to_iso_string().as_string();
                view! {
                    <span class="mss-updated">
                        <span class="mss-updated-label">{t.updated} " "</span>
                        <time data-field="updated_at" datetime=iso>{text}</time>
                    </span>
                }
                .into_any()
            }
            None => view! { <span class="mss-updated">{t.never_updated}</span> }.into_any(),
        }
    };

    let retry_note = move || {
        retry_at.get().map(|at| {
            let wait = ms_between(now.get(), at);
            let secs = whole_seconds(wait);
            let text = if lang == Lang::ZhCn {
                format!("{secs} 秒后重试")
            } else {
                format!("retrying in {secs} s")
            };
            view! { <span class="mss-retry" data-field="retry_in">{text}</span> }
        })
    };

    let refresh = {
        let poller = poller.clone();
        move |_| poller.refresh()
    };

    view! {
        <section
            class=format!("mss-card mss-card--{}", config.variant.as_str())
            part="card"
            data-theme=config.theme.as_str()
            lang=lang.tag()
            data-state=data_state
            data-status=data_status
            data-stale=move || stale.get().then_some("true")
            aria-busy=move || busy.get().then_some("true")
        >
            <header class="mss-card__header" part="header">
                <p class="mss-card__title" part="title">{t.title}</p>
                <button
                    type="button"
                    class="mss-refresh"
                    part="refresh"
                    data-action="refresh"
                    title=t.refresh
                    on:click=refresh
                >
                    <span class="mss-refresh__icon" aria-hidden="true"></span>
                    <span class="mss-refresh__text">
                        {move || if busy.get() { t.refreshing } else { t.refresh }}
                    </span>
                </button>
            </header>
            <div class="mss-live" role="status" aria-live="polite">
                {move || match status.get() {
                    None if error.with(Option::is_none) => {
                        Some(view! { <p class="mss-loading">{t.loading}</p> }.into_any())
                    }
                    None => None,
                    Some(_) => Some(badge().into_any()),
                }}
                {request_error}
            </div>
            {move || status.get().map(|_| view! {
                <dl class="mss-counts" part="counts">
                    {count(t.total_samples, "total_sample_count", total)}
                    {count(t.added_samples, "add_sample_count", added)}
                    {count(t.deleted_samples, "deleted_sample_count", deleted)}
                </dl>
            })}
            {details}
            {failure}
            <footer class="mss-card__footer" part="footer">
                {updated}
                {move || stale.get().then(|| view! { <span class="mss-stale">{t.stale}</span> })}
                {retry_note}
            </footer>
        </section>
    }
}
