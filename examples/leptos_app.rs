//! A Leptos app that shows the card as a component: the README's example.
//! `cargo xtask test` builds it for wasm32 (clippy) so it keeps compiling.

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::time::Duration;

    use leptos::prelude::*;
    use modelarts_sync_status::core::config::{Actions, SyncStatusOptions, Theme};
    use modelarts_sync_status::web::{StatusChange, SyncRequested, SyncStatusCard};

    leptos::mount::mount_to_body(|| {
        // Switching datasets replaces the card; no remounting by hand.
        let dataset = RwSignal::new("d1".to_owned());
        let refresh = Trigger::new();
        let options = Signal::derive(move || {
            SyncStatusOptions::default()
                .proxy("/api")
                .project_id("p1")
                .dataset_id(dataset.get())
                .interval(Duration::from_secs(5))
                .theme(Theme::Dark)
                // A "Sync now" button while no task runs.
                .actions(Actions::Sync)
        });
        let last = RwSignal::new(String::new());
        let on_change = Callback::new(move |change: StatusChange| last.set(change.status));
        let on_sync = Callback::new(|sync: SyncRequested| match sync.result {
            Ok(()) => leptos::logging::log!("sync started"),
            Err(why) => leptos::logging::warn!("sync not started: {why}"),
        });
        view! {
            // The card's stylesheet, for a page that does not use the element.
            <style>{modelarts_sync_status::web::CARD_CSS}</style>
            <SyncStatusCard options on_status_change=on_change on_sync_requested=on_sync refresh />
            <p>"Last status: " {last}</p>
            <button on:click=move |_| dataset.set("d2".to_owned())>"Show dataset d2"</button>
            <button on:click=move |_| refresh.notify()>"Refresh"</button>
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
