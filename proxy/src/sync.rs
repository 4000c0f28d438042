//! `--allow-sync`: `POST [/api]/v2/{project_id}/datasets/{dataset_id}/sync-data`,
//! which starts a synchronization of the dataset. The product's only write,
//! so off unless asked for, and guarded (in this order, after the method):
//!
//! 1. **Not from another site** ([`check_caller`]). The request must carry
//!    an `X-Requested-With` header (any value): an HTML form cannot send one,
//!    and a script of another origin that adds it triggers a CORS preflight,
//!    which only `--allow-origin` origins pass ([`crate::cors`]). And an
//!    `Origin`, when there is one, must be the proxy's own (a
//!    `--public-origin`, or `http://` + the `Host` when that is `localhost`
//!    or an IP address: never a name the request brings, see
//!    [`crate::host`]) or an `--allow-origin` one. A request without
//!    `Origin` (curl, a server) is not a browser's cross-site request and
//!    passes this check.
//! 2. **Valid IDs, allowed project** ([`crate::validation`], `--project`),
//!    **a viewer the portal lets start it** (`--auth-url`, [`crate::auth`]).
//! 3. **Once per dataset per `--sync-cooldown`** ([`Cooldowns`]): per
//!    project and dataset, whoever asks; a second trigger meanwhile is a 429
//!    with `Retry-After`, and never reaches the upstream.
//!
//! The answer is never cached nor shared with the status requests (it is a
//! request of its own, never through [`crate::cache`]). Each trigger is one
//! access-log line with the dataset, the origin and the [`SyncResult`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode, Uri};

use crate::cors::Origins;
use crate::errors::ApiError;
use crate::host::{request_host, PublicOrigins};
use crate::validation::Target;

/// The header a form cannot send (and a cross-origin script only after a
/// preflight).
pub const REQUESTED_WITH: &str = "x-requested-with";

/// Forget cooldowns that ended once this many datasets are tracked.
const PRUNE_AT: usize = 10_000;

/// What became of one POST to the sync path, for the access log (a
/// response extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncResult {
    /// The upstream (or the mock) accepted it: a sync started.
    Started,
    /// The upstream answered with an error (its status is in the log line).
    Refused,
    /// The upstream gave no answer (timeout, unreachable).
    Failed,
    /// Without `--allow-sync`.
    NotEnabled,
    /// No `X-Requested-With`, or an `Origin` not allowed.
    CrossSite,
    /// An ID that is not one, or a project not served.
    NotFound,
    /// The portal (`--auth-url`) did not let this viewer start it.
    NotAllowed,
    /// Within `--sync-cooldown` of the last trigger of this dataset.
    Cooldown,
    /// The client's `--upstream-rate-limit` budget is spent.
    RateLimited,
}

impl SyncResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Refused => "refused-upstream",
            Self::Failed => "upstream-failed",
            Self::NotEnabled => "not-enabled",
            Self::CrossSite => "cross-site",
            Self::NotFound => "not-found",
            Self::NotAllowed => "not-allowed",
            Self::Cooldown => "cooldown",
            Self::RateLimited => "rate-limited",
        }
    }
}

