//! The requests the proxy makes: GET of the status path on ModelArts, and,
//! with `--allow-sync`, POST of the sync path (no body), with the
//! credentials added here and nothing of the browser's request.
//!
//! The upstream request carries only the headers set below (`Host`,
//! `Accept`, `User-Agent`, the credentials, and for the POST an unsigned
//! `Content-Type: application/json` as the SDKs send, with
//! `Content-Length: 0`); the answer comes back as an
//! [`UpstreamAnswer`]: the upstream status, its JSON body byte for byte, and its
//! `Retry-After`, or a JSON error body when the upstream sent no JSON, took
//! too long, or could not be reached.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Url;

use crate::errors::ApiError;
use crate::host::is_loopback_host;
use crate::metrics::Metrics;
use crate::sign;
use crate::validation::Target;

/// A status body is a few hundred bytes; anything far larger is not one.
const MAX_BODY: usize = 1 << 20;

static X_AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
static X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");
static X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");

/// What the proxy answers for one status request (shared by every viewer
/// of the dataset for the cache TTL, hence cheap to clone).
#[derive(Debug, Clone)]
pub struct UpstreamAnswer {
    pub status: StatusCode,
    /// JSON; empty only for a sync the upstream accepted (its 2xx has no body).
    pub body: Bytes,
    pub retry_after: Option<HeaderValue>,
    /// `None` when the upstream gave no answer (timeout, unreachable).
    pub upstream_status: Option<StatusCode>,
}

impl UpstreamAnswer {
    /// The upstream's answer, kept as it is when its body is JSON.
    pub fn from_upstream(
        status: StatusCode,
        body: Bytes,
        retry_after: Option<HeaderValue>,
    ) -> Self {
        let body = if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() {
            body
        } else {
            let error = ApiError::new(
                status,
                "PROXY.0502",
                format!(
                    "The upstream answered HTTP {} with a body that is not JSON.",
                    status.as_u16()
                ),
            );
            Bytes::from(error.body())
        };
        Self {
            status,
            body,
            retry_after,
            upstream_status: Some(status),
        }
    }

    /// The upstream's answer to the POST that starts a sync: a success
    /// without a body stays without one (as the API answers it); any other
    /// answer is taken as [`from_upstream`](Self::from_upstream) takes it.
    pub fn from_trigger(status: StatusCode, body: Bytes, retry_after: Option<HeaderValue>) -> Self {
        if status.is_success() && body.iter().all(u8::is_ascii_whitespace) {
            return Self {
                status,
                body: Bytes::new(),
                retry_after,
                upstream_status: Some(status),
            };
        }
        Self::from_upstream(status, body, retry_after)
    }

    /// An answer of the proxy's own, when the upstream gave none.
    pub fn proxy_error(error: ApiError) -> Self {
        Self {
            status: error.status,
            body: Bytes::from(error.body()),
            retry_after: None,
            upstream_status: None,
        }
    }

    pub fn timeout(after: Duration) -> Self {
        Self::proxy_error(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "PROXY.0504",
            format!(
                "The upstream did not answer within {} s.",
                after.as_secs_f64()
            ),
        ))
    }

    pub fn bad_gateway(message: &str) -> Self {
        Self::proxy_error(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "PROXY.0502",
            message,
        ))
    }

    pub fn to_response(&self) -> Response {
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            // A `Body`, not `Bytes`: no Content-Type of its own.
            axum::body::Body::from(self.body.clone()),
        )
            .into_response();
        if !self.body.is_empty() {
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        if let Some(retry_after) = &self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, retry_after.clone());
        }
        response
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("{0} is not a valid HTTP header value")]
    Header(&'static str),
    /// The Redis client (its message never holds the password).
    #[error("{0}")]
    Redis(String),
}

enum Auth {
    Token(HeaderValue),
    AkSk {
        access_key: String,
        secret_key: String,
    },
}

/// A value that must not be printed: `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How the proxy authenticates to ModelArts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Token(Secret),
    AkSk {
        access_key: String,
        secret_key: Secret,
    },
}

