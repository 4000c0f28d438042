//! `--static DIR`: the built widget (`dist/`) from the same origin as the
//! API, so a page needs neither CORS nor a second server.
//!
//! MIME types come from the file extension (`.wasm` is `application/wasm`,
//! which `WebAssembly.instantiateStreaming` insists on). Caching: trunk
//! builds here without hashed file names (`filehash = false`), and the JS
//! glue must match its `.wasm` exactly, so every file is `no-cache`: the
//! browser keeps it but revalidates each time (`Last-Modified` /
//! `If-Modified-Since` make that a cheap 304). `immutable` or a long
//! `max-age` would pair an old `.wasm` with a new `index.html` after a
//! deploy.

use std::path::PathBuf;

use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

use crate::errors;

/// A router that serves `dir`, with JSON 404/405 for anything else.
pub fn router(dir: PathBuf) -> Router {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .call_fallback_on_method_not_allowed(true)
        .fallback(errors::fallback.into_service());
    Router::new()
        .fallback_service(files)
        .layer(middleware::map_response(cache_control))
}

/// Revalidate every file; error answers keep their own `no-store`.
async fn cache_control(mut response: Response) -> Response {
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        response
            .headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-cache"));
    }
    response
}
