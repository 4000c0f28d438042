//! The routes, and the order of the layers around them.
//!
//! ```text
//! client address (--trusted-proxy) → access log (and request metrics) → nosniff → CORS (answers preflights)
//!   → Host (--public-origin, else 421) → routes
//!   /healthz
//!   /metrics                                                       (unless --metrics-listen)
//!   the API routes below: --rate-limit → viewer's Cookie/Authorization taken off (`auth`) →
//!   [/api]/v2/{project_id}/datasets/{dataset_id}/sync-data/status
//!       --mock:     [--mock-auth: the viewer] → the mock
//!       --upstream: method → validation → --project → [--auth-url: the viewer]
//!                   → cache/single-flight
//!                   → on a miss: --upstream-rate-limit → [--redis: shared cache/lock] → upstream
//!   [/api]/v2/{project_id}/datasets/sync-data/status?dataset_ids=a,b
//!       batch: each dataset as above (`batch`), gathered in one answer
//!   [/api]/v2/{project_id}/datasets/{dataset_id}/sync-data
//!       without --allow-sync: 405
//!       with it (`sync`): POST → X-Requested-With, Origin → validation → --project
//!                   → [--auth-url: the viewer] → --sync-cooldown (per dataset)
//!           --mock:     the mock restarts the dataset's task
//!           --upstream: --upstream-rate-limit → upstream POST (never cached,
//!                       never shared with GETs) → on success, the dataset's
//!                       cached status dropped (here, and in Redis)
//!   /__mock/requests, /__mock/auth (see `auth::mock_endpoint`)     (--mock only)
//!   anything else: --static files, or JSON 404/405
//! ```

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::json;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::access_log::{self, Outcome};
use crate::auth::{self, Authorizer, Viewer};
use crate::cache::{SingleFlight, Source};
use crate::client::{ClientIp, TrustedProxies};
use crate::cors::{Cors, Origins};
use crate::errors::{self, ApiError};
use crate::host::PublicOrigins;
use crate::metrics::{Limit, Metrics};
use crate::mock::Mock;
use crate::rate_limit::{self, Budget, RateLimiter};
use crate::redis_cache::SharedCache;
use crate::settings::{Mode, Settings, UpstreamSettings};
use crate::sync::{self, Cooldowns, SyncResult};
use crate::upstream::{BuildError, Upstream, UpstreamAnswer};
use crate::validation::{self, Rejection, Target};
use crate::{batch, client, cors, host, metrics, static_files};

/// The API path, as the router spells it.
pub const STATUS_PATH: &str = "/v2/{project_id}/datasets/{dataset_id}/sync-data/status";
/// The same under `/api`, the widget's default proxy URL.
pub const STATUS_PATH_UNDER_API: &str =
    "/api/v2/{project_id}/datasets/{dataset_id}/sync-data/status";

/// The batch path (`batch`), as the router spells it.
pub const BATCH_PATH: &str = "/v2/{project_id}/datasets/sync-data/status";
pub const BATCH_PATH_UNDER_API: &str = "/api/v2/{project_id}/datasets/sync-data/status";

/// The path that starts a sync (`POST`, with `--allow-sync`).
pub const SYNC_PATH: &str = "/v2/{project_id}/datasets/{dataset_id}/sync-data";
pub const SYNC_PATH_UNDER_API: &str = "/api/v2/{project_id}/datasets/{dataset_id}/sync-data";

