//! Command line and environment, checked once at start into [`Settings`]:
//! every mistake (no credentials, a plain-http upstream, an origin with a
//! path, a wildcard) stops the proxy with a message, rather than surfacing
//! later as requests that fail or, worse, succeed for the wrong people.
//!
//! Credentials come from the environment only: command lines are visible to
//! every user of the machine (`ps`), environment variables are not.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgGroup, Parser, ValueEnum};
use reqwest::Url;

use crate::auth::{AuthSettings, Decider};
use crate::client::{Cidr, TrustedProxies};
use crate::cors::{parse_origin, Origins};
use crate::host::{is_loopback_host, PublicOrigins};
use crate::metrics::Metrics;
use crate::mock::RESERVED;
use crate::redis_cache::RedisUrl;
use crate::server::ConnectionLimits;
use crate::upstream::{Credentials, Secret};
use crate::validation::is_valid_id;

/// IAM token, sent as `X-Auth-Token`.
pub const ENV_TOKEN: &str = "MODELARTS_TOKEN";
/// Access key ID, for the `SDK-HMAC-SHA256` signature.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// Secret access key, for the `SDK-HMAC-SHA256` signature.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// Optional project ID, sent as `X-Project-Id`.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";

/// Optional Redis URL, as `--redis` (which wins): the place for a URL with a
/// password, which a command line would show to every user (`ps`).
pub const ENV_REDIS_URL: &str = "MODELARTS_SYNC_REDIS_URL";

/// Default `--rate-limit` with `--upstream`: every status request per client
/// address per minute (a batch counts one per dataset), answered from the
/// cache or not. A ceiling against floods, far above any page's own use:
/// 200 viewers behind one address polling 2 cards each every 5 s are 4,800.
pub const DEFAULT_RATE_LIMIT: u32 = 6000;
/// Default `--upstream-rate-limit`: the requests per client address per
/// minute that go upstream (cache misses). Enough for one full batch
/// (100 datasets) refreshed every default TTL (2 s), whatever the number of
/// viewers behind the address; one user's table of 100 cards polled every
/// 5 s needs 1,200.
pub const DEFAULT_UPSTREAM_RATE_LIMIT: u32 = 3000;
/// Default `--upstream-budget`: upstream requests per minute for the whole
/// replica (200 a second): 400 different datasets watched at once at the
/// default TTL (2 s), four times what one address may spend.
pub const DEFAULT_UPSTREAM_BUDGET: u32 = 12_000;
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(2);
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `--sync-cooldown`: one sync per dataset per minute at most.
pub const DEFAULT_SYNC_COOLDOWN: Duration = Duration::from_secs(60);

/// The server beside the modelarts-sync-status widget: a proxy to the
/// ModelArts dataset sync status API that holds the credentials, or a mock
/// of that API.
///
/// The API answers GET /v2/{project_id}/datasets/{dataset_id}/sync-data/status,
/// and the same path under /api (the widget's default proxy URL).
/// GET /healthz answers {"status":"ok"}.
///
/// With --upstream URL, only that GET is forwarded, with IDs of 1 to 64 of
/// A-Z a-z 0-9 _ -; everything else is answered 404 or 405 by the proxy
/// itself. The browser's headers (cookies, Authorization, ...) are never
/// forwarded. Concurrent requests for one dataset share one upstream request,
/// and its answer is reused for --cache-ttl seconds.
///
/// With --mock (the default without --upstream), every dataset ID gets a
/// simulated task (QUEUING → STARTING → RUNNING → COMPLETED, then again);
/// reserved IDs show the other cases (see below). GET /__mock/requests counts
/// requests per dataset ID, DELETE resets.
///
/// With --allow-sync (off by default), also POST
/// /v2/{project_id}/datasets/{dataset_id}/sync-data, which starts a
/// synchronization: only with an X-Requested-With header, from the proxy's
/// own origin or an --allow-origin one, at most once per dataset per
/// --sync-cooldown. Without it, that POST is answered 405.
#[derive(Parser, Debug)]
#[command(name = "modelarts-sync-proxy", version, after_help = after_help())]
#[command(group(ArgGroup::new("auth").args(["auth_url", "mock_auth"])))]
pub struct Cli {
    /// Serve the simulated ModelArts (the default without --upstream).
    #[arg(long, conflicts_with = "upstream")]
    pub mock: bool,

    /// Forward status requests to this ModelArts endpoint, e.g.
    /// https://modelarts.cn-north-4.myhuaweicloud.com (https; plain http only
    /// to a loopback address). Needs credentials in the environment.
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,

    /// Address to listen on; port 0 picks a free port (printed on start as
    /// `listening on http://ADDR`).
    #[arg(long, default_value = "127.0.0.1:9009", value_name = "ADDR")]
    pub listen: SocketAddr,

    /// Origin allowed to call the API from a browser, exactly as browsers
    /// send it (scheme://host[:port]); repeatable; no wildcards. Without any:
    /// none with --upstream; http origins on 127.0.0.1, localhost and [::1]
    /// with --mock.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,

