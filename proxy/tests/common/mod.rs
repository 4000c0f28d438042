//! Shared by the end-to-end tests: a fake ModelArts on 127.0.0.1:0 that
//! records what it receives, a proxy started in-process on 127.0.0.1:0, and
//! a raw HTTP/1.1 client for paths that URL libraries would normalize
//! (`..`) before sending.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hmac::Mac;
use modelarts_sync_proxy::{app, serve_on, Credentials, Mode, Origins, Settings, UpstreamSettings};
use sha2::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every test's network wait ends within this.
pub const LIMIT: Duration = Duration::from_secs(15);

/// One request as the fake upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Asserts that only the headers the proxy may send upstream reached it
/// (anything else is a leak of the browser's request): a GET's, and with a
/// POST's empty body also its `content-type` and `content-length`.
pub fn assert_only_allowed_headers(received: &Received) {
    const ALLOWED: &[&str] = &[
        "host",
        "accept",
        "user-agent",
        "x-auth-token",
        "x-sdk-date",
        "authorization",
        "x-project-id",
    ];
    const BODY: &[&str] = &["content-type", "content-length"];
    let post = received.method == "POST";
    for name in received.headers.keys() {
        let name = name.as_str();
        assert!(
            ALLOWED.contains(&name) || (post && BODY.contains(&name)),
            "header {name} reached the upstream with a {}",
            received.method
        );
    }
}

/// What the fake upstream answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub delay: Duration,
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub retry_after: Option<&'static str>,
}

impl Default for Reply {
    fn default() -> Self {
        Self {
            delay: Duration::ZERO,
            status: StatusCode::OK,
            content_type: "application/json",
            body: r#"{"status":"RUNNING","dataset_id":"d1"}"#.into(),
            retry_after: None,
        }
    }
}

#[derive(Default)]
struct FakeState {
    received: Mutex<Vec<Received>>,
    reply: Mutex<Reply>,
}

/// A fake ModelArts: answers every request with the current [`Reply`].
#[derive(Clone)]
pub struct FakeUpstream {
    pub url: String,
    state: Arc<FakeState>,
}

impl FakeUpstream {
    pub async fn start(reply: Reply) -> Self {
        let state = Arc::new(FakeState {
            received: Mutex::new(Vec::new()),
            reply: Mutex::new(reply),
        });
        let router = Router::new()
            .fallback(fake_answer)
            .with_state(Arc::clone(&state));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            url: format!("http://{addr}"),
            state,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The methods of the requests received, in order.
    pub fn methods(&self) -> Vec<String> {
        self.received().into_iter().map(|r| r.method).collect()
    }

    pub fn count(&self) -> usize {
        self.state.received.lock().unwrap().len()
    }

    pub fn set_reply(&self, reply: Reply) {
        *self.state.reply.lock().unwrap() = reply;
    }
}

async fn fake_answer(State(state): State<Arc<FakeState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    state.received.lock().unwrap().push(Received {
        method: parts.method.to_string(),
        target: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: parts.headers,
        body,
    });
    let reply = state.reply.lock().unwrap().clone();
    tokio::time::sleep(reply.delay).await;
    let mut response = (
        reply.status,
        [("content-type", reply.content_type)],
        reply.body,
    )
        .into_response();
    if let Some(r) = reply.retry_after {
        response
            .headers_mut()
            .insert("retry-after", r.parse().unwrap());
    }
    response
}

/// Upstream-mode settings for a fake upstream, without rate limit or CORS.
pub fn upstream_settings(upstream: &FakeUpstream, credentials: Credentials) -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        mode: Mode::Upstream(UpstreamSettings {
            base: upstream.url.parse().unwrap(),
            credentials,
            project_header: None,
            projects: vec![],
            cache_ttl: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            upstream_rate_limit: None,
            upstream_budget: None,
            cache_entries: std::num::NonZeroUsize::new(10_000).unwrap(),
            redis: None,
        }),
        origins: Origins::List(vec![]),
        rate_limit: None,
        trusted_proxies: Default::default(),
        static_dir: None,
        sync: None,
        connections: Default::default(),
        public_origins: Default::default(),
        metrics_listen: None,
        metrics: Default::default(),
        auth: None,
    }
}

pub fn token() -> Credentials {
    Credentials::Token(modelarts_sync_proxy::Secret::new("test-token-123"))
}

pub fn mock_settings() -> Settings {
    Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        mode: Mode::Mock {
            cycle: Duration::from_secs(75),
        },
        origins: Origins::Loopback,
        rate_limit: None,
        trusted_proxies: Default::default(),
        static_dir: None,
        sync: None,
        connections: Default::default(),
        public_origins: Default::default(),
        metrics_listen: None,
        metrics: Default::default(),
        auth: None,
    }
}

