//! `SyncStatusCard` rendered on the server (feature `ssr`), natively:
//! `cargo test --features ssr --test ssr` (`cargo xtask test` runs it).
//!
//! Natively, every call into the browser (web-sys, js-sys) panics: a card
//! that rendered here called none, so it started no poller, timer or
//! request.

use leptos::prelude::*;
use modelarts_sync_status::core::config::{SyncStatusOptions, Variant};
use modelarts_sync_status::core::lang::Lang;
use modelarts_sync_status::web::{StatusChange, SyncStatusCard, CARD_CSS};

/// The HTML the server sends for a card with these options.
fn server_html(options: SyncStatusOptions) -> String {
    let owner = Owner::new();
    owner.with(|| view! { <SyncStatusCard options /> }.to_html())
}

fn options() -> SyncStatusOptions {
    SyncStatusOptions::default()
        .project_id("p1")
        .dataset_id("d1")
}

/// The opening tag of the card's root.
fn root_tag(html: &str) -> &str {
    let start = html.find("<section").expect("a <section> root");
    let end = start + html[start..].find('>').expect("a closed tag");
    &html[start..=end]
}

#[test]
fn the_server_renders_the_loading_card_displayed() {
    let html = server_html(options());
    let root = root_tag(&html);
    assert!(
        root.contains(r#"class="mss-card mss-card--card""#),
        "{root}"
    );
    assert!(root.contains(r#"data-state="loading""#), "{root}");
    assert!(root.contains(r#"data-theme="auto""#), "{root}");
    // The options gave no language and the server knows no browser: the
    // default one, which the browser's hydration renders too.
    assert!(root.contains(r#"lang="en""#), "{root}");
    // Displayed at once: the page shows it before the wasm has loaded.
    assert!(!root.contains("hidden"), "{root}");
    assert!(!root.contains("data-status"), "{root}");
    assert!(!root.contains("aria-busy"), "{root}");
    let loading = format!(r#"<p class="mss-loading">{}</p>"#, Lang::En.text().loading);
    assert!(html.contains(&loading), "{html}");
    assert!(html.contains(r#"data-action="refresh""#), "{html}");
    // Nothing fetched: no status, counts, error, nor time.
    for absent in [
        r#"data-field="status""#,
        "mss-counts",
        r#"data-field="request_error""#,
        r#"data-field="updated_at""#,
    ] {
        assert!(!html.contains(absent), "{absent} in {html}");
    }
}

#[test]
fn the_server_html_is_what_the_hydration_test_hydrates() {
    // tests/hydrate.rs hydrates this HTML in the browsers. Any change of
    // the card's markup changes it: paste the new HTML printed here.
    let html = server_html(options());
    assert_eq!(
        html,
        include_str!("fixtures/server-card.html").trim_end(),
        "\nthe server's HTML now:\n{html}\n"
    );
}

#[test]
fn the_server_renders_in_the_language_and_variant_of_the_options() {
    let html = server_html(options().lang(Lang::ZhCn).variant(Variant::Compact));
    let root = root_tag(&html);
    assert!(root.contains(r#"lang="zh-CN""#), "{root}");
    assert!(root.contains("mss-card--compact"), "{root}");
    assert!(html.contains(Lang::ZhCn.text().loading), "{html}");
}

#[test]
fn the_server_renders_configuration_errors() {
    let html = server_html(SyncStatusOptions::default().project_id("p1"));
    assert!(
        root_tag(&html).contains(r#"data-state="config-error""#),
        "{html}"
    );
    assert!(html.contains(r#"data-field="config_error""#), "{html}");
}

#[test]
fn the_server_calls_neither_the_callback_nor_the_refresh() {
    let owner = Owner::new();
    let html = owner.with(|| {
        let refresh = Trigger::new();
        let on_change = Callback::new(|_: StatusChange| panic!("no status on the server"));
        let options = Signal::derive(options);
        let html =
            view! { <SyncStatusCard options on_status_change=on_change refresh /> }.to_html();
        refresh.notify();
        html
    });
    assert!(html.contains(r#"data-state="loading""#), "{html}");
}

#[test]
#[should_panic]
fn natively_a_call_into_the_browser_panics() {
    // What makes the tests above show that the server calls no browser.
    js_sys::Date::now();
}

#[test]
fn the_card_css_can_be_inlined_in_server_html() {
    // `<style>{CARD_CSS}</style>` escapes `<`, `>` and `&` on the server,
    // which a <style> element would not unescape.
    assert!(!CARD_CSS.contains(['<', '>', '&']));
    let html = view! { <style>{CARD_CSS}</style> }.to_html();
    assert_eq!(html, format!("<style>{CARD_CSS}</style>"));
}