/// The whole service for these settings.
pub fn router(settings: Settings) -> Result<Router, BuildError> {
    let metrics = settings.metrics;
    let authorizer = match &settings.auth {
        Some(auth) => Some(Arc::new(Authorizer::new(auth, Arc::clone(&metrics))?)),
        None => None,
    };
    let mut shared = None;
    let gate = settings.sync.map(|sync| {
        Arc::new(SyncGate {
            cooldowns: Cooldowns::new(sync.cooldown),
            origins: settings.origins.clone(),
            public: settings.public_origins.clone(),
            metrics: Arc::clone(&metrics),
        })
    });
    let mock = matches!(settings.mode, Mode::Mock { .. });
    let mut status = match settings.mode {
        Mode::Mock { cycle } => mock_routes(Arc::new(Mock::new(cycle)), gate.clone()),
        Mode::Upstream(upstream) => {
            let proxy = Arc::new(Proxy::new(&upstream, Arc::clone(&metrics))?);
            shared = proxy.shared.clone();
            if let Some(shared) = &shared {
                let shared = Arc::clone(shared);
                metrics.count_redis_faults(move || shared.faults());
            }
            proxy_routes(proxy, gate.clone())
        }
    };
    // Layers added later run first: the rate limit, then the viewer.
    if let Some(authorizer) = authorizer {
        status = status.route_layer(middleware::from_fn_with_state(authorizer, auth::middleware));
    }
    if let Some(per_minute) = settings.rate_limit {
        status = status.route_layer(middleware::from_fn_with_state(
            (limiter(per_minute), Arc::clone(&metrics)),
            rate_limit::enforce,
        ));
    }
    let mut router = Router::new()
        .route("/healthz", get(move || healthz(shared.clone())))
        .merge(status)
        .method_not_allowed_fallback(errors::method_not_allowed);
    if mock {
        // Outside the API routes' layers: it reads the viewer's cookie.
        router = router.route("/__mock/auth", get(auth::mock_endpoint));
    }
    if settings.metrics_listen.is_none() {
        router = router.merge(metrics::router(Arc::clone(&metrics)));
    }
    router = match settings.static_dir {
        Some(dir) => router.fallback_service(static_files::router(dir)),
        None => router.fallback(errors::fallback),
    };
    let cors = Cors {
        origins: settings.origins,
        sync: gate.is_some(),
    };
    Ok(with_layers(
        router,
        settings.public_origins,
        cors,
        metrics,
        settings.trusted_proxies,
    ))
}

