//! `modelarts-sync-proxy --help` documents every option and variable.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use modelarts_sync_proxy::settings::{Cli, LogFormat};
use modelarts_sync_proxy::{app, metrics, serve, serve_on, ConnectionLimits, Mode, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let settings = match Settings::from_cli(cli, |name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    log_settings(&settings);
    let listen = settings.listen;
    let limits = settings.connections.clone();
    let metrics = Arc::clone(&settings.metrics);
    let metrics_listen = settings.metrics_listen;
    let router = match app(settings) {
        Ok(router) => router,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(address) = metrics_listen {
        if let Err(e) = serve_metrics(address, &metrics).await {
            eprintln!("error: cannot serve metrics on {address}: {e}");
            return ExitCode::FAILURE;
        }
    }
    match serve(listen, router, limits, metrics).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot serve on {listen}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs on stderr, at RUST_LOG's level (default: info).
fn init_logs(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // Colours only on a terminal: journald and log files want plain text.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
}

/// What the proxy starts with, in the log (never a secret).
fn log_settings(settings: &Settings) {
    let limits = &settings.connections;
    tracing::info!(
        header_timeout_s = limits.header_timeout.as_secs_f64(),
        write_timeout_s = limits.write_timeout.as_secs_f64(),
        max_connections = limits.max_connections,
        max_connections_per_client = limits.max_connections_per_client,
        shutdown_grace_s = limits.shutdown_grace.as_secs_f64(),
        "connections"
    );
    match &settings.mode {
        Mode::Mock { cycle } => {
            tracing::info!(cycle_s = cycle.as_secs_f64(), "mode: mock");
        }
        Mode::Upstream(u) => tracing::info!(
            upstream = %u.base,
            auth = u.credentials.kind(),
            x_project_id = u.project_header.is_some(),
            projects = ?u.projects,
            cache_ttl_s = u.cache_ttl.as_secs_f64(),
            timeout_s = u.timeout.as_secs_f64(),
            rate_limit_per_min = settings.rate_limit.map(|n| n.get()),
            upstream_rate_limit_per_min = u.upstream_rate_limit.map(|n| n.get()),
            // Shown without its password.
            redis = u.redis.as_ref().map(|r| r.to_string()),
            upstream_budget_per_min = u.upstream_budget.map(|n| n.get()),
            cache_entries = u.cache_entries.get(),
            trusted_proxies = ?settings.trusted_proxies.0.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "mode: upstream"
        ),
    }
    if let Some(sync) = &settings.sync {
        tracing::info!(
            cooldown_s = sync.cooldown.as_secs_f64(),
            "sync: POST .../sync-data starts a synchronization (--allow-sync)"
        );
    }
}

/// `/metrics` on a listener of its own: scrapes need none of the app's
/// layers, and its connections are not the viewers' (not counted in their
/// metrics).
async fn serve_metrics(
    address: SocketAddr,
    metrics: &Arc<metrics::Metrics>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    tracing::info!(%address, "metrics: GET /metrics on --metrics-listen only");
    tokio::spawn(serve_on(
        listener,
        metrics::router(Arc::clone(metrics)),
        ConnectionLimits::default(),
        Arc::default(),
        std::future::pending(),
    ));
    Ok(())
}