    /// The proxy's own origin as browsers reach it (scheme://host[:port],
    /// e.g. https://status.example.com); repeatable. Requests are answered
    /// only for these hosts, localhost and IP addresses (any other Host:
    /// 421), and a sync's Origin is "own" only if it is one of these (or
    /// http://<Host> for localhost and IP addresses): a name pointed at the
    /// proxy by another site (DNS rebinding) gets nothing.
    #[arg(long = "public-origin", value_name = "ORIGIN")]
    pub public_origin: Vec<String>,

    /// Only forward requests for this project ID (repeatable); without any,
    /// every project ID. --upstream only.
    #[arg(long = "project", value_name = "ID", requires = "upstream")]
    pub project: Vec<String>,

    /// Seconds an upstream answer is reused for the same project and
    /// dataset [default: 2]. 0 still shares concurrent requests. --upstream only.
    #[arg(long = "cache-ttl", value_name = "SECONDS", requires = "upstream",
          value_parser = seconds(Least::Zero, 3600.0))]
    pub cache_ttl: Option<Duration>,

    /// Status requests allowed per client address per minute, from the cache
    /// or not (a batch counts one per dataset); 429 with Retry-After beyond.
    /// A ceiling against floods. 0 turns it off [default: 6000 with
    /// --upstream, off with --mock].
    #[arg(long = "rate-limit", value_name = "N")]
    pub rate_limit: Option<u32>,

    /// Requests per client address per minute that go upstream (cache
    /// misses; answers from the cache or shared with a request in flight are
    /// free); 429 with Retry-After beyond. 0 turns it off [default: 3000].
    /// --upstream only.
    #[arg(long = "upstream-rate-limit", value_name = "N", requires = "upstream")]
    pub upstream_rate_limit: Option<u32>,

    /// Upstream requests per minute for this whole replica, whoever asks
    /// (cache misses and syncs): many addresses together cannot spend the
    /// account's quota; 429 with Retry-After beyond. 0 turns it off
    /// [default: 12000]. --upstream only.
    #[arg(long = "upstream-budget", value_name = "N", requires = "upstream")]
    pub upstream_budget: Option<u32>,

    /// Datasets whose answers the cache holds at most; a new one beyond
    /// evicts the least recently used (memory stays bounded whatever IDs
    /// are asked for) [default: 10000]. --upstream only.
    #[arg(long = "cache-entries", value_name = "N", requires = "upstream",
          value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub cache_entries: Option<u32>,

    /// A front (reverse proxy, load balancer) whose X-Forwarded-For names the
    /// client: for connections from this address range (e.g. 10.0.0.0/8 or
    /// 192.0.2.10), the client is the right-most address in X-Forwarded-For
    /// not in a trusted range. Repeatable; none by default (the header is
    /// then ignored: any client can write it).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxy: Vec<String>,

    /// Share answers between replicas through this Redis (or Valkey):
    /// redis://[:PASSWORD@]HOST[:PORT][/DB]. Better given in the environment
    /// (MODELARTS_SYNC_REDIS_URL) when it holds a password. The proxy keeps
    /// serving from its own cache while Redis is unreachable. --upstream only.
    #[arg(long = "redis", value_name = "URL", requires = "upstream")]
    pub redis: Option<String>,

    /// Also accept POST [/api]/v2/{project_id}/datasets/{dataset_id}/sync-data,
    /// which starts a synchronization of the dataset (the product's only
    /// write; off by default, answered 405). Only requests with an
    /// X-Requested-With header (any value) and, when they have an Origin, the
    /// proxy's own (a --public-origin) or an --allow-origin one are accepted:
    /// a page of another site cannot start one.
    #[arg(long = "allow-sync")]
    pub allow_sync: bool,

    /// Ask this URL (GET) whether the viewer may, for every status request,
    /// batch entry and sync, the way nginx's auth_request does: with the
    /// viewer's Cookie and Authorization headers (sent nowhere else) and
    /// X-Original-Method, X-Original-URI, X-ModelArts-Project-Id and
    /// X-ModelArts-Dataset-Id. 2xx allows; 401 and 403 are answered as such
    /// (PROXY.0401, PROXY.0403); anything else or no answer refuses (503
    /// PROXY.0503). https, or http to a loopback address.
    #[arg(long = "auth-url", value_name = "URL", conflicts_with = "mock_auth")]
    pub auth_url: Option<String>,

    /// Decide viewers by the mock's rules: a cookie mss_user=alice may see
    /// and sync project p1, mss_user=bob only see it; no cookie is 401,
    /// anything else 403. GET /__mock/auth answers the same. --mock only.
    #[arg(long = "mock-auth", conflicts_with = "upstream")]
    pub mock_auth: bool,

    /// Seconds a decision is kept, per viewer's credentials, method, project
    /// and dataset; a refusal 2 at most. 0 keeps none (concurrent requests
    /// still share one) [default: 10]. --auth-url or --mock-auth only.
    #[arg(long = "auth-ttl", value_name = "SECONDS", requires = "auth",
          value_parser = seconds(Least::Zero, 3600.0))]
    pub auth_ttl: Option<Duration>,

    /// Seconds the auth URL has to answer; then the request is refused (503)
    /// [default: 5]. --auth-url only.
    #[arg(long = "auth-timeout", value_name = "SECONDS", requires = "auth_url",
          conflicts_with = "mock_auth", value_parser = seconds(Least::AboveZero, 60.0))]
    pub auth_timeout: Option<Duration>,

    /// Seconds during which a dataset, once synchronized through this proxy,
    /// cannot be again (429 with Retry-After) [default: 60]. --allow-sync only.
    #[arg(long = "sync-cooldown", value_name = "SECONDS", requires = "allow_sync",
          value_parser = seconds(Least::AboveZero, 86_400.0))]
    pub sync_cooldown: Option<Duration>,

    /// Seconds to wait for the upstream before answering 504 [default: 10].
    /// --upstream only.
    #[arg(long = "upstream-timeout", value_name = "SECONDS", requires = "upstream",
          value_parser = seconds(Least::AboveZero, 300.0))]
    pub upstream_timeout: Option<Duration>,

    /// Also serve this folder (the built widget, `dist/`) from the same
    /// origin, with revalidation caching (Cache-Control: no-cache).
    #[arg(long = "static", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,

    /// Length in seconds of one simulated task's lifecycle. --mock only.
    #[arg(long, default_value = "75", value_name = "SECONDS",
          value_parser = seconds(Least::One, 86_400.0))]
    pub cycle: Duration,

    /// Seconds a connection may take to send a request's headers, counted
    /// from when it waits for a request: a new connection, or a keep-alive
    /// one between requests, which is therefore closed after this long idle
    /// [default: 10].
    #[arg(long = "header-timeout", value_name = "SECONDS",
          value_parser = seconds(Least::AboveZero, 3600.0))]
    pub header_timeout: Option<Duration>,

    /// Seconds a write may wait for a client that does not read before its
    /// connection is closed [default: 30].
    #[arg(long = "write-timeout", value_name = "SECONDS",
          value_parser = seconds(Least::AboveZero, 3600.0))]
    pub write_timeout: Option<Duration>,

    /// Open connections in all; one more is closed at once.
    #[arg(long = "max-connections", value_name = "N",
          default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// Open connections per client address (IPv6 per /64); one more is
    /// closed at once. A --trusted-proxy front counts only against
    /// --max-connections.
    #[arg(long = "max-connections-per-client", value_name = "N",
          default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_client: u32,

    /// Seconds that requests under way get to finish after SIGTERM or
    /// SIGINT; connections still open then are closed [default: 10].
    #[arg(long = "shutdown-grace", value_name = "SECONDS",
          value_parser = seconds(Least::AboveZero, 3600.0))]
    pub shutdown_grace: Option<Duration>,

    /// Serve GET /metrics (Prometheus text format) on this address only,
    /// e.g. 127.0.0.1:9100, instead of on --listen.
    #[arg(long = "metrics-listen", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,

    /// Log format (on stderr): text or json, one line per request. The
    /// level comes from RUST_LOG (default: info).
    #[arg(long = "log-format", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn after_help() -> String {
    let mut s = format!(
        "Environment (credentials are read from here only, and never logged):\n  \
         {ENV_TOKEN:<28}IAM token, sent upstream as X-Auth-Token\n  \
         {ENV_AK:<28}access key ID, and\n  \
         {ENV_SK:<28}secret key: requests signed with SDK-HMAC-SHA256\n  \
         {ENV_PROJECT_ID:<28}optional; sent upstream as X-Project-Id\n  \
         {ENV_REDIS_URL:<28}optional; the --redis URL (never logged with its password)\n  \
         {:<28}log level (default: info)\n\n\
         --upstream needs either {ENV_TOKEN} or both {ENV_AK} and {ENV_SK}.\n\n\
         Reserved dataset IDs (--mock):\n",
        "RUST_LOG"
    );
    for (id, what) in RESERVED {
        s.push_str(&format!("  {id:<18} {what}\n"));
    }
    s
}

