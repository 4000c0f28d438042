//! `modelarts-sync-proxy --help` documents every option.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use modelarts_sync_proxy::{app, mock::RESERVED, serve, Origins, Settings};

/// The server beside the modelarts-sync-status widget: today, a mock of the
/// ModelArts dataset sync status API.
///
/// The API answers at /v2/{project_id}/datasets/{dataset_id}/sync-data/status
/// and at the same path under /api. Any dataset ID gets a simulated task
/// (QUEUING → STARTING → RUNNING → COMPLETED, then again); reserved IDs show
/// the other cases (see below). GET /healthz answers {"status":"ok"};
/// GET /__mock/requests counts requests per dataset ID, DELETE resets.
#[derive(Parser, Debug)]
#[command(version, after_help = reserved_help())]
struct Cli {
    /// Serve the simulated ModelArts (the default, and the only mode so far).
    #[arg(long)]
    mock: bool,

    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:9009")]
    listen: SocketAddr,

    /// Origins allowed to call the API from a browser (repeatable). Without
    /// any, the mock allows http origins on 127.0.0.1, localhost and [::1].
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,

    /// Also serve this folder (the built widget, `dist/`) from the same origin.
    #[arg(long = "static", value_name = "DIR")]
    static_dir: Option<PathBuf>,

    /// Length in seconds of one simulated task's lifecycle.
    #[arg(long, default_value_t = 75.0, value_name = "SECONDS")]
    cycle: f64,
}

fn reserved_help() -> String {
    let mut s = String::from("Reserved dataset IDs:\n");
    for (id, what) in RESERVED {
        s.push_str(&format!("  {id:<18} {what}\n"));
    }
    s
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if !(cli.cycle.is_finite() && cli.cycle >= 1.0) {
        eprintln!("error: --cycle must be at least 1 second");
        return ExitCode::from(2);
    }
    if let Some(dir) = &cli.static_dir {
        if !dir.is_dir() {
            eprintln!(
                "error: --static {}: not a folder (build the widget first: trunk build --release)",
                dir.display()
            );
            return ExitCode::from(2);
        }
    }
    let origins = if cli.allow_origin.is_empty() {
        Origins::Loopback
    } else {
        Origins::List(cli.allow_origin)
    };
    let router = app(Settings {
        cycle: Duration::from_secs_f64(cli.cycle),
        origins,
        static_dir: cli.static_dir,
    });
    match serve(cli.listen, router).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot serve on {}: {e}", cli.listen);
            ExitCode::FAILURE
        }
    }
}
