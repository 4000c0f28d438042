//! CORS for the origins the proxy is told about, and for no others: a page
//! elsewhere must not be able to read a project's status through the
//! proxy's credentials. No wildcard; the allowed origin is echoed, with
//! `Vary: Origin` so caches keep answers for different origins apart, and
//! `Access-Control-Allow-Credentials: true`, so that a portal elsewhere can
//! send its viewers' cookies for `--auth-url` (an origin not listed gets no
//! CORS header at all).
//!
//! Preflight requests are answered here, before routing, so they never reach
//! the API (nor the upstream). They allow `GET` with `Accept`; on the sync
//! path with `--allow-sync`, `POST` with `Accept` and `X-Requested-With`
//! instead (the header that makes a cross-origin POST need this preflight:
//! see [`crate::sync`]).
//!
//! Written here rather than with tower-http's `CorsLayer`: that layer
//! answers every `OPTIONS` with 200 and sends `Access-Control-Allow-Methods`,
//! `-Allow-Headers` and `-Max-Age` on preflights from any origin, listed or
//! not; this proxy answers a preflight 204 and tells an origin not listed
//! nothing at all (tests/cors_static.rs holds both).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::validation;

/// Which origins get CORS headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    /// Exactly these (`--allow-origin`), as browsers send them
    /// (`scheme://host[:port]`); empty allows none.
    List(Vec<String>),
    /// Any `http://127.0.0.1:*`, `http://localhost:*` or `http://[::1]:*`:
    /// the mock's default, for local development and tests.
    Loopback,
}

impl Origins {
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::List(list) => list.iter().any(|o| o == origin),
            Self::Loopback => ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|host| {
                    origin.strip_prefix(host).is_some_and(|rest| {
                        rest.is_empty()
                            || rest.strip_prefix(':').is_some_and(|p| {
                                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
                            })
                    })
                }),
        }
    }
}

/// The CORS policy: the origins, and whether the sync path takes POST.
#[derive(Debug, Clone)]
pub struct Cors {
    pub origins: Origins,
    pub sync: bool,
}

/// Checks one `--allow-origin` value: an origin exactly as a browser sends
/// it, so that a typo (a path, a trailing slash, a wildcard) fails at start
/// rather than silently matching nothing.
pub fn parse_origin(value: &str) -> Result<String, String> {
    if value.contains('*') {
        return Err("wildcards are not allowed: name each origin".into());
    }
    let trimmed = value.strip_suffix('/').unwrap_or(value);
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("an origin is http:// or https://".into());
    }
    let origin = url.origin().ascii_serialization();
    if origin != trimmed {
        return Err(format!(
            "not an origin as browsers send it (scheme://host[:port], no path); did you mean {origin}?"
        ));
    }
    Ok(origin)
}

/// Middleware: answers preflights, adds CORS headers for allowed origins.
pub async fn middleware(State(cors): State<Arc<Cors>>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| cors.origins.allows(o))
        .and_then(|o| HeaderValue::from_str(o).ok());
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let asked = match (
        preflight,
        cors.sync && validation::is_sync_path(request.uri().path()),
    ) {
        (false, _) => Asked::Request,
        (true, false) => Asked::PreflightForGet,
        (true, true) => Asked::PreflightForSync,
    };
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        add_cors(headers, origin, asked);
    }
    response
}

/// What a request with an allowed `Origin` asks of CORS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    /// The request itself: its answer may be read.
    Request,
    /// A preflight for the status API (`GET`).
    PreflightForGet,
    /// A preflight for the sync path with `--allow-sync` (`POST`).
    PreflightForSync,
}

fn add_cors(headers: &mut HeaderMap, origin: HeaderValue, asked: Asked) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    // A portal on another origin sends its viewers' cookies
    // (`credentials="include"`) for `--auth-url` to decide: only the
    // origins listed ever get this.
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    // The widget reads Retry-After to back off as asked.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
    let (methods, request_headers) = match asked {
        Asked::Request => return,
        Asked::PreflightForGet => ("GET", "Accept"),
        Asked::PreflightForSync => ("POST", "Accept, X-Requested-With"),
    };
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(request_headers),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins() {
        let o = Origins::Loopback;
        assert!(o.allows("http://127.0.0.1:8080"));
        assert!(o.allows("http://localhost"));
        assert!(o.allows("http://[::1]:3000"));
        assert!(!o.allows("http://127.0.0.1.evil.example"));
        assert!(!o.allows("http://localhost.evil.example:80"));
        assert!(!o.allows("http://localhost:80@evil.example"));
        assert!(!o.allows("http://localhost:"));
        assert!(!o.allows("https://portal.example"));
        let list = Origins::List(vec!["https://portal.example".into()]);
        assert!(list.allows("https://portal.example"));
        assert!(!list.allows("https://portal.example.evil"));
        assert!(!Origins::List(vec![]).allows("http://127.0.0.1:8080"));
    }

    #[test]
    fn origins_are_checked_at_start() {
        assert_eq!(
            parse_origin("https://portal.example").as_deref(),
            Ok("https://portal.example")
        );
        assert_eq!(
            parse_origin("https://portal.example/").as_deref(),
            Ok("https://portal.example")
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert!(parse_origin("*").is_err());
        assert!(parse_origin("https://*.example").is_err());
        assert!(parse_origin("https://portal.example/app").is_err());
        assert!(parse_origin("https://Portal.example").is_err());
        assert!(parse_origin("https://portal.example:443").is_err());
        assert!(parse_origin("portal.example").is_err());
        assert!(parse_origin("null").is_err());
        assert!(parse_origin("file:///tmp").is_err());
    }
}