impl Credentials {
    /// For the start-up log: the kind, never the value.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "IAM token (X-Auth-Token)",
            Self::AkSk { .. } => "AK/SK (SDK-HMAC-SHA256)",
        }
    }
}

/// The client for one upstream endpoint, with its credentials.
pub struct Upstream {
    client: reqwest::Client,
    base: Url,
    host: String,
    auth: Auth,
    project_id: Option<HeaderValue>,
    timeout: Duration,
    metrics: Arc<Metrics>,
}

impl Upstream {
    /// A client for `base`, with `credentials`, the `X-Project-Id` header
    /// if any, and a `timeout` for each request.
    pub fn new(
        base: &Url,
        credentials: &Credentials,
        project_header: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, BuildError> {
        // reqwest is built without a rustls provider (to avoid aws-lc's
        // cmake build); ring it is. Err means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            // A redirect would be a request to somewhere not configured.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .user_agent(concat!("modelarts-sync-proxy/", env!("CARGO_PKG_VERSION")));
        if base.host_str().is_some_and(is_loopback_host) {
            // A local upstream (a gateway, the mock, a test) is never
            // reached through an HTTP(S)_PROXY from the environment.
            builder = builder.no_proxy();
        }
        let client = builder.build()?;
        let auth = match credentials {
            Credentials::Token(token) => Auth::Token(sensitive(token.expose(), "MODELARTS_TOKEN")?),
            Credentials::AkSk {
                access_key,
                secret_key,
            } => Auth::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.expose().to_owned(),
            },
        };
        let project_id = match project_header {
            Some(id) => Some(
                HeaderValue::from_str(id)
                    .map_err(|_| BuildError::Header("HUAWEICLOUD_SDK_PROJECT_ID"))?,
            ),
            None => None,
        };
        Ok(Self {
            client,
            host: host_header(base),
            base: base.clone(),
            auth,
            project_id,
            timeout,
            metrics: Arc::default(),
        })
    }

    /// Counts its requests and their durations in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The credential headers for a `method` request of `path` without a
    /// body (GET, or the POST that starts a sync), signed at `now`.
    pub fn auth_headers(
        &self,
        method: &Method,
        path: &str,
        now: SystemTime,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = Vec::with_capacity(3);
        if let Some(project_id) = &self.project_id {
            headers.push((X_PROJECT_ID.clone(), project_id.clone()));
        }
        match &self.auth {
            Auth::Token(token) => headers.push((X_AUTH_TOKEN.clone(), token.clone())),
            Auth::AkSk {
                access_key,
                secret_key,
            } => {
                let date = sign::sdk_date(now);
                let mut signed = vec![("host", self.host.as_str()), ("x-sdk-date", date.as_str())];
                let project_id = self.project_id.as_ref().and_then(|v| v.to_str().ok());
                if let Some(project_id) = project_id {
                    signed.push(("x-project-id", project_id));
                }
                let request = sign::Request {
                    method: method.as_str(),
                    path,
                    query: &[],
                    headers: &signed,
                    body: b"",
                };
                let authorization = sign::authorization(&request, &date, access_key, secret_key);
                // Both are ASCII made of checked parts; a failure would only
                // drop the header, and the gateway would answer 401.
                if let Ok(date) = HeaderValue::from_str(&date) {
                    headers.push((X_SDK_DATE.clone(), date));
                }
                if let Ok(mut value) = HeaderValue::from_str(&authorization) {
                    value.set_sensitive(true);
                    headers.push((header::AUTHORIZATION, value));
                }
            }
        }
        headers
    }

    /// Asks the upstream for one status; never fails, never takes longer
    /// than the timeout (an [`UpstreamAnswer`] says what went wrong).
    pub async fn fetch(&self, target: &Target) -> UpstreamAnswer {
        self.bounded(Method::GET, target.upstream_path()).await
    }

