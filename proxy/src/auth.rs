//! Viewer authorization, the way reverse proxies do it (nginx
//! `auth_request`, Traefik ForwardAuth, oauth2-proxy): the portal knows who
//! its users are, so with `--auth-url` the proxy asks it, for every status,
//! batch entry and sync, whether this viewer may.
//!
//! ```text
//! GET {--auth-url}
//! Cookie, Authorization            the viewer's, as the browser sent them
//! X-Original-Method: GET | POST    what the viewer asked
//! X-Original-URI: /api/v2/p1/datasets/d1/sync-data/status
//! X-ModelArts-Project-Id: p1       (percent-encoded, as in the path)
//! X-ModelArts-Dataset-Id: d1       (a batch asks once per dataset)
//! → 2xx: allowed; 401, 403: refused as such (PROXY.0401, PROXY.0403);
//!   anything else, a redirect, no answer within --auth-timeout: refused
//!   (PROXY.0503): the proxy fails closed.
//! ```
//!
//! Decisions are kept for `--auth-ttl` (a refusal for [`DENIAL_TTL`] at
//! most, so a viewer who signs in is let in soon) per SHA-256 of the
//! credentials, method, project and dataset: 100 cards cost 100 decisions
//! once per TTL, not one per refresh, and concurrent asks share one request
//! ([`SingleFlight`]). `--mock-auth` decides in the process by the mock's
//! rules ([`mock_decision`]), which `GET /__mock/auth` also answers.
//!
//! The viewer's `Cookie` and `Authorization` are taken off the request by
//! [`middleware`] before any handler runs: they reach the auth URL and
//! nothing else (not the upstream, the logs, Redis, nor the decision cache,
//! which holds only their hash).

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Url;
use sha2::{Digest, Sha256};

use crate::cache::SingleFlight;
use crate::errors::ApiError;
use crate::metrics::Metrics;

/// `--auth-ttl`'s default.
pub const DEFAULT_AUTH_TTL: Duration = Duration::from_secs(10);
/// `--auth-timeout`'s default.
pub const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(5);
/// A refusal is kept this long at most.
pub const DENIAL_TTL: Duration = Duration::from_secs(2);
/// Decisions held at most (the least recently used go first): some 100
/// bytes each.
const DECISIONS: usize = 100_000;

/// What a path segment keeps unencoded (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What the portal said about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// 2xx.
    Allowed,
    /// 401: not signed in.
    Unauthenticated,
    /// 403: signed in, not allowed.
    Forbidden,
    /// Anything else, or no answer: refused all the same.
    Unavailable,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Unavailable => "unavailable",
        }
    }

    fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            200..=299 => Self::Allowed,
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            _ => Self::Unavailable,
        }
    }

    /// The answer to the viewer, unless allowed.
    fn refusal(self) -> Option<ApiError> {
        let (status, code, message) = match self {
            Self::Allowed => return None,
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "PROXY.0401",
                "Not signed in: the portal did not recognise this viewer.",
            ),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                "PROXY.0403",
                "Not allowed: the portal does not let this viewer see this dataset.",
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "PROXY.0503",
                "The portal's authorization service did not answer: try again later.",
            ),
        };
        Some(ApiError::new(status, code, message))
    }
}

/// Who decides.
#[derive(Debug, Clone)]
pub enum Decider {
    /// `--auth-url`: the portal's endpoint, asked with a GET.
    Remote(Url),
    /// `--mock-auth`: the mock's rules ([`mock_decision`]).
    Mock,
}

/// `--auth-url` or `--mock-auth`, with their options.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub decider: Decider,
    /// `--auth-ttl`: how long an allowed decision is kept.
    pub ttl: Duration,
    /// `--auth-timeout`: the auth URL's time to answer.
    pub timeout: Duration,
}