pub fn with_rate_limit(mut settings: Settings, per_minute: u32) -> Settings {
    settings.rate_limit = NonZeroU32::new(per_minute);
    settings
}

/// `--allow-sync` with this `--sync-cooldown`.
pub fn with_sync(mut settings: Settings, cooldown: Duration) -> Settings {
    settings.sync = Some(modelarts_sync_proxy::SyncSettings { cooldown });
    settings
}

pub fn with_static(mut settings: Settings, dir: PathBuf) -> Settings {
    settings.static_dir = Some(dir);
    settings
}

pub fn upstream_mut(settings: &mut Settings) -> &mut UpstreamSettings {
    match &mut settings.mode {
        Mode::Upstream(u) => u,
        Mode::Mock { .. } => panic!("not upstream settings"),
    }
}

/// Starts the proxy in-process; returns its address. It stops with the test.
pub async fn start_proxy(settings: Settings) -> SocketAddr {
    let limits = settings.connections.clone();
    let metrics = Arc::clone(&settings.metrics);
    let router = app(settings).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_on(
        listener,
        router,
        limits,
        metrics,
        std::future::pending(),
    ));
    addr
}

/// An HTTP client for tests (rustls needs its provider installed first).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(LIMIT)
        .build()
        .unwrap()
}

/// An answer read by [`raw`].
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends `METHOD target HTTP/1.1` exactly as given (no normalization).
pub async fn raw(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    raw_to_host(addr, &addr.to_string(), method, target, headers).await
}

/// [`raw`] with this `Host` header instead of the address connected to.
pub async fn raw_to_host(
    addr: SocketAddr,
    host: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    tokio::time::timeout(LIMIT, raw_inner(addr, host, method, target, headers))
        .await
        .expect("raw request timed out")
}

async fn raw_inner(
    addr: SocketAddr,
    host: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> RawResponse {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of headers");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut body = bytes[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("no status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body: Bytes::from(body),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

/// The status path for these IDs (already valid, so sent as is).
pub fn status_path(project: &str, dataset: &str) -> String {
    format!("/v2/{project}/datasets/{dataset}/sync-data/status")
}

/// The sync path (POST) for these IDs.
pub fn sync_path(project: &str, dataset: &str) -> String {
    format!("/v2/{project}/datasets/{dataset}/sync-data")
}

/// Verifies an `SDK-HMAC-SHA256` request as the API gateway would, written
/// here from the algorithm (not with the proxy's `sign` module): canonical
/// request with the method as received and the URI's trailing slash, signed
/// headers from the `Authorization` header, the hash of the empty body (the
/// proxy's requests have none), HMAC-SHA256 keyed with the SK.
pub fn verify_sdk_signature(
    received: &Received,
    access_key: &str,
    secret_key: &str,
) -> Result<(), String> {
    let authorization = received
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization")?;
    let rest = authorization
        .strip_prefix("SDK-HMAC-SHA256 ")
        .ok_or("not SDK-HMAC-SHA256")?;
    let mut access = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(", ") {
        match part.split_once('=') {
            Some(("Access", v)) => access = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return Err(format!("unexpected part {part:?}")),
        }
    }
    let (access, signed, signature) = (
        access.ok_or("no Access")?,
        signed.ok_or("no SignedHeaders")?,
        signature.ok_or("no Signature")?,
    );
    if access != access_key {
        return Err(format!("Access={access}"));
    }
    let names: Vec<&str> = signed.split(';').collect();
    for must in ["host", "x-sdk-date"] {
        if !names.contains(&must) {
            return Err(format!("{must} not signed"));
        }
    }
    let mut canonical_headers = String::new();
    for name in &names {
        let value = received
            .headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .ok_or(format!("signed header {name} missing"))?;
        canonical_headers.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let (path, query) = received
        .target
        .split_once('?')
        .unwrap_or((received.target.as_str(), ""));
    let canonical = format!(
        "{}\n{}/\n{}\n{}\n{}\n{}",
        received.method,
        path,
        query,
        canonical_headers,
        signed,
        hex::encode(sha2::Sha256::digest(b"")),
    );
    let date = received
        .headers
        .get("x-sdk-date")
        .and_then(|v| v.to_str().ok())
        .ok_or("no X-Sdk-Date")?;
    let to_sign = format!(
        "SDK-HMAC-SHA256\n{date}\n{}",
        hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret_key.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    if expected != signature {
        return Err(format!("signature {signature} != {expected}"));
    }
    Ok(())
}