/// Everything about the upstream mode.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// `scheme://host[:port]/`.
    pub base: Url,
    pub credentials: Credentials,
    /// `X-Project-Id`, from `HUAWEICLOUD_SDK_PROJECT_ID`.
    pub project_header: Option<String>,
    /// `--project` allow-list; empty allows any valid project ID.
    pub projects: Vec<String>,
    pub cache_ttl: Duration,
    pub timeout: Duration,
    /// Requests per minute per client that go upstream; `None` is no limit.
    pub upstream_rate_limit: Option<NonZeroU32>,
    /// Upstream requests per minute for the replica; `None` is no limit.
    pub upstream_budget: Option<NonZeroU32>,
    /// Keys the cache holds at most.
    pub cache_entries: NonZeroUsize,
    /// The cache shared with other replicas, if any.
    pub redis: Option<RedisUrl>,
}

// Built once at start: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Mode {
    Mock { cycle: Duration },
    Upstream(UpstreamSettings),
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub mode: Mode,
    pub origins: Origins,
    /// Requests per minute per client on the status API; `None` is no limit.
    pub rate_limit: Option<NonZeroU32>,
    /// Fronts whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    pub static_dir: Option<PathBuf>,
    /// `--allow-sync`: the POST that starts a synchronization, if allowed.
    pub sync: Option<SyncSettings>,
    /// Timeouts and caps of the listener.
    pub connections: ConnectionLimits,
    /// `--public-origin`: the Hosts answered, the proxy's own origins.
    pub public_origins: PublicOrigins,
    /// `--metrics-listen`: `/metrics` there only; `None`, on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    /// What `/metrics` shows (shared by the routes and the listener).
    pub metrics: Arc<Metrics>,
    /// `--auth-url` or `--mock-auth`: who decides which viewer may.
    pub auth: Option<AuthSettings>,
}