/// The decider, its client and the decisions kept.
pub struct Authorizer {
    decider: Decider,
    client: reqwest::Client,
    ttl: Duration,
    decisions: Arc<SingleFlight<[u8; 32], Decision>>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorizer")
            .field("decider", &self.decider)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Authorizer {
    pub fn new(settings: &AuthSettings, metrics: Arc<Metrics>) -> Result<Self, reqwest::Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            // A redirect (to a sign-in page) is no decision: refused.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("modelarts-sync-proxy/", env!("CARGO_PKG_VERSION")));
        if let Decider::Remote(url) = &settings.decider {
            if url.host_str().is_some_and(crate::host::is_loopback_host) {
                builder = builder.no_proxy();
            }
        }
        Ok(Self {
            decider: settings.decider.clone(),
            client: builder.build()?,
            ttl: settings.ttl,
            decisions: Arc::new(SingleFlight::with_entries(
                settings.ttl,
                NonZeroUsize::new(DECISIONS).expect("not zero"),
            )),
            metrics,
        })
    }

    /// The decision for this viewer's request about one dataset: kept,
    /// being asked, or asked now.
    async fn decide(&self, viewer: &Viewer, project_id: &str, dataset_id: &str) -> Decision {
        let key = viewer.key(project_id, dataset_id);
        let ttl = self.ttl;
        // Built only when the portal is asked: a kept decision copies nothing.
        let ask = || Ask {
            decider: self.decider.clone(),
            client: self.client.clone(),
            credentials: viewer.credentials.clone(),
            method: viewer.method.clone(),
            uri: viewer.uri.clone(),
            project_id: project_id.to_owned(),
            dataset_id: dataset_id.to_owned(),
        };
        let (decision, source) = self
            .decisions
            .get_or_fetch_admitted(
                key,
                || Ok::<(), std::convert::Infallible>(()),
                move || {
                    let ask = ask();
                    async move {
                        let decision = ask.send().await;
                        // A refusal counts as older: it is kept DENIAL_TTL at most.
                        let age = match decision {
                            Decision::Allowed => Duration::ZERO,
                            _ => ttl.saturating_sub(DENIAL_TTL),
                        };
                        (decision, age)
                    }
                },
                || Decision::Unavailable,
            )
            .await
            .unwrap_or_else(|never| match never {});
        self.metrics.auth(decision.as_str(), source);
        decision
    }
}

/// An ID percent-encoded as in the path (header values are ASCII then).
fn segment(id: &str) -> String {
    utf8_percent_encode(id, SEGMENT).to_string()
}

fn bytes(value: &Option<HeaderValue>) -> &[u8] {
    value.as_ref().map_or(&b""[..], |v| v.as_bytes())
}

/// One question to the decider, owned (it runs in a task of its own); the
/// IDs as the router decoded them.
struct Ask {
    decider: Decider,
    client: reqwest::Client,
    credentials: Credentials,
    method: Method,
    uri: String,
    project_id: String,
    dataset_id: String,
}

impl Ask {
    async fn send(self) -> Decision {
        let url = match self.decider {
            Decider::Mock => {
                return mock_decision(
                    self.credentials.cookie.as_ref(),
                    &self.method,
                    &self.project_id,
                )
            }
            Decider::Remote(url) => url,
        };
        let mut request = self
            .client
            .get(url)
            .header("X-Original-Method", self.method.as_str())
            .header("X-Original-URI", self.uri)
            .header("X-ModelArts-Project-Id", segment(&self.project_id))
            .header("X-ModelArts-Dataset-Id", segment(&self.dataset_id));
        if let Some(cookie) = self.credentials.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(authorization) = self.credentials.authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        match request.send().await {
            Ok(response) => Decision::from_status(response.status()),
            Err(error) => {
                tracing::warn!(
                    error = %error,
                    "the auth URL did not answer: refused (fail closed)"
                );
                Decision::Unavailable
            }
        }
    }
}