    /// Asks the upstream to start a sync of one dataset (POST, no body);
    /// never fails, never takes longer than the timeout.
    pub async fn trigger(&self, target: &Target) -> UpstreamAnswer {
        self.bounded(Method::POST, target.sync_path()).await
    }

    async fn bounded(&self, method: Method, path: String) -> UpstreamAnswer {
        let start = std::time::Instant::now();
        let request = if method == Method::POST {
            "sync"
        } else {
            "status"
        };
        let answer = self.bounded_unmeasured(method, path).await;
        self.metrics.upstream(
            request,
            answer.upstream_status.map(|s| s.as_u16()),
            start.elapsed(),
        );
        answer
    }

    async fn bounded_unmeasured(&self, method: Method, path: String) -> UpstreamAnswer {
        match tokio::time::timeout(self.timeout, self.exchange(method, path)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) if error.is_timeout() => UpstreamAnswer::timeout(self.timeout),
            Ok(Err(error)) => {
                // reqwest's message names the URL, never the headers.
                tracing::warn!(error = %error, "upstream request failed");
                if error.is_connect() {
                    UpstreamAnswer::bad_gateway("The upstream could not be reached.")
                } else {
                    UpstreamAnswer::bad_gateway("The upstream request failed.")
                }
            }
            Err(_) => UpstreamAnswer::timeout(self.timeout),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        path: String,
    ) -> Result<UpstreamAnswer, reqwest::Error> {
        let mut url = self.base.clone();
        url.set_path(&path);
        let post = method == Method::POST;
        let mut request = self
            .client
            .request(method.clone(), url)
            .header(header::HOST, &self.host)
            .header(header::ACCEPT, "application/json");
        if post {
            // No body, said explicitly (as the SDKs' HTTP clients do: some
            // gateways refuse a POST without a length); Content-Type as the
            // SDKs send it (and, like them, not signed).
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, "0")
                .body(Vec::<u8>::new());
        }
        for (name, value) in self.auth_headers(&method, &path, SystemTime::now()) {
            request = request.header(name, value);
        }
        let mut response = request.send().await?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .filter(|v| v.len() <= 64 && v.to_str().is_ok())
            .cloned();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_BODY {
                return Ok(UpstreamAnswer::bad_gateway(
                    "The upstream answer is too large to be a status.",
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let body = Bytes::from(body);
        Ok(if post {
            UpstreamAnswer::from_trigger(status, body, retry_after)
        } else {
            UpstreamAnswer::from_upstream(status, body, retry_after)
        })
    }
}

/// `host[:port]` as the request's `Host` header has it (port only when not
/// the scheme's default), which is also the value signed.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn sensitive(value: &str, what: &'static str) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| BuildError::Header(what))?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn upstream(credentials: Credentials, project: Option<&str>) -> Upstream {
        Upstream::new(
            &Url::parse("https://modelarts.cn-north-4.myhuaweicloud.com").unwrap(),
            &credentials,
            project,
            Duration::from_secs(10),
        )
        .unwrap()
    }

