//! The demo page's entry point: one card configured from the URL query.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    modelarts_sync_status::web::mount_demo();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("modelarts-sync-status is a WebAssembly widget: build it with `trunk build` or run `cargo xtask demo`.");
}
