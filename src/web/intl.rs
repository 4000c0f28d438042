//! Dates and relative times through the browser's `Intl`, which knows the
//! user's time zone and the locale's conventions at no cost in wasm size.

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::format::RelUnit;

fn options(pairs: &[(&str, &str)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value));
    }
    object
}

/// Local dates and times ("Nov 23, 2020, 3:00:33 PM"), with one
/// `Intl.DateTimeFormat` per card (`toLocaleString` would build one per call).
pub struct DateTimeFormat(Intl::DateTimeFormat);

impl DateTimeFormat {
    pub fn new(locale: &str) -> Self {
        let locales = Array::of1(&JsValue::from_str(locale));
        Self(Intl::DateTimeFormat::new(
            &locales,
            &options(&[("dateStyle", "medium"), ("timeStyle", "medium")]),
        ))
    }

    /// The text and the ISO form for `<time datetime>`. `epoch_ms` must be
    /// in `Date`'s range (see `core::format::date_ms`).
    pub fn format(&self, epoch_ms: f64) -> (String, Option<String>) {
        let date = Date::new(&JsValue::from_f64(epoch_ms));
        let text = self
            .0
            .format()
            .call1(&JsValue::UNDEFINED, &date)
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        (text, date.to_iso_string().as_string())
    }
}

/// "5 seconds ago", "now", "5秒钟前".
pub struct RelativeTime(Intl::RelativeTimeFormat);

impl RelativeTime {
    pub fn new(locale: &str) -> Self {
        let locales = Array::of1(&JsValue::from_str(locale));
        Self(Intl::RelativeTimeFormat::new(
            &locales,
            &options(&[("numeric", "auto")]),
        ))
    }

    pub fn format(&self, value: i64, unit: RelUnit) -> String {
        self.0.format(value as f64, unit.as_str()).into()
    }
}

/// Counts through `Intl.NumberFormat`, passed as a `BigInt` so that every
/// 64-bit value stays exact.
pub struct NumberFormat(Intl::NumberFormat);

impl NumberFormat {
    pub fn new(locale: &str) -> Self {
        let locales = Array::of1(&JsValue::from_str(locale));
        Self(Intl::NumberFormat::new(&locales, &Object::new()))
    }

    pub fn format(&self, n: i64) -> String {
        self.0
            .format()
            .call1(&JsValue::UNDEFINED, &js_sys::BigInt::from(n).into())
            .ok()
            .and_then(|v| v.as_string())
            // Without BigInt support in Intl, the core's exact grouping.
            .unwrap_or_else(|| crate::core::format::group_digits(n))
    }
}

/// The three formatters a card uses, made once per language and shared by
/// every card of the page: building an `Intl` formatter costs far more than
/// using one, and a portal may show a hundred cards.
pub struct Formatters {
    pub numbers: NumberFormat,
    pub dates: DateTimeFormat,
    pub relative: RelativeTime,
}

impl Formatters {
    pub fn shared(locale: &str) -> std::rc::Rc<Self> {
        thread_local! {
            static MADE: std::cell::RefCell<Vec<(String, std::rc::Rc<Formatters>)>> =
                const { std::cell::RefCell::new(Vec::new()) };
        }
        MADE.with_borrow_mut(|made| {
            if let Some((_, f)) = made.iter().find(|(tag, _)| tag == locale) {
                return f.clone();
            }
            let f = std::rc::Rc::new(Self {
                numbers: NumberFormat::new(locale),
                dates: DateTimeFormat::new(locale),
                relative: RelativeTime::new(locale),
            });
            made.push((locale.to_owned(), f.clone()));
            f
        })
    }
}