/// The viewer's `Cookie` and `Authorization`, as the browser sent them;
/// `Debug` never shows them.
#[derive(Clone, Default)]
struct Credentials {
    cookie: Option<HeaderValue>,
    authorization: Option<HeaderValue>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

/// One request's viewer, as [`middleware`] found it: what each handler asks
/// with [`Viewer::may`] about each dataset it would answer.
#[derive(Clone, Debug)]
pub struct Viewer {
    authorizer: Option<Arc<Authorizer>>,
    credentials: Credentials,
    method: Method,
    uri: String,
}

impl Viewer {
    /// Nothing refused (no `--auth-url`, no `--mock-auth`).
    pub fn anyone() -> Self {
        Self {
            authorizer: None,
            credentials: Credentials::default(),
            method: Method::GET,
            uri: String::new(),
        }
    }

    /// `Err` with the answer to give when this viewer may not do what the
    /// request asks with this dataset.
    pub async fn may(&self, project_id: &str, dataset_id: &str) -> Result<(), ApiError> {
        let Some(authorizer) = &self.authorizer else {
            return Ok(());
        };
        match authorizer
            .decide(self, project_id, dataset_id)
            .await
            .refusal()
        {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }

    /// What a decision is kept under: each field length-prefixed, so no two
    /// different requests hash alike.
    fn key(&self, project_id: &str, dataset_id: &str) -> [u8; 32] {
        let mut hash = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_be_bytes());
            hash.update(bytes);
        };
        field(&[u8::from(self.credentials.cookie.is_some())]);
        field(bytes(&self.credentials.cookie));
        field(&[u8::from(self.credentials.authorization.is_some())]);
        field(bytes(&self.credentials.authorization));
        field(self.method.as_str().as_bytes());
        field(project_id.as_bytes());
        field(dataset_id.as_bytes());
        hash.finalize().into()
    }
}

/// The request's viewer, as [`middleware`] left it; without it (no
/// `--auth-url`, no `--mock-auth`), [`Viewer::anyone`].
impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_else(Viewer::anyone))
    }
}

