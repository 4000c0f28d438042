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
//!
//! Compression: a file with a `.br` or `.gz` beside it (the release build
//! writes both for its `.wasm`, `.js`, `.css` and `.html`: `cargo xtask
//! minify`) is answered with that file and its `Content-Encoding` when the
//! browser accepts it, brotli first; every answer says `Vary:
//! Accept-Encoding`, so that a shared cache keeps one per encoding. Nothing
//! is compressed per request.
//!
//! Only the folder's own files are served: a path with a segment that
//! starts with `.` (`.env`, `.git/`, however it is percent-encoded) and a
//! path that resolves, through symlinks, outside the folder are a 404, as
//! a missing file is (tower-http's `ServeDir` refuses `..` itself, but
//! serves dotfiles and follows symlinks).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use percent_encoding::percent_decode_str;
use tower_http::services::ServeDir;

use crate::errors::{self, ApiError};

/// A router that serves `dir`, with JSON 404/405 for anything else.
pub fn router(dir: PathBuf) -> Router {
    // Symlinks are judged against the folder's real path.
    let root = Arc::new(dir.canonicalize().unwrap_or_else(|_| dir.clone()));
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
        .call_fallback_on_method_not_allowed(true)
        .fallback(errors::fallback.into_service());
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(root, inside_the_folder))
        .layer(middleware::map_response(cache_control))
}

/// Lets through only requests for the folder's own files.
async fn inside_the_folder(
    State(root): State<Arc<PathBuf>>,
    request: Request,
    next: Next,
) -> Response {
    let allowed = match relative_path(request.uri().path()) {
        Some(relative) => resolves_inside(&root, &relative).await,
        None => false,
    };
    if allowed {
        next.run(request).await
    } else {
        ApiError::not_found("Not found.").into_response()
    }
}

/// The request path as a path in the folder, or `None` for one that names
/// a dotfile (or `.`/`..`) in any segment, or is not UTF-8 once decoded.
fn relative_path(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let mut relative = PathBuf::new();
    for segment in decoded.split(['/', '\\']).filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains('\0') {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

/// Whether the file (or the directory's `index.html`), and the `.br` and
/// `.gz` that `ServeDir` may answer in its place, stay inside `root` once
/// symlinks are resolved. A path that does not exist is let through:
/// `ServeDir` answers its 404.
async fn resolves_inside(root: &Path, relative: &Path) -> bool {
    let path = root.join(relative);
    let mut served = vec![path.clone()];
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        served.push(path.join("index.html"));
    }
    for file in served {
        for suffix in ["", ".br", ".gz"] {
            let mut candidate = file.clone().into_os_string();
            candidate.push(suffix);
            if let Ok(real) = tokio::fs::canonicalize(&candidate).await {
                if !real.starts_with(root) {
                    return false;
                }
            }
        }
    }
    true
}

/// Revalidate every file, kept per encoding; error answers keep their own
/// `no-store`.
async fn cache_control(mut response: Response) -> Response {
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotfiles_are_refused_however_they_are_written() {
        for path in [
            "/.env",
            "/.git/config",
            "/%2eenv",
            "/%2Egit/HEAD",
            "/a/.hidden/b.js",
            "/a%2F.env",
            "/a%5C.env",
            "/..",
            "/%2e%2e/x",
            "/a%00b",
            "/%ff",
        ] {
            assert_eq!(relative_path(path), None, "{path}");
        }
    }

    #[test]
    fn the_folder_s_own_paths_pass() {
        assert_eq!(relative_path("/"), Some(PathBuf::new()));
        assert_eq!(
            relative_path("/assets/app_bg.wasm"),
            Some(PathBuf::from("assets/app_bg.wasm"))
        );
        assert_eq!(relative_path("/a%20b.js"), Some(PathBuf::from("a b.js")));
        assert_eq!(relative_path("/x.y.z/"), Some(PathBuf::from("x.y.z")));
    }
}
