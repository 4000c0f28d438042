//! The browser half of a server-rendered Leptos app (feature `hydrate`):
//! the card hydrates the server's HTML, then polls. `cargo xtask test` runs
//! it in Chromium, Firefox and WebKit (`--no-default-features --features
//! hydrate`), with `MSS_MOCK_URL` pointing at a running mock backend.
#![cfg(all(target_arch = "wasm32", feature = "hydrate"))]

use leptos::prelude::*;
use modelarts_sync_status::core::config::SyncStatusOptions;
use modelarts_sync_status::web::SyncStatusCard;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

mod browser;
use browser::sleep;

wasm_bindgen_test_configure!(run_in_browser);

const MOCK: Option<&str> = option_env!("MSS_MOCK_URL");

/// What the server sends for a card without `lang`, `variant` or `theme`
/// (`tests/ssr.rs` checks that it is): the other options are not in the
/// HTML.
const SERVER_HTML: &str = include_str!("fixtures/server-card.html");

fn mock() -> &'static str {
    MOCK.expect("MSS_MOCK_URL must name a running mock backend (cargo xtask test sets it)")
}

fn options(dataset_id: &str) -> SyncStatusOptions {
    SyncStatusOptions::default()
        .proxy(mock())
        .project_id("p1")
        .dataset_id(dataset_id)
}

fn host() -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

fn card(host: &web_sys::HtmlElement) -> web_sys::Element {
    host.query_selector(".mss-card").unwrap().expect("a card")
}

async fn wait_for_state(host: &web_sys::HtmlElement, state: &str) {
    for _ in 0..100 {
        if card(host).get_attribute("data-state").as_deref() == Some(state) {
            return;
        }
        sleep(50).await;
    }
    panic!("no data-state={state}: {}", host.inner_html());
}

#[wasm_bindgen_test]
async fn the_card_hydrates_the_server_html_then_polls() {
    let host = host();
    host.set_inner_html(SERVER_HTML.trim_end());
    let (served, markup) = (card(&host), host.inner_html());
    let options = options("status-running");
    let handle =
        leptos::mount::hydrate_from(host.clone(), move || view! { <SyncStatusCard options /> });
    // Hydration took the server's nodes as they were: the same markup.
    assert!(card(&host).is_same_node(Some(&served)));
    assert_eq!(host.inner_html(), markup);
    // Then the live card replaces it (displayed at once) and polls.
    wait_for_state(&host, "ok").await;
    let root = card(&host);
    assert_eq!(
        root.get_attribute("data-status").as_deref(),
        Some("RUNNING")
    );
    assert!(!root.has_attribute("hidden"));
    drop(handle);
}

#[wasm_bindgen_test]
async fn a_card_the_browser_renders_itself_starts_at_once() {
    // A client-side navigation in a hydrated app: nothing to hydrate.
    let host = host();
    let options = options("status-completed");
    let handle =
        leptos::mount::mount_to(host.clone(), move || view! { <SyncStatusCard options /> });
    wait_for_state(&host, "ok").await;
    assert_eq!(
        card(&host).get_attribute("data-status").as_deref(),
        Some("COMPLETED")
    );
    drop(handle);
}
