//! Dates and relative times through the browser's `Intl`, which knows the
//! user's time zone and the locale's conventions at no cost in wasm size.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Date, Intl, Object, Reflect};
use leptos::prelude::{ArcTrigger, Notify, Track};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::format::RelUnit;

fn options(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

/// Texts a formatter already made, by input, sorted. Cards re-render as a
/// whole, and most of what they format did not change since the last time.
#[derive(Default)]
struct FormattedCache(RefCell<Vec<(i64, String)>>);

impl FormattedCache {
    /// Enough for the dates and ages of a page of a hundred cards.
    const KEEP: usize = 512;

    fn get(&self, key: i64, make: impl FnOnce() -> String) -> String {
        let at = self.0.borrow().binary_search_by_key(&key, |(k, _)| *k);
        match at {
            Ok(i) => self.0.borrow()[i].1.clone(),
            Err(i) => {
                let text = make();
                let mut made = self.0.borrow_mut();
                if made.len() >= Self::KEEP {
                    made.clear();
                    made.push((key, text.clone()));
                } else {
                    made.insert(i, (key, text.clone()));
                }
                text
            }
        }
    }
}

/// Local dates and times ("Nov 23, 2020, 3:00:33 PM"), with one
/// `Intl.DateTimeFormat` per language (`toLocaleString` would build one per
/// call).
pub struct DateTimeFormat(Intl::DateTimeFormat, FormattedCache);

impl DateTimeFormat {
    pub fn new(locale: &str) -> Self {
        let locales = Array::of1(&JsValue::from_str(locale));
        Self(
            Intl::DateTimeFormat::new(
                &locales,
                &options(&[("dateStyle", "medium"), ("timeStyle", "medium")]),
            ),
            FormattedCache::default(),
        )
    }

    /// `epoch_ms` must be in `Date`'s range (see `core::format::date_ms`).
    pub fn format(&self, epoch_ms: i64) -> String {
        self.1.get(epoch_ms, || {
            let date = Date::new(&JsValue::from_f64(epoch_ms as f64));
            self.0
                .format()
                .call1(&JsValue::UNDEFINED, &date)
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default()
        })
    }
}

/// "10 seconds ago", "now", "10秒钟前".
pub struct RelativeTime(Intl::RelativeTimeFormat, FormattedCache);

impl RelativeTime {
    pub fn new(locale: &str) -> Self {
        let locales = Array::of1(&JsValue::from_str(locale));
        Self(
            Intl::RelativeTimeFormat::new(&locales, &options(&[("numeric", "auto")])),
            FormattedCache::default(),
        )
    }

    pub fn format(&self, value: i64, unit: RelUnit) -> String {
        // Ages are small: value and unit fit one key.
        let key = value.saturating_mul(4).saturating_add(unit as i64);
        self.1
            .get(key, || self.0.format(value as f64, unit.as_str()).into())
    }
}

/// The formatters a card uses, made once per language and shared by every
/// card of the page: building an `Intl` formatter costs far more than using
/// one, and a portal may show a hundred cards.
///
/// Counts need none: both languages group digits by three with `,`, which
/// `core::format::group_digits` does exactly for every `i64`. An
/// `Intl.NumberFormat` would print the same, after a first construction
/// that costs 10–40 ms of the card's first status (ICU's number data),
/// and more wasm.
pub struct Formatters {
    pub dates: DateTimeFormat,
    pub relative: RelativeTime,
}

thread_local! {
    /// The languages asked for, with their formatters once made.
    static PAGE_FORMATTERS: RefCell<Vec<(String, Option<Rc<Formatters>>)>> =
        const { RefCell::new(Vec::new()) };
    /// Notified when formatters are made: the cards waiting re-render.
    static FORMATTERS_MADE: ArcTrigger = ArcTrigger::new();
}

impl Formatters {
    /// The page's formatters for `locale`, or `None` until they are made.
    ///
    /// The first `Intl` formatter of a page costs 10–40 ms of ICU start-up,
    /// one uninterrupted task. So the first ask does not make them: it
    /// schedules that for the browser's idle time, and the card shows its
    /// status at once and its dates when they are made. A caller that got
    /// `None` re-runs then (it is subscribed, in a reactive context).
    pub fn shared(locale: &str) -> Option<Rc<Self>> {
        // Not on the server, nor in the render that hydrates its HTML.
        if crate::web::hydration::before_browser() {
            return None;
        }
        let (made, first_ask) = PAGE_FORMATTERS.with_borrow_mut(|page| {
            match page.iter().find(|(tag, _)| tag == locale) {
                Some((_, made)) => (made.clone(), false),
                None => {
                    page.push((locale.to_owned(), None));
                    (None, true)
                }
            }
        });
        if made.is_none() {
            FORMATTERS_MADE.with(|t| t.track());
        }
        if first_ask {
            when_idle(Self::make_asked);
        }
        made
    }

    /// Makes the formatters asked for and not made yet.
    fn make_asked() {
        PAGE_FORMATTERS.with_borrow_mut(|page| {
            for (tag, made) in page.iter_mut().filter(|(_, made)| made.is_none()) {
                *made = Some(Rc::new(Self {
                    dates: DateTimeFormat::new(tag),
                    relative: RelativeTime::new(tag),
                }));
            }
        });
        // Out of the borrow: the cards re-render now, and ask again.
        FORMATTERS_MADE.with(|t| t.notify());
    }
}

/// Runs `f` once in the browser's idle time (`requestIdleCallback`, within
/// a second even on a busy page), or, where that is missing (Safari), a
/// tenth of a second later: after the status has been painted.
fn when_idle(f: fn()) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let f = Closure::once_into_js(f);
    let f = f.unchecked_ref();
    let options = web_sys::IdleRequestOptions::new();
    options.set_timeout(1000);
    if window
        .request_idle_callback_with_options(f, &options)
        .is_err()
    {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(f, 100);
    }
}
