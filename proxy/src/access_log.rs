//! One log line per request: method, path, status, upstream status, cache
//! outcome, duration, client address. Never headers or query strings, so
//! never credentials (the browser's or the proxy's), with one exception: a
//! POST to the sync path (a request to start a synchronization) also names
//! the project and dataset, the `Origin` it came with, and its result
//! ([`SyncResult`]: `started`, `cooldown`, `cross-site`...), whether it
//! was refused before the handler (a rate limit) or by it.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::Response;

use crate::cache::Source;
use crate::metrics::{self, Metrics};
use crate::rate_limit::client_ip;
use crate::sync::SyncResult;
use crate::validation;

/// Longest path logged; longer ones are cut (they are junk anyway).
const MAX_LOGGED_PATH: usize = 200;

/// What the status handler tells the log, as a response extension.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub upstream_status: Option<u16>,
    pub cache: Option<Source>,
}

/// Middleware: times the request and logs it once answered.
pub async fn middleware(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = cut(request.uri().path().to_owned());
    let client = client_ip(&request).map(|ip| ip.to_string());
    let sync = (request.method() == Method::POST && validation::is_sync_path(&path)).then(|| {
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .map(|o| cut(String::from_utf8_lossy(o.as_bytes()).into_owned()));
        (validation::sync_target(&path).ok(), origin)
    });
    let response = next.run(request).await;
    let outcome = response.extensions().get::<Outcome>().copied();
    let status = response.status().as_u16();
    metrics.request(metrics::route(&path), status);
    let upstream_status = outcome.and_then(|o| o.upstream_status);
    let cache = outcome.and_then(|o| o.cache).map(Source::as_str);
    let ms = start.elapsed().as_millis() as u64;
    if let Some((target, origin)) = sync {
        let result = response
            .extensions()
            .get::<SyncResult>()
            .map_or("refused", |r| r.as_str());
        let (project, dataset) = match &target {
            Some(t) => (Some(t.project_id.as_str()), Some(t.dataset_id.as_str())),
            None => (None, None),
        };
        tracing::info!(
            %method,
            path,
            status,
            upstream_status,
            ms,
            client,
            action = "sync",
            project,
            dataset,
            origin,
            result,
            "request"
        );
    } else if path == "/healthz" {
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

/// At most [`MAX_LOGGED_PATH`] bytes of `text` (longer is junk anyway).
fn cut(mut text: String) -> String {
    if text.len() > MAX_LOGGED_PATH {
        let mut end = MAX_LOGGED_PATH;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}