/// Checks that a request to start a sync cannot have come from a page of
/// another site (see the module's documentation). The error says why.
pub fn check_caller(
    headers: &HeaderMap,
    uri: &Uri,
    origins: &Origins,
    public: &PublicOrigins,
) -> Result<(), ApiError> {
    if !headers.contains_key(REQUESTED_WITH) {
        return Err(ApiError::cross_site(
            "Forbidden: a sync is started by a script, with an X-Requested-With header.",
        ));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default();
    if origins.allows(origin) || public.is_own(origin, request_host(headers, uri)) {
        Ok(())
    } else {
        Err(ApiError::cross_site(
            "Forbidden: this origin may not start a sync through this proxy.",
        ))
    }
}

/// When each dataset may be synchronized again.
pub struct Cooldowns {
    period: Duration,
    until: Mutex<HashMap<Target, Instant>>,
}

impl Cooldowns {
    pub fn new(period: Duration) -> Self {
        Self {
            period,
            until: Mutex::new(HashMap::new()),
        }
    }

    /// Starts the cooldown of `target` if it is not running (the trigger may
    /// go ahead), or says how long it still runs. Taken before the upstream
    /// request, so concurrent triggers of one dataset make one request.
    pub fn start(&self, target: &Target, now: Instant) -> Result<(), Duration> {
        let mut until = self.until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(end) = until.get(target) {
            if *end > now {
                return Err(*end - now);
            }
        }
        if until.len() >= PRUNE_AT {
            until.retain(|_, end| *end > now);
        }
        until.insert(target.clone(), now + self.period);
        Ok(())
    }

    /// Ends the cooldown of `target`: the trigger did not start a sync.
    /// How long a trigger keeps its dataset from another.
    pub fn period(&self) -> Duration {
        self.period
    }

    pub fn cancel(&self, target: &Target) {
        self.until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(target);
    }
}

/// Whether the cooldown stays after the upstream's answer to a trigger
/// (`None`: no answer).
///
/// It stays unless the upstream refused the request outright with a 4xx
/// other than 429 (400 text dataset or dataset unknown, 401, 403, 404):
/// then no sync started and none will, so keeping the dataset locked would
/// only stop the user from retrying once the cause is fixed, and the
/// repeated refusals are cheap for the upstream and capped per client by
/// `--rate-limit` and `--upstream-rate-limit`. A success started a sync;
/// a 429 asks to slow down; a 5xx or no answer (timeout, lost connection)
/// may have started one: in all these the cooldown stays, since a sync is
/// the expensive thing it protects against.
pub fn keeps_cooldown(upstream_status: Option<StatusCode>) -> bool {
    match upstream_status {
        Some(status) if status.is_client_error() => status == StatusCode::TOO_MANY_REQUESTS,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn target(d: &str) -> Target {
        Target {
            project_id: "p".into(),
            dataset_id: d.into(),
        }
    }

    #[test]
    fn one_trigger_per_dataset_per_period() {
        let c = Cooldowns::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(c.start(&target("a"), t0).is_ok());
        let wait = c
            .start(&target("a"), t0 + Duration::from_secs(15))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(45));
        // Per dataset, and per project.
        assert!(c.start(&target("b"), t0).is_ok());
        let other_project = Target {
            project_id: "q".into(),
            dataset_id: "a".into(),
        };
        assert!(c.start(&other_project, t0).is_ok());
        // Over when the period is.
        assert!(c.start(&target("a"), t0 + Duration::from_secs(60)).is_ok());
        assert!(c.start(&target("a"), t0 + Duration::from_secs(61)).is_err());
        c.cancel(&target("a"));
        assert!(c.start(&target("a"), t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn ended_cooldowns_are_pruned() {
        let c = Cooldowns::new(Duration::from_secs(1));
        let t0 = Instant::now();
        for i in 0..PRUNE_AT + 5 {
            assert!(c.start(&target(&format!("d{i}")), t0).is_ok());
        }
        assert!(c.start(&target("x"), t0 + Duration::from_secs(2)).is_ok());
        assert!(c.until.lock().unwrap().len() < PRUNE_AT);
    }

    #[test]
    fn which_answers_keep_the_cooldown() {
        for kept in [None, Some(200), Some(204), Some(429), Some(500), Some(503)] {
            let status = kept.map(|s| StatusCode::from_u16(s).unwrap());
            assert!(keeps_cooldown(status), "{kept:?}");
        }
        for released in [400, 401, 403, 404] {
            assert!(!keeps_cooldown(Some(
                StatusCode::from_u16(released).unwrap()
            )));
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let origins = Origins::List(vec!["https://portal.example".into()]);
        let public = PublicOrigins(vec!["http://proxy.internal:9009".into()]);
        let uri = Uri::from_static("/v2/p/datasets/d/sync-data");
        let check = |pairs: &[(&'static str, &'static str)]| {
            check_caller(&headers(pairs), &uri, &origins, &public).map_err(|e| e.status)
        };
        let host = ("host", "proxy.internal:9009");
        // A form: no custom header, whatever the origin.
        assert!(check(&[host]).is_err());
        assert!(check(&[host, ("origin", "https://evil.example")]).is_err());
        assert!(check(&[host, ("origin", "http://proxy.internal:9009")]).is_err());
        // A script: the header, and an origin that is the proxy's own, an
        // allowed one, or none.
        let xrw = ("x-requested-with", "XMLHttpRequest");
        assert!(check(&[host, xrw]).is_ok());
        assert!(check(&[
            host,
            ("x-requested-with", ""),
            ("origin", "https://portal.example")
        ])
        .is_ok());
        assert!(check(&[host, xrw, ("origin", "http://proxy.internal:9009")]).is_ok());
        assert!(check(&[
            ("host", "Proxy.Internal:9009"),
            xrw,
            ("origin", "http://proxy.internal:9009")
        ])
        .is_ok());
        // Own is the --public-origin, not whatever the Host says...
        assert!(check(&[
            ("host", "rebind.attacker.example"),
            xrw,
            ("origin", "http://rebind.attacker.example")
        ])
        .is_err());
        // ...but for a loopback address or localhost, which cannot be rebound.
        assert!(check(&[
            ("host", "127.0.0.1:9009"),
            xrw,
            ("origin", "http://127.0.0.1:9009")
        ])
        .is_ok());
        assert!(check(&[
            ("host", "localhost:80"),
            xrw,
            ("origin", "http://localhost")
        ])
        .is_ok());
        for foreign in [
            "https://evil.example",
            "null",
            "https://proxy.internal:9009",
            "http://proxy.internal:9010",
            "https://portal.example.evil.example",
        ] {
            let refused = check(&[host, xrw, ("origin", foreign)]);
            assert_eq!(refused, Err(StatusCode::FORBIDDEN), "{foreign}");
        }
    }
}