/// Middleware on the API routes (with `--auth-url` or `--mock-auth`): takes the viewer's credentials off the
/// request (nothing after it sees them) into a [`Viewer`].
pub async fn middleware(
    State(authorizer): State<Arc<Authorizer>>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers_mut();
    let credentials = Credentials {
        cookie: joined(headers, header::COOKIE),
        authorization: headers.remove(header::AUTHORIZATION),
    };
    headers.remove(header::COOKIE);
    let viewer = Viewer {
        authorizer: Some(authorizer),
        credentials,
        method: request.method().clone(),
        uri: request
            .uri()
            .path_and_query()
            .map_or_else(|| request.uri().path().to_owned(), |pq| pq.to_string()),
    };
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

/// A header sent several times (HTTP/2 splits `Cookie`), as one value.
fn joined(headers: &HeaderMap, name: header::HeaderName) -> Option<HeaderValue> {
    let mut values = headers.get_all(&name).iter();
    let first = values.next()?.clone();
    let mut all = first.as_bytes().to_vec();
    for more in values {
        all.extend_from_slice(b"; ");
        all.extend_from_slice(more.as_bytes());
    }
    HeaderValue::from_bytes(&all).ok()
}

/// The mock's viewers, for the demo and the tests: (the `mss_user` cookie,
/// the projects they may see, whether they may start syncs).
pub const MOCK_VIEWERS: &[(&str, &[&str], bool)] =
    &[("alice", &["p1"], true), ("bob", &["p1"], false)];

/// The mock's rules: no `mss_user` cookie is 401; a user of
/// [`MOCK_VIEWERS`] may read the projects listed (and start their syncs if
/// so listed); anything else is 403.
pub fn mock_decision(cookie: Option<&HeaderValue>, method: &Method, project_id: &str) -> Decision {
    let user = cookie
        .and_then(|c| c.to_str().ok())
        .and_then(|c| {
            c.split(';')
                .find_map(|pair| pair.trim().strip_prefix("mss_user="))
        })
        .filter(|u| !u.is_empty());
    let Some(user) = user else {
        return Decision::Unauthenticated;
    };
    let allowed = MOCK_VIEWERS.iter().any(|(name, projects, sync)| {
        *name == user && projects.contains(&project_id) && (*method != Method::POST || *sync)
    });
    if allowed {
        Decision::Allowed
    } else {
        Decision::Forbidden
    }
}

/// `GET /__mock/auth`: [`mock_decision`] as an auth URL answers (204, 401
/// or 403), to try `--auth-url` against.
pub async fn mock_endpoint(headers: HeaderMap) -> Response {
    let method = headers
        .get("x-original-method")
        .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
        .unwrap_or(Method::GET);
    let project_id = headers
        .get("x-modelarts-project-id")
        .and_then(|p| p.to_str().ok())
        .unwrap_or_default();
    match mock_decision(headers.get(header::COOKIE), &method, project_id) {
        Decision::Allowed => StatusCode::NO_CONTENT.into_response(),
        refused => refused.refusal().map_or_else(
            || StatusCode::FORBIDDEN.into_response(),
            |e| e.into_response(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(cookie: Option<&str>, authorization: Option<&str>, method: Method) -> Viewer {
        Viewer {
            authorizer: None,
            credentials: Credentials {
                cookie: cookie.map(|c| HeaderValue::from_str(c).unwrap()),
                authorization: authorization.map(|a| HeaderValue::from_str(a).unwrap()),
            },
            method,
            uri: "/v2/p/datasets/d/sync-data/status".into(),
        }
    }

    #[test]
    fn keys_tell_every_field_apart() {
        let base = viewer(Some("a=1"), None, Method::GET).key("p", "d");
        let others = [
            viewer(Some("a=2"), None, Method::GET).key("p", "d"),
            viewer(None, Some("a=1"), Method::GET).key("p", "d"),
            viewer(None, None, Method::GET).key("p", "d"),
            viewer(Some(""), None, Method::GET).key("p", "d"),
            viewer(Some("a=1"), None, Method::POST).key("p", "d"),
            viewer(Some("a=1"), None, Method::GET).key("p2", "d"),
            viewer(Some("a=1"), None, Method::GET).key("p", "d2"),
            // Moving a byte from one field to the next is another key.
            viewer(Some("a=1"), None, Method::GET).key("pd", ""),
        ];
        for other in others {
            assert_ne!(base, other);
        }
        assert_eq!(base, viewer(Some("a=1"), None, Method::GET).key("p", "d"));
    }

    #[test]
    fn credentials_never_show_in_debug() {
        let v = viewer(Some("session=s3cret"), Some("Bearer t0ken"), Method::GET);
        let shown = format!("{v:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("t0ken"),
            "{shown}"
        );
    }

    #[test]
    fn the_mock_rules() {
        use Decision::*;
        for (cookie, method, project, decision) in [
            (None, Method::GET, "p1", Unauthenticated),
            (Some("other=1"), Method::GET, "p1", Unauthenticated),
            (Some("x=1; mss_user=alice"), Method::GET, "p1", Allowed),
            (Some("mss_user=alice"), Method::POST, "p1", Allowed),
            (Some("mss_user=alice"), Method::GET, "p2", Forbidden),
            (Some("mss_user=bob"), Method::GET, "p1", Allowed),
            (Some("mss_user=bob"), Method::POST, "p1", Forbidden),
            (Some("mss_user=mallory"), Method::GET, "p1", Forbidden),
        ] {
            let cookie = cookie.map(|c| HeaderValue::from_str(c).unwrap());
            assert_eq!(
                mock_decision(cookie.as_ref(), &method, project),
                decision,
                "{cookie:?} {method} {project}"
            );
        }
    }

    #[test]
    fn statuses_become_decisions() {
        for (status, decision) in [
            (200, Decision::Allowed),
            (204, Decision::Allowed),
            (302, Decision::Unavailable),
            (401, Decision::Unauthenticated),
            (403, Decision::Forbidden),
            (404, Decision::Unavailable),
            (500, Decision::Unavailable),
        ] {
            assert_eq!(
                Decision::from_status(StatusCode::from_u16(status).unwrap()),
                decision
            );
        }
        assert!(Decision::Allowed.refusal().is_none());
        assert_eq!(
            Decision::Unavailable.refusal().unwrap().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