/// `--allow-sync` and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSettings {
    /// `--sync-cooldown`: the least time between two syncs of one dataset.
    pub cooldown: Duration,
}

/// A start-up mistake, said so that it can be fixed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error(
        "--upstream needs credentials in the environment: set {ENV_TOKEN} (an IAM token), \
         or {ENV_AK} and {ENV_SK} (an access key pair)"
    )]
    NoCredentials,
    #[error(
        "both {ENV_TOKEN} and {ENV_AK}/{ENV_SK} are set: unset one, so it is clear which is used"
    )]
    BothCredentials,
    #[error("{0} is set but {1} is not: an access key needs both")]
    HalfKeyPair(&'static str, &'static str),
    #[error("{0} is not usable: {1}")]
    BadEnv(&'static str, &'static str),
    #[error("--upstream {0}: {1}")]
    BadUpstream(String, String),
    #[error("--allow-origin {0}: {1}")]
    BadOrigin(String, String),
    #[error("--public-origin {0}: {1}")]
    BadPublicOrigin(String, String),
    #[error("--project {0}: a project ID is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'")]
    BadProject(String),
    #[error("--auth-url {0}: {1}")]
    BadAuthUrl(String, String),
    #[error("--trusted-proxy {0}: {1}")]
    BadTrustedProxy(String, String),
    #[error("--redis: {0}")]
    BadRedis(String),
    #[error("--static {0}: not a folder (build the widget first: cargo xtask build)")]
    StaticNotDir(String),
}

impl Settings {
    /// Checks the command line, reading credentials through `env` (the
    /// process environment in `main`, a map in tests). clap has already
    /// checked what needs what (`requires`, `conflicts_with`) and the
    /// ranges of numbers.
    pub fn from_cli(cli: Cli, env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        if let Some(dir) = &cli.static_dir {
            if !dir.is_dir() {
                return Err(SettingsError::StaticNotDir(dir.display().to_string()));
            }
        }
        let public_origins = checked_origins(&cli.public_origin, SettingsError::BadPublicOrigin)?;
        let origins = checked_origins(&cli.allow_origin, SettingsError::BadOrigin)?;
        let trusted_proxies = trusted_proxies(&cli.trusted_proxy)?;
        let (mode, origins, rate_limit) = match &cli.upstream {
            None => (
                Mode::Mock { cycle: cli.cycle },
                if origins.is_empty() {
                    Origins::Loopback
                } else {
                    Origins::List(origins)
                },
                cli.rate_limit.unwrap_or(0),
            ),
            Some(upstream) => (
                Mode::Upstream(upstream_settings(&cli, upstream, env)?),
                Origins::List(origins),
                cli.rate_limit.unwrap_or(DEFAULT_RATE_LIMIT),
            ),
        };
        Ok(Self {
            listen: cli.listen,
            mode,
            origins,
            rate_limit: NonZeroU32::new(rate_limit),
            connections: connection_limits(&cli, &trusted_proxies),
            trusted_proxies,
            sync: cli.allow_sync.then(|| SyncSettings {
                cooldown: cli.sync_cooldown.unwrap_or(DEFAULT_SYNC_COOLDOWN),
            }),
            public_origins: PublicOrigins(public_origins),
            metrics_listen: cli.metrics_listen,
            metrics: Arc::default(),
            auth: auth_settings(&cli)?,
            static_dir: cli.static_dir,
        })
    }
}

/// `--allow-origin` or `--public-origin` values, checked (`bad` names the
/// option in the error).
fn checked_origins(
    values: &[String],
    bad: fn(String, String) -> SettingsError,
) -> Result<Vec<String>, SettingsError> {
    values
        .iter()
        .map(|o| parse_origin(o).map_err(|e| bad(o.clone(), e)))
        .collect()
}

/// `--trusted-proxy` values, checked.
fn trusted_proxies(values: &[String]) -> Result<TrustedProxies, SettingsError> {
    values
        .iter()
        .map(|c| {
            c.parse::<Cidr>()
                .map_err(|e| SettingsError::BadTrustedProxy(c.clone(), e))
        })
        .collect::<Result<_, _>>()
        .map(TrustedProxies)
}

