//! A widget that shows the live status of a ModelArts dataset
//! synchronization task.
//!
//! - [`core`]: model, configuration, URL building, formatting and the refresh
//!   policy; pure Rust, no browser.
//! - `web` (wasm32 only): the network call, timers and the Leptos view.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
