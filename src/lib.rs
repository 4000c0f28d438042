//! A widget that shows the live status of a ModelArts dataset
//! synchronization task.
//!
//! - [`core`]: model, configuration, URL building, formatting and the refresh
//!   policy; pure Rust, no browser.
//! - `web` (wasm32, or natively with feature `ssr`): the network call,
//!   timers and the Leptos view. On the server it only renders the card's
//!   loading state: nothing there calls the browser.

// Server rendering and hydration go through the card's view type in async
// blocks (tachys's `into_any`), whose layout is deeper than rustc's default
// limit, as in most server-rendered Leptos apps.
#![cfg_attr(any(feature = "ssr", feature = "hydrate"), recursion_limit = "256")]

pub mod core;

#[cfg(any(target_arch = "wasm32", feature = "ssr"))]
pub mod web;
