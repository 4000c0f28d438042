//! The browser layer: the network call, timers and the Leptos view, over
//! the pure [`crate::core`].

mod card;
mod fetch;
mod intl;
mod poller;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

pub use card::SyncStatusCard;
pub use fetch::fetch_status;

use crate::core::config::RawOptions;

/// Reads the options from the page's URL query (`?project_id=…`).
pub fn options_from_query() -> RawOptions {
    let mut raw = RawOptions::default();
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
        for key in RawOptions::KEYS {
            if let Some(value) = params.get(key) {
                raw.set(key, Some(value));
            }
        }
    }
    raw
}

/// The demo page: one card, configured from the URL query, mounted into
/// `#app` (or the body).
pub fn mount_demo() {
    let config = options_from_query().validate();
    let target = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    match target {
        Some(target) => {
            leptos::mount::mount_to(target, move || view! { <SyncStatusCard config /> }).forget()
        }
        None => leptos::mount::mount_to_body(move || view! { <SyncStatusCard config /> }),
    }
}
