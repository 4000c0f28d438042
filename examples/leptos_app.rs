//! A Leptos app that shows the card as a component: the README's example.
//! `cargo xtask test` builds it for wasm32 (clippy) so it keeps compiling.

#[cfg(target_arch = "wasm32")]
fn main() {
    use leptos::prelude::*;
    use modelarts_sync_status::core::config::RawOptions;
    use modelarts_sync_status::web::SyncStatusCard;

    leptos::mount::mount_to_body(|| {
        let config = RawOptions::from_pairs([
            ("proxy", "/api"),
            ("project_id", "p1"),
            ("dataset_id", "d1"),
            ("interval", "5"),
        ])
        .validate();
        view! {
            // The card's stylesheet, for a page that does not use the element.
            <style>{modelarts_sync_status::web::CARD_CSS}</style>
            <SyncStatusCard config />
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
