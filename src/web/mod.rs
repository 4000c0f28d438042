//! The browser layer: the network call, timers, the Leptos view and the
//! embedding APIs, over the pure [`crate::core`].

mod batch;
mod card;
mod element;
mod fetch;
mod hydration;
mod intl;
mod poller;
mod random;
mod timer;
mod wall;

pub use card::SyncStatusCard;
pub use element::{mount, register_element, WidgetHandle, CARD_CSS, ELEMENT_NAME};
pub use fetch::fetch_status;
pub use poller::{Hooks, StatusChange, StatusHook, SyncHook, SyncRequested};

/// Runs when the wasm module is initialised: registers the custom element.
/// (Feature `element`, on by default; a Leptos app that only wants the
/// component can turn it off.)
#[cfg(all(feature = "element", target_arch = "wasm32"))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // Panic messages in the console cost ~3 KB of formatting code: debug
    // builds only. (Nothing from outside can panic; see ARCHITECTURE.md.)
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    register_element();
}
