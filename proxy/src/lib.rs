//! `modelarts-sync-proxy`: the server beside the widget.
//!
//! Today it is the mock backend (`--mock`): the status API of ModelArts,
//! simulated, with CORS for the origins it is told about and, optionally,
//! the built widget served from the same origin (`--static dist`).
//!
//! The API is served at the ModelArts path and under `/api` (the widget's
//! default proxy URL), so a page served by this binary works without options.

pub mod mock;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::mock::Mock;

/// Which origins get CORS headers.
#[derive(Debug, Clone)]
pub enum Origins {
    /// Exactly these (`--allow-origin`).
    List(Vec<String>),
    /// Any `http://127.0.0.1:*`, `http://localhost:*` or `http://[::1]:*`:
    /// the mock's default, for local development and tests.
    Loopback,
}

impl Origins {
    fn allows(&self, origin: &str) -> bool {
        match self {
            Self::List(list) => list.iter().any(|o| o == origin),
            Self::Loopback => ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|host| {
                    origin
                        .strip_prefix(host)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
                }),
        }
    }
}

/// Everything the server needs to build its routes.
pub struct Settings {
    pub cycle: Duration,
    pub origins: Origins,
    pub static_dir: Option<PathBuf>,
}

#[derive(Clone)]
struct AppState {
    mock: Arc<Mock>,
    origins: Arc<Origins>,
}

/// The whole service.
pub fn app(settings: Settings) -> Router {
    let state = AppState {
        mock: Arc::new(Mock::new(settings.cycle)),
        origins: Arc::new(settings.origins),
    };
    let api = "/v2/{project_id}/datasets/{dataset_id}/sync-data/status";
    let mut router = Router::new()
        .route(api, get(status))
        .route(&format!("/api{api}"), get(status))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/__mock/requests", get(request_counts).delete(reset));
    router = match settings.static_dir {
        Some(dir) => router.fallback_service(
            tower_http::services::ServeDir::new(dir).append_index_html_on_directories(true),
        ),
        None => router.fallback(not_found),
    };
    router
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .layer(middleware::from_fn(log))
        .with_state(state)
}

async fn status(
    State(state): State<AppState>,
    Path((project_id, dataset_id)): Path<(String, String)>,
) -> Response {
    state.mock.answer(&project_id, &dataset_id).await
}

async fn request_counts(State(state): State<AppState>) -> Response {
    Json(json!({ "requests": state.mock.request_counts() })).into_response()
}

async fn reset(State(state): State<AppState>) -> StatusCode {
    state.mock.reset();
    StatusCode::NO_CONTENT
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error_code": "PROXY.0404", "error_msg": "Not found."})),
    )
        .into_response()
}

/// CORS for allowed origins only; others get no CORS headers at all.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| state.origins.allows(o))
        .map(str::to_owned);
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        add_cors(headers, origin, preflight);
    }
    response
}

fn add_cors(headers: &mut HeaderMap, origin: HeaderValue, preflight: bool) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    // The widget reads Retry-After to back off as asked.
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After"),
    );
    if preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Accept"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
}

/// One line per request: method, path, status, duration.
async fn log(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        ms = start.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Binds, prints `listening on http://ADDR` (tools read it to find a port
/// chosen with `:0`), and serves until SIGINT or SIGTERM.
pub async fn serve(listen: SocketAddr, router: Router) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
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
        assert!(!o.allows("https://portal.example"));
        let list = Origins::List(vec!["https://portal.example".into()]);
        assert!(list.allows("https://portal.example"));
        assert!(!list.allows("https://portal.example.evil"));
    }
}