/// The layers every request goes through, the last added first: the
/// client's address, the access log, `nosniff`, CORS, then the Host check.
fn with_layers(
    router: Router,
    public_origins: PublicOrigins,
    cors: Cors,
    metrics: Arc<Metrics>,
    trusted_proxies: TrustedProxies,
) -> Router {
    router
        .layer(middleware::from_fn_with_state(
            Arc::new(public_origins),
            host::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(cors),
            cors::middleware,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(middleware::from_fn_with_state(
            metrics,
            access_log::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::new(trusted_proxies),
            client::middleware,
        ))
}

/// Always 200 while the proxy serves (Redis being down changes nothing a
/// viewer sees); with `--redis`, says whether it is in use and how many
/// Redis operations failed since start (never its URL).
async fn healthz(shared: Option<Arc<SharedCache>>) -> Json<serde_json::Value> {
    match shared {
        Some(shared) => Json(json!({
            "status": "ok",
            "redis": shared.state(),
            "redis_faults": shared.faults(),
        })),
        None => Json(json!({"status": "ok"})),
    }
}

fn limiter(per_minute: NonZeroU32) -> Arc<RateLimiter> {
    Arc::new(RateLimiter::new(per_minute))
}

// --- mock mode -------------------------------------------------------------

/// The mock takes any IDs the router extracts (decoded), like ModelArts
/// would take any path segment: it stands in for the upstream, not for the
/// proxy's checks.
fn mock_routes(mock: Arc<Mock>, gate: Option<Arc<SyncGate>>) -> Router {
    let sync = Router::new()
        .route(SYNC_PATH, any(mock_sync))
        .route(SYNC_PATH_UNDER_API, any(mock_sync))
        .with_state((Arc::clone(&mock), gate));
    Router::new()
        .route(STATUS_PATH, get(mock_status))
        .route(STATUS_PATH_UNDER_API, get(mock_status))
        .route(BATCH_PATH, get(mock_batch))
        .route(BATCH_PATH_UNDER_API, get(mock_batch))
        .route("/__mock/requests", get(mock_counts).delete(mock_reset))
        .with_state(mock)
        .merge(sync)
}

/// The mock behind the same guards as the proxy (a widget developed against
/// it meets the 403, 405 and 429 it will meet in production).
async fn mock_sync(
    State((mock, gate)): State<(Arc<Mock>, Option<Arc<SyncGate>>)>,
    viewer: Viewer,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    sync_flow(
        gate.as_deref(),
        &viewer,
        Request {
            method: &method,
            headers: &headers,
            uri: &uri,
        },
        |_| true,
        |target| async move {
            let response = mock.trigger(&target.project_id, &target.dataset_id).await;
            let status = response.status();
            Ok((response, Some(status)))
        },
    )
    .await
}

async fn mock_status(
    State(mock): State<Arc<Mock>>,
    viewer: Viewer,
    Path((project_id, dataset_id)): Path<(String, String)>,
) -> Response {
    mock_answer(&mock, &viewer, &project_id, &dataset_id).await
}

async fn mock_batch(
    State(mock): State<Arc<Mock>>,
    viewer: Viewer,
    Path(project_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let ids = match batch::dataset_ids(query.as_deref()) {
        Ok(ids) => ids,
        Err(error) => return error.into_response(),
    };
    batch::answer(ids, |dataset_id| {
        let (mock, viewer, project_id) = (Arc::clone(&mock), viewer.clone(), project_id.clone());
        async move { mock_answer(&mock, &viewer, &project_id, &dataset_id).await }
    })
    .await
}

/// The viewer (with `--mock-auth`), then the mock.
async fn mock_answer(mock: &Mock, viewer: &Viewer, project_id: &str, dataset_id: &str) -> Response {
    if let Err(refusal) = viewer.may(project_id, dataset_id).await {
        return refusal.into_response();
    }
    mock.answer(project_id, dataset_id).await
}

async fn mock_counts(State(mock): State<Arc<Mock>>) -> Response {
    Json(json!({
        "requests": mock.request_counts(),
        "triggers": mock.trigger_counts(),
    }))
    .into_response()
}

async fn mock_reset(State(mock): State<Arc<Mock>>) -> StatusCode {
    mock.reset();
    StatusCode::NO_CONTENT
}

// --- upstream mode ---------------------------------------------------------

/// The upstream client, the project allow-list, the answers (this
/// replica's, and those shared through Redis) and the limit on misses.
struct Proxy {
    upstream: Arc<Upstream>,
    projects: Vec<String>,
    answers: Arc<SingleFlight<Target, UpstreamAnswer>>,
    shared: Option<Arc<SharedCache>>,
    misses: Option<RateLimiter>,
    budget: Option<Budget>,
    metrics: Arc<Metrics>,
}

impl Proxy {
    fn new(settings: &UpstreamSettings, metrics: Arc<Metrics>) -> Result<Self, BuildError> {
        let shared = match &settings.redis {
            Some(url) => Some(Arc::new(
                SharedCache::new(url, settings.cache_ttl, settings.timeout)
                    .map_err(BuildError::Redis)?,
            )),
            None => None,
        };
        Ok(Self {
            upstream: Arc::new(
                Upstream::new(
                    &settings.base,
                    &settings.credentials,
                    settings.project_header.as_deref(),
                    settings.timeout,
                )?
                .with_metrics(Arc::clone(&metrics)),
            ),
            projects: settings.projects.clone(),
            answers: Arc::new(SingleFlight::with_entries(
                settings.cache_ttl,
                settings.cache_entries,
            )),
            shared,
            misses: settings.upstream_rate_limit.map(RateLimiter::new),
            budget: settings.upstream_budget.map(Budget::new),
            metrics,
        })
    }

    /// Takes one upstream request from the client's `--upstream-rate-limit`,
    /// then from the replica's `--upstream-budget`, or the 429 to answer.
    fn admit(&self, client: IpAddr) -> Result<(), ApiError> {
        let now = Instant::now();
        if let Some(misses) = &self.misses {
            misses.check(client, now).map_err(|wait| {
                self.metrics.limited(Limit::UpstreamPerClient);
                rate_limit::refusal(wait)
            })?;
        }
        if let Some(budget) = &self.budget {
            budget.take(now).map_err(|wait| {
                self.metrics.limited(Limit::UpstreamBudget);
                ApiError::budget_spent(wait.as_secs_f64().ceil().max(1.0) as u64)
            })?;
        }
        Ok(())
    }

    fn allows(&self, project_id: &str) -> bool {
        self.projects.is_empty() || self.projects.iter().any(|p| p == project_id)
    }
}

fn proxy_routes(proxy: Arc<Proxy>, gate: Option<Arc<SyncGate>>) -> Router {
    // `any`: other methods get the proxy's own JSON 405, and every path
    // these patterns match is checked again by `validation`.
    let sync = Router::new()
        .route(SYNC_PATH, any(proxy_sync))
        .route(SYNC_PATH_UNDER_API, any(proxy_sync))
        .with_state((Arc::clone(&proxy), gate));
    Router::new()
        .route(STATUS_PATH, any(proxy_status))
        .route(STATUS_PATH_UNDER_API, any(proxy_status))
        .route(BATCH_PATH, any(proxy_batch))
        .route(BATCH_PATH_UNDER_API, any(proxy_batch))
        .with_state(proxy)
        .merge(sync)
}

async fn proxy_status(
    State(proxy): State<Arc<Proxy>>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    viewer: Viewer,
    method: Method,
    uri: Uri,
) -> Response {
    if method != Method::GET {
        return ApiError::method_not_allowed().into_response();
    }
    match validation::status_target(uri.path()) {
        Ok(target) => proxy_answer(proxy, client, &viewer, target).await,
        Err(rejection) => ApiError::not_found(rejection.message()).into_response(),
    }
}

async fn proxy_batch(
    State(proxy): State<Arc<Proxy>>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    viewer: Viewer,
    method: Method,
    uri: Uri,
) -> Response {
    if method != Method::GET {
        return ApiError::method_not_allowed().into_response();
    }
    let project_id = match validation::batch_project(uri.path()) {
        Ok(project_id) if proxy.allows(&project_id) => project_id,
        Ok(_) => {
            return ApiError::not_found(Rejection::ProjectNotAllowed.message()).into_response()
        }
        Err(rejection) => return ApiError::not_found(rejection.message()).into_response(),
    };
    let ids = match batch::dataset_ids(uri.query()) {
        Ok(ids) => ids,
        Err(error) => return error.into_response(),
    };
    batch::answer(ids, |dataset_id| {
        let target = validation::batch_target(&project_id, &dataset_id);
        let (proxy, viewer) = (Arc::clone(&proxy), viewer.clone());
        async move {
            match target {
                Ok(target) => proxy_answer(proxy, client, &viewer, target).await,
                Err(rejection) => ApiError::not_found(rejection.message()).into_response(),
            }
        }
    })
    .await
}

/// One dataset's answer: the project allow-list, the viewer (with
/// `--auth-url`), then the answers this replica holds or is fetching; on a
/// miss, the client's upstream budget, then Redis (with `--redis`) or the
/// upstream.
async fn proxy_answer(
    proxy: Arc<Proxy>,
    client: IpAddr,
    viewer: &Viewer,
    target: Target,
) -> Response {
    if !proxy.allows(&target.project_id) {
        return ApiError::not_found(Rejection::ProjectNotAllowed.message()).into_response();
    }
    if let Err(refusal) = viewer.may(&target.project_id, &target.dataset_id).await {
        return refusal.into_response();
    }
    let upstream = Arc::clone(&proxy.upstream);
    let shared = proxy.shared.clone();
    let fetched = target.clone();
    let admit = || proxy.admit(client);
    let answered = proxy
        .answers
        .get_or_fetch_admitted(
            target,
            admit,
            move || async move {
                let fetch = async { upstream.fetch(&fetched).await };
                match shared {
                    Some(shared) => shared.answer(&fetched, fetch).await,
                    None => (fetch.await, Duration::ZERO),
                }
            },
            || UpstreamAnswer::bad_gateway("The upstream request failed."),
        )
        .await;
    let (answer, source) = match answered {
        Ok(answered) => answered,
        Err(refusal) => return refusal.into_response(),
    };
    proxy.metrics.cache(source);
    if source == Source::Miss {
        proxy.metrics.cache_entries(proxy.answers.len());
    }
    let mut response = answer.to_response();
    response.extensions_mut().insert(Outcome {
        upstream_status: answer.upstream_status.map(|s| s.as_u16()),
        cache: Some(source),
    });
    response
}

// --- sync (--allow-sync) ---------------------------------------------------

/// What `--allow-sync` adds: the cooldowns, and the origins a trigger may
/// come from (those of `--allow-origin`, or the mock's loopback default,
/// and the proxy's own).
struct SyncGate {
    cooldowns: Cooldowns,
    origins: Origins,
    public: PublicOrigins,
    metrics: Arc<Metrics>,
}

/// The upstream POST: the trigger for this dataset, never cached and never
/// shared with the status requests. A success drops the dataset's cached
/// status (this replica's, and the one shared through Redis), so the next
/// GET asks the upstream and shows the new task rather than the old one.
async fn proxy_sync(
    State((proxy, gate)): State<(Arc<Proxy>, Option<Arc<SyncGate>>)>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    viewer: Viewer,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let allows = |project_id: &str| proxy.allows(project_id);
    let cooldown = gate
        .as_ref()
        .map(|g| (g.cooldowns.period(), Arc::clone(&g.metrics)));
    let send = |target| send_sync(Arc::clone(&proxy), client, cooldown, target);
    let request = Request {
        method: &method,
        headers: &headers,
        uri: &uri,
    };
    sync_flow(gate.as_deref(), &viewer, request, allows, send).await
}

/// What a sync costs: a result to show, or a refusal and why.
type SyncSent = Result<(Response, Option<StatusCode>), (Response, SyncResult)>;

/// Sends a sync the guards let through: claims the replicas' cooldown
/// (with --redis and `cooldown`: the period and where to count a refusal),
/// spends the client's upstream allowance, then triggers the upstream.
async fn send_sync(
    proxy: Arc<Proxy>,
    client: IpAddr,
    cooldown: Option<(Duration, Arc<Metrics>)>,
    target: Target,
) -> SyncSent {
    // With --redis, the cooldown is the replicas' together.
    let mut claimed = None;
    if let (Some(shared), Some((period, metrics))) = (&proxy.shared, &cooldown) {
        match shared.claim_cooldown(&target, *period).await {
            Ok(token) => claimed = token,
            Err(wait) => {
                metrics.limited(Limit::SyncCooldown);
                let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
                return Err((
                    ApiError::sync_cooldown(secs).into_response(),
                    SyncResult::Cooldown,
                ));
            }
        }
    }
    if let Err(refusal) = proxy.admit(client) {
        if let (Some(shared), Some(token)) = (&proxy.shared, &claimed) {
            shared.release_cooldown(&target, token).await;
        }
        return Err((refusal.into_response(), SyncResult::RateLimited));
    }
    // In a task of its own: a client that goes away mid-request neither
    // cuts the trigger short nor skips dropping the stale status (its
    // cooldown then simply stays).
    let trigger = tokio::spawn(async move {
        let answer = proxy.upstream.trigger(&target).await;
        if answer.status.is_success() {
            proxy.answers.forget(&target);
            if let Some(shared) = &proxy.shared {
                shared.forget(&target).await;
            }
        }
        if let (Some(shared), Some(token)) = (&proxy.shared, &claimed) {
            if !sync::keeps_cooldown(answer.upstream_status) {
                shared.release_cooldown(&target, token).await;
            }
        }
        answer
    });
    let answer = trigger
        .await
        .unwrap_or_else(|_| UpstreamAnswer::bad_gateway("The upstream request failed."));
    let mut response = answer.to_response();
    response.extensions_mut().insert(Outcome {
        upstream_status: answer.upstream_status.map(|s| s.as_u16()),
        cache: None,
    });
    Ok((response, answer.upstream_status))
}

/// The parts of a trigger request the guards read.
struct Request<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    uri: &'a Uri,
}

/// The guards every trigger passes, in order (see `sync`), then `send`:
/// the upstream's (or mock's) answer and status (`None`: no answer), or
/// `Err` with a refusal and its result when the request was not sent after
/// all (this replica's cooldown is then ended, as nothing started).
async fn sync_flow<S, Fut>(
    gate: Option<&SyncGate>,
    viewer: &Viewer,
    Request {
        method,
        headers,
        uri,
    }: Request<'_>,
    allows: impl Fn(&str) -> bool,
    send: S,
) -> Response
where
    S: FnOnce(Target) -> Fut,
    Fut: std::future::Future<Output = SyncSent>,
{
    let Some(gate) = gate else {
        // Not there: a POST is 405 (and says why), anything else what any
        // unknown path gets.
        if method != Method::POST {
            return errors::fallback(method.clone()).await;
        }
        return with_result(
            ApiError::sync_not_enabled().into_response(),
            SyncResult::NotEnabled,
        );
    };
    if method != Method::POST {
        return ApiError::sync_method_not_allowed().into_response();
    }
    if let Err(error) = sync::check_caller(headers, uri, &gate.origins, &gate.public) {
        return with_result(error.into_response(), SyncResult::CrossSite);
    }
    let target = match validation::sync_target(uri.path()) {
        Ok(target) if allows(&target.project_id) => target,
        Ok(_) => {
            return with_result(
                ApiError::not_found(Rejection::ProjectNotAllowed.message()).into_response(),
                SyncResult::NotFound,
            )
        }
        Err(rejection) => {
            return with_result(
                ApiError::not_found(rejection.message()).into_response(),
                SyncResult::NotFound,
            )
        }
    };
    if let Err(refusal) = viewer.may(&target.project_id, &target.dataset_id).await {
        return with_result(refusal.into_response(), SyncResult::NotAllowed);
    }
    if let Err(wait) = gate.cooldowns.start(&target, Instant::now()) {
        gate.metrics.limited(Limit::SyncCooldown);
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        return with_result(
            ApiError::sync_cooldown(secs).into_response(),
            SyncResult::Cooldown,
        );
    }
    match send(target.clone()).await {
        Err((refusal, result)) => {
            gate.cooldowns.cancel(&target);
            with_result(refusal, result)
        }
        Ok((response, upstream_status)) => {
            if !sync::keeps_cooldown(upstream_status) {
                gate.cooldowns.cancel(&target);
            }
            let result = match upstream_status {
                Some(status) if status.is_success() => SyncResult::Started,
                Some(_) => SyncResult::Refused,
                None => SyncResult::Failed,
            };
            with_result(response, result)
        }
    }
}

fn with_result(mut response: Response, result: SyncResult) -> Response {
    response.extensions_mut().insert(result);
    response
}