    fn names(headers: &[(HeaderName, HeaderValue)]) -> Vec<&str> {
        headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn token_headers() {
        let u = upstream(Credentials::Token(Secret::new("tok")), None);
        let h = u.auth_headers(
            &Method::GET,
            "/v2/p/datasets/d/sync-data/status",
            SystemTime::now(),
        );
        assert_eq!(names(&h), ["x-auth-token"]);
        assert_eq!(h[0].1, "tok");
        assert!(h[0].1.is_sensitive());
    }

    #[test]
    fn signed_headers_match_the_reference() {
        // Same request as sign.rs's `status_request_with_project_header`.
        let u = upstream(
            Credentials::AkSk {
                access_key: "EXAMPLEAK0123456789AB".into(),
                secret_key: Secret::new("exampleSk0123456789abcdefghijklmnopqrstuv"),
            },
            Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        );
        let at = UNIX_EPOCH + Duration::from_secs(1_795_919_760);
        let h = u.auth_headers(
            &Method::GET,
            "/v2/0a1b2c3d4e5f60718293a4b5c6d7e8f9/datasets/gfghHSokody6AJigS5A/sync-data/status",
            at,
        );
        assert_eq!(names(&h), ["x-project-id", "x-sdk-date", "authorization"]);
        assert_eq!(h[1].1, "20261129T023600Z");
        assert_eq!(
            h[2].1,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=e20cf3f4fe6835157bdd66150d8a3df391a708403ecb9287ba8ba5d55ddf1547"
        );
    }

    #[test]
    fn the_sync_post_is_signed_as_a_post() {
        // Same request as sign.rs's `sync_post_with_an_empty_body`.
        let u = upstream(
            Credentials::AkSk {
                access_key: "EXAMPLEAK0123456789AB".into(),
                secret_key: Secret::new("exampleSk0123456789abcdefghijklmnopqrstuv"),
            },
            Some("0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
        );
        let at = UNIX_EPOCH + Duration::from_secs(1_795_919_760);
        let target = Target {
            project_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
            dataset_id: "gfghHSokody6AJigS5A".into(),
        };
        let h = u.auth_headers(&Method::POST, &target.sync_path(), at);
        assert_eq!(names(&h), ["x-project-id", "x-sdk-date", "authorization"]);
        assert_eq!(
            h[2].1,
            "SDK-HMAC-SHA256 Access=EXAMPLEAK0123456789AB, SignedHeaders=host;x-project-id;x-sdk-date, \
             Signature=a61e533c0e02ea2aae6a197bf4ac561ae48b95a172ef77734cc394e13eba91b3"
        );
    }

    #[test]
    fn a_trigger_answer_without_body_stays_without_one() {
        let a = UpstreamAnswer::from_trigger(StatusCode::OK, Bytes::new(), None);
        assert_eq!((a.status, a.body.len()), (StatusCode::OK, 0));
        let r = a.to_response();
        assert!(r.headers().get(header::CONTENT_TYPE).is_none());
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        // Errors are JSON, as for the GET.
        let a = UpstreamAnswer::from_trigger(
            StatusCode::FORBIDDEN,
            Bytes::from_static(b"<html>"),
            None,
        );
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v["error_code"], "PROXY.0502");
        let body = Bytes::from_static(br#"{"error_code":"ModelArts.4352","error_msg":"x"}"#);
        let a = UpstreamAnswer::from_trigger(StatusCode::BAD_REQUEST, body.clone(), None);
        assert_eq!(a.body, body);
        assert_eq!(
            a.to_response().headers()[header::CONTENT_TYPE],
            "application/json"
        );
    }

    #[test]
    fn host_header_has_the_port_only_when_not_default() {
        let h = |s: &str| host_header(&Url::parse(s).unwrap());
        assert_eq!(h("https://modelarts.example"), "modelarts.example");
        assert_eq!(h("https://modelarts.example:443"), "modelarts.example");
        assert_eq!(
            h("https://modelarts.example:8443"),
            "modelarts.example:8443"
        );
        assert_eq!(h("http://127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(h("http://[::1]:9000"), "[::1]:9000");
    }

    #[test]
    fn non_json_bodies_become_json_errors_with_the_status_kept() {
        let a = UpstreamAnswer::from_upstream(
            StatusCode::SERVICE_UNAVAILABLE,
            Bytes::from_static(b"<html>503</html>"),
            Some(HeaderValue::from_static("20")),
        );
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v["error_code"], "PROXY.0502");
        assert_eq!(a.to_response().headers()[header::RETRY_AFTER], "20");
        let body =
            Bytes::from_static(br#"{"status":"RUNNING","total_sample_count":9007199254740993}"#);
        let a = UpstreamAnswer::from_upstream(StatusCode::OK, body.clone(), None);
        assert_eq!(a.body, body);
        let a = UpstreamAnswer::from_upstream(StatusCode::UNAUTHORIZED, Bytes::new(), None);
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert!(serde_json::from_slice::<serde_json::Value>(&a.body).is_ok());
    }
}