/// `--upstream` and the options that need it, checked; credentials and the
/// Redis URL may come from `env`.
fn upstream_settings(
    cli: &Cli,
    upstream: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<UpstreamSettings, SettingsError> {
    let base =
        parse_upstream(upstream).map_err(|e| SettingsError::BadUpstream(upstream.to_owned(), e))?;
    if let Some(project) = cli.project.iter().find(|p| !is_valid_id(p)) {
        return Err(SettingsError::BadProject(project.clone()));
    }
    let redis = cli
        .redis
        .clone()
        .or_else(|| env(ENV_REDIS_URL).filter(|v| !v.trim().is_empty()))
        .map(|url| RedisUrl::parse(url.trim()).map_err(SettingsError::BadRedis))
        .transpose()?;
    let (credentials, project_header) = credentials_from_env(env)?;
    let entries = cli
        .cache_entries
        .map_or(crate::cache::DEFAULT_ENTRIES, |n| n as usize);
    Ok(UpstreamSettings {
        base,
        credentials,
        project_header,
        projects: cli.project.clone(),
        cache_ttl: cli.cache_ttl.unwrap_or(DEFAULT_CACHE_TTL),
        timeout: cli.upstream_timeout.unwrap_or(DEFAULT_UPSTREAM_TIMEOUT),
        upstream_rate_limit: NonZeroU32::new(
            cli.upstream_rate_limit
                .unwrap_or(DEFAULT_UPSTREAM_RATE_LIMIT),
        ),
        upstream_budget: NonZeroU32::new(cli.upstream_budget.unwrap_or(DEFAULT_UPSTREAM_BUDGET)),
        cache_entries: NonZeroUsize::new(entries).unwrap_or(NonZeroUsize::MIN),
        redis,
    })
}

/// `--auth-url` or `--mock-auth`, and their options.
fn auth_settings(cli: &Cli) -> Result<Option<AuthSettings>, SettingsError> {
    let decider = match (&cli.auth_url, cli.mock_auth) {
        (Some(url), _) => Decider::Remote(
            parse_auth_url(url).map_err(|e| SettingsError::BadAuthUrl(url.clone(), e))?,
        ),
        (None, true) => Decider::Mock,
        (None, false) => return Ok(None),
    };
    Ok(Some(AuthSettings {
        decider,
        ttl: cli.auth_ttl.unwrap_or(crate::auth::DEFAULT_AUTH_TTL),
        timeout: cli
            .auth_timeout
            .unwrap_or(crate::auth::DEFAULT_AUTH_TIMEOUT),
    }))
}

/// The portal's auth endpoint: `https://` (or `http://` to a loopback
/// host), any path and query; it receives the viewers' cookies, so never in
/// clear text over a network.
pub fn parse_auth_url(value: &str) -> Result<Url, String> {
    let url = secure_url(value, "the viewers' cookies")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no user or password in the URL".into());
    }
    if url.fragment().is_some() {
        return Err("no #fragment".into());
    }
    Ok(url)
}

/// A URL with a host, `https://` or `http://` to a loopback host: what it
/// carries (`sends`) never crosses a network in clear text.
fn secure_url(value: &str, sends: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL ({e})"))?;
    let Some(host) = url.host_str() else {
        return Err("no host".into());
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback_host(host) => Ok(url),
        "http" => Err(format!(
            "use https: plain http would send {sends} in clear text"
        )),
        _ => Err("use https://".into()),
    }
}

/// The listener's options.
fn connection_limits(cli: &Cli, trusted_proxies: &TrustedProxies) -> ConnectionLimits {
    let defaults = ConnectionLimits::default();
    ConnectionLimits {
        header_timeout: cli.header_timeout.unwrap_or(defaults.header_timeout),
        write_timeout: cli.write_timeout.unwrap_or(defaults.write_timeout),
        max_connections: cli.max_connections as usize,
        max_connections_per_client: cli.max_connections_per_client as usize,
        shutdown_grace: cli.shutdown_grace.unwrap_or(defaults.shutdown_grace),
        trusted_proxies: trusted_proxies.clone(),
    }
}

/// The least a number of seconds may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Least {
    Zero,
    AboveZero,
    One,
}

/// clap's value parser for a number of seconds from `least` to `most`
/// (clap's own ranges are for integers); no NaN or infinity.
fn seconds(
    least: Least,
    most: f64,
) -> impl Fn(&str) -> Result<Duration, String> + Clone + Send + Sync + 'static {
    move |text| {
        let range = match least {
            Least::Zero => format!("0 to {most} seconds"),
            Least::AboveZero => format!("more than 0 and at most {most} seconds"),
            Least::One => format!("1 to {most} seconds"),
        };
        let above_least = |n: f64| match least {
            Least::Zero => n >= 0.0,
            Least::AboveZero => n > 0.0,
            Least::One => n >= 1.0,
        };
        match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && above_least(n) && n <= most => Ok(Duration::from_secs_f64(n)),
            _ => Err(format!("must be {range}")),
        }
    }
}

/// `https://host[:port]` (or `http://` to a loopback host, for tests and
/// local gateways): credentials never cross a network in clear text.
pub fn parse_upstream(value: &str) -> Result<Url, String> {
    let url = secure_url(value, "the credentials")?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("no user or password in the URL: credentials come from the environment".into());
    }
    if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
        return Err("give the endpoint only (scheme://host[:port]), no path or query".into());
    }
    Ok(url)
}

