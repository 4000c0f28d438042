//! `modelarts-sync-proxy`: the server beside the widget.
//!
//! Browsers must never hold ModelArts credentials, so the widget calls this
//! proxy, which adds them. Two modes:
//!
//! - `--upstream URL`: the hardened reference proxy. Forwards only
//!   `GET /v2/{project_id}/datasets/{dataset_id}/sync-data/status` with
//!   checked IDs, adds an IAM token or an `SDK-HMAC-SHA256` signature from
//!   the environment, and protects the upstream (single-flight + TTL cache,
//!   shared between replicas with `--redis`, per-client rate limits,
//!   timeout). With `--allow-sync`, also the POST that starts a
//!   synchronization of a dataset, guarded against other sites and repeats.
//! - `--mock` (the default): the status API of ModelArts, simulated, for
//!   development and the widget's tests.
//!
//! Both serve the API at the ModelArts path and under `/api` (the widget's
//! default proxy URL), CORS for the origins they are told about, and
//! optionally the built widget from the same origin (`--static dist`).
//!
//! Code map: [`settings`] (command line, environment), [`routes`] (the
//! router and its layers), [`validation`] (what may be forwarded),
//! [`upstream`] (the request to ModelArts), [`sign`] (AK/SK signature),
//! [`cache`] (single-flight + TTL), [`redis_cache`] (the cache replicas share
//! through Redis), [`client`] (the client address, `--trusted-proxy`),
//! [`rate_limit`], [`auth`] (which viewer may: `--auth-url`), [`cors`], [`host`] (the `Host`s answered, the proxy's own
//! origins: `--public-origin`),
//! [`static_files`], [`metrics`] (`GET /metrics`), [`server`] (the listener: timeouts, connection caps,
//! shutdown), [`access_log`], [`errors`] (the proxy's JSON errors),
//! [`mock`], [`batch`] (many datasets in one request), [`sync`] (the POST
//! that starts a synchronization, with `--allow-sync`, and its guards).

pub mod access_log;
pub mod auth;
pub mod batch;
pub mod cache;
pub mod client;
pub mod cors;
pub mod errors;
pub mod host;
pub mod metrics;
pub mod mock;
pub mod rate_limit;
pub mod redis_cache;
pub mod routes;
pub mod server;
pub mod settings;
pub mod sign;
pub mod static_files;
pub mod sync;
pub mod upstream;
pub mod validation;

use std::net::SocketAddr;

use axum::Router;

pub use cors::Origins;
pub use host::PublicOrigins;
pub use server::{serve_on, ConnectionLimits};
pub use settings::{Mode, Settings, SyncSettings, UpstreamSettings};
pub use upstream::{BuildError, Credentials, Secret};

/// The whole service for these settings (fails only if the HTTP client for
/// the upstream cannot be built).
pub fn app(settings: Settings) -> Result<Router, BuildError> {
    routes::router(settings)
}

/// Binds, prints `listening on http://ADDR` (tools read it to find a port
/// chosen with `:0`), and serves until SIGINT or SIGTERM, then for at most
/// the shutdown grace.
pub async fn serve(
    listen: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    metrics: std::sync::Arc<metrics::Metrics>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve_on(listener, router, limits, metrics, shutdown_signal()).await
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
