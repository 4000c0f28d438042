//! One log line per request: method, path, status, upstream status, cache
//! outcome, duration, client address. Never headers or query strings, so
//! never credentials (the browser's or the proxy's).

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use crate::cache::Source;
use crate::rate_limit::client_ip;

/// Longest path logged; longer ones are cut (they are junk anyway).
const MAX_LOGGED_PATH: usize = 200;

/// What the status handler tells the log, as a response extension.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub upstream_status: Option<u16>,
    pub cache: Option<Source>,
}

/// Middleware: times the request and logs it once answered.
pub async fn middleware(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let mut path = request.uri().path().to_owned();
    if path.len() > MAX_LOGGED_PATH {
        let mut cut = MAX_LOGGED_PATH;
        while !path.is_char_boundary(cut) {
            cut -= 1;
        }
        path.truncate(cut);
        path.push('…');
    }
    let client = client_ip(&request).map(|ip| ip.to_string());
    let response = next.run(request).await;
    let outcome = response.extensions().get::<Outcome>().copied();
    let status = response.status().as_u16();
    let upstream_status = outcome.and_then(|o| o.upstream_status);
    let cache = outcome.and_then(|o| o.cache).map(Source::as_str);
    let ms = start.elapsed().as_millis() as u64;
    if path == "/healthz" {
        // Probes every few seconds would drown the rest.
        tracing::debug!(%method, path, status, ms, client, "request");
    } else {
        tracing::info!(
            %method,
            path,
            status,
            upstream_status,
            cache,
            ms,
            client,
            "request"
        );
    }
    response
}