/// Reads the credentials; values are trimmed (a file's trailing newline
/// is a common accident) and must be usable in an HTTP header.
fn credentials_from_env(
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Credentials, Option<String>), SettingsError> {
    let get = |name: &'static str| -> Result<Option<String>, SettingsError> {
        match env(name).map(|v| v.trim().to_owned()) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) if v.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(v)),
            Some(_) => Err(SettingsError::BadEnv(
                name,
                "only printable ASCII without spaces is allowed",
            )),
        }
    };
    let token = get(ENV_TOKEN)?;
    let ak = get(ENV_AK)?;
    let sk = get(ENV_SK)?;
    let credentials = match (token, ak, sk) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return Err(SettingsError::BothCredentials)
        }
        (Some(token), None, None) => Credentials::Token(Secret::new(token)),
        (None, Some(ak), Some(sk)) => {
            if ak.contains(',') || ak.contains('=') {
                return Err(SettingsError::BadEnv(
                    ENV_AK,
                    "an access key ID has no ',' or '='",
                ));
            }
            Credentials::AkSk {
                access_key: ak,
                secret_key: Secret::new(sk),
            }
        }
        (None, Some(_), None) => return Err(SettingsError::HalfKeyPair(ENV_AK, ENV_SK)),
        (None, None, Some(_)) => return Err(SettingsError::HalfKeyPair(ENV_SK, ENV_AK)),
        (None, None, None) => return Err(SettingsError::NoCredentials),
    };
    Ok((credentials, get(ENV_PROJECT_ID)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["modelarts-sync-proxy"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap()
    }

    /// clap's message for a command line it refuses.
    fn refused(args: &[&str]) -> String {
        let mut all = vec!["modelarts-sync-proxy"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all) {
            Ok(_) => panic!("{args:?} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    /// Asserts that clap refuses `args` with a message naming each of `names`.
    fn assert_refused(args: &[&str], names: &[&str]) {
        let message = refused(args);
        for name in names {
            assert!(message.contains(name), "{args:?}: {message}");
        }
    }

    fn settings(args: &[&str], env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_cli(cli(args), |k| env.get(k).cloned())
    }

    const UP: &[&str] = &[
        "--upstream",
        "https://modelarts.cn-north-4.myhuaweicloud.com",
    ];

    fn with(extra: &[&'static str]) -> Vec<&'static str> {
        let mut v = UP.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn mock_is_the_default() {
        let s = settings(&[], &[(ENV_TOKEN, "ignored")]).unwrap();
        assert!(matches!(s.mode, Mode::Mock { .. }));
        assert_eq!(s.origins, Origins::Loopback);
        assert_eq!(s.rate_limit, None);
        assert_eq!(s.listen, "127.0.0.1:9009".parse().unwrap());
        let s = settings(
            &[
                "--mock",
                "--rate-limit",
                "5",
                "--allow-origin",
                "https://a.example",
            ],
            &[],
        )
        .unwrap();
        assert_eq!(s.rate_limit, NonZeroU32::new(5));
        assert_eq!(s.origins, Origins::List(vec!["https://a.example".into()]));
    }

    #[test]
    fn upstream_defaults() {
        let s = settings(UP, &[(ENV_TOKEN, " tok\n")]).unwrap();
        let Mode::Upstream(u) = s.mode else {
            panic!("not upstream")
        };
        assert_eq!(u.credentials, Credentials::Token(Secret::new("tok")));
        assert_eq!(u.cache_ttl, Duration::from_secs(2));
        assert_eq!(u.timeout, Duration::from_secs(10));
        assert_eq!(u.project_header, None);
        assert_eq!(s.origins, Origins::List(vec![]));
        assert_eq!(s.rate_limit, NonZeroU32::new(DEFAULT_RATE_LIMIT));
        assert_eq!(
            u.upstream_rate_limit,
            NonZeroU32::new(DEFAULT_UPSTREAM_RATE_LIMIT)
        );
        assert_eq!(u.redis, None);
        assert_eq!(s.trusted_proxies, TrustedProxies::default());
        let s = settings(&with(&["--rate-limit", "0"]), &[(ENV_TOKEN, "t")]).unwrap();
        assert_eq!(s.rate_limit, None);
    }

    #[test]
    fn credentials_come_from_the_environment() {
        assert_eq!(settings(UP, &[]).unwrap_err(), SettingsError::NoCredentials);
        assert_eq!(
            settings(UP, &[(ENV_TOKEN, "  ")]).unwrap_err(),
            SettingsError::NoCredentials
        );
        assert_eq!(
            settings(UP, &[(ENV_AK, "ak")]).unwrap_err(),
            SettingsError::HalfKeyPair(ENV_AK, ENV_SK)
        );
        assert_eq!(
            settings(UP, &[(ENV_TOKEN, "t"), (ENV_AK, "ak"), (ENV_SK, "sk")]).unwrap_err(),
            SettingsError::BothCredentials
        );
        assert!(matches!(
            settings(UP, &[(ENV_TOKEN, "a b")]).unwrap_err(),
            SettingsError::BadEnv(ENV_TOKEN, _)
        ));
        let s = settings(
            UP,
            &[(ENV_AK, "AK"), (ENV_SK, "SK"), (ENV_PROJECT_ID, "p1")],
        )
        .unwrap();
        let Mode::Upstream(u) = s.mode else {
            panic!("not upstream")
        };
        assert_eq!(
            u.credentials,
            Credentials::AkSk {
                access_key: "AK".into(),
                secret_key: Secret::new("SK")
            }
        );
        assert_eq!(u.project_header.as_deref(), Some("p1"));
        // Never printed.
        let debug = format!("{:?}", u.credentials);
        assert!(!debug.contains("SK\""), "{debug}");
        assert!(format!("{:?}", Secret::new("hunter2")) == "***");
    }

    #[test]
    fn the_message_names_the_variables() {
        let message = SettingsError::NoCredentials.to_string();
        for name in [ENV_TOKEN, ENV_AK, ENV_SK] {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn upstream_urls() {
        assert!(parse_upstream("https://modelarts.cn-north-4.myhuaweicloud.com").is_ok());
        assert!(parse_upstream("https://modelarts.eu-de.otc.t-systems.com/").is_ok());
        assert!(parse_upstream("http://127.0.0.1:9000").is_ok());
        assert!(parse_upstream("http://[::1]:9000").is_ok());
        assert!(parse_upstream("http://localhost:9000").is_ok());
        assert!(parse_upstream("http://modelarts.example").is_err());
        assert!(parse_upstream("https://user:pw@modelarts.example").is_err());
        assert!(parse_upstream("https://modelarts.example/v2").is_err());
        assert!(parse_upstream("https://modelarts.example?x=1").is_err());
        assert!(parse_upstream("ftp://modelarts.example").is_err());
        assert!(parse_upstream("modelarts.example").is_err());
    }

    #[test]
    fn options_are_checked() {
        let env = &[(ENV_TOKEN, "t")];
        assert!(matches!(
            settings(&with(&["--allow-origin", "*"]), env).unwrap_err(),
            SettingsError::BadOrigin(..)
        ));
        assert_eq!(
            settings(&with(&["--project", "a/b"]), env).unwrap_err(),
            SettingsError::BadProject("a/b".into())
        );
        assert_refused(
            &with(&["--cache-ttl=-1"]),
            &["--cache-ttl", "0 to 3600 seconds"],
        );
        assert_refused(
            &with(&["--upstream-timeout", "0"]),
            &["--upstream-timeout", "more than 0 and at most 300 seconds"],
        );
        assert_refused(&["--project", "p"], &["--upstream"]);
        assert_refused(&["--cycle", "0.5"], &["--cycle", "1 to 86400 seconds"]);
        assert!(matches!(
            settings(&["--public-origin", "https://status.example.com/api"], &[]).unwrap_err(),
            SettingsError::BadPublicOrigin(..)
        ));
        assert_eq!(
            settings(&["--public-origin", "https://status.example.com/"], &[])
                .unwrap()
                .public_origins,
            PublicOrigins(vec!["https://status.example.com".into()])
        );
        for bad in [
            "--header-timeout=0",
            "--write-timeout=nan",
            "--shutdown-grace=4000",
        ] {
            assert_refused(&[bad], &["more than 0 and at most 3600 seconds"]);
        }
        assert!(Cli::try_parse_from(["x", "--max-connections", "0"]).is_err());
        let limits = settings(
            &[
                "--max-connections-per-client",
                "8",
                "--shutdown-grace",
                "2.5",
            ],
            &[],
        )
        .unwrap()
        .connections;
        assert_eq!(limits.max_connections_per_client, 8);
        assert_eq!(limits.shutdown_grace, Duration::from_millis(2500));
        assert!(Cli::try_parse_from(["x", "--mock", "--upstream", "https://a.example"]).is_err());
        let s = settings(
            &with(&["--project", "p1", "--project", "p2", "--cache-ttl", "0"]),
            env,
        )
        .unwrap();
        let Mode::Upstream(u) = s.mode else {
            panic!("not upstream")
        };
        assert_eq!(u.projects, ["p1", "p2"]);
        assert_eq!(u.cache_ttl, Duration::ZERO);
    }

    #[test]
    fn limits_fronts_and_redis() {
        let env = &[(ENV_TOKEN, "t")];
        let s = settings(
            &with(&[
                "--upstream-rate-limit",
                "0",
                "--trusted-proxy",
                "10.0.0.0/8",
                "--trusted-proxy",
                "fd00::/8",
                "--redis",
                "redis://:pw@127.0.0.1:6380/1",
            ]),
            env,
        )
        .unwrap();
        assert_eq!(s.trusted_proxies.0.len(), 2);
        assert!(s.trusted_proxies.trusts("10.2.3.4".parse().unwrap()));
        let Mode::Upstream(u) = &s.mode else {
            panic!("not upstream")
        };
        assert_eq!(u.upstream_rate_limit, None);
        let redis = u.redis.as_ref().unwrap();
        assert_eq!(redis.expose(), "redis://:pw@127.0.0.1:6380/1");
        // The settings as a whole print without the password.
        let debug = format!("{s:?}");
        assert!(!debug.contains("pw@"), "{debug}");
        assert!(debug.contains("127.0.0.1:6380"), "{debug}");
        // From the environment; the option wins.
        let from_env = |args: &[&'static str]| {
            let s = settings(
                &with(args),
                &[(ENV_TOKEN, "t"), (ENV_REDIS_URL, "redis://10.0.0.9")],
            )
            .unwrap();
            let Mode::Upstream(u) = s.mode else {
                panic!("not upstream")
            };
            u.redis.unwrap().to_string()
        };
        assert_eq!(from_env(&[]), "redis://10.0.0.9");
        assert_eq!(
            from_env(&["--redis", "redis://127.0.0.1"]),
            "redis://127.0.0.1"
        );
        // Mistakes stop the proxy, without repeating a password.
        let error = settings(&with(&["--redis", "rediss://:pw@h"]), env).unwrap_err();
        assert!(matches!(error, SettingsError::BadRedis(_)));
        assert!(!error.to_string().contains("pw"), "{error}");
        assert!(matches!(
            settings(&with(&["--trusted-proxy", "10.0.0.1/8"]), env).unwrap_err(),
            SettingsError::BadTrustedProxy(..)
        ));
        assert_refused(&["--redis", "redis://127.0.0.1"], &["--upstream"]);
        assert_refused(&["--upstream-rate-limit", "5"], &["--upstream"]);
        // --trusted-proxy applies to the mock too (its --rate-limit).
        let s = settings(&["--trusted-proxy", "127.0.0.1"], &[]).unwrap();
        assert!(s.trusted_proxies.trusts("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn sync_is_off_unless_asked_for() {
        let env = &[(ENV_TOKEN, "t")];
        assert_eq!(settings(UP, env).unwrap().sync, None);
        assert_eq!(settings(&[], &[]).unwrap().sync, None);
        let on = |args: &[&'static str]| settings(&with(args), env).map(|s| s.sync);
        assert_eq!(
            on(&["--allow-sync"]).unwrap(),
            Some(SyncSettings {
                cooldown: Duration::from_secs(60)
            })
        );
        assert_eq!(
            on(&["--allow-sync", "--sync-cooldown", "5"]).unwrap(),
            Some(SyncSettings {
                cooldown: Duration::from_secs(5)
            })
        );
        for bad in [
            "--sync-cooldown=0",
            "--sync-cooldown=-1",
            "--sync-cooldown=86401",
            "--sync-cooldown=NaN",
        ] {
            assert_refused(&with(&["--allow-sync", bad]), &["--sync-cooldown"]);
        }
        assert_refused(&with(&["--sync-cooldown", "5"]), &["--allow-sync"]);
        // The mock takes it too, like upstream mode.
        let s = settings(&["--mock", "--allow-sync", "--sync-cooldown", "2"], &[]).unwrap();
        assert_eq!(s.sync.unwrap().cooldown, Duration::from_secs(2));
    }

    #[test]
    fn auth_is_off_unless_asked_for() {
        let env = &[(ENV_TOKEN, "t")];
        assert!(settings(UP, env).unwrap().auth.is_none());
        let auth = |args: &[&'static str]| settings(&with(args), env).map(|s| s.auth);
        let a = auth(&["--auth-url", "https://portal.example/auth?x=1"])
            .unwrap()
            .unwrap();
        assert!(
            matches!(&a.decider, Decider::Remote(u) if u.as_str() == "https://portal.example/auth?x=1")
        );
        assert_eq!(a.ttl, Duration::from_secs(10));
        assert_eq!(a.timeout, Duration::from_secs(5));
        let a = auth(&[
            "--auth-url=http://127.0.0.1:4180/oauth2/auth",
            "--auth-ttl=0",
            "--auth-timeout=0.5",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (a.ttl, a.timeout),
            (Duration::ZERO, Duration::from_millis(500))
        );
        for bad in [
            // The viewers' cookies would cross the network in clear text.
            "http://portal.example/auth",
            "https://user:pw@portal.example/auth",
            "https://portal.example/auth#x",
            "ftp://portal.example/auth",
            "/auth",
        ] {
            assert!(
                matches!(
                    auth(&["--auth-url", bad]),
                    Err(SettingsError::BadAuthUrl(..))
                ),
                "{bad}"
            );
        }
        let url = "--auth-url=https://portal.example/auth";
        for bad in ["--auth-ttl=-1", "--auth-ttl=3601", "--auth-ttl=NaN"] {
            assert_refused(&with(&[url, bad]), &["--auth-ttl", "0 to 3600 seconds"]);
        }
        for bad in ["--auth-timeout=0", "--auth-timeout=61"] {
            assert_refused(
                &with(&[url, bad]),
                &["--auth-timeout", "at most 60 seconds"],
            );
        }
        assert_refused(&with(&["--auth-ttl", "5"]), &["--auth-url", "--mock-auth"]);
        assert_refused(&["--mock-auth", "--auth-timeout", "1"], &["--mock-auth"]);
        assert_refused(&with(&["--auth-timeout", "1"]), &["--auth-url"]);
        assert_refused(&with(&["--mock-auth"]), &["--mock-auth", "--upstream"]);
        let mock = settings(&["--mock", "--mock-auth"], &[])
            .unwrap()
            .auth
            .unwrap();
        assert!(matches!(mock.decider, Decider::Mock));
        assert!(Cli::try_parse_from([
            "modelarts-sync-proxy",
            "--mock-auth",
            "--auth-url=https://portal.example/auth"
        ])
        .is_err());
    }

    #[test]
    fn help_documents_every_option_and_variable() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "--mock",
            "--upstream",
            "--listen",
            "--allow-origin",
            "--project",
            "--cache-ttl",
            "--rate-limit",
            "--upstream-rate-limit",
            "--trusted-proxy",
            "--redis",
            "--upstream-timeout",
            "--static",
            "--cycle",
            "--log-format",
            "--allow-sync",
            "--sync-cooldown",
            "--auth-url",
            "--mock-auth",
            "--auth-ttl",
            "--auth-timeout",
            "X-Requested-With",
            ENV_TOKEN,
            ENV_AK,
            ENV_SK,
            ENV_PROJECT_ID,
            ENV_REDIS_URL,
            "RUST_LOG",
            "status-failed",
            "text-dataset",
        ] {
            assert!(help.contains(needle), "--help lacks {needle}");
        }
    }
}
